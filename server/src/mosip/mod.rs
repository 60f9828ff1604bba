//! MOSIP's PMS REST API (`/v1/partnermanager`, `/v1/policymanager`), its sign-in
//! (`/v1/authmanager`) and the Keycloak admin subset MOSIP's onboarder uses, so MOSIP's
//! modules and scripts work against the portal unchanged.
//!
//! One domain, two doors: every handler calls the same domain services as the pages. What is
//! MOSIP's lives here: request and response shapes ([`envelope`]), and the table from domain
//! errors to MOSIP's codes ([`codes`]).

pub mod access;
pub mod auth;
pub mod codes;
pub mod devices;
pub mod envelope;
pub mod filter_values;
pub mod items;
pub mod lists;
pub mod oauth;
pub mod partners;
pub mod policies;
pub mod reads;
pub mod scope;
pub mod search;

use app::state::AppState;
use axum::http::HeaderMap;
use axum::routing::{delete, get, patch, post, put};
use axum::Router;
use envelope::Fault;
use std::sync::Arc;

/// Settings of the MOSIP door.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Lifetime of the tokens it issues, seconds.
    pub token_ttl_secs: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            token_ttl_secs: 3600,
        }
    }
}

/// What the door's handlers share.
#[derive(Clone)]
pub struct MosipState {
    /// The portal's state (pool, certificate settings, throttling).
    pub app: AppState,
    /// The door's own settings.
    pub settings: Arc<Settings>,
}

/// Run a domain call on the blocking pool, its error already in MOSIP's terms.
pub async fn run<T, F>(state: &MosipState, f: F) -> Result<T, Fault>
where
    T: Send + 'static,
    F: FnOnce(&mut domain::db::AnyConnection) -> domain::AppResult<T> + Send + 'static,
{
    domain::db::run(&state.app.pool, f)
        .await
        .map_err(|e| codes::fault(&e))
}

/// The request id the request-id layer set, for the audit rows.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The door's routes, by area.
pub fn router(state: MosipState) -> Router {
    Router::new()
        .merge(auth_routes())
        .merge(partner_routes())
        .merge(search_routes())
        .merge(filter_value_routes())
        .merge(device_routes())
        .merge(policy_routes())
        .with_state(state)
}

const PM: &str = "/v1/partnermanager";
const POL: &str = "/v1/policymanager";

/// Sign-in: MOSIP's auth manager and the Keycloak admin calls its scripts make.
fn auth_routes() -> Router<MosipState> {
    let kc = "/auth/admin/realms/{realm}";
    Router::new()
        .route(
            "/v1/authmanager/authenticate/clientidsecretkey",
            post(auth::client_secret),
        )
        .route(
            "/v1/authmanager/authenticate/internal/useridPwd",
            post(auth::user_password),
        )
        .route(
            "/auth/realms/{realm}/protocol/openid-connect/token",
            post(auth::oidc_token),
        )
        .route(
            &format!("{kc}/users"),
            post(auth::create_user).get(auth::find_users),
        )
        .route(&format!("{kc}/users/{{id}}"), delete(auth::delete_user))
        .route(
            &format!("{kc}/users/{{id}}/role-mappings/realm"),
            post(auth::map_roles).get(auth::user_roles),
        )
        .route(&format!("{kc}/roles"), get(auth::list_roles))
}

/// Partners: registration, certificates, policy mappings, keys, MOSIP's partner lists.
fn partner_routes() -> Router<MosipState> {
    Router::new()
        .route(
            &format!("{PM}/partners/certificate/ca/upload"),
            post(partners::upload_ca),
        )
        .route(
            &format!("{PM}/partners/certificate/upload"),
            post(partners::upload_certificate),
        )
        .route(&format!("{PM}/partners"), post(partners::register))
        .route(&format!("{PM}/oauth/client"), post(oauth::create_client))
        .route(&format!("{PM}/partners/v3"), get(reads::partners_v3))
        .route(
            &format!("{PM}/partners/{{partner_id}}/certificate"),
            get(reads::certificate),
        )
        .route(&format!("{PM}/admin-partners"), get(lists::admin_partners))
        .route(&format!("{PM}/partner-api-keys"), get(access::api_keys))
        .route(
            &format!("{PM}/partner-policy-requests"),
            get(access::policy_requests),
        )
        .route(
            &format!("{PM}/partners/{{partner_id}}/policy/map"),
            post(partners::map_policy),
        )
        .route(
            &format!("{PM}/partners/policy/{{mapping_key}}"),
            put(partners::decide_mapping),
        )
        .route(
            &format!("{PM}/partners/{{partner_id}}/generate/apikey"),
            patch(partners::generate_api_key),
        )
        .route(
            &format!("{PM}/partners/{{partner_id}}/credentialtype/{{credential_type}}/policies/{{policy_name}}"),
            post(partners::map_credential_type),
        )
}

/// MOSIP's old search calls (partners, types, devices, policies, groups).
fn search_routes() -> Router<MosipState> {
    Router::new()
        .route(&format!("{PM}/partners/search"), post(search::partners))
        .route(
            &format!("{PM}/partners/partnertype/search"),
            post(search::partner_types),
        )
        .route(&format!("{PM}/devicedetail/search"), post(search::devices))
        .route(
            &format!("{PM}/devicedetail/deviceType/search"),
            post(search::device_types),
        )
        .route(&format!("{POL}/policies/search"), post(search::policies))
        .route(
            &format!("{POL}/policies/group/search"),
            post(search::policy_groups),
        )
}

/// MOSIP's filter-value calls.
fn filter_value_routes() -> Router<MosipState> {
    Router::new()
        .route(
            &format!("{PM}/partners/filtervalues"),
            post(filter_values::partners),
        )
        .route(
            &format!("{PM}/partners/apikey/request/filtervalues"),
            post(filter_values::policy_requests),
        )
        .route(
            &format!("{PM}/misps/filtervalues"),
            post(filter_values::misp_licenses),
        )
        .route(
            &format!("{PM}/devicedetail/filtervalues"),
            post(filter_values::devices),
        )
        .route(
            &format!("{PM}/devicedetail/deviceType/filtervalues"),
            post(filter_values::device_types),
        )
        .route(
            &format!("{PM}/devicedetail/deviceSubType/filtervalues"),
            post(filter_values::device_sub_types),
        )
        .route(
            &format!("{PM}/securebiometricinterface/filtervalues"),
            post(filter_values::sbis),
        )
        .route(
            &format!("{POL}/policies/group/filtervalues"),
            post(filter_values::policy_groups),
        )
        .route(
            &format!("{POL}/policies/filtervalues"),
            post(filter_values::policies),
        )
}

/// SBIs, devices and FTM chips: lists, approval, deactivation.
fn device_routes() -> Router<MosipState> {
    Router::new()
        .route(&format!("{PM}/devicedetail"), get(items::devices))
        .route(
            &format!("{PM}/devicedetail/{{device_id}}/approval"),
            post(devices::decide_device),
        )
        .route(
            &format!("{PM}/devicedetail/{{device_id}}"),
            patch(devices::deactivate_device),
        )
        .route(&format!("{PM}/securebiometricinterface"), get(items::sbis))
        .route(&format!("{PM}/ftpchipdetail/v2"), get(items::chips))
        .route(
            &format!("{PM}/securebiometricinterface/{{sbi_id}}"),
            patch(devices::deactivate_sbi),
        )
        .route(
            &format!("{PM}/ftpchipdetail/{{ftm_id}}"),
            patch(devices::deactivate_ftm),
        )
}

/// Policy groups and policies.
fn policy_routes() -> Router<MosipState> {
    Router::new()
        .route(
            &format!("{POL}/policies/group/new"),
            post(policies::create_group),
        )
        .route(
            &format!("{POL}/policies/group/{{group_id}}"),
            patch(policies::deactivate_group),
        )
        .route(&format!("{POL}/policies"), post(policies::create_policy))
        .route(&format!("{POL}/policies/v2"), get(policies::list))
        .route(
            &format!("{POL}/policies/{{policy_id}}"),
            patch(policies::deactivate_policy),
        )
        .route(
            &format!("{POL}/policies/{{policy_id}}/group/{{group_id}}/publish"),
            post(policies::publish),
        )
}
