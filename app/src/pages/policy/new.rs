//! New policy (operators): group, name, description, type, and the document in the editor.

use crate::api::policies::{get_policy_group_options, CreatePolicy};
use crate::components::form::{form_error, Field, FormError, SelectField};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::pages::policy::editor::PolicyEditor;
use domain::account::CurrentUser;
use domain::policy::{PolicyType, MAX_POLICY_DESCRIPTION_LEN, MAX_POLICY_NAME_LEN};
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// New policy page.
#[component]
pub fn NewPolicyPage() -> impl IntoView {
    view! {
        <Title text="New policy"/>
        <RequireRole roles=Role::OPERATOR.to_vec() view=|_u: CurrentUser| view! { <NewBody/> }/>
    }
}

#[component]
fn NewBody() -> impl IntoView {
    let groups = Resource::new(|| (), |_| get_policy_group_options());
    view! {
        <p><A href="/policies">"‹ All policies"</A></p>
        <h1>"New policy"</h1>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match groups.await {
                    Ok(g) if g.is_empty() => view! {
                        <p class="notice" data-testid="no-groups">"There is no active policy group yet. " <A href="/policies/groups">"Create a policy group"</A> " first."</p>
                    }.into_any(),
                    Ok(g) => view! { <NewForm groups=g.into_iter().map(|g| (g.id, g.name)).collect()/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NewForm(groups: Vec<(String, String)>) -> impl IntoView {
    let create = ServerAction::<CreatePolicy>::new();
    let error = form_error(move || create.value().get());
    let query = use_query_map();
    let wanted_type = query
        .with_untracked(|q| q.get("type"))
        .and_then(|t| PolicyType::parse(&t))
        .unwrap_or(PolicyType::Auth);
    let kind = RwSignal::new(wanted_type);
    let text = RwSignal::new(wanted_type.template().to_string());
    let name = RwSignal::new(String::new());
    let group = query.with_untracked(|q| q.get("group")).unwrap_or_default();
    let on_type = Callback::new(move |v: String| {
        if let Some(t) = PolicyType::parse(&v) {
            // The document belongs to one schema: a new type starts from its template.
            text.set(t.template().to_string());
            kind.set(t);
        }
    });
    let file_name = Signal::derive(move || {
        let n = name.get();
        format!(
            "{}.json",
            if n.trim().is_empty() {
                "policy"
            } else {
                n.trim()
            }
        )
    });
    view! {
        <ActionForm action=create attr:class="panel" attr:data-testid="new-policy-form">
            <FormError error/>
            <div class="grid2">
                <SelectField name="group_id" label="Policy group" error options=groups selected=group placeholder="Choose a group"/>
                <SelectField name="policy_type" label="Type" error
                    options=PolicyType::ALL.iter().map(|t| (t.as_str().to_string(), t.label().to_string())).collect()
                    selected=wanted_type.as_str().to_string()
                    help=Signal::derive(|| "Changing the type starts the document from that type's template.".to_string())
                    on_change=on_type/>
            </div>
            <div class="field">
                <label for="f-name">"Name"</label>
                <input id="f-name" name="name" required maxlength=MAX_POLICY_NAME_LEN data-testid="input-name"
                    aria-invalid=move || crate::components::form::field_message(error, "name").is_some().to_string()
                    on:input=move |ev| name.set(event_target_value(&ev))/>
                <p class="help">"Unique in its group."</p>
                <p class="field-error" data-testid="error-name">{move || crate::components::form::field_message(error, "name")}</p>
            </div>
            <Field name="description" label="Description" error required=false maxlength=MAX_POLICY_DESCRIPTION_LEN/>
            <PolicyEditor kind=kind.into() text error file_name/>
            <button type="submit" class="primary" disabled=move || create.pending().get() data-testid="save-policy">"Save draft"</button>
        </ActionForm>
    }
}
