//! Signing in: MOSIP's auth manager (`/v1/authmanager/authenticate/...`, answered in its
//! envelope with the token in a cookie) and Keycloak's token endpoint (answered as Keycloak).

use super::super::envelope::{self, Fault};
use super::super::{run, MosipState};
use super::known_realm;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::idp::{self, jwt, users, Principal};
use serde_json::{json, Value};

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
        super::super::codes::fault(err)
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

/// An API client signs in with its id and secret, throttled by its id (both doors' way).
async fn client_principal(
    state: &MosipState,
    client_id: String,
    secret: String,
) -> Result<Principal, Fault> {
    let ip: Option<String> = None;
    let limits = state.app.throttle;
    run(state, move |conn| {
        idp::throttled(
            conn,
            "api_client",
            &client_id.clone(),
            ip.as_deref(),
            &limits,
            |conn| idp::clients::sign_in(conn, &client_id, &secret),
        )
    })
    .await?
    .ok_or_else(bad_credentials)
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
        let principal = client_principal(&state, client_id, secret).await?;
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
    .map_err(|e| super::super::codes::fault(&e))?;
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

/// A form field, when given and not empty.
fn form_field(form: &[(String, String)], name: &str) -> Option<String> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty())
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
    let Ok(form) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return oidc_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The body must be a form.",
        );
    };
    let client = form_field(&form, "client_id").unwrap_or_default();
    let principal = match grant_principal(&state, &form, &client).await {
        Ok(p) => p,
        Err(refused) => return refused,
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

/// Who the token endpoint's grant signs in, or Keycloak's refusal: its grant type and fields
/// first, then the credentials.
async fn grant_principal(
    state: &MosipState,
    form: &[(String, String)],
    client: &str,
) -> Result<Principal, Response> {
    let grant = form_field(form, "grant_type").unwrap_or_default();
    let principal = match grant.as_str() {
        "password" => {
            let (Some(user), Some(password)) =
                (form_field(form, "username"), form_field(form, "password"))
            else {
                return Err(oidc_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Missing parameter: username or password",
                ));
            };
            password_principal(state, user, password).await
        }
        "client_credentials" => {
            let Some(secret) = form_field(form, "client_secret") else {
                return Err(oidc_error(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized_client",
                    "Client secret not provided in request",
                ));
            };
            client_principal(state, client.to_string(), secret).await
        }
        _ => {
            return Err(oidc_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Unsupported grant_type",
            ))
        }
    };
    principal.map_err(|f| oidc_refusal(&f))
}

/// A refused sign-in in Keycloak's words: locked, bad credentials, or the portal's failure.
fn oidc_refusal(f: &Fault) -> Response {
    match f.status {
        StatusCode::TOO_MANY_REQUESTS => oidc_error(
            StatusCode::TOO_MANY_REQUESTS,
            "temporarily_unavailable",
            &f.message,
        ),
        StatusCode::UNAUTHORIZED => oidc_error(
            StatusCode::UNAUTHORIZED,
            "invalid_grant",
            "Invalid user credentials",
        ),
        _ => oidc_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "Retry later.",
        ),
    }
}
