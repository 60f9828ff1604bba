//! Machine sign-in as MOSIP's modules do it (`/v1/authmanager/...` and Keycloak's token
//! endpoint, [`sign_in`]), the Keycloak admin calls MOSIP's onboarder makes ([`keycloak`]),
//! and reading the caller of every other call from its `Authorization` cookie or Bearer header.

mod keycloak;
mod sign_in;

pub use keycloak::{
    create_user, delete_user, find_users, list_roles, map_roles, user_roles, UserQuery,
};
pub use sign_in::{client_secret, oidc_token, user_password};

use super::envelope::{self, Answer, Envelope, Fault, Meta};
use super::{run, MosipState};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use domain::idp::{jwt, Principal};
use domain::Role;
use std::future::Future;

/// Most `Authorization` cookies looked at in one request (newman sends two).
const MAX_TOKENS: usize = 8;

/// The tokens a request carries: every `Authorization` cookie (newman sends the collection's
/// own and its jar's) and a Bearer header, in that order.
pub fn tokens(headers: &HeaderMap) -> Vec<String> {
    let mut out = Vec::new();
    for value in headers.get_all(header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((name, v)) = pair.trim().split_once('=') {
                if name.trim() == "Authorization" {
                    let v = v.trim().trim_matches('"');
                    if !v.is_empty() && out.len() < MAX_TOKENS {
                        out.push(v.to_string());
                    }
                }
            }
        }
    }
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let v = v.trim();
        let v = v.strip_prefix("Bearer ").unwrap_or(v).trim();
        if v.split('.').count() == 3 && out.len() < MAX_TOKENS {
            out.push(v.to_string());
        }
    }
    out
}

/// Whom the call comes from: the first token that verifies, or KER-ATH-401.
pub async fn caller(state: &MosipState, headers: &HeaderMap) -> Result<Principal, Fault> {
    let tokens = tokens(headers);
    if tokens.is_empty() {
        return Err(Fault::unauthenticated());
    }
    let found = run(state, move |conn| {
        for t in &tokens {
            if let Some(p) = jwt::verify(conn, t)? {
                return Ok(Some(p));
            }
        }
        Ok(None)
    })
    .await?;
    found.ok_or_else(Fault::unauthenticated)
}

/// The caller, when it holds one of `roles`: KER-ATH-401 without a valid token, KER-ATH-403
/// without the role.
pub async fn require(
    state: &MosipState,
    headers: &HeaderMap,
    roles: &[Role],
) -> Result<Principal, Fault> {
    let p = caller(state, headers).await?;
    if p.has_any(roles) {
        Ok(p)
    } else {
        Err(Fault::forbidden())
    }
}

/// The caller for a call with an envelope: authentication and roles are checked before the
/// body is read (as MOSIP's filter does), a refusal already answered in an envelope.
pub async fn gate(
    state: &MosipState,
    headers: &HeaderMap,
    roles: &[Role],
) -> Result<Principal, Response> {
    require(state, headers, roles)
        .await
        .map_err(|f| envelope::reply(&Meta::default(), Err(f)))
}

/// A call with an envelope from one of `roles`: [`gate`] first, then `f` with the caller and
/// the request envelope, its answer in MOSIP's envelope (the one shape of every such call).
pub async fn gated<F, Fut>(
    state: &MosipState,
    headers: &HeaderMap,
    roles: &[Role],
    body: axum::body::Bytes,
    f: F,
) -> Response
where
    F: FnOnce(Principal, Envelope) -> Fut,
    Fut: Future<Output = Answer>,
{
    match gate(state, headers, roles).await {
        Ok(who) => envelope::with_envelope(&body, |env| f(who, env)).await,
        Err(refused) => refused,
    }
}

/// Keycloak's realms the portal answers for.
fn known_realm(realm: &str) -> bool {
    matches!(realm, "master" | "mosip")
}

/// Answer a call without a body (the envelope's id names the endpoint).
pub fn answer(id: &str, a: Answer) -> Response {
    envelope::reply(&Meta::named(id), a)
}
