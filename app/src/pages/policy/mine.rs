//! A partner's view of policies: the published policies of its own policy group, read-only,
//! with the document to read and download.

use crate::api::policies::{my_policies, my_policy};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::util::human_ms;
use domain::account::CurrentUser;
use domain::policy::PolicyDetail;
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// The partner's policies page.
#[component]
pub fn MyPoliciesPage() -> impl IntoView {
    view! {
        <Title text="Policies"/>
        <RequireRole roles=Role::PARTNER.to_vec() view=|_u: CurrentUser| view! { <MyPoliciesBody/> }/>
    }
}

#[component]
fn MyPoliciesBody() -> impl IntoView {
    let list = Resource::new(|| (), |_| my_policies(None));
    view! {
        <h1>"Policies of your policy group"</h1>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading policies…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(None) => view! {
                        <p class="empty" data-testid="my-policies-unavailable">"Policies are shown here once your registration is approved, for partner types that work with policies."</p>
                    }.into_any(),
                    Ok(Some(page)) if page.items.is_empty() => view! {
                        <p class="empty" data-testid="my-policies-empty">"No published policy in your policy group yet."</p>
                    }.into_any(),
                    Ok(Some(page)) => view! {
                        <table class="list" data-testid="my-policies">
                            <thead><tr><th>"Name"</th><th>"Type"</th><th>"Group"</th><th>"Version"</th><th>"Valid until"</th></tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|p| view! {
                                    <tr data-testid="my-policy-row">
                                        <td><A href=format!("/partner/policies/{}", p.id)>{p.name.clone()}</A></td>
                                        <td>{p.policy_type.label()}</td>
                                        <td>{p.group_name.clone()}</td>
                                        <td>{format!("v{}", p.version)}</td>
                                        <td>{p.valid_to.map(human_ms).unwrap_or_default()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// One published policy, as its partners see it.
#[component]
pub fn MyPolicyPage() -> impl IntoView {
    view! {
        <Title text="Policy"/>
        <RequireRole roles=Role::PARTNER.to_vec() view=|_u: CurrentUser| view! { <MyPolicyBody/> }/>
    }
}

#[component]
fn MyPolicyBody() -> impl IntoView {
    let params = use_params_map();
    let policy = Resource::new(
        move || params.with(|p| p.get("id")).unwrap_or_default(),
        my_policy,
    );
    view! {
        <p><A href="/partner/policies">"‹ Policies"</A></p>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading policy…"</p> }>
            {move || Suspend::new(async move {
                match policy.await {
                    Ok(d) => view! { <Published d/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Published(d: PolicyDetail) -> impl IntoView {
    let s = d.summary;
    let href = format!(
        "data:application/json;charset=utf-8,{}",
        crate::util::encode_query(&d.document)
    );
    view! {
        <div class="title-row">
            <h1 data-testid="policy-title">{s.name.clone()}</h1>
            <a class="button secondary" href=href download=format!("{}-v{}.json", s.name, s.version) data-testid="download-live">"Download"</a>
        </div>
        <dl class="facts">
            <dt>"Type"</dt><dd>{s.policy_type.label()}</dd>
            <dt>"Group"</dt><dd>{s.group_name.clone()}</dd>
            <dt>"Description"</dt><dd>{d.description.clone()}</dd>
            <dt>"Version"</dt><dd>{format!("v{}", s.version)}</dd>
            <dt>"Valid"</dt><dd>{match (s.valid_from, s.valid_to) {
                (Some(f), Some(t)) => format!("{} to {}", human_ms(f), human_ms(t)),
                _ => String::new(),
            }}</dd>
        </dl>
        <pre class="code" data-testid="live-document">{d.document}</pre>
    }
}
