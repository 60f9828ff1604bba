//! Request layers: session resolution, cross-site request defence, response headers.

use app::state::{AppState, ClientAddr, RequestSession};
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::session::COOKIE_NAME;
use domain::{AppError, ErrorKind};
use std::net::SocketAddr;

/// Paths that never need a session (static files, probes): no database work for them.
fn is_public_static(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path.starts_with("/assets/")
        || path == "/healthz"
        || path == "/readyz"
        || path == "/favicon.ico"
}

/// Calls the browser makes on its own (the bell's refresh, the idle warning's check): they do
/// not count as use of the session.
fn is_background(path: &str) -> bool {
    path == "/api/notifications/bell" || path == "/api/account/session_clock"
}

fn cookie_token(req: &Request<Body>) -> Option<String> {
    app::guard::cookie_in(req.headers(), COOKIE_NAME)
}

/// Resolve the session cookie once per request and hand it to handlers as an extension.
pub async fn session_layer(
    State(state): State<AppState>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(addr)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        req.extensions_mut().insert(ClientAddr(addr.ip()));
    }
    if is_public_static(req.uri().path()) {
        return next.run(req).await;
    }
    let token = cookie_token(&req);
    let mut stale_cookie = false;
    let session = match token {
        Some(token) => {
            let policy = state.sessions;
            let touch = !is_background(req.uri().path());
            match domain::db::run(&state.pool, move |conn| {
                domain::session::authenticate_with(conn, &token, &policy, touch)
            })
            .await
            {
                Ok(found) => {
                    stale_cookie = found.is_none();
                    found
                }
                Err(err) => return with_request_id(&req, err).into_response(),
            }
        }
        None => None,
    };
    // The portal's setting decides whether the account must set up a second factor first.
    let session = session.map(|mut s| {
        s.user.two_factor_setup_needed =
            !s.user.two_factor && state.two_factor_required_for(&s.user.roles);
        s
    });
    req.extensions_mut().insert(RequestSession(session));
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    if stale_cookie && !headers.contains_key(header::SET_COOKIE) {
        // The browser holds an ended session: clear it.
        let clear = format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
        if let Ok(v) = HeaderValue::from_str(&clear) {
            headers.append(header::SET_COOKIE, v);
        }
    }
    // Pages and API answers carry personal data: never cache them.
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

fn with_request_id(req: &Request<Body>, err: AppError) -> AppError {
    match req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
    {
        Some(id) => err.with_request_id(id),
        None => err,
    }
}

/// Refuse state-changing requests that a browser sent from another site. Browsers mark
/// every request with `Sec-Fetch-Site` and cross-origin POSTs with `Origin`; clients that
/// are not browsers send neither and cannot be driven by a hostile page.
pub async fn csrf_layer(req: Request<Body>, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !same_origin(&req) {
        tracing::warn!(path = %req.uri().path(), "cross-site request refused");
        let err = AppError::new(
            ErrorKind::Forbidden,
            "PMS_CSRF",
            "This request came from another site and was refused.",
        );
        return (StatusCode::FORBIDDEN, with_request_id(&req, err)).into_response();
    }
    next.run(req).await
}

fn same_origin(req: &Request<Body>) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
            !host.is_empty() && origin_host == host
        }
    }
}

/// Errors that layers produce (body too large, timeout, panic) as the portal's JSON error.
pub async fn error_shape_layer(req: Request<Body>, next: Next) -> Response {
    let rid = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    // Server functions (under /api/) speak a bare AppError; other routes wrap it in `error`.
    let server_fn = req.uri().path().starts_with("/api/");
    let policy_document = req.uri().path().starts_with("/api/policies");
    let certificate = req.uri().path().starts_with("/api/certificates");
    if let Some(n) = declared.filter(|n| *n > crate::BODY_LIMIT) {
        // The large inputs a user types or uploads: say what the limit is.
        let err = if policy_document {
            domain::policy::validate::too_large(n)
        } else if certificate {
            domain::cert::parse::too_large(n)
        } else {
            AppError::new(
                ErrorKind::BadRequest,
                "PMS_BODY_TOO_LARGE",
                "The request body is too large.",
            )
        };
        let err = match rid {
            Some(id) => err.with_request_id(id),
            None => err,
        };
        return error_response(StatusCode::PAYLOAD_TOO_LARGE, err, server_fn);
    }
    let res = next.run(req).await;
    let status = res.status();
    let is_json_or_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| ct.contains("json") || ct.contains("html"))
        .unwrap_or(false);
    let err = match status {
        StatusCode::PAYLOAD_TOO_LARGE if !is_json_or_html => AppError::new(
            ErrorKind::BadRequest,
            "PMS_BODY_TOO_LARGE",
            "The request body is too large.",
        ),
        StatusCode::REQUEST_TIMEOUT if !is_json_or_html => AppError::new(
            ErrorKind::Internal,
            "PMS_TIMEOUT",
            "The request took too long and was stopped.",
        ),
        _ => return res,
    };
    let err = match rid {
        Some(id) => err.with_request_id(id),
        None => err,
    };
    error_response(status, err, server_fn)
}

/// Server functions answer every error with 500 unless told otherwise; errors raised before
/// our code runs (undecodable arguments) carry their kind in the body: use it. This layer sits
/// inside the compression layer, so it reads the body as the handler wrote it.
pub async fn restatus_layer(req: Request<Body>, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() == StatusCode::INTERNAL_SERVER_ERROR {
        restatus_server_fn_error(res).await
    } else {
        res
    }
}

/// Refuse form fields and query parameters whose percent-decoded bytes are not UTF-8: the
/// decoders downstream would replace them silently (`H+Ltd%FF` stored as "H Ltd\u{FFFD}").
pub async fn utf8_layer(req: Request<Body>, next: Next) -> Response {
    let server_fn = req.uri().path().starts_with("/api/");
    if let Some(field) = req
        .uri()
        .query()
        .and_then(|q| invalid_utf8_field(q.as_bytes()))
    {
        return error_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            invalid_utf8(&field),
            server_fn,
        );
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, crate::BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            let err = AppError::new(
                ErrorKind::BadRequest,
                "PMS_BODY_TOO_LARGE",
                "The request body is too large.",
            );
            return error_response(StatusCode::PAYLOAD_TOO_LARGE, err, server_fn);
        }
    };
    if let Some(field) = invalid_utf8_field(&bytes) {
        return error_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            invalid_utf8(&field),
            server_fn,
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn invalid_utf8(field: &str) -> AppError {
    AppError::validation(
        field,
        "PMS_INVALID_UTF8",
        format!("The field \"{field}\" is not valid UTF-8 text."),
    )
}

/// The name of the first `key=value` pair whose key or value does not decode to UTF-8.
fn invalid_utf8_field(raw: &[u8]) -> Option<String> {
    raw.split(|b| *b == b'&').find_map(|pair| {
        let mut it = pair.splitn(2, |b| *b == b'=');
        let key: Vec<u8> =
            percent_encoding::percent_decode(it.next().unwrap_or_default()).collect();
        let value: Vec<u8> =
            percent_encoding::percent_decode(it.next().unwrap_or_default()).collect();
        let name = String::from_utf8_lossy(&key);
        let name: String = name.chars().filter(|c| !c.is_control()).take(64).collect();
        (std::str::from_utf8(&key).is_err() || std::str::from_utf8(&value).is_err()).then_some(name)
    })
}

fn error_response(status: StatusCode, err: AppError, server_fn: bool) -> Response {
    if server_fn {
        (status, axum::Json(err)).into_response()
    } else {
        (status, axum::Json(serde_json::json!({ "error": err }))).into_response()
    }
}

async fn restatus_server_fn_error(res: Response) -> Response {
    let (mut parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(serde_json::json!({ "error": AppError::internal() })),
            )
                .into_response()
        }
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(err.status()) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
