//! Machine sign-in as MOSIP's modules do it (`/v1/authmanager/...` and Keycloak's token
//! endpoint), the Keycloak admin calls MOSIP's onboarder makes, and reading the caller of
//! every other call from its `Authorization` cookie or Bearer header.

use super::envelope::{self, Answer, Fault, Meta};
use super::{run, MosipState};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::idp::{self, jwt, users, Principal};
use domain::Role;
use serde_json::{json, Value};

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

fn token_cookie(state: &MosipState, token: &str) -> HeaderValue {
    let secure = if state.app.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    // Not Secure over plain http, or newman's jar would not send it back (MOSIP's own too).
    HeaderValue::from_str(&format!(
        "Authorization={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        state.settings.token_ttl_secs
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("Authorization=; Path=/"))
}

fn with_cookie(state: &MosipState, mut res: Response, token: &str) -> Response {
    res.headers_mut()
        .append(header::SET_COOKIE, token_cookie(state, token));
    res
}

fn bad_credentials() -> Fault {
    Fault {
        status: StatusCode::UNAUTHORIZED,
        code: "KER-ATH-401".into(),
        message: "Authentication failed: the credentials are not valid.".into(),
    }
}

fn locked_or(err: &domain::AppError) -> Fault {
    if err.kind == domain::ErrorKind::RateLimited {
        Fault {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: err.code.clone(),
            message: err.message.clone(),
        }
    } else {
        super::codes::fault(err)
    }
}

async fn issue(state: &MosipState, principal: Principal, azp: String) -> Result<String, Fault> {
    let master = state.app.certs.master_key.clone();
    let ttl = state.settings.token_ttl_secs;
    run(state, move |conn| {
        jwt::issue(conn, &master, &principal, &azp, ttl)
    })
    .await
}

/// `POST /v1/authmanager/authenticate/clientidsecretkey`: an API client signs in.
pub async fn client_secret(State(state): State<MosipState>, body: axum::body::Bytes) -> Response {
    let env = match envelope::parse(&body) {
        Ok(e) => e,
        Err((meta, f)) => return envelope::reply(&meta, Err(f)),
    };
    let meta = env.meta.clone();
    let answer: Result<(Value, String), Fault> = async {
        let client_id = env.text("clientId")?;
        let secret = env.text("secretKey")?;
        let ip: Option<String> = None;
        let limits = state.app.throttle;
        let name = client_id.clone();
        let principal = run(&state, move |conn| {
            idp::throttled(conn, "api_client", &name, ip.as_deref(), &limits, |conn| {
                idp::clients::sign_in(conn, &client_id, &secret)
            })
        })
        .await?
        .ok_or_else(bad_credentials)?;
        let azp = principal.name();
        let token = issue(&state, principal, azp).await?;
        Ok((
            json!({
                "status": "Success",
                "message": "Clientid and Token combination had been validated successfully",
            }),
            token,
        ))
    }
    .await;
    match answer {
        Ok((v, token)) => with_cookie(&state, envelope::reply(&meta, Ok(v)), &token),
        Err(f) => envelope::reply(&meta, Err(f)),
    }
}

async fn password_principal(
    state: &MosipState,
    name: String,
    password: String,
) -> Result<Principal, Fault> {
    let ip: Option<String> = None;
    let limits = state.app.throttle;
    let pool = state.app.pool.clone();
    let result = domain::db::run(&pool, move |conn| {
        Ok(idp::throttled(
            conn,
            "account",
            &name.clone(),
            ip.as_deref(),
            &limits,
            |conn| users::sign_in(conn, &name, &password),
        ))
    })
    .await
    .map_err(|e| super::codes::fault(&e))?;
    match result {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(bad_credentials()),
        Err(e) => Err(locked_or(&e)),
    }
}

/// `POST /v1/authmanager/authenticate/internal/useridPwd`: a user signs in with its user name
/// (or email) and password; the token is in the body and in a cookie.
pub async fn user_password(State(state): State<MosipState>, body: axum::body::Bytes) -> Response {
    let env = match envelope::parse(&body) {
        Ok(e) => e,
        Err((meta, f)) => return envelope::reply(&meta, Err(f)),
    };
    let meta = env.meta.clone();
    let answer: Result<(Value, String), Fault> = async {
        let name = env.text("userName")?;
        let password = env.text("password")?;
        let azp = env
            .opt_text("clientId")?
            .unwrap_or_else(|| "mosip-pms-client".to_string());
        let principal = password_principal(&state, name, password).await?;
        let user_id = principal.name();
        let token = issue(&state, principal, azp).await?;
        Ok((
            json!({
                "token": token,
                "message": "Username and password combination had been validated successfully",
                "refreshToken": null,
                "expiryTime": state.settings.token_ttl_secs * 1000,
                "userId": user_id,
                "status": "Success",
            }),
            token,
        ))
    }
    .await;
    match answer {
        Ok((v, token)) => with_cookie(&state, envelope::reply(&meta, Ok(v)), &token),
        Err(f) => envelope::reply(&meta, Err(f)),
    }
}

/// Keycloak's answers are not MOSIP envelopes: `{"error": ..., "error_description": ...}`.
fn oidc_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

fn known_realm(realm: &str) -> bool {
    matches!(realm, "master" | "mosip")
}

/// `POST /auth/realms/{realm}/protocol/openid-connect/token`: the password grant (admin-cli,
/// mosip-pms-client) and the client-credentials grant, answered as Keycloak does.
pub async fn oidc_token(
    State(state): State<MosipState>,
    Path(realm): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    if !known_realm(&realm) {
        return oidc_error(
            StatusCode::NOT_FOUND,
            "invalid_request",
            "Realm does not exist",
        );
    }
    let form: Vec<(String, String)> = match serde_urlencoded::from_bytes(&body) {
        Ok(f) => f,
        Err(_) => {
            return oidc_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The body must be a form.",
            )
        }
    };
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let grant = field("grant_type").unwrap_or_default();
    let client = field("client_id").unwrap_or_default();
    let principal = match grant.as_str() {
        "password" => {
            let (Some(user), Some(password)) = (field("username"), field("password")) else {
                return oidc_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Missing parameter: username or password",
                );
            };
            password_principal(&state, user, password).await
        }
        "client_credentials" => {
            let Some(secret) = field("client_secret") else {
                return oidc_error(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized_client",
                    "Client secret not provided in request",
                );
            };
            let ip: Option<String> = None;
            let limits = state.app.throttle;
            let id = client.clone();
            run(&state, move |conn| {
                idp::throttled(
                    conn,
                    "api_client",
                    &id.clone(),
                    ip.as_deref(),
                    &limits,
                    |conn| idp::clients::sign_in(conn, &id, &secret),
                )
            })
            .await
            .and_then(|p| p.ok_or_else(bad_credentials))
        }
        _ => {
            return oidc_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Unsupported grant_type",
            )
        }
    };
    let principal = match principal {
        Ok(p) => p,
        Err(f) if f.status == StatusCode::TOO_MANY_REQUESTS => {
            return oidc_error(
                StatusCode::TOO_MANY_REQUESTS,
                "temporarily_unavailable",
                &f.message,
            )
        }
        Err(f) if f.status == StatusCode::UNAUTHORIZED => {
            return oidc_error(
                StatusCode::UNAUTHORIZED,
                "invalid_grant",
                "Invalid user credentials",
            )
        }
        Err(_) => {
            return oidc_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "Retry later.",
            )
        }
    };
    match issue(&state, principal, client).await {
        Ok(token) => (
            [(header::CACHE_CONTROL, "no-store")],
            Json(json!({
                "access_token": token,
                "expires_in": state.settings.token_ttl_secs,
                "refresh_expires_in": 0,
                "token_type": "Bearer",
                "not-before-policy": 0,
                "scope": "profile email",
            })),
        )
            .into_response(),
        Err(_) => oidc_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "Retry later.",
        ),
    }
}

// ---- Keycloak admin: users and realm roles -------------------------------------------------

fn admin_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "errorMessage": message }))).into_response()
}

/// The Keycloak admin caller: a valid token of a partner admin (Keycloak answers 401 and 403
/// without an envelope).
async fn admin(
    state: &MosipState,
    headers: &HeaderMap,
    realm: &str,
) -> Result<Principal, Response> {
    if !known_realm(realm) {
        return Err(admin_error(StatusCode::NOT_FOUND, "Realm not found."));
    }
    match require(state, headers, &[Role::PartnerAdmin]).await {
        Ok(p) => Ok(p),
        Err(f) if f.status == StatusCode::FORBIDDEN => Err((
            StatusCode::FORBIDDEN,
            Json(json!({ "error": "unknown_error" })),
        )
            .into_response()),
        Err(f) if f.status == StatusCode::UNAUTHORIZED => Err((
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "HTTP 401 Unauthorized" })),
        )
            .into_response()),
        Err(_) => Err(admin_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Retry later.",
        )),
    }
}

fn user_json(u: &users::UserView) -> Value {
    let (first, last) = u
        .display_name
        .split_once(' ')
        .map(|(f, l)| (f.to_string(), l.to_string()))
        .unwrap_or_else(|| (u.display_name.clone(), String::new()));
    json!({
        "id": u.id,
        "createdTimestamp": u.created_at,
        "username": u.username,
        "enabled": u.enabled,
        "emailVerified": false,
        "firstName": first,
        "lastName": last,
        "email": u.email,
    })
}

/// `POST /auth/admin/realms/{realm}/users`: 201 with the new user's location.
pub async fn create_user(
    State(state): State<MosipState>,
    Path(realm): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let actor = match admin(&state, &headers, &realm).await {
        Ok(p) => p.actor(super::request_id(&headers)),
        Err(res) => return res,
    };
    let Ok(Value::Object(user)) = serde_json::from_slice::<Value>(&body) else {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "The body must be a user representation (JSON object).",
        );
    };
    let text = |k: &str| {
        user.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let password = user
        .get("credentials")
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("type").and_then(Value::as_str).unwrap_or("password") == "password")
        })
        .and_then(|c| c.get("value").and_then(Value::as_str))
        .map(str::to_string);
    let input = users::NewUser {
        username: text("username"),
        first_name: text("firstName"),
        last_name: text("lastName"),
        email: text("email"),
        enabled: user.get("enabled").and_then(Value::as_bool).unwrap_or(true),
        // A user created without a password cannot sign in until one is set.
        password: password.unwrap_or_else(|| format!("unset-{}", uuid::Uuid::new_v4())),
    };
    let created = domain::db::run(&state.app.pool, move |conn| {
        users::create(conn, &actor, &input)
    })
    .await;
    match created {
        Ok(id) => {
            let location = format!("/auth/admin/realms/{realm}/users/{id}");
            (
                StatusCode::CREATED,
                [(
                    header::LOCATION,
                    HeaderValue::from_str(&location).unwrap_or(HeaderValue::from_static("/")),
                )],
            )
                .into_response()
        }
        Err(e) if e.kind == domain::ErrorKind::Conflict => {
            admin_error(StatusCode::CONFLICT, &e.message)
        }
        Err(e) if e.kind == domain::ErrorKind::Internal => {
            admin_error(StatusCode::INTERNAL_SERVER_ERROR, &e.message)
        }
        Err(e) => admin_error(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

/// Query of `GET .../users`.
#[derive(serde::Deserialize)]
pub struct UserQuery {
    username: Option<String>,
    email: Option<String>,
}

/// `GET /auth/admin/realms/{realm}/users?username=U`: the user of that exact name, as a list.
pub async fn find_users(
    State(state): State<MosipState>,
    Path(realm): Path<String>,
    Query(q): Query<UserQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(res) = admin(&state, &headers, &realm).await {
        return res;
    }
    let Some(name) = q.username.or(q.email).filter(|n| !n.trim().is_empty()) else {
        return admin_error(StatusCode::BAD_REQUEST, "Search by username or email.");
    };
    match domain::db::run(&state.app.pool, move |conn| users::find(conn, &name)).await {
        Ok(found) => Json(Value::Array(found.iter().map(user_json).collect())).into_response(),
        Err(_) => admin_error(StatusCode::INTERNAL_SERVER_ERROR, "Retry later."),
    }
}

fn role_json(realm: &str, name: &str) -> Value {
    json!({ "id": name, "name": name, "description": name, "composite": false, "clientRole": false, "containerId": realm })
}

/// `GET /auth/admin/realms/{realm}/roles`: the portal's roles and MOSIP's others.
pub async fn list_roles(
    State(state): State<MosipState>,
    Path(realm): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(res) = admin(&state, &headers, &realm).await {
        return res;
    }
    let roles: Vec<Value> = Role::ALL
        .iter()
        .map(|r| r.as_str())
        .chain(idp::FOREIGN_ROLES)
        .map(|n| role_json(&realm, n))
        .collect();
    Json(Value::Array(roles)).into_response()
}

/// `POST /auth/admin/realms/{realm}/users/{id}/role-mappings/realm`: grant roles (204).
pub async fn map_roles(
    State(state): State<MosipState>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let actor = match admin(&state, &headers, &realm).await {
        Ok(p) => p.actor(super::request_id(&headers)),
        Err(res) => return res,
    };
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(&body) else {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "The body must be a list of roles [{id, name}].",
        );
    };
    let names: Vec<String> = items
        .iter()
        .filter_map(|r| {
            r.get("name")
                .or_else(|| r.get("id"))
                .and_then(Value::as_str)
        })
        .map(str::to_string)
        .collect();
    match domain::db::run(&state.app.pool, move |conn| {
        users::add_roles(conn, &actor, &id, &names)
    })
    .await
    {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) if e.kind == domain::ErrorKind::NotFound => {
            (StatusCode::NOT_FOUND, Json(json!({ "error": e.message }))).into_response()
        }
        Err(_) => admin_error(StatusCode::INTERNAL_SERVER_ERROR, "Retry later."),
    }
}

/// `GET /auth/admin/realms/{realm}/users/{id}/role-mappings/realm`: the user's roles.
pub async fn user_roles(
    State(state): State<MosipState>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(res) = admin(&state, &headers, &realm).await {
        return res;
    }
    let lookup = id.clone();
    match domain::db::run(&state.app.pool, move |conn| {
        users::get(conn, &lookup)?
            .map(|_| users::roles(conn, &lookup))
            .transpose()
    })
    .await
    {
        Ok(Some(roles)) => Json(Value::Array(
            roles
                .iter()
                .map(|r| role_json(&realm, r.as_str()))
                .collect(),
        ))
        .into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "User not found" })),
        )
            .into_response(),
        Err(_) => admin_error(StatusCode::INTERNAL_SERVER_ERROR, "Retry later."),
    }
}

/// `DELETE /auth/admin/realms/{realm}/users/{id}` (204).
pub async fn delete_user(
    State(state): State<MosipState>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let actor = match admin(&state, &headers, &realm).await {
        Ok(p) => p.actor(super::request_id(&headers)),
        Err(res) => return res,
    };
    match domain::db::run(&state.app.pool, move |conn| {
        users::remove(conn, &actor, &id)
    })
    .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) if e.kind == domain::ErrorKind::NotFound => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "User not found" })),
        )
            .into_response(),
        Err(e) if e.kind == domain::ErrorKind::Conflict => {
            admin_error(StatusCode::CONFLICT, &e.message)
        }
        Err(_) => admin_error(StatusCode::INTERNAL_SERVER_ERROR, "Retry later."),
    }
}

/// Answer a call without a body (the envelope's id names the endpoint).
pub fn answer(id: &str, a: Answer) -> Response {
    envelope::reply(&Meta::named(id), a)
}
