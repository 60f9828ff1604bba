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

/// The door's routes.
pub fn router(state: MosipState) -> Router {
    let pm = "/v1/partnermanager";
    let pol = "/v1/policymanager";
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
        .route(
            &format!("{pm}/partners/certificate/ca/upload"),
            post(partners::upload_ca),
        )
        .route(
            &format!("{pm}/partners/certificate/upload"),
            post(partners::upload_certificate),
        )
        .route(&format!("{pm}/partners"), post(partners::register))
        .route(&format!("{pm}/partners/search"), post(search::partners))
        .route(&format!("{pm}/oauth/client"), post(oauth::create_client))
        .route(
            &format!("{pm}/partners/filtervalues"),
            post(filter_values::partners),
        )
        .route(
            &format!("{pm}/partners/apikey/request/filtervalues"),
            post(filter_values::policy_requests),
        )
        .route(
            &format!("{pm}/misps/filtervalues"),
            post(filter_values::misp_licenses),
        )
        .route(
            &format!("{pm}/devicedetail/filtervalues"),
            post(filter_values::devices),
        )
        .route(
            &format!("{pm}/devicedetail/deviceType/filtervalues"),
            post(filter_values::device_types),
        )
        .route(
            &format!("{pm}/devicedetail/deviceSubType/filtervalues"),
            post(filter_values::device_sub_types),
        )
        .route(
            &format!("{pm}/securebiometricinterface/filtervalues"),
            post(filter_values::sbis),
        )
        .route(
            &format!("{pol}/policies/group/filtervalues"),
            post(filter_values::policy_groups),
        )
        .route(
            &format!("{pol}/policies/filtervalues"),
            post(filter_values::policies),
        )
        .route(&format!("{pm}/partners/v3"), get(reads::partners_v3))
        .route(
            &format!("{pm}/partners/{{partner_id}}/certificate"),
            get(reads::certificate),
        )
        .route(
            &format!("{pm}/partners/partnertype/search"),
            post(search::partner_types),
        )
        .route(&format!("{pm}/admin-partners"), get(lists::admin_partners))
        .route(&format!("{pm}/partner-api-keys"), get(access::api_keys))
        .route(
            &format!("{pm}/partner-policy-requests"),
            get(access::policy_requests),
        )
        .route(&format!("{pm}/devicedetail"), get(items::devices))
        .route(&format!("{pm}/devicedetail/search"), post(search::devices))
        .route(
            &format!("{pm}/devicedetail/deviceType/search"),
            post(search::device_types),
        )
        .route(
            &format!("{pm}/devicedetail/{{device_id}}/approval"),
            post(devices::decide_device),
        )
        .route(
            &format!("{pm}/devicedetail/{{device_id}}"),
            patch(devices::deactivate_device),
        )
        .route(
            &format!("{pm}/securebiometricinterface"),
            get(items::sbis),
        )
        .route(&format!("{pm}/ftpchipdetail/v2"), get(items::chips))
        .route(
            &format!("{pm}/partners/{{partner_id}}/policy/map"),
            post(partners::map_policy),
        )
        .route(
            &format!("{pm}/partners/policy/{{mapping_key}}"),
            put(partners::decide_mapping),
        )
        .route(
            &format!("{pm}/partners/{{partner_id}}/generate/apikey"),
            patch(partners::generate_api_key),
        )
        .route(
            &format!("{pm}/partners/{{partner_id}}/credentialtype/{{credential_type}}/policies/{{policy_name}}"),
            post(partners::map_credential_type),
        )
        .route(
            &format!("{pm}/securebiometricinterface/{{sbi_id}}"),
            patch(devices::deactivate_sbi),
        )
        .route(
            &format!("{pm}/ftpchipdetail/{{ftm_id}}"),
            patch(devices::deactivate_ftm),
        )
        .route(&format!("{pol}/policies/group/new"), post(policies::create_group))
        .route(
            &format!("{pol}/policies/group/{{group_id}}"),
            patch(policies::deactivate_group),
        )
        .route(&format!("{pol}/policies"), post(policies::create_policy))
        .route(&format!("{pol}/policies/v2"), get(policies::list))
        .route(
            &format!("{pol}/policies/{{policy_id}}"),
            patch(policies::deactivate_policy),
        )
        .route(&format!("{pol}/policies/search"), post(search::policies))
        .route(
            &format!("{pol}/policies/group/search"),
            post(search::policy_groups),
        )
        .route(
            &format!("{pol}/policies/{{policy_id}}/group/{{group_id}}/publish"),
            post(policies::publish),
        )
        .with_state(state)
}
