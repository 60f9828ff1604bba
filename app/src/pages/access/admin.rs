//! Partner admins' access pages: the queue of policy requests (approve, or reject with a
//! comment), every API key with the service tokens of downstream callers, every OIDC client
//! with the claim and ACR mappings, and every MISP license.

use super::keys::{ConfirmDeactivate, FilterTabs, KeyBadge, RequestBadge, SecretOnce, KEY_FILTERS};
use crate::api::access::{
    all_api_keys, all_clients, all_licenses, all_policy_requests, issue_service_token,
    oidc_mappings, service_tokens, AdminDeactivateApiKey, AdminDeactivateClient,
    AdminDeactivateLicense, DecidePolicyRequest, DeleteOidcMapping, RevokeServiceToken,
    SetOidcMapping,
};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{ListState, Pager};
use crate::util::human_ms;
use domain::access::{KeyQuery, Mapping, RequestQuery, RequestStatus, RequestView};
use domain::account::CurrentUser;
use domain::partner::MAX_REASON_LEN;
use domain::policy::PolicyType;
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

const REQUESTS: ListState = ListState {
    base: "/admin/policy-requests",
    keys: &["status", "partner", "policy", "type", "sort", "page"],
    default_sort: "created",
};
const KEYS: ListState = ListState {
    base: "/admin/api-keys",
    keys: &["status", "partner", "sort", "page"],
    default_sort: "-created",
};
const CLIENTS: ListState = ListState {
    base: "/admin/oidc-clients",
    keys: &["status", "partner", "page"],
    default_sort: "-created",
};
const LICENSES: ListState = ListState {
    base: "/admin/licenses",
    keys: &["status", "partner", "page"],
    default_sort: "-created",
};

fn text(q: &ParamsMap, k: &str) -> Option<String> {
    q.get(k).filter(|s| !s.trim().is_empty())
}

fn admin_key_query(q: &ParamsMap) -> KeyQuery {
    KeyQuery {
        status: text(q, "status"),
        partner: text(q, "partner"),
        sort: text(q, "sort"),
        page: text(q, "page").and_then(|p| p.parse().ok()),
        page_size: Some(20),
        ..KeyQuery::default()
    }
}

/// A partner filter (exact partner id), kept in the URL with the other parameters.
#[component]
fn PartnerFilter(state: ListState) -> impl IntoView {
    let params = use_query_map();
    let get = move |k: &'static str| move || params.with(|q| q.get(k)).unwrap_or_default();
    view! {
        <Form method="GET" action=state.base attr:class="filters" attr:role="search">
            <input type="hidden" name="status" prop:value=get("status")/>
            <label>"Partner id" <input type="search" name="partner" data-testid="filter-partner" value=get("partner")() prop:value=get("partner")/></label>
            <button type="submit" data-testid="filter-apply">"Apply"</button>
        </Form>
    }
}

// ---- policy requests ----

/// The policy request queue.
#[component]
pub fn PolicyRequestsQueuePage() -> impl IntoView {
    view! {
        <Title text="Policy requests"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <RequestsBody/> }/>
    }
}

fn request_query(q: &ParamsMap) -> RequestQuery {
    RequestQuery {
        // Pending first: that is what the queue is for; "any" shows everything.
        status: match text(q, "status").as_deref() {
            None => Some(RequestStatus::Pending.as_str().into()),
            Some("any") => None,
            Some(s) => Some(s.to_string()),
        },
        partner: text(q, "partner"),
        policy: text(q, "policy"),
        policy_type: text(q, "type"),
        sort: text(q, "sort"),
        page: text(q, "page").and_then(|p| p.parse().ok()),
        page_size: Some(20),
    }
}

#[component]
fn RequestsBody() -> impl IntoView {
    let params = use_query_map();
    let decide = ServerAction::<DecidePolicyRequest>::new();
    let list = Resource::new(
        move || (params.with(request_query), decide.version().get()),
        |(q, _)| all_policy_requests(q),
    );
    let get = move |k: &'static str| move || params.with(|q| q.get(k)).unwrap_or_default();
    let is =
        move |k: &'static str, v: &str| params.with_untracked(|q| q.get(k)).as_deref() == Some(v);
    let error = move || decide.value().get().and_then(|r| r.err());
    let done = move || decide.value().get().and_then(|r| r.ok());
    view! {
        <h1>"Policy requests"</h1>
        <crate::components::table::ExportLink href=Signal::derive(move || crate::components::table::export_href("policy-requests", &params.with(request_query)))/>
        <p class="muted">"Partners ask to use a published policy of their group. Approve, or reject with a comment the partner reads."</p>
        <Form method="GET" action="/admin/policy-requests" attr:class="filters" attr:role="search">
            <label>"Status"
                <select name="status" data-testid="filter-status" prop:value=get("status")>
                    <option value="">"Pending"</option>
                    <option value="any" selected=is("status", "any")>"Any"</option>
                    <option value="APPROVED" selected=is("status", "APPROVED")>"Approved"</option>
                    <option value="REJECTED" selected=is("status", "REJECTED")>"Rejected"</option>
                </select>
            </label>
            <label>"Partner id" <input type="search" name="partner" data-testid="filter-partner" value=get("partner")() prop:value=get("partner")/></label>
            <label>"Policy id" <input type="search" name="policy" data-testid="filter-policy" value=get("policy")() prop:value=get("policy")/></label>
            <label>"Policy type"
                <select name="type" data-testid="filter-type" prop:value=get("type")>
                    <option value="">"Any"</option>
                    {PolicyType::ALL.into_iter().map(|t| view! { <option value=t.as_str() selected=is("type", t.as_str())>{t.label()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Order"
                <select name="sort" data-testid="filter-sort" prop:value=get("sort")>
                    <option value="">"Oldest first"</option>
                    <option value="-created" selected=is("sort", "-created")>"Newest first"</option>
                </select>
            </label>
            <button type="submit" data-testid="filter-apply">"Apply"</button>
        </Form>
        <div role="alert" data-testid="decision-error">{move || error().map(|e| view! { <p class="alert">{e.message}</p> })}</div>
        {move || done().map(|r| view! {
            <p class="notice" role="status" data-testid="decision-done">
                {format!("{}'s request for {} is now {}.", r.organisation, r.policy_name, r.status.label().to_lowercase())}
            </p>
        })}
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading requests…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) if page.items.is_empty() => view! { <p class="empty" data-testid="queue-empty">"Nothing here."</p> }.into_any(),
                    Ok(page) => {
                        let (page_no, pages) = (page.page, page.page_count());
                        view! {
                            <table class="list" data-testid="request-queue">
                                <thead><tr><th>"Partner"</th><th>"Policy"</th><th>"Use case"</th><th>"Requested"</th><th>"Status"</th><th>"Decision"</th></tr></thead>
                                <tbody>
                                    {page.items.into_iter().map(|r| view! { <RequestRow r decide/> }).collect_view()}
                                </tbody>
                            </table>
                            <Pager state=REQUESTS page=page_no pages/>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RequestRow(r: RequestView, decide: ServerAction<DecidePolicyRequest>) -> impl IntoView {
    // Which decision is being prepared: Some(true) approve, Some(false) reject.
    let mode = RwSignal::new(None::<bool>);
    let comment = RwSignal::new(String::new());
    let short: String = r.use_case.chars().take(80).collect();
    let long = r.use_case.chars().count() > 80;
    let id = StoredValue::new(r.id.clone());
    let comment_error = move || {
        decide
            .value()
            .get()
            .and_then(|res| res.err())
            .filter(|e| e.field.as_deref() == Some("comment") && mode.get().is_some())
            .map(|e| e.message)
    };
    view! {
        <tr data-testid="request-row">
            <td><A href=format!("/admin/partners/{}", r.partner_id)>{r.organisation.clone()}</A>
                <span class="muted">" " {r.partner_id.clone()} " · " {r.partner_type.clone()}</span></td>
            <td><A href=format!("/policies/{}", r.policy_id)>{r.policy_name.clone()}</A>
                <span class="muted">" " {super::keys::type_label(&r.policy_type)} " · " {r.group_name.clone()}</span></td>
            <td>{if long {
                view! { <details><summary>{format!("{short}…")}</summary><p class="pre">{r.use_case.clone()}</p></details> }.into_any()
            } else {
                view! { <span class="pre">{r.use_case.clone()}</span> }.into_any()
            }}</td>
            <td>{human_ms(r.created_at)}</td>
            <td><RequestBadge status=r.status/> {r.comment.clone().map(|c| view! { <span class="muted">" " {c}</span> })}</td>
            <td class="actions">
                {(r.status == RequestStatus::Pending).then(|| view! {
                    <button type="button" class="primary" data-testid="request-approve" on:click=move |_| mode.set(Some(true))>"Approve"</button>
                    <button type="button" class="danger" data-testid="request-reject" on:click=move |_| mode.set(Some(false))>"Reject"</button>
                    {move || mode.get().map(|approve| view! {
                        <div class="confirm-box" data-testid="request-decision">
                            <label>{if approve { "Comment (optional, the partner sees it)" } else { "Comment (required, the partner sees it)" }}
                                <textarea maxlength=MAX_REASON_LEN data-testid="request-comment" aria-label="Comment" prop:value=move || comment.get()
                                    on:input=move |ev| comment.set(event_target_value(&ev))></textarea></label>
                            <p class="field-error" role="alert">{comment_error}</p>
                            <button type="button" class=if approve { "primary" } else { "danger" } data-testid="request-confirm"
                                disabled=move || decide.pending().get()
                                on:click=move |_| {
                                    let c = comment.get_untracked();
                                    decide.dispatch(DecidePolicyRequest {
                                        id: id.get_value(),
                                        approve,
                                        comment: (!c.trim().is_empty()).then_some(c),
                                    });
                                }>{if approve { "Approve request" } else { "Reject request" }}</button>
                            <button type="button" class="secondary" data-testid="request-cancel" on:click=move |_| mode.set(None)>"Cancel"</button>
                        </div>
                    })}
                })}
            </td>
        </tr>
    }
}

// ---- API keys and service tokens ----

/// Every API key, and the service tokens of downstream services.
#[component]
pub fn AdminApiKeysPage() -> impl IntoView {
    view! {
        <Title text="API keys"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <KeysBody/> }/>
    }
}

#[component]
fn KeysBody() -> impl IntoView {
    let params = use_query_map();
    let deactivate = ServerAction::<AdminDeactivateApiKey>::new();
    let list = Resource::new(
        move || (params.with(admin_key_query), deactivate.version().get()),
        |(q, _)| all_api_keys(q),
    );
    let issue = Action::new(|(name, topics): &(String, String)| {
        issue_service_token(name.clone(), topics.clone())
    });
    let revoke = ServerAction::<RevokeServiceToken>::new();
    let tokens = Resource::new(
        move || (issue.version().get(), revoke.version().get()),
        |_| service_tokens(),
    );
    let name = RwSignal::new(String::new());
    let topics = RwSignal::new(String::new());
    let secret = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(t)) = issue.value().get() {
            secret.set(Some(t.secret));
            name.set(String::new());
            topics.set(String::new());
        }
    });
    let issue_error = move || issue.value().get().and_then(|r| r.err()).map(|e| e.message);
    let error = move || deactivate.value().get().and_then(|r| r.err());
    view! {
        <h1>"API keys"</h1>
        <crate::components::table::ExportLink href=Signal::derive(move || crate::components::table::export_href("api-keys", &params.with(admin_key_query)))/>
        <FilterTabs state=KEYS label="Key status" options=KEY_FILTERS/>
        <PartnerFilter state=KEYS/>
        <div role="alert">{move || error().map(|e| view! { <p class="alert">{e.message}</p> })}</div>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading keys…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) if page.items.is_empty() => view! { <p class="empty" data-testid="keys-empty">"No API key here."</p> }.into_any(),
                    Ok(page) => {
                        let (page_no, pages) = (page.page, page.page_count());
                        view! {
                            <table class="list" data-testid="admin-keys">
                                <thead><tr><th>"Partner"</th><th>"Label"</th><th>"Policy"</th><th>"Key"</th><th>"Created"</th><th>"Expires"</th><th>"Status"</th><th></th></tr></thead>
                                <tbody>
                                    {page.items.into_iter().map(|k| view! {
                                        <tr data-testid="admin-key-row">
                                            <td>{k.organisation.clone()} <span class="muted">" " {k.partner_id.clone()}</span></td>
                                            <td>{k.label.clone()}</td>
                                            <td>{k.policy_name.clone()}</td>
                                            <td class="mono">{format!("{}…", k.prefix)}</td>
                                            <td>{human_ms(k.created_at)}</td>
                                            <td>{human_ms(k.valid_to)}</td>
                                            <td><KeyBadge status=k.status/></td>
                                            <td class="actions">{(k.status == domain::access::KeyStatus::Active).then(|| view! {
                                                <ConfirmDeactivate question=format!("Deactivate {}'s key \"{}\"? Services using it stop working.", k.organisation, k.label) test_id="admin-apikey">
                                                    <ActionForm action=deactivate attr:class="inline">
                                                        <input type="hidden" name="id" value=k.id.clone()/>
                                                        <button type="submit" class="danger" data-testid="admin-apikey-deactivate-confirm">"Yes, deactivate"</button>
                                                    </ActionForm>
                                                </ConfirmDeactivate>
                                            })}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <Pager state=KEYS page=page_no pages/>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>

        <section class="panel" aria-labelledby="tokens-title">
            <h2 id="tokens-title">"Service tokens"</h2>
            <p class="muted">"Downstream services (ID authentication, eSignet) check partners' API keys with "
                <code>"POST /api/v1/apikeys/verify"</code>" and the header "<code>"Authorization: Bearer pst_…"</code>". Issue one token per service; revoke it when the service no longer needs it."</p>
            {move || secret.get().map(|s| view! {
                <SecretOnce title="Service token issued" what="Service token" secret=s test_id="token-secret"
                    on_done=Callback::new(move |_| secret.set(None))/>
            })}
            <form class="inline" on:submit=move |ev| { ev.prevent_default(); issue.dispatch((name.get_untracked(), topics.get_untracked())); }>
                <div class="field">
                    <label for="token-name">"Service name"</label>
                    <input id="token-name" type="text" maxlength="128" data-testid="token-name" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))/>
                    <p class="field-error" role="alert">{issue_error}</p>
                </div>
                <div class="field">
                    <label for="token-topics">"WebSub topics"</label>
                    <input id="token-topics" type="text" maxlength="400" data-testid="token-topics" aria-describedby="token-topics-hint"
                        placeholder="PARTNER_UPDATED, POLICY_UPDATED" prop:value=move || topics.get()
                        on:input=move |ev| topics.set(event_target_value(&ev))/>
                    <p class="muted" id="token-topics-hint">{format!("Comma-separated topics it may subscribe to at /websub/hub, * for all, empty for none: {}.", domain::events::TOPICS.join(", "))}</p>
                </div>
                <button type="submit" class="primary" data-testid="token-issue" disabled=move || issue.pending().get()>"Issue token"</button>
            </form>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading tokens…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No service token yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <table class="list" data-testid="tokens">
                                <thead><tr><th>"Service"</th><th>"Token"</th><th>"WebSub topics"</th><th>"Issued"</th><th>"State"</th><th></th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|t| view! {
                                        <tr data-testid="token-row">
                                            <td>{t.name.clone()}</td>
                                            <td class="mono">{format!("{}…", t.prefix)}</td>
                                            <td>{if t.topics.is_empty() { "none".to_string() } else { t.topics.join(", ") }}</td>
                                            <td>{human_ms(t.created_at)}</td>
                                            <td>{if t.active { "Active" } else { "Revoked" }}</td>
                                            <td class="actions">{t.active.then(|| view! {
                                                <details class="confirm">
                                                    <summary data-testid="token-revoke">"Revoke"</summary>
                                                    <div class="confirm-box">
                                                        <p>{format!("Revoke the token of {}? It is refused from then on.", t.name)}</p>
                                                        <ActionForm action=revoke attr:class="inline">
                                                            <input type="hidden" name="id" value=t.id.clone()/>
                                                            <button type="submit" class="danger" data-testid="token-revoke-confirm">"Yes, revoke"</button>
                                                        </ActionForm>
                                                    </div>
                                                </details>
                                            })}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

// ---- OIDC clients and mappings ----

/// Every OIDC client, and the claim and ACR mappings.
#[component]
pub fn AdminClientsPage() -> impl IntoView {
    view! {
        <Title text="OIDC clients"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <ClientsBody/> }/>
    }
}

const CLIENT_FILTERS: &[(&str, &str)] = &[("ACTIVE", "Active"), ("DEACTIVATED", "Deactivated")];

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
    let mapping_error = move || {
        set.value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| delete.value().get().and_then(|r| r.err()))
    };
    view! {
        <h1>"OIDC clients"</h1>
        <crate::components::table::ExportLink href=Signal::derive(move || crate::components::table::export_href("oidc-clients", &params.with(admin_key_query)))/>
        <FilterTabs state=CLIENTS label="Client status" options=CLIENT_FILTERS/>
        <PartnerFilter state=CLIENTS/>
        <div role="alert">{move || error().map(|e| view! { <p class="alert">{e.message}</p> })}</div>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading clients…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) if page.items.is_empty() => view! { <p class="empty" data-testid="clients-empty">"No OIDC client here."</p> }.into_any(),
                    Ok(page) => {
                        let (page_no, pages) = (page.page, page.page_count());
                        view! {
                            <table class="list" data-testid="admin-clients">
                                <thead><tr><th>"Name"</th><th>"Client id"</th><th>"Partner"</th><th>"Policy"</th><th>"Redirect URIs"</th><th>"Claims"</th><th>"ACR values"</th><th>"Status"</th><th>"Created"</th><th></th></tr></thead>
                                <tbody>
                                    {page.items.into_iter().map(|c| view! {
                                        <tr data-testid="admin-client-row">
                                            <td>{c.name.clone()}</td>
                                            <td class="mono">{c.id.clone()}</td>
                                            <td>{c.organisation.clone()} <span class="muted">" " {c.partner_id.clone()}</span></td>
                                            <td>{c.policy_name.clone()}</td>
                                            <td>{c.redirect_uris.join(" ")}</td>
                                            <td>{c.claims.join(", ")}</td>
                                            <td>{c.acr_values.join(", ")}</td>
                                            <td><KeyBadge status=c.status/><super::clients::EsignetNote state=c.esignet.clone()/></td>
                                            <td>{human_ms(c.created_at)}</td>
                                            <td class="actions">{(c.status == domain::access::KeyStatus::Active).then(|| view! {
                                                <ConfirmDeactivate question=format!("Deactivate the client \"{}\" of {}? Its users can no longer sign in through it.", c.name, c.organisation) test_id="admin-client">
                                                    <ActionForm action=deactivate attr:class="inline">
                                                        <input type="hidden" name="id" value=c.id.clone()/>
                                                        <button type="submit" class="danger" data-testid="admin-client-deactivate-confirm">"Yes, deactivate"</button>
                                                    </ActionForm>
                                                </ConfirmDeactivate>
                                            })}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <Pager state=CLIENTS page=page_no pages/>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>

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

// ---- MISP licenses ----

/// Every MISP license.
#[component]
pub fn AdminLicensesPage() -> impl IntoView {
    view! {
        <Title text="MISP licenses"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <LicensesBody/> }/>
    }
}

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
        <crate::components::table::ExportLink href=Signal::derive(move || crate::components::table::export_href("licenses", &params.with(admin_key_query)))/>
        <FilterTabs state=LICENSES label="License status" options=KEY_FILTERS/>
        <PartnerFilter state=LICENSES/>
        <div role="alert">{move || error().map(|e| view! { <p class="alert">{e.message}</p> })}</div>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading licenses…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) if page.items.is_empty() => view! { <p class="empty" data-testid="licenses-empty">"No license here."</p> }.into_any(),
                    Ok(page) => {
                        let (page_no, pages) = (page.page, page.page_count());
                        view! {
                            <table class="list" data-testid="admin-licenses">
                                <thead><tr><th>"Partner"</th><th>"Key"</th><th>"Valid from"</th><th>"Valid until"</th><th>"Status"</th><th></th></tr></thead>
                                <tbody>
                                    {page.items.into_iter().map(|l| view! {
                                        <tr data-testid="admin-license-row">
                                            <td>{l.organisation.clone()} <span class="muted">" " {l.partner_id.clone()}</span></td>
                                            <td class="mono">{format!("{}…", l.prefix)}</td>
                                            <td>{human_ms(l.valid_from)}</td>
                                            <td>{human_ms(l.valid_to)}</td>
                                            <td><KeyBadge status=l.status/></td>
                                            <td class="actions">{(l.status == domain::access::KeyStatus::Active).then(|| view! {
                                                <ConfirmDeactivate question=format!("Deactivate the license of {}? Its services stop working.", l.organisation) test_id="admin-license">
                                                    <ActionForm action=deactivate attr:class="inline">
                                                        <input type="hidden" name="id" value=l.id.clone()/>
                                                        <button type="submit" class="danger" data-testid="admin-license-deactivate-confirm">"Yes, deactivate"</button>
                                                    </ActionForm>
                                                </ConfirmDeactivate>
                                            })}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <Pager state=LICENSES page=page_no pages/>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}
