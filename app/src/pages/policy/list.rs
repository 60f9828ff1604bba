//! Policies (operators): server-side paging, sorting and filtering by type, group, status and
//! name, counts per status as tabs, all in the URL.

use crate::api::policies::{get_policy_group_options, list_policies};
use crate::components::filter::FilterSelect;
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{query_of, ListState, Pager, SortHeader, StatusTabs};
use crate::util::human_ms;
use domain::account::CurrentUser;
use domain::partner::PolicyGroupOption;
use domain::policy::{PolicyList, PolicyQuery, PolicyStatus, PolicyType};
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

const LIST: ListState = ListState::of::<domain::policy::Policies>();

/// Policies page.
#[component]
pub fn PoliciesPage() -> impl IntoView {
    view! {
        <Title text="Policies"/>
        <RequireRole roles=Role::OPERATOR.to_vec() view=|_u: CurrentUser| view! { <PoliciesBody/> }/>
    }
}

fn query_from(q: &ParamsMap) -> PolicyQuery {
    query_of::<domain::policy::Policies>(q)
}

/// A policy's status as a badge.
#[component]
pub fn PolicyBadge(status: PolicyStatus, #[prop(optional)] revision: bool) -> impl IntoView {
    let class = match status {
        PolicyStatus::Draft => "badge wait",
        PolicyStatus::Published => "badge ok",
        PolicyStatus::Deactivated => "badge off",
    };
    view! {
        <span class=class data-testid="policy-status">{status.label()}</span>
        {revision.then(|| view! { " " <span class="badge wait" title="A revision is being prepared">"revision"</span> })}
    }
}

#[component]
fn PoliciesBody() -> impl IntoView {
    let params = use_query_map();
    let list = Resource::new(move || params.with(query_from), list_policies);
    let groups = Resource::new(|| (), |_| get_policy_group_options());
    view! {
        <div class="title-row">
            <h1>"Policies"</h1>
            <div>
                <A href="/policies/groups" attr:class="button secondary">"Policy groups"</A>
                " "
                <A href="/policies/new" attr:class="button" attr:data-testid="new-policy">"New policy"</A>
            </div>
        </div>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let groups = groups.await.unwrap_or_default();
                view! { <Filters groups/> }
            })}
        </Transition>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading policies…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => view! { <StatusTabs state=LIST label="Policies by status" counts=list.counts.iter().map(|(s, n)| (s.as_str(), s.label(), *n)).collect()/> <PoliciesTable list/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Filters(groups: Vec<PolicyGroupOption>) -> impl IntoView {
    let params = use_query_map();
    let get = move |k: &'static str| move || params.with(|q| q.get(k)).unwrap_or_default();
    view! {
        <Form method="GET" action="/policies" attr:class="filters" attr:role="search">
            <label>"Name" <input type="search" name="q" data-testid="filter-q" value=get("q") prop:value=get("q")/></label>
            <FilterSelect name="type" label="Type" any="Any" options={PolicyType::ALL.iter().map(|t| (t.as_str().to_string(), t.label().to_string())).collect()}/>
            <FilterSelect name="status" label="Status" any="Any" options={PolicyStatus::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())).collect()}/>
            <FilterSelect name="group" label="Group" any="Any" options={groups.into_iter().map(|g| (g.id, g.name)).collect()}/>
            <input type="hidden" name="sort" value=get("sort") prop:value=get("sort")/>
            <button type="submit" data-testid="filter-apply">"Apply"</button>
            <A href="/policies">"Clear"</A>
        </Form>
    }
}

#[component]
fn PoliciesTable(list: PolicyList) -> impl IntoView {
    let page = list.page;
    let (page_no, pages, total) = (page.page, page.page_count(), page.total);
    if page.items.is_empty() {
        return view! { <p class="empty" data-testid="policies-empty">"No policies match these filters."</p> }.into_any();
    }
    view! {
        <table class="list" data-testid="policies-table">
            <caption class="muted">{format!("{total} polic{}", if total == 1 { "y" } else { "ies" })}</caption>
            <thead><tr>
                <SortHeader state=LIST key="name" label="Name"/>
                <SortHeader state=LIST key="type" label="Type"/>
                <th>"Group"</th>
                <SortHeader state=LIST key="status" label="Status"/>
                <th>"Version"</th>
                <th>"Valid until"</th>
                <SortHeader state=LIST key="updated" label="Last change"/>
            </tr></thead>
            <tbody>
                {page.items.into_iter().map(|p| view! {
                    <tr data-testid="policy-row">
                        <td><A href=format!("/policies/{}", p.id)>{p.name.clone()}</A></td>
                        <td>{p.policy_type.label()}</td>
                        <td>{p.group_name.clone()}</td>
                        <td><PolicyBadge status=p.status revision=p.has_revision/></td>
                        <td>{if p.version == 0 { "—".to_string() } else { format!("v{}", p.version) }}</td>
                        <td>{p.valid_to.map(human_ms).unwrap_or_else(|| "—".into())}</td>
                        <td>{human_ms(p.updated_at)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <Pager state=LIST page=page_no pages/>
    }
    .into_any()
}
