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
use crate::guard::{self, fail};
#[cfg(feature = "ssr")]
use crate::guard::{actor_of, require_admin as admin};
#[cfg(feature = "ssr")]
use domain::account::CurrentUser;
#[cfg(feature = "ssr")]
use domain::Role;

#[cfg(feature = "ssr")]
fn partner() -> Result<CurrentUser, AppError> {
    guard::require_role(&Role::PARTNER).map_err(fail)
}

/// Partners that hold API keys: relying parties and credential/print partners.
#[cfg(feature = "ssr")]
fn key_holder() -> Result<CurrentUser, AppError> {
    guard::require_role(&[Role::AuthPartner, Role::CredentialPartner]).map_err(fail)
}

#[cfg(feature = "ssr")]
fn auth_partner() -> Result<CurrentUser, AppError> {
    guard::require_role(&[Role::AuthPartner]).map_err(fail)
}

#[cfg(feature = "ssr")]
fn misp_partner() -> Result<CurrentUser, AppError> {
    guard::require_role(&[Role::MispPartner]).map_err(fail)
}

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
    let user = partner()?;
    guard::db(move |conn| domain::access::request::requestable(conn, &user))
        .await
        .map_err(fail)
}

/// Request a policy.
#[server(endpoint = "policy-requests/create")]
pub async fn request_policy(input: RequestInput) -> Result<RequestView, AppError> {
    let user = partner()?;
    let actor = actor_of(&user);
    guard::db(move |conn| domain::access::request::create(conn, &actor, &user, &input))
        .await
        .map_err(fail)
}

/// The partner's requests.
#[server(endpoint = "policy-requests/mine")]
pub async fn my_policy_requests(
    #[server(default)] query: RequestQuery,
) -> Result<Page<RequestView>, AppError> {
    let user = partner()?;
    guard::db(move |conn| domain::access::request::list_own(conn, &user, &query))
        .await
        .map_err(fail)
}

/// Every request (partner admins); pending ones first by default.
#[server(endpoint = "policy-requests/all")]
pub async fn all_policy_requests(
    #[server(default)] query: RequestQuery,
) -> Result<Page<RequestView>, AppError> {
    admin()?;
    guard::db(move |conn| domain::access::request::list(conn, &query, None))
        .await
        .map_err(fail)
}

/// Approve or reject (with a comment) a pending request.
#[server(endpoint = "policy-requests/decide")]
pub async fn decide_policy_request(
    id: String,
    approve: bool,
    #[server(default)] comment: Option<String>,
) -> Result<RequestView, AppError> {
    let actor = admin()?;
    guard::db(move |conn| {
        domain::access::request::decide(conn, &actor, &id, approve, comment.as_deref())
    })
    .await
    .map_err(fail)
}

// ---- API keys ----

/// The partner's approved policies a key can be made for, and the longest validity (days).
#[server(endpoint = "apikeys/options")]
pub async fn api_key_options() -> Result<(Vec<ApprovedPolicy>, i64), AppError> {
    let user = key_holder()?;
    let days = guard::state()?.access.api_key_days;
    let policies = guard::db(move |conn| domain::access::apikey::policy_options(conn, &user))
        .await
        .map_err(fail)?;
    Ok((policies, days))
}

/// Generate an API key; the secret is in this answer only.
#[server(endpoint = "apikeys/create")]
pub async fn create_api_key(input: ApiKeyInput) -> Result<Issued<ApiKeyView>, AppError> {
    let user = key_holder()?;
    let actor = actor_of(&user);
    let config = guard::state()?.access;
    no_store();
    guard::db(move |conn| domain::access::apikey::create(conn, &actor, &user, &input, &config))
        .await
        .map_err(fail)
}

/// The partner's keys.
#[server(endpoint = "apikeys/mine")]
pub async fn my_api_keys(#[server(default)] query: KeyQuery) -> Result<Page<ApiKeyView>, AppError> {
    let user = key_holder()?;
    guard::db(move |conn| domain::access::apikey::list_own(conn, &user, &query))
        .await
        .map_err(fail)
}

/// Deactivate one of the partner's keys.
#[server(endpoint = "apikeys/mine/deactivate")]
pub async fn deactivate_my_api_key(id: String) -> Result<ApiKeyView, AppError> {
    let user = key_holder()?;
    let actor = actor_of(&user);
    guard::db(move |conn| domain::access::apikey::deactivate(conn, &actor, &id, Some(&user)))
        .await
        .map_err(fail)
}

/// Every key (partner admins).
#[server(endpoint = "apikeys/all")]
pub async fn all_api_keys(
    #[server(default)] query: KeyQuery,
) -> Result<Page<ApiKeyView>, AppError> {
    admin()?;
    guard::db(move |conn| domain::access::apikey::list(conn, &query, None))
        .await
        .map_err(fail)
}

/// Deactivate any key (partner admins).
#[server(endpoint = "apikeys/deactivate")]
pub async fn admin_deactivate_api_key(id: String) -> Result<ApiKeyView, AppError> {
    let actor = admin()?;
    guard::db(move |conn| domain::access::apikey::deactivate(conn, &actor, &id, None))
        .await
        .map_err(fail)
}

// ---- OIDC clients ----

/// The partner's approved Auth policies (for a new client).
#[server(endpoint = "oidc/options")]
pub async fn client_policy_options() -> Result<Vec<ApprovedPolicy>, AppError> {
    let user = auth_partner()?;
    guard::db(move |conn| domain::access::oidc::policy_options(conn, &user))
        .await
        .map_err(fail)
}

/// Register an OIDC client.
#[server(endpoint = "oidc/create")]
pub async fn create_client(input: ClientInput) -> Result<ClientView, AppError> {
    let user = auth_partner()?;
    let actor = actor_of(&user);
    guard::db(move |conn| domain::access::oidc::create(conn, &actor, &user, &input))
        .await
        .map_err(fail)
}

/// The partner's clients.
#[server(endpoint = "oidc/mine")]
pub async fn my_clients(#[server(default)] query: KeyQuery) -> Result<Page<ClientView>, AppError> {
    let user = auth_partner()?;
    let esignet = guard::state()?.esignet_enabled;
    guard::db(move |conn| {
        let page = domain::access::oidc::list_own(conn, &user, &query)?;
        with_esignet(conn, page, esignet)
    })
    .await
    .map_err(fail)
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
    let user = auth_partner()?;
    let actor = actor_of(&user);
    guard::db(move |conn| domain::access::oidc::update(conn, &actor, &user, &id, &input))
        .await
        .map_err(fail)
}

/// Deactivate one of the partner's clients.
#[server(endpoint = "oidc/mine/deactivate")]
pub async fn deactivate_my_client(id: String) -> Result<ClientView, AppError> {
    let user = auth_partner()?;
    let actor = actor_of(&user);
    guard::db(move |conn| domain::access::oidc::deactivate(conn, &actor, &id, Some(&user)))
        .await
        .map_err(fail)
}

/// Every client (partner admins).
#[server(endpoint = "oidc/all")]
pub async fn all_clients(#[server(default)] query: KeyQuery) -> Result<Page<ClientView>, AppError> {
    admin()?;
    let esignet = guard::state()?.esignet_enabled;
    guard::db(move |conn| {
        let page = domain::access::oidc::list(conn, &query, None)?;
        with_esignet(conn, page, esignet)
    })
    .await
    .map_err(fail)
}

/// Deactivate any client (partner admins).
#[server(endpoint = "oidc/deactivate")]
pub async fn admin_deactivate_client(id: String) -> Result<ClientView, AppError> {
    let actor = admin()?;
    guard::db(move |conn| domain::access::oidc::deactivate(conn, &actor, &id, None))
        .await
        .map_err(fail)
}

/// The claim and ACR mappings (partner admins).
#[server(endpoint = "oidc/mappings")]
pub async fn oidc_mappings() -> Result<(Vec<Mapping>, Vec<Mapping>), AppError> {
    admin()?;
    guard::db(move |conn| {
        Ok((
            domain::access::oidc::mappings(conn, domain::access::oidc::MappingKind::Claim)?,
            domain::access::oidc::mappings(conn, domain::access::oidc::MappingKind::Acr)?,
        ))
    })
    .await
    .map_err(fail)
}

/// Add or change a mapping row; `kind` is "claim" or "acr".
#[server(endpoint = "oidc/mappings/set")]
pub async fn set_oidc_mapping(
    kind: String,
    key: String,
    value: String,
) -> Result<Vec<Mapping>, AppError> {
    let actor = admin()?;
    let kind = mapping_kind(&kind)?;
    guard::db(move |conn| domain::access::oidc::set_mapping(conn, &actor, kind, &key, &value))
        .await
        .map_err(fail)
}

/// Remove a mapping row.
#[server(endpoint = "oidc/mappings/delete")]
pub async fn delete_oidc_mapping(kind: String, key: String) -> Result<Vec<Mapping>, AppError> {
    let actor = admin()?;
    let kind = mapping_kind(&kind)?;
    guard::db(move |conn| domain::access::oidc::delete_mapping(conn, &actor, kind, &key))
        .await
        .map_err(fail)
}

// ---- MISP licenses ----

/// Generate a MISP license; the key is in this answer only.
#[server(endpoint = "licenses/generate")]
pub async fn generate_license() -> Result<Issued<LicenseView>, AppError> {
    let user = misp_partner()?;
    let actor = actor_of(&user);
    let config = guard::state()?.access;
    no_store();
    guard::db(move |conn| domain::access::license::generate(conn, &actor, &user, &config))
        .await
        .map_err(fail)
}

/// The MISP partner's licenses.
#[server(endpoint = "licenses/mine")]
pub async fn my_licenses(
    #[server(default)] query: KeyQuery,
) -> Result<Page<LicenseView>, AppError> {
    let user = misp_partner()?;
    guard::db(move |conn| domain::access::license::list_own(conn, &user, &query))
        .await
        .map_err(fail)
}

/// Deactivate the MISP partner's license.
#[server(endpoint = "licenses/mine/deactivate")]
pub async fn deactivate_my_license(id: String) -> Result<LicenseView, AppError> {
    let user = misp_partner()?;
    let actor = actor_of(&user);
    guard::db(move |conn| domain::access::license::deactivate(conn, &actor, &id, Some(&user)))
        .await
        .map_err(fail)
}

/// Every license (partner admins).
#[server(endpoint = "licenses/all")]
pub async fn all_licenses(
    #[server(default)] query: KeyQuery,
) -> Result<Page<LicenseView>, AppError> {
    admin()?;
    guard::db(move |conn| domain::access::license::list(conn, &query, None))
        .await
        .map_err(fail)
}

/// Deactivate any license (partner admins).
#[server(endpoint = "licenses/deactivate")]
pub async fn admin_deactivate_license(id: String) -> Result<LicenseView, AppError> {
    let actor = admin()?;
    guard::db(move |conn| domain::access::license::deactivate(conn, &actor, &id, None))
        .await
        .map_err(fail)
}

// ---- service tokens ----

/// Every service token (partner admins).
#[server(endpoint = "service-tokens/all")]
pub async fn service_tokens() -> Result<Vec<ServiceTokenView>, AppError> {
    admin()?;
    guard::db(domain::access::token::list).await.map_err(fail)
}

/// Issue a token for a downstream service; the secret is in this answer only. `topics` are
/// the WebSub topics it may subscribe to, comma-separated (`*`: all; empty: none).
#[server(endpoint = "service-tokens/issue")]
pub async fn issue_service_token(
    name: String,
    #[server(default)] topics: String,
) -> Result<Issued<ServiceTokenView>, AppError> {
    let actor = admin()?;
    no_store();
    let topics: Vec<String> = topics.split(',').map(|t| t.trim().to_string()).collect();
    guard::db(move |conn| domain::access::token::issue(conn, &actor, &name, &topics))
        .await
        .map_err(fail)
}

/// Revoke a service token.
#[server(endpoint = "service-tokens/revoke")]
pub async fn revoke_service_token(id: String) -> Result<ServiceTokenView, AppError> {
    let actor = admin()?;
    let cache = guard::state()?.service_tokens.clone();
    let revoked = guard::db(move |conn| domain::access::token::revoke(conn, &actor, &id))
        .await
        .map_err(fail)?;
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
    admin()?;
    let (page, size, offset) = domain::page::clamp(page, Some(20));
    guard::db(move |conn| {
        domain::idp::clients::list(conn, offset, size).map(|(items, total)| Page {
            items,
            total,
            page,
            page_size: size,
        })
    })
    .await
    .map_err(fail)
}

/// Create an API client with roles (their stored spellings); the secret is in this answer
/// only.
#[server(endpoint = "api-clients/create")]
pub async fn create_api_client(
    client_id: String,
    #[server(default)] roles: Vec<String>,
) -> Result<Issued<ApiClientView>, AppError> {
    let actor = admin()?;
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
    guard::db(move |conn| domain::idp::clients::create(conn, &actor, &client_id, &roles, None))
        .await
        .map_err(fail)
}

/// Revoke an API client: its secret and the tokens it holds stop working at once.
#[server(endpoint = "api-clients/revoke")]
pub async fn revoke_api_client(id: String) -> Result<ApiClientView, AppError> {
    let actor = admin()?;
    guard::db(move |conn| domain::idp::clients::revoke(conn, &actor, &id))
        .await
        .map_err(fail)
}
