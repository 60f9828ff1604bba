//! Partners list (PARTNER_ADMIN): server-side paging, sorting and filtering, counts per status,
//! all of it kept in the URL so a view can be bookmarked and shared.

use crate::api::partners::{get_partner_form_options, list_partners};
use crate::components::filter::FilterSelect;
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{query_of, ListState, Pager, SortHeader, StatusTabs, Time};
use crate::pages::partner::profile::StatusBadge;
use domain::account::CurrentUser;
use domain::partner::{PartnerFormOptions, PartnerList, PartnerQuery, PartnerStatus};
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

const LIST: ListState = ListState::of::<domain::partner::Partners>();

/// Partners page.
#[component]
pub fn PartnersPage() -> impl IntoView {
    view! {
        <Title text="Partners"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <PartnersBody/> }/>
    }
}

fn query_from(q: &ParamsMap) -> PartnerQuery {
    query_of::<domain::partner::Partners>(q)
}

#[component]
fn PartnersBody() -> impl IntoView {
    let params = use_query_map();
    let list = Resource::new(move || params.with(query_from), list_partners);
    let options = Resource::new(|| (), |_| get_partner_form_options());
    view! {
        <div class="title-row">
            <h1>"Partners"</h1>
            <crate::components::table::ExportLink href=Signal::derive(move || crate::components::table::export_href("partners", &params.with(query_from)))/>
            <A href="/admin/partners/new" attr:class="button" attr:data-testid="new-partner">"Register a partner"</A>
        </div>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let options = options.await.unwrap_or_default();
                view! { <Filters options/> }
            })}
        </Transition>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading partners…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => view! { <StatusTabs state=LIST label="Partners by status" counts=list.counts.iter().map(|(s, n)| (s.as_str(), s.label(), *n)).collect()/> <PartnersTable list/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Filters(options: PartnerFormOptions) -> impl IntoView {
    let params = use_query_map();
    let get = move |k: &'static str| move || params.with(|q| q.get(k)).unwrap_or_default();
    view! {
        <Form method="GET" action="/admin/partners" attr:class="filters" attr:role="search">
            <label>"Search" <input type="search" name="q" placeholder="Id, organisation or email" data-testid="filter-q" value=get("q") prop:value=get("q")/></label>
            <FilterSelect name="status" label="Status" any="Any" options={PartnerStatus::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())).collect()}/>
            <FilterSelect name="type" label="Type" any="Any" options={options.types.into_iter().map(|t| (t.code, t.description)).collect()}/>
            <FilterSelect name="group" label="Policy group" any="Any" options={options.policy_groups.into_iter().map(|g| (g.id, g.name)).collect()}/>
            <input type="hidden" name="sort" value=get("sort") prop:value=get("sort")/>
            <button type="submit" data-testid="filter-apply">"Apply"</button>
            <A href="/admin/partners">"Clear"</A>
        </Form>
    }
}

#[component]
fn PartnersTable(list: PartnerList) -> impl IntoView {
    let page = list.page;
    let (page_no, pages, total) = (page.page, page.page_count(), page.total);
    if page.items.is_empty() {
        return view! { <p class="empty" data-testid="partners-empty">"No partners match these filters."</p> }.into_any();
    }
    view! {
        <table class="list" data-testid="partners-table">
            <caption class="muted">{format!("{total} partner{}", if total == 1 { "" } else { "s" })}</caption>
            <thead><tr>
                <SortHeader state=LIST key="id" label="Partner id"/>
                <SortHeader state=LIST key="organisation" label="Organisation"/>
                <SortHeader state=LIST key="type" label="Type"/>
                <th>"Policy group"</th>
                <th>"Email"</th>
                <SortHeader state=LIST key="status" label="Status"/>
                <SortHeader state=LIST key="created" label="Registered"/>
            </tr></thead>
            <tbody>
                {page.items.into_iter().map(|p| view! {
                    <tr data-testid="partner-row">
                        <td><A href=format!("/admin/partners/{}", p.id)>{p.id.clone()}</A></td>
                        <td>{p.organisation.clone()}</td>
                        <td>{p.partner_type.clone()}</td>
                        <td>{p.policy_group_name.clone().unwrap_or_else(|| "—".into())}</td>
                        <td>{p.email.clone()}</td>
                        <td><StatusBadge status=p.status/></td>
                        <td><Time at=p.created_at.clone()/></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <Pager state=LIST page=page_no pages/>
    }
    .into_any()
}
