//! Server functions for policy requests, API keys, OIDC clients, MISP licenses, service
//! tokens and the API clients of MOSIP's REST door. Partners act on their own items only (found from their account on the server);
//! partner admins see and decide on all of them. Secrets appear only in the answer that
//! creates them, which is marked `no-store`.

use domain::access::{
    ApiClientView, ApiKeyInput, ApiKeyView, ApprovedPolicy, ClientInput, ClientUpdate, ClientView,
    Issued, KeyQuery, LicenseView, Mapping, RequestInput, RequestQuery, RequestView,
    RequestablePolicy, ServiceTokenView,
};
use domain::page::Page;
use domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::guard::{self, fail, Caller, ADMIN};
#[cfg(feature = "ssr")]
use domain::Role;

/// Partners that hold API keys: relying parties and credential/print partners.
#[cfg(feature = "ssr")]
const KEY_HOLDER: &[Role] = &[Role::AuthPartner, Role::CredentialPartner];
#[cfg(feature = "ssr")]
const AUTH_PARTNER: &[Role] = &[Role::AuthPartner];
#[cfg(feature = "ssr")]
const MISP_PARTNER: &[Role] = &[Role::MispPartner];

/// A secret is in this answer: no cache may keep it.
#[cfg(feature = "ssr")]
fn no_store() {
    guard::set_header(http::header::CACHE_CONTROL, "no-store");
}

#[cfg(feature = "ssr")]
fn mapping_kind(kind: &str) -> Result<domain::access::oidc::MappingKind, AppError> {
    match kind {
        "claim" => Ok(domain::access::oidc::MappingKind::Claim),
        "acr" => Ok(domain::access::oidc::MappingKind::Acr),
        _ => Err(fail(AppError::validation(
            "kind",
            "PMS_MAPPING_KIND",
            "Mapping kind must be claim or acr.",
        ))),
    }
}

// ---- policy requests ----

/// Published policies of the partner's group, with the partner's latest request for each.
#[server(endpoint = "policy-requests/options")]
pub async fn requestable_policies() -> Result<Vec<RequestablePolicy>, AppError> {
    guard::call(&Role::PARTNER, |conn, me| {
        domain::access::request::requestable(conn, &me.user)
    })
    .await
}

/// Request a policy.
#[server(endpoint = "policy-requests/create")]
pub async fn request_policy(input: RequestInput) -> Result<RequestView, AppError> {
    guard::call(&Role::PARTNER, move |conn, me| {
        domain::access::request::create(conn, &me.actor, &me.user, &input)
    })
    .await
}

/// The partner's requests.
#[server(endpoint = "policy-requests/mine")]
pub async fn my_policy_requests(
    #[server(default)] query: RequestQuery,
) -> Result<Page<RequestView>, AppError> {
    guard::call(&Role::PARTNER, move |conn, me| {
        domain::access::request::list_own(conn, &me.user, &query)
    })
    .await
}

/// Every request (partner admins); pending ones first by default.
#[server(endpoint = "policy-requests/all")]
pub async fn all_policy_requests(
    #[server(default)] query: RequestQuery,
) -> Result<Page<RequestView>, AppError> {
    guard::list::<domain::access::PolicyRequests>(query).await
}

/// Approve or reject (with a comment) a pending request.
#[server(endpoint = "policy-requests/decide")]
pub async fn decide_policy_request(
    id: String,
    approve: bool,
    #[server(default)] comment: Option<String>,
) -> Result<RequestView, AppError> {
    guard::call(ADMIN, move |conn, me| {
        domain::access::request::decide(conn, &me.actor, &id, approve, comment.as_deref())
    })
    .await
}

// ---- API keys ----

/// The partner's approved policies a key can be made for, and the longest validity (days).
#[server(endpoint = "apikeys/options")]
pub async fn api_key_options() -> Result<(Vec<ApprovedPolicy>, i64), AppError> {
    let me = Caller::with_role(KEY_HOLDER)?;
    let days = guard::state()?.access.api_key_days;
    let policies =
        guard::open(move |conn| domain::access::apikey::policy_options(conn, &me.user)).await?;
    Ok((policies, days))
}

/// Generate an API key; the secret is in this answer only.
#[server(endpoint = "apikeys/create")]
pub async fn create_api_key(input: ApiKeyInput) -> Result<Issued<ApiKeyView>, AppError> {
    let me = Caller::with_role(KEY_HOLDER)?;
    let config = guard::state()?.access;
    no_store();
    guard::open(move |conn| {
        domain::access::apikey::create(conn, &me.actor, &me.user, &input, &config)
    })
    .await
}

/// The partner's keys.
#[server(endpoint = "apikeys/mine")]
pub async fn my_api_keys(#[server(default)] query: KeyQuery) -> Result<Page<ApiKeyView>, AppError> {
    guard::call(KEY_HOLDER, move |conn, me| {
        domain::access::apikey::list_own(conn, &me.user, &query)
    })
    .await
}

/// Deactivate one of the partner's keys.
#[server(endpoint = "apikeys/mine/deactivate")]
pub async fn deactivate_my_api_key(id: String) -> Result<ApiKeyView, AppError> {
    guard::call(KEY_HOLDER, move |conn, me| {
        domain::access::apikey::deactivate(conn, &me.actor, &id, Some(&me.user))
    })
    .await
}

/// Every key (partner admins).
#[server(endpoint = "apikeys/all")]
pub async fn all_api_keys(
    #[server(default)] query: KeyQuery,
) -> Result<Page<ApiKeyView>, AppError> {
    guard::list::<domain::access::ApiKeys>(query).await
}

/// Deactivate any key (partner admins).
#[server(endpoint = "apikeys/deactivate")]
pub async fn admin_deactivate_api_key(id: String) -> Result<ApiKeyView, AppError> {
    guard::call(ADMIN, move |conn, me| {
        domain::access::apikey::deactivate(conn, &me.actor, &id, None)
    })
    .await
}

// ---- OIDC clients ----

/// The partner's approved Auth policies (for a new client).
#[server(endpoint = "oidc/options")]
pub async fn client_policy_options() -> Result<Vec<ApprovedPolicy>, AppError> {
    guard::call(AUTH_PARTNER, |conn, me| {
        domain::access::oidc::policy_options(conn, &me.user)
    })
    .await
}

/// Register an OIDC client.
#[server(endpoint = "oidc/create")]
pub async fn create_client(input: ClientInput) -> Result<ClientView, AppError> {
    guard::call(AUTH_PARTNER, move |conn, me| {
        domain::access::oidc::create(conn, &me.actor, &me.user, &input)
    })
    .await
}

/// The partner's clients.
#[server(endpoint = "oidc/mine")]
pub async fn my_clients(#[server(default)] query: KeyQuery) -> Result<Page<ClientView>, AppError> {
    let me = Caller::with_role(AUTH_PARTNER)?;
    let esignet = guard::state()?.esignet_enabled;
    guard::open(move |conn| {
        let page = domain::access::oidc::list_own(conn, &me.user, &query)?;
        with_esignet(conn, page, esignet)
    })
    .await
}

/// Add eSignet's state to each client of `page` when eSignet sync is configured.
#[cfg(feature = "ssr")]
fn with_esignet(
    conn: &mut domain::db::AnyConnection,
    mut page: Page<ClientView>,
    enabled: bool,
) -> domain::AppResult<Page<ClientView>> {
    if enabled {
        let ids: Vec<String> = page.items.iter().map(|c| c.id.clone()).collect();
        let mut states = domain::events::store::esignet_states(conn, &ids)?;
        for c in &mut page.items {
            // A client with no row was made before eSignet sync existed: not sent yet.
            c.esignet = Some(
                states
                    .remove(&c.id)
                    .unwrap_or(domain::events::EsignetState {
                        in_sync: false,
                        synced_at: None,
                        last_error: None,
                    }),
            );
        }
    }
    Ok(page)
}

/// Edit one of the partner's active clients.
#[server(endpoint = "oidc/mine/update")]
pub async fn update_client(id: String, input: ClientUpdate) -> Result<ClientView, AppError> {
    guard::call(AUTH_PARTNER, move |conn, me| {
        domain::access::oidc::update(conn, &me.actor, &me.user, &id, &input)
    })
    .await
}

/// Deactivate one of the partner's clients.
#[server(endpoint = "oidc/mine/deactivate")]
pub async fn deactivate_my_client(id: String) -> Result<ClientView, AppError> {
    guard::call(AUTH_PARTNER, move |conn, me| {
        domain::access::oidc::deactivate(conn, &me.actor, &id, Some(&me.user))
    })
    .await
}

/// Every client (partner admins).
#[server(endpoint = "oidc/all")]
pub async fn all_clients(#[server(default)] query: KeyQuery) -> Result<Page<ClientView>, AppError> {
    use domain::list::List;
    Caller::with_role(domain::access::OidcClients::ROLES)?;
    let esignet = guard::state()?.esignet_enabled;
    guard::open(move |conn| {
        let page = domain::access::OidcClients::run(conn, &query)?;
        with_esignet(conn, page, esignet)
    })
    .await
}

/// Deactivate any client (partner admins).
#[server(endpoint = "oidc/deactivate")]
pub async fn admin_deactivate_client(id: String) -> Result<ClientView, AppError> {
    guard::call(ADMIN, move |conn, me| {
        domain::access::oidc::deactivate(conn, &me.actor, &id, None)
    })
    .await
}

/// The claim and ACR mappings (partner admins).
#[server(endpoint = "oidc/mappings")]
pub async fn oidc_mappings() -> Result<(Vec<Mapping>, Vec<Mapping>), AppError> {
    guard::call(ADMIN, |conn, _| {
        Ok((
            domain::access::oidc::mappings(conn, domain::access::oidc::MappingKind::Claim)?,
            domain::access::oidc::mappings(conn, domain::access::oidc::MappingKind::Acr)?,
        ))
    })
    .await
}

/// Add or change a mapping row; `kind` is "claim" or "acr".
#[server(endpoint = "oidc/mappings/set")]
pub async fn set_oidc_mapping(
    kind: String,
    key: String,
    value: String,
) -> Result<Vec<Mapping>, AppError> {
    let me = Caller::with_role(ADMIN)?;
    let kind = mapping_kind(&kind)?;
    guard::open(move |conn| domain::access::oidc::set_mapping(conn, &me.actor, kind, &key, &value))
        .await
}

/// Remove a mapping row.
#[server(endpoint = "oidc/mappings/delete")]
pub async fn delete_oidc_mapping(kind: String, key: String) -> Result<Vec<Mapping>, AppError> {
    let me = Caller::with_role(ADMIN)?;
    let kind = mapping_kind(&kind)?;
    guard::open(move |conn| domain::access::oidc::delete_mapping(conn, &me.actor, kind, &key)).await
}

// ---- MISP licenses ----

/// Generate a MISP license; the key is in this answer only.
#[server(endpoint = "licenses/generate")]
pub async fn generate_license() -> Result<Issued<LicenseView>, AppError> {
    let me = Caller::with_role(MISP_PARTNER)?;
    let config = guard::state()?.access;
    no_store();
    guard::open(move |conn| domain::access::license::generate(conn, &me.actor, &me.user, &config))
        .await
}

/// The MISP partner's licenses.
#[server(endpoint = "licenses/mine")]
pub async fn my_licenses(
    #[server(default)] query: KeyQuery,
) -> Result<Page<LicenseView>, AppError> {
    guard::call(MISP_PARTNER, move |conn, me| {
        domain::access::license::list_own(conn, &me.user, &query)
    })
    .await
}

/// Deactivate the MISP partner's license.
#[server(endpoint = "licenses/mine/deactivate")]
pub async fn deactivate_my_license(id: String) -> Result<LicenseView, AppError> {
    guard::call(MISP_PARTNER, move |conn, me| {
        domain::access::license::deactivate(conn, &me.actor, &id, Some(&me.user))
    })
    .await
}

/// Every license (partner admins).
#[server(endpoint = "licenses/all")]
pub async fn all_licenses(
    #[server(default)] query: KeyQuery,
) -> Result<Page<LicenseView>, AppError> {
    guard::list::<domain::access::Licenses>(query).await
}

/// Deactivate any license (partner admins).
#[server(endpoint = "licenses/deactivate")]
pub async fn admin_deactivate_license(id: String) -> Result<LicenseView, AppError> {
    guard::call(ADMIN, move |conn, me| {
        domain::access::license::deactivate(conn, &me.actor, &id, None)
    })
    .await
}

// ---- service tokens ----

/// Every service token (partner admins).
#[server(endpoint = "service-tokens/all")]
pub async fn service_tokens() -> Result<Vec<ServiceTokenView>, AppError> {
    guard::call(ADMIN, |conn, _| domain::access::token::list(conn)).await
}

/// Issue a token for a downstream service; the secret is in this answer only. `topics` are
/// the WebSub topics it may subscribe to, comma-separated (`*`: all; empty: none).
#[server(endpoint = "service-tokens/issue")]
pub async fn issue_service_token(
    name: String,
    #[server(default)] topics: String,
) -> Result<Issued<ServiceTokenView>, AppError> {
    let me = Caller::with_role(ADMIN)?;
    no_store();
    let topics: Vec<String> = topics.split(',').map(|t| t.trim().to_string()).collect();
    guard::open(move |conn| domain::access::token::issue(conn, &me.actor, &name, &topics)).await
}

/// Revoke a service token.
#[server(endpoint = "service-tokens/revoke")]
pub async fn revoke_service_token(id: String) -> Result<ServiceTokenView, AppError> {
    let me = Caller::with_role(ADMIN)?;
    let cache = guard::state()?.service_tokens.clone();
    let revoked =
        guard::open(move |conn| domain::access::token::revoke(conn, &me.actor, &id)).await?;
    // This instance stops at once; others within the cache's TTL.
    cache.clear();
    Ok(revoked)
}

// ---- API clients of MOSIP's REST door ----

/// API clients, newest first, 20 a page (partner admins).
#[server(endpoint = "api-clients/all")]
pub async fn api_clients(
    #[server(default)] page: Option<i64>,
) -> Result<Page<ApiClientView>, AppError> {
    let (page, size, offset) = domain::page::clamp(page, Some(20));
    guard::call(ADMIN, move |conn, _| {
        domain::idp::clients::list(conn, offset, size).map(|(items, total)| Page {
            items,
            total,
            page,
            page_size: size,
        })
    })
    .await
}

/// Create an API client with roles (their stored spellings); the secret is in this answer
/// only.
#[server(endpoint = "api-clients/create")]
pub async fn create_api_client(
    client_id: String,
    #[server(default)] roles: Vec<String>,
) -> Result<Issued<ApiClientView>, AppError> {
    let me = Caller::with_role(ADMIN)?;
    no_store();
    let names: Vec<String> = roles.iter().map(|r| r.trim().to_string()).collect();
    let roles = domain::idp::parse_roles(&names).map_err(|name| {
        fail(AppError::validation(
            "roles",
            "PMS_ROLE_UNKNOWN",
            format!(
                "{} is not a role of this portal.",
                domain::text::clip(&name, 40)
            ),
        ))
    })?;
    guard::open(move |conn| domain::idp::clients::create(conn, &me.actor, &client_id, &roles, None))
        .await
}

/// Revoke an API client: its secret and the tokens it holds stop working at once.
#[server(endpoint = "api-clients/revoke")]
pub async fn revoke_api_client(id: String) -> Result<ApiClientView, AppError> {
    guard::call(ADMIN, move |conn, me| {
        domain::idp::clients::revoke(conn, &me.actor, &id)
    })
    .await
}
