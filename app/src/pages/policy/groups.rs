//! Policy groups (operators): list with counts of policies and partners, paging, sorting and
//! filters in the URL; create; edit the description; deactivate (refused while the group has
//! draft or published policies, with the reason) and reactivate.

use crate::api::policies::{
    list_policy_groups, CreatePolicyGroup, SetPolicyGroupActive, UpdatePolicyGroup,
};
use crate::components::form::{form_error, Field, FormError};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{ListState, Pager, SortHeader};
use domain::account::CurrentUser;
use domain::page::Page;
use domain::policy::{
    PolicyGroupQuery, PolicyGroupRow, MAX_GROUP_DESCRIPTION_LEN, MAX_GROUP_NAME_LEN,
};
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

const LIST: ListState = ListState {
    base: "/policies/groups",
    keys: &["q", "state", "sort", "size", "page"],
    default_sort: "name",
};

/// Policy groups page.
#[component]
pub fn PolicyGroupsPage() -> impl IntoView {
    view! {
        <Title text="Policy groups"/>
        <RequireRole roles=Role::OPERATOR.to_vec() view=|_u: CurrentUser| view! { <GroupsBody/> }/>
    }
}

fn query_from(q: &ParamsMap) -> PolicyGroupQuery {
    PolicyGroupQuery {
        page: q.get("page").and_then(|p| p.parse().ok()),
        page_size: q.get("size").and_then(|p| p.parse().ok()),
        q: q.get("q").filter(|s| !s.is_empty()),
        state: q.get("state").filter(|s| !s.is_empty()),
        sort: q.get("sort").filter(|s| !s.is_empty()),
    }
}

#[component]
fn GroupsBody() -> impl IntoView {
    let params = use_query_map();
    let create = ServerAction::<CreatePolicyGroup>::new();
    let update = ServerAction::<UpdatePolicyGroup>::new();
    let set_active = ServerAction::<SetPolicyGroupActive>::new();
    let groups = Resource::new(
        move || {
            (
                params.with(query_from),
                create.version().get(),
                update.version().get(),
                set_active.version().get(),
            )
        },
        |(query, _, _, _)| list_policy_groups(query),
    );
    let create_error = form_error(move || create.value().get());
    // Each action has its own alert, so one's success never hides the other's error.
    let toggle_error = move || set_active.value().get().and_then(|r| r.err());
    let edit_error = move || update.value().get().and_then(|r| r.err());
    let created = move || create.value().get().and_then(|r| r.ok()).map(|g| g.name);
    // A created group clears the form for the next one; a refused one keeps what was typed.
    let create_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            if let Some(form) = create_form.get_untracked() {
                form.reset();
            }
        }
    });
    let get = move |k: &'static str| move || params.with(|q| q.get(k)).unwrap_or_default();
    let is =
        move |k: &'static str, v: &str| params.with_untracked(|q| q.get(k)).as_deref() == Some(v);
    view! {
        <div class="title-row">
            <h1>"Policy groups"</h1>
            <A href="/policies" attr:class="button secondary">"Policies"</A>
        </div>
        <p class="muted">"A partner of a policy-bound type joins one group and may request only the published policies of its group."</p>
        <Form method="GET" action="/policies/groups" attr:class="filters" attr:role="search">
            <label>"Name" <input type="search" name="q" data-testid="filter-q" value=get("q") prop:value=get("q")/></label>
            <label>"State"
                <select name="state" data-testid="filter-state" prop:value=get("state")>
                    <option value="">"Any"</option>
                    <option value="active" selected=is("state", "active")>"Active"</option>
                    <option value="inactive" selected=is("state", "inactive")>"Deactivated"</option>
                </select>
            </label>
            <input type="hidden" name="sort" value=get("sort") prop:value=get("sort")/>
            <button type="submit" data-testid="filter-apply">"Apply"</button>
            <A href="/policies/groups">"Clear"</A>
        </Form>
        <div role="alert" data-testid="group-error">
            {move || toggle_error().map(|e| view! { <p class="alert">{e.message}</p> })}
            {move || edit_error().map(|e| view! { <p class="alert">{e.message}</p> })}
        </div>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading policy groups…"</p> }>
            {move || Suspend::new(async move {
                match groups.await {
                    Ok(page) => view! { <GroupsTable page update set_active/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
        <section class="panel narrow">
            <h2>"New policy group"</h2>
            {move || created().map(|name| view! { <p class="notice" role="status" data-testid="group-created">"Policy group " <strong>{name}</strong> " created."</p> })}
            <ActionForm action=create node_ref=create_form attr:data-testid="create-group-form">
                <FormError error=create_error/>
                <Field name="name" label="Name" error=create_error maxlength=MAX_GROUP_NAME_LEN help="Unique; partners see it when they register."/>
                <Field name="description" label="Description" error=create_error required=false maxlength=MAX_GROUP_DESCRIPTION_LEN/>
                <button type="submit" class="primary" disabled=move || create.pending().get() data-testid="create-group">"Create group"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn GroupsTable(
    page: Page<PolicyGroupRow>,
    update: ServerAction<UpdatePolicyGroup>,
    set_active: ServerAction<SetPolicyGroupActive>,
) -> impl IntoView {
    let (page_no, pages, total) = (page.page, page.page_count(), page.total);
    if page.items.is_empty() {
        return view! { <p class="empty" data-testid="groups-empty">"No policy groups match these filters."</p> }.into_any();
    }
    view! {
        <table class="list" data-testid="groups-table">
            <caption class="muted">{format!("{total} group{}", if total == 1 { "" } else { "s" })}</caption>
            <thead><tr>
                <SortHeader state=LIST key="name" label="Name"/>
                <th>"Description"</th>
                <th>"Policies"</th>
                <th>"Partners"</th>
                <th>"State"</th>
                <th>"Actions"</th>
            </tr></thead>
            <tbody>
                {page.items.into_iter().map(|g| {
                    let policies_href = format!("/policies?group={}", g.id);
                    let (id1, id2, desc_id) = (g.id.clone(), g.id.clone(), format!("desc-{}", g.id));
                    let (verb, next) = if g.active { ("Deactivate", false) } else { ("Reactivate", true) };
                    let confirm = if g.active && g.live_policies > 0 {
                        format!("{} still has {} draft or published policies; deactivation will be refused until they are deactivated or deleted.", g.name, g.live_policies)
                    } else {
                        format!("{verb} {}?", g.name)
                    };
                    view! {
                        <tr data-testid="group-row">
                            <td data-testid="group-name">{g.name.clone()}</td>
                            <td>{g.description.clone()}</td>
                            <td><A href=policies_href>{format!("{} ({} live)", g.policies, g.live_policies)}</A></td>
                            <td data-testid="group-partners">{g.partners}</td>
                            <td>{if g.active { view! { <span class="badge ok">"Active"</span> } } else { view! { <span class="badge off">"Deactivated"</span> } }}</td>
                            <td class="actions">
                                <details class="confirm">
                                    <summary data-testid="group-edit">"Edit"</summary>
                                    <ActionForm action=update>
                                        <input type="hidden" name="id" value=id1/>
                                        <label for=desc_id.clone()>"Description"</label>
                                        <input id=desc_id name="description" value=g.description.clone() maxlength=MAX_GROUP_DESCRIPTION_LEN data-testid="group-description"/>
                                        <button type="submit" class="primary" data-testid="group-save">"Save"</button>
                                    </ActionForm>
                                </details>
                                <details class="confirm">
                                    <summary data-testid="group-toggle">{verb}</summary>
                                    <ActionForm action=set_active>
                                        <p>{confirm}</p>
                                        <input type="hidden" name="id" value=id2/>
                                        <input type="hidden" name="active" value=next.to_string()/>
                                        <button type="submit" class=if next { "primary" } else { "danger" } data-testid="group-toggle-confirm">{format!("Yes, {}", verb.to_lowercase())}</button>
                                    </ActionForm>
                                </details>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <Pager state=LIST page=page_no pages/>
    }
    .into_any()
}
