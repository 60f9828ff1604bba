//! API clients of MOSIP's REST door (PARTNER_ADMIN): the machine accounts MOSIP's modules and
//! scripts sign in with (`clientidsecretkey`). Create one with roles (its secret is shown once),
//! list them a page at a time, revoke one (its secret and tokens stop working at once).

use crate::api::access::{api_clients, CreateApiClient, RevokeApiClient};
use crate::components::form::{form_error, DeactivateRow, Field, FormError};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{ListState, Pager};
use crate::pages::access::SecretOnce;
use crate::util::human_ms;
use domain::access::ApiClientView;
use domain::account::CurrentUser;
use domain::page::Page;
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const LIST: ListState = ListState {
    base: "/admin/api-clients",
    keys: &["page"],
    default_sort: "-created",
};

/// API clients page.
#[component]
pub fn ApiClientsPage() -> impl IntoView {
    view! {
        <Title text="API clients"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <ApiClientsBody/> }/>
    }
}

#[component]
fn ApiClientsBody() -> impl IntoView {
    let params = use_query_map();
    let create = ServerAction::<CreateApiClient>::new();
    let revoke = ServerAction::<RevokeApiClient>::new();
    let list = Resource::new(
        move || {
            (
                params.with(|q| q.get("page").and_then(|p| p.parse::<i64>().ok())),
                create.version().get(),
                revoke.version().get(),
            )
        },
        |(page, _, _)| api_clients(page),
    );
    let create_error = form_error(move || create.value().get());
    // The secret lives in the action's answer only; "Done" (or leaving the page) drops it.
    let issued = move || create.value().get().and_then(|r| r.ok());
    let revoke_error = Signal::derive(move || revoke.value().get().and_then(|r| r.err()));
    let revoked = move || revoke.value().get().and_then(|r| r.ok());
    view! {
        <h1>"API clients"</h1>
        <p class="muted">
            "Machine accounts for MOSIP's modules and scripts: they sign in at "
            <code>"/v1/authmanager/authenticate/clientidsecretkey"</code>
            " with their client id and secret and act with the roles given here."
        </p>
        {move || issued().map(|i| view! {
            <SecretOnce
                title=format!("API client \"{}\" created", i.item.client_id)
                what="Client secret"
                secret=i.secret
                test_id="api-client-secret"
                on_done=Callback::new(move |_| create.value().set(None))
            />
        })}
        <FormError error=revoke_error/>
        {move || revoked().map(|c| view! {
            <p class="notice" role="status" data-testid="api-client-revoked">{format!("{} is revoked: its secret and tokens no longer work.", c.client_id)}</p>
        })}
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading API clients…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) => view! { <ClientsTable page revoke/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
        <section class="panel narrow">
            <h2>"New API client"</h2>
            <ActionForm action=create attr:data-testid="api-client-form">
                <FormError error=create_error/>
                <Field name="client_id" label="Client id" error=create_error help="For example mosip-ida-client: letters, digits, '.', '_' and '-'."/>
                <fieldset class="field">
                    <legend>"Roles"</legend>
                    {Role::ALL.iter().enumerate().map(|(i, r)| view! {
                        <label class="check">
                            <input type="checkbox" name=format!("roles[{i}]") value=r.as_str() data-testid="api-client-role"/>
                            {r.label()} " " <code>{r.as_str()}</code>
                        </label>
                    }).collect_view()}
                    {move || crate::components::form::field_message(create_error, "roles").map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                </fieldset>
                <button type="submit" class="primary" disabled=move || create.pending().get() data-testid="api-client-create">"Create API client"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn ClientsTable(page: Page<ApiClientView>, revoke: ServerAction<RevokeApiClient>) -> impl IntoView {
    let (page_no, pages, total) = (page.page, page.page_count(), page.total);
    if page.items.is_empty() {
        return view! { <p class="empty" data-testid="api-clients-empty">"No API clients yet."</p> }.into_any();
    }
    view! {
        <table class="list" data-testid="api-clients-table">
            <caption class="muted">{format!("{total} API client{}", if total == 1 { "" } else { "s" })}</caption>
            <thead><tr>
                <th scope="col">"Client id"</th>
                <th scope="col">"Roles"</th>
                <th scope="col">"Status"</th>
                <th scope="col">"Created"</th>
                <th scope="col"><span class="sr-only">"Actions"</span></th>
            </tr></thead>
            <tbody>
                {page.items.into_iter().map(|c| {
                    let question = format!("Revoke {}? Its secret and every token it holds stop working at once.", c.client_id);
                    view! {
                        <tr data-testid="api-client-row">
                            <td class="mono">{c.client_id.clone()}</td>
                            <td>{c.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")}</td>
                            <td><span class=if c.active { "badge ok" } else { "badge off" }>{if c.active { "Active" } else { "Revoked" }}</span></td>
                            <td>{human_ms(c.created_at)}</td>
                            <td>{c.active.then(|| view! {
                                <DeactivateRow action=revoke id=c.id.clone() question test_id="api-client" confirm="Yes, revoke" lock=true/>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <Pager state=LIST page=page_no pages/>
    }
    .into_any()
}
