//! `POST /v1/partnermanager/oauth/client`: an authentication partner's OIDC client, created by
//! the portal's own OIDC client rules (the same as its page) from MOSIP's request.

use super::auth::gated;
use super::envelope::Fault;
use super::partners::PARTNER_SIDE;
use super::{request_id, run, MosipState};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use domain::access::ClientInput;
use serde_json::{json, Value};

/// A list of texts of `min..=max` items, or MOSIP's `PMS_COR_001`.
fn texts(
    request: &serde_json::Map<String, Value>,
    field: &str,
    max: usize,
) -> Result<Vec<String>, Fault> {
    let items: Vec<String> = match request.get(field) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => return Err(Fault::missing(field)),
    };
    if items.is_empty() || items.len() > max {
        return Err(Fault::new(
            "PMS_COR_001",
            format!(
                "Invalid request parameter - size must be between 1 and {max} :request.{field}"
            ),
        ));
    }
    Ok(items)
}

/// Create an OIDC client for `authPartnerId`, the caller's own partner (MOSIP's
/// `PMS_POLICY_ERROR_009` otherwise): its public key (a JWK) identifies it, its approved Auth
/// policy gives its claims and authentication context references. Answers `{clientId,
/// status}`.
pub async fn create_client(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (state, headers) = (&state, &headers);
    gated(state, headers, &PARTNER_SIDE, body, |who, env| async move {
        let name = env.text("name")?;
        let policy_id = env.text("policyId")?;
        let public_key = match env.request.get("publicKey") {
            Some(Value::Object(o)) if !o.is_empty() => Value::Object(o.clone()).to_string(),
            _ => return Err(Fault::missing("publicKey")),
        };
        let partner_id = env.text("authPartnerId")?;
        let logo_uri = env.text("logoUri")?;
        let redirect_uris = texts(&env.request, "redirectUris", 5)?;
        let grant_types = texts(&env.request, "grantTypes", 3)?;
        let auth_methods = texts(&env.request, "clientAuthMethods", 3)?;
        match env.request.get("clientNameLangMap") {
            Some(Value::Object(o)) if !o.is_empty() => {}
            _ => return Err(Fault::missing("clientNameLangMap")),
        }
        let unknown = Fault::unknown_user;
        let user = who.account().cloned().ok_or_else(unknown)?;
        let account = user.id.clone();
        let own = run(state, move |conn| {
            domain::partner::id_for_account(conn, &account)
        })
        .await?
        .ok_or_else(unknown)?;
        if own != partner_id.trim() {
            return Err(Fault::new(
                "PMS_POLICY_ERROR_009",
                "The given partner ID does not belong to the user.So unable to create OIDC client",
            ));
        }
        let input = ClientInput {
            policy_id,
            name,
            logo_uri,
            redirect_uris,
            grant_types,
            auth_methods,
            public_key,
        };
        let actor = who.actor(request_id(headers));
        let client = run(state, move |conn| {
            domain::access::oidc::create(conn, &actor, &user, &input)
        })
        .await?;
        Ok(json!({ "clientId": client.id, "status": "ACTIVE" }))
    })
    .await
}
