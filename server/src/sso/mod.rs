//! Single sign-on: OpenID Connect's authorization code flow with PKCE (S256), as two plain
//! routes (they work without JavaScript):
//!
//! - `GET /auth/sso/start?next=/path`: a new state (see `domain::sso::flow`), then 303 to the
//!   provider;
//! - `GET /auth/sso/callback?code&state`: the state used up, the code exchanged, the ID token
//!   verified, the account signed in (`domain::sso::sign_in`), then 303 to `next`.
//!
//! Every failure ends on `/login?sso_error=<code>` (the page shows a sentence for it) and
//! changes nothing; the log says which check failed, never a code, token or secret.

pub mod provider;
pub mod settings;

use app::state::{AppState, ClientAddr};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use domain::auth::ClientInfo;
use domain::sso::flow::{self, Resumed};
use domain::sso::{Identity, Refusal, SignedIn};
pub use provider::Provider;
use serde::Deserialize;
use std::sync::Arc;

/// The cookie binding a sign-in to the browser that started it.
pub const BINDER_COOKIE: &str = "pms_sso";

#[derive(Clone)]
struct SsoState {
    app: AppState,
    provider: Arc<Provider>,
}

/// The two routes, for the pages' router (inside its session and request-id layers).
pub fn routes(app: AppState, provider: Arc<Provider>) -> Router {
    Router::new()
        .route("/auth/sso/start", get(start))
        .route("/auth/sso/callback", get(callback))
        .with_state(SsoState { app, provider })
}

#[derive(Deserialize)]
struct StartQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

fn see_other(location: &str, cookies: &[String]) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    let headers = res.headers_mut();
    for value in std::iter::once(location).filter_map(|l| HeaderValue::from_str(l).ok()) {
        headers.insert(header::LOCATION, value);
    }
    for cookie in cookies {
        if let Ok(v) = HeaderValue::from_str(cookie) {
            headers.append(header::SET_COOKIE, v);
        }
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Back to the sign-in page with the refusal's code (and `next`, so a new try goes on there).
fn refused(refusal: Refusal, next: Option<&str>) -> Response {
    tracing::info!(refusal = refusal.code(), "single sign-on refused");
    let mut to = format!("/login?sso_error={}", refusal.code());
    if let Some(next) = next.filter(|n| *n != "/") {
        to.push_str("&next=");
        to.push_str(&app::util::encode_query(next));
    }
    see_other(&to, &[])
}

/// An internal failure (database): logged with its code, and the same way back to sign-in.
fn failed(e: &domain::AppError, next: Option<&str>) -> Response {
    tracing::error!(code = %e.code, "single sign-on failed");
    refused(Refusal::Unavailable, next)
}

fn binder_cookie(value: &str, secure: bool, clear: bool) -> String {
    let age = if clear { 0 } else { flow::STATE_TTL_MS / 1000 };
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{BINDER_COOKIE}={value}; Path=/auth/sso; HttpOnly; SameSite=Lax; Max-Age={age}{secure}"
    )
}

/// `GET /auth/sso/start`: send the browser to the provider.
async fn start(
    State(s): State<SsoState>,
    Query(q): Query<StartQuery>,
    headers: HeaderMap,
    addr: Option<Extension<ClientAddr>>,
) -> Response {
    let next = app::util::after_login(q.next.as_deref());
    let discovery = match s.provider.discovery().await {
        Ok(d) => d,
        Err(r) => return refused(r, Some(&next)),
    };
    let binder = app::guard::cookie_in(&headers, BINDER_COOKIE)
        .filter(|b| flow::is_binder(b))
        .unwrap_or_else(flow::new_binder);
    let (b, n, ip) = (
        binder.clone(),
        next.clone(),
        addr.map(|Extension(a)| a.0.to_string()),
    );
    let started = domain::db::run(&s.app.pool, move |conn| {
        flow::begin(conn, &b, Some(&n), ip.as_deref())
    })
    .await;
    let started = match started {
        Ok(Ok(started)) => started,
        Ok(Err(refusal)) => return refused(refusal, Some(&next)),
        Err(e) => return failed(&e, Some(&next)),
    };
    let Ok(mut url) = url::Url::parse(&discovery.authorization_endpoint) else {
        tracing::error!("the provider's authorization endpoint is not a URL");
        return refused(Refusal::Unavailable, Some(&next));
    };
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", s.provider.client_id())
        .append_pair("redirect_uri", s.provider.redirect_uri())
        .append_pair("scope", s.provider.scopes())
        .append_pair("state", &started.state)
        .append_pair("nonce", &started.nonce)
        .append_pair("code_challenge", &started.challenge)
        .append_pair("code_challenge_method", "S256");
    see_other(
        url.as_str(),
        &[binder_cookie(&binder, s.app.secure_cookies, false)],
    )
}

fn client_info(headers: &HeaderMap, addr: Option<Extension<ClientAddr>>) -> ClientInfo {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    ClientInfo {
        ip: addr.map(|Extension(a)| a.0.to_string()),
        user_agent: text("user-agent"),
        request_id: text("x-request-id"),
    }
}

/// `GET /auth/sso/callback`: finish the sign-in the state names.
async fn callback(
    State(s): State<SsoState>,
    Query(q): Query<CallbackQuery>,
    headers: HeaderMap,
    addr: Option<Extension<ClientAddr>>,
) -> Response {
    let state = q.state.clone().unwrap_or_default();
    let binder = app::guard::cookie_in(&headers, BINDER_COOKIE);
    let resumed = domain::db::run(&s.app.pool, move |conn| {
        flow::resume(conn, &state, binder.as_deref())
    })
    .await;
    let flow = match resumed {
        Ok(Ok(flow)) => flow,
        Ok(Err(refusal)) => return refused(refusal, None),
        Err(e) => return failed(&e, None),
    };
    let next = flow.next.clone().unwrap_or_else(|| "/".into());
    let client = client_info(&headers, addr);
    let secure = s.app.secure_cookies;
    match finish(&s, &q, flow, client).await {
        Ok(SignedIn::Session(token, _)) => see_other(
            &app::util::after_login(Some(&next)),
            &[
                app::api::session_cookie(&token, secure, false),
                binder_cookie("", secure, true),
            ],
        ),
        // The account's own second factor is asked as after a password.
        Ok(SignedIn::SecondFactor(challenge)) => see_other(
            &format!("/login/verify?next={}", app::util::encode_query(&next)),
            &[
                app::api::two_factor::challenge_cookie(&challenge, secure),
                binder_cookie("", secure, true),
            ],
        ),
        Err(Ok(refusal)) => refused(refusal, Some(&next)),
        Err(Err(e)) => failed(&e, Some(&next)),
    }
}

/// The callback after its state checked out: the session token, or a refusal, or an internal
/// error.
async fn finish(
    s: &SsoState,
    q: &CallbackQuery,
    flow: Resumed,
    client: ClientInfo,
) -> Result<SignedIn, Result<Refusal, domain::AppError>> {
    if let Some(error) = q.error.as_deref() {
        tracing::info!(error, "the provider answered the sign-in with an error");
        return Err(Ok(if error == "access_denied" {
            Refusal::Denied
        } else {
            Refusal::Provider
        }));
    }
    // RFC 9207: a provider that names itself must be ours (mix-up defence).
    if q.iss
        .as_deref()
        .is_some_and(|iss| iss != s.provider.policy.issuer)
    {
        return Err(Ok(Refusal::Issuer));
    }
    let code = q
        .code
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or(Ok(Refusal::Provider))?;
    let tokens = s
        .provider
        .exchange(code, &flow.verifier)
        .await
        .map_err(Ok)?;
    let claims = s
        .provider
        .verify(&tokens.id_token, &flow.nonce)
        .await
        .map_err(Ok)?;
    let policy = s.provider.policy.clone();
    let mut identity = Identity::from_claims(&policy.issuer, &claims, &policy);
    if let Some(access) = tokens.access_token.as_deref() {
        complete(&s.provider, &mut identity, &claims, access).await;
    }
    let sessions = s.app.sessions;
    let signed = domain::db::run(&s.app.pool, move |conn| {
        domain::sso::sign_in(conn, &identity, &policy, &client, &sessions)
    })
    .await
    .map_err(Err)?;
    signed.map_err(Ok)
}

/// Claims the ID token left out (some providers put email and roles only in userinfo) taken
/// from the userinfo endpoint; the ID token's own claims stay as they are.
async fn complete(
    provider: &Provider,
    identity: &mut Identity,
    claims: &serde_json::Map<String, serde_json::Value>,
    access_token: &str,
) {
    let role_claim = &provider.policy.role_claim;
    let has_roles = claims.contains_key(role_claim)
        || claims.contains_key(role_claim.split('.').next().unwrap_or_default());
    if claims.contains_key("email") && claims.contains_key("email_verified") && has_roles {
        return;
    }
    let Some(more) = provider.userinfo(access_token, &identity.subject).await else {
        return;
    };
    let from_userinfo = Identity::from_claims(&identity.issuer, &more, &provider.policy);
    // The email and its verification come from the same answer.
    if !(claims.contains_key("email") && claims.contains_key("email_verified")) {
        identity.email = from_userinfo.email;
        identity.email_verified = from_userinfo.email_verified;
    }
    if identity.name.is_none() {
        identity.name = from_userinfo.name;
    }
    if !has_roles {
        identity.roles = from_userinfo.roles;
    }
}
