//! Every partner's OIDC clients, and the claim and ACR mappings.

use super::{admin_key_query, PartnerFilter, CLIENTS};
use crate::api::access::{
    all_clients, oidc_mappings, AdminDeactivateClient, DeleteOidcMapping, SetOidcMapping,
};
use crate::components::form::DeactivateRow;
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{export_href, ExportLink, PagedList};
use crate::pages::access::clients::EsignetNote;
use crate::pages::access::keys::{FilterTabs, KeyBadge};
use crate::util::human_ms;
use domain::access::{ClientView, KeyStatus, Mapping};
use domain::account::CurrentUser;
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Every OIDC client, and the claim and ACR mappings.
#[component]
pub fn AdminClientsPage() -> impl IntoView {
    view! {
        <Title text="OIDC clients"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <ClientsBody/> }/>
    }
}

const CLIENT_FILTERS: &[(&str, &str)] = &[("ACTIVE", "Active"), ("DEACTIVATED", "Deactivated")];

/// Every OIDC client (filtered, paged) and the claim and ACR mappings.
#[component]
fn ClientsBody() -> impl IntoView {
    let params = use_query_map();
    let deactivate = ServerAction::<AdminDeactivateClient>::new();
    let list = Resource::new(
        move || (params.with(admin_key_query), deactivate.version().get()),
        |(q, _)| all_clients(q),
    );
    let set = ServerAction::<SetOidcMapping>::new();
    let delete = ServerAction::<DeleteOidcMapping>::new();
    let mappings = Resource::new(
        move || (set.version().get(), delete.version().get()),
        |_| oidc_mappings(),
    );
    let error = move || deactivate.value().get().and_then(|r| r.err());
    view! {
        <h1>"OIDC clients"</h1>
        <ExportLink href=Signal::derive(move || export_href("oidc-clients", &params.with(admin_key_query)))/>
        <FilterTabs state=CLIENTS label="Client status" options=CLIENT_FILTERS/>
        <PartnerFilter state=CLIENTS/>
        <div role="alert">{move || error().map(|e| view! { <p class="alert">{e.message}</p> })}</div>
        <PagedList list state=CLIENTS loading="Loading clients…" empty_id="clients-empty" empty="No OIDC client here."
            render={move |items| clients_table(items, deactivate)}/>

        <Mappings mappings set delete/>
    }
}

/// Every partner's OIDC clients, each active one with its deactivation.
fn clients_table(
    items: Vec<ClientView>,
    deactivate: ServerAction<AdminDeactivateClient>,
) -> impl IntoView {
    view! {
        <table class="list" data-testid="admin-clients">
            <thead><tr><th>"Name"</th><th>"Client id"</th><th>"Partner"</th><th>"Policy"</th><th>"Redirect URIs"</th><th>"Claims"</th><th>"ACR values"</th><th>"Status"</th><th>"Created"</th><th></th></tr></thead>
            <tbody>
                {items.into_iter().map(|c| view! {
                    <tr data-testid="admin-client-row">
                        <td>{c.name.clone()}</td>
                        <td class="mono">{c.id.clone()}</td>
                        <td>{c.organisation.clone()} <span class="muted">" " {c.partner_id.clone()}</span></td>
                        <td>{c.policy_name.clone()}</td>
                        <td>{c.redirect_uris.join(" ")}</td>
                        <td>{c.claims.join(", ")}</td>
                        <td>{c.acr_values.join(", ")}</td>
                        <td><KeyBadge status=c.status/><EsignetNote state=c.esignet.clone()/></td>
                        <td>{human_ms(c.created_at)}</td>
                        <td class="actions">{(c.status == KeyStatus::Active).then(|| view! {
                            <DeactivateRow action=deactivate id=c.id.clone() test_id="admin-client"
                                question=format!("Deactivate the client \"{}\" of {}? Its users can no longer sign in through it.", c.name, c.organisation)/>
                        })}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The claim and the ACR mappings, as loaded.
type MappingsResource = Resource<Result<(Vec<Mapping>, Vec<Mapping>), domain::AppError>>;

/// The claim and ACR mapping tables, each with its add-or-change form.
#[component]
fn Mappings(
    mappings: MappingsResource,
    set: ServerAction<SetOidcMapping>,
    delete: ServerAction<DeleteOidcMapping>,
) -> impl IntoView {
    let mapping_error = move || {
        set.value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| delete.value().get().and_then(|r| r.err()))
    };
    view! {
        <section class="panel" aria-labelledby="mappings-title">
            <h2 id="mappings-title">"Claim and ACR mappings"</h2>
            <p class="muted">"A client's claims come from its policy's KYC attributes, its ACR values from the policy's auth types, through these tables. Changes apply to clients created afterwards."</p>
            <div role="alert">{move || mapping_error().map(|e| view! { <p class="alert">{e.message}</p> })}</div>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading mappings…"</p> }>
                {move || Suspend::new(async move {
                    match mappings.await {
                        Ok((claims, acrs)) => view! {
                            <div class="columns">
                                <MappingTable kind="claim" key_label="KYC attribute" value_label="Claim" rows=claims set delete/>
                                <MappingTable kind="acr" key_label="Auth type" value_label="ACR value" rows=acrs set delete/>
                            </div>
                        }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// One mapping table (claims or ACR values): its rows with removal, and the form that adds or
/// changes one.
#[component]
fn MappingTable(
    kind: &'static str,
    key_label: &'static str,
    value_label: &'static str,
    rows: Vec<Mapping>,
    set: ServerAction<SetOidcMapping>,
    delete: ServerAction<DeleteOidcMapping>,
) -> impl IntoView {
    view! {
        <div data-testid=format!("mappings-{kind}")>
            <table class="list">
                <thead><tr><th>{key_label}</th><th>{value_label}</th><th></th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|m| view! {
                        <tr data-testid=format!("mapping-{kind}-row")>
                            <td class="mono">{m.key.clone()}</td>
                            <td class="mono">{m.value.clone()}</td>
                            <td><ActionForm action=delete attr:class="inline">
                                <input type="hidden" name="kind" value=kind/>
                                <input type="hidden" name="key" value=m.key.clone()/>
                                <button type="submit" class="secondary" aria-label=format!("Remove {}", m.key)>"Remove"</button>
                            </ActionForm></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <ActionForm action=set attr:class="inline">
                <input type="hidden" name="kind" value=kind/>
                <label>{key_label} <input type="text" name="key" maxlength="128" required data-testid=format!("mapping-{kind}-key")/></label>
                <label>{value_label} <input type="text" name="value" maxlength="128" required data-testid=format!("mapping-{kind}-value")/></label>
                <button type="submit" data-testid=format!("mapping-{kind}-save")>"Add or change"</button>
            </ActionForm>
        </div>
    }
}
