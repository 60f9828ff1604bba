//! Every partner's API keys, and the service tokens of downstream services.

use super::{admin_key_query, PartnerFilter, KEYS};
use crate::api::access::{
    all_api_keys, issue_service_token, service_tokens, AdminDeactivateApiKey, RevokeServiceToken,
};
use crate::components::form::DeactivateRow;
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{export_href, ExportLink, PagedList};
use crate::pages::access::keys::{FilterTabs, KeyBadge, SecretOnce, KEY_FILTERS};
use crate::util::human_ms;
use domain::access::{ApiKeyView, KeyStatus, ServiceTokenView};
use domain::account::CurrentUser;
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Every API key, and the service tokens of downstream services.
#[component]
pub fn AdminApiKeysPage() -> impl IntoView {
    view! {
        <Title text="API keys"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <KeysBody/> }/>
    }
}

/// Every API key (filtered, paged) and the service tokens.
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
    let error = move || deactivate.value().get().and_then(|r| r.err());
    view! {
        <h1>"API keys"</h1>
        <ExportLink href=Signal::derive(move || export_href("api-keys", &params.with(admin_key_query)))/>
        <FilterTabs state=KEYS label="Key status" options=KEY_FILTERS/>
        <PartnerFilter state=KEYS/>
        <div role="alert">{move || error().map(|e| view! { <p class="alert">{e.message}</p> })}</div>
        <PagedList list state=KEYS loading="Loading keys…" empty_id="keys-empty" empty="No API key here."
            render={move |items| keys_table(items, deactivate)}/>
        <ServiceTokens issue revoke tokens/>
    }
}

/// Every partner's API keys, each active one with its deactivation.
fn keys_table(
    items: Vec<ApiKeyView>,
    deactivate: ServerAction<AdminDeactivateApiKey>,
) -> impl IntoView {
    view! {
        <table class="list" data-testid="admin-keys">
            <thead><tr><th>"Partner"</th><th>"Label"</th><th>"Policy"</th><th>"Key"</th><th>"Created"</th><th>"Expires"</th><th>"Status"</th><th></th></tr></thead>
            <tbody>
                {items.into_iter().map(|k| view! {
                    <tr data-testid="admin-key-row">
                        <td>{k.organisation.clone()} <span class="muted">" " {k.partner_id.clone()}</span></td>
                        <td>{k.label.clone()}</td>
                        <td>{k.policy_name.clone()}</td>
                        <td class="mono">{format!("{}…", k.prefix)}</td>
                        <td>{human_ms(k.created_at)}</td>
                        <td>{human_ms(k.valid_to)}</td>
                        <td><KeyBadge status=k.status/></td>
                        <td class="actions">{(k.status == KeyStatus::Active).then(|| view! {
                            <DeactivateRow action=deactivate id=k.id.clone() test_id="admin-apikey"
                                question=format!("Deactivate {}'s key \"{}\"? Services using it stop working.", k.organisation, k.label)/>
                        })}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

type IssueAction =
    Action<(String, String), Result<domain::access::Issued<ServiceTokenView>, domain::AppError>>;

/// The service tokens of downstream services: issue one (its secret shown once), list and
/// revoke them.
#[component]
fn ServiceTokens(
    issue: IssueAction,
    revoke: ServerAction<RevokeServiceToken>,
    tokens: Resource<Result<Vec<ServiceTokenView>, domain::AppError>>,
) -> impl IntoView {
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
    view! {
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
                        Ok(list) => tokens_table(list, revoke).into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The service tokens, each active one with its revocation.
fn tokens_table(
    list: Vec<ServiceTokenView>,
    revoke: ServerAction<RevokeServiceToken>,
) -> impl IntoView {
    view! {
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
    }
}
