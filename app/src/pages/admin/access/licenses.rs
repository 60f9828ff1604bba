//! Every MISP license.

use super::{admin_key_query, PartnerFilter, LICENSES};
use crate::api::access::{all_licenses, AdminDeactivateLicense};
use crate::components::form::DeactivateRow;
use crate::components::layout::RequireRole;
use crate::components::table::{export_href, ExportLink, PagedList};
use crate::pages::access::keys::{FilterTabs, KeyBadge, KEY_FILTERS};
use crate::util::human_ms;
use domain::access::{KeyStatus, LicenseView};
use domain::account::CurrentUser;
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Every MISP license.
#[component]
pub fn AdminLicensesPage() -> impl IntoView {
    view! {
        <Title text="MISP licenses"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <LicensesBody/> }/>
    }
}

/// Every MISP license (filtered, paged).
#[component]
fn LicensesBody() -> impl IntoView {
    let params = use_query_map();
    let deactivate = ServerAction::<AdminDeactivateLicense>::new();
    let list = Resource::new(
        move || (params.with(admin_key_query), deactivate.version().get()),
        |(q, _)| all_licenses(q),
    );
    let error = move || deactivate.value().get().and_then(|r| r.err());
    view! {
        <h1>"MISP licenses"</h1>
        <ExportLink href=Signal::derive(move || export_href("licenses", &params.with(admin_key_query)))/>
        <FilterTabs state=LICENSES label="License status" options=KEY_FILTERS/>
        <PartnerFilter state=LICENSES/>
        <div role="alert">{move || error().map(|e| view! { <p class="alert">{e.message}</p> })}</div>
        <PagedList list state=LICENSES loading="Loading licenses…" empty_id="licenses-empty" empty="No license here."
            render={move |items| licenses_table(items, deactivate)}/>
    }
}

/// Every MISP license, each active one with its deactivation.
fn licenses_table(
    items: Vec<LicenseView>,
    deactivate: ServerAction<AdminDeactivateLicense>,
) -> impl IntoView {
    view! {
        <table class="list" data-testid="admin-licenses">
            <thead><tr><th>"Partner"</th><th>"Key"</th><th>"Valid from"</th><th>"Valid until"</th><th>"Status"</th><th></th></tr></thead>
            <tbody>
                {items.into_iter().map(|l| view! {
                    <tr data-testid="admin-license-row">
                        <td>{l.organisation.clone()} <span class="muted">" " {l.partner_id.clone()}</span></td>
                        <td class="mono">{format!("{}…", l.prefix)}</td>
                        <td>{human_ms(l.valid_from)}</td>
                        <td>{human_ms(l.valid_to)}</td>
                        <td><KeyBadge status=l.status/></td>
                        <td class="actions">{(l.status == KeyStatus::Active).then(|| view! {
                            <DeactivateRow action=deactivate id=l.id.clone() test_id="admin-license"
                                question=format!("Deactivate the license of {}? Its services stop working.", l.organisation)/>
                        })}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
