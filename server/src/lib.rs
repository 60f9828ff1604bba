//! The portal's HTTP server: router, layers, probes. `main.rs` adds the CLI around it.

pub mod assets;
pub mod config;
pub mod events;
pub mod export;
pub mod jobs;
pub mod middleware;
pub mod mosip;
pub mod openapi;
pub mod outbound;
pub mod sso;

use app::state::AppState;
use app::{shell, App};
use axum::extract::State;
use axum::http::{header, HeaderName, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (certificate bundles and policy documents fit easily).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Everything the router's handlers share.
#[derive(Clone, axum::extract::FromRef)]
pub struct ServerState {
    /// Domain state (pool, policies).
    pub app: AppState,
    /// Leptos settings (site root, output name).
    pub leptos: LeptosOptions,
    /// WebSub hub and event delivery settings.
    pub events: Arc<events::EventSettings>,
    /// MOSIP's REST door (token lifetime).
    pub mosip: Arc<mosip::Settings>,
    /// The single sign-on provider, when one is configured.
    pub sso: Option<Arc<sso::Provider>>,
}

/// Leptos options for a site directory; the output name matches `[[workspace.metadata.leptos]]`.
pub fn leptos_options(site_root: &str) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("pms")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .build()
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if domain::db::ping(&state.pool).await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

/// The portal's signing CA of a domain as PEM, public and without sign-in: downstream services
/// (ID authentication, eSignet) fetch it to trust the re-signed partner certificates. It is a
/// public certificate; no private part is ever read here.
async fn signing_ca_pem(
    State(state): State<AppState>,
    axum::extract::Path(domain): axum::extract::Path<String>,
) -> Response {
    let Some(domain) = domain::cert::CertDomain::parse(domain.trim_end_matches(".pem")) else {
        return (
            StatusCode::NOT_FOUND,
            "unknown domain; use AUTH, DEVICE or FTM",
        )
            .into_response();
    };
    match domain::db::run(&state.pool, domain::cert::signing::signing_cas).await {
        Ok(cas) => match cas.into_iter().find(|c| c.domain == domain) {
            Some(ca) => (
                [
                    (header::CONTENT_TYPE, "application/x-pem-file"),
                    (header::CACHE_CONTROL, "public, max-age=3600"),
                ],
                ca.pem,
            )
                .into_response(),
            None => (StatusCode::NOT_FOUND, "no signing CA").into_response(),
        },
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response(),
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VerifyRequest {
    api_key: String,
    #[serde(default)]
    partner_id: Option<String>,
}

fn service_error(status: StatusCode, code: &'static str, message: &'static str) -> Response {
    let err = domain::AppError::new(
        match status {
            StatusCode::UNAUTHORIZED => domain::ErrorKind::Unauthenticated,
            StatusCode::NOT_FOUND => domain::ErrorKind::NotFound,
            StatusCode::SERVICE_UNAVAILABLE => domain::ErrorKind::Internal,
            _ => domain::ErrorKind::BadRequest,
        },
        code,
        message,
    );
    (status, axum::Json(serde_json::json!({ "error": err }))).into_response()
}

/// The service token a downstream caller sends (`Authorization: Bearer pst_…`), if it is
/// shaped like one.
pub(crate) fn service_bearer(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| t.starts_with(domain::access::token::TOKEN_PREFIX) && t.len() <= 128)
        .map(str::to_string)
}

/// `POST /api/v1/apikeys/verify`: downstream authentication services check a partner's API
/// key. The caller presents a service token (`Authorization: Bearer pst_...`) issued by a
/// partner admin; valid tokens are cached for a few seconds so a request costs one SHA-256
/// (of the key) and one indexed read.
async fn verify_key(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = crate::service_bearer(&headers);
    let Some(token) = token else {
        return service_error(
            StatusCode::UNAUTHORIZED,
            "PMS_SERVICE_TOKEN",
            "Send a service token: Authorization: Bearer pst_...",
        );
    };
    let req: VerifyRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(_) => {
            return service_error(
                StatusCode::BAD_REQUEST,
                "PMS_VERIFY_BODY",
                "The body must be JSON: {\"apiKey\": \"pms_...\", \"partnerId\": optional}.",
            )
        }
    };
    let fresh = state.service_tokens.fresh(&token);
    let cache = state.service_tokens.clone();
    let now = domain::clock::now_ms();
    let answer = domain::db::run_short(&state.pool, move |conn| {
        if !fresh {
            let hash = domain::access::token::hash(&token);
            if domain::access::token::active_by_hash(conn, &hash)?.is_none() {
                return Ok(Err(()));
            }
            cache.remember(&token);
        }
        domain::access::apikey::verify(conn, &req.api_key, req.partner_id.as_deref(), now).map(Ok)
    })
    .await;
    match answer {
        Ok(Ok(Some(v))) => ([(header::CACHE_CONTROL, "no-store")], axum::Json(v)).into_response(),
        Ok(Ok(None)) => service_error(
            StatusCode::NOT_FOUND,
            "PMS_APIKEY_UNKNOWN",
            "No such API key (for this partner).",
        ),
        Ok(Err(())) => service_error(
            StatusCode::UNAUTHORIZED,
            "PMS_SERVICE_TOKEN",
            "This service token is unknown or revoked.",
        ),
        Err(_) => service_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "PMS_UNAVAILABLE",
            "The portal cannot answer right now; retry.",
        ),
    }
}

/// The whole application: pages, server functions, probes, static files, and the layers.
pub fn router(state: ServerState) -> Router {
    // Generated once per process: while it is generated, leptos_server holds a process-wide
    // flag that parks every resource first polled meanwhile forever (leptos issue #4773), so a
    // page being rendered while another router is built would never finish.
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| generate_route_list(App)).clone();
    // The built site's id, once per process too (it hashes every file of pkg/).
    static ASSETS: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let pkg = std::path::Path::new(&*state.leptos.site_root).join(&*state.leptos.site_pkg_dir);
    let asset_id = ASSETS.get_or_init(|| assets::build_id(&pkg)).clone();
    if let Some(id) = &asset_id {
        app::set_asset_root(format!("/assets/{id}"));
    }
    let app_state = state.app.clone();
    let ctx = {
        let app_state = app_state.clone();
        move || provide_context(app_state.clone())
    };
    let hsts = state.app.secure_cookies;
    let (hub, mosip_door) = (
        hub_routes(&state),
        mosip::router(mosip::MosipState {
            app: app_state.clone(),
            settings: state.mosip.clone(),
        }),
    );

    let sso = state
        .sso
        .clone()
        .map(|provider| sso::routes(app_state.clone(), provider));
    let mut pages = Router::<ServerState>::new();
    if let Some(id) = &asset_id {
        pages = pages.nest_service(&format!("/assets/{id}/pkg"), assets::service(&pkg));
    }
    let mut pages = pages
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/pki/signing-ca/{domain}", get(signing_ca_pem))
        .route("/admin/export/{file}", get(export::export_csv))
        .leptos_routes_with_context(&state, routes, ctx.clone(), {
            let options = state.leptos.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            ServerState,
            _,
        >(ctx, shell))
        .with_state(state);
    if let Some(sso) = sso {
        pages = pages.merge(sso);
    }

    let service = service_routes(app_state.clone());
    let inner = pages
        .layer(axum::middleware::from_fn_with_state(
            app_state,
            middleware::session_layer,
        ))
        .layer(axum::middleware::from_fn(middleware::csrf_layer))
        .merge(hub)
        // MOSIP's clients carry their JWT in an `Authorization` cookie or header, not a
        // session; cross-site posts cannot send it (SameSite=Lax) nor a JSON body in a form.
        .merge(mosip_door)
        .merge(docs_routes())
        // Inside compression: it reads the error body before it is encoded.
        .layer(axum::middleware::from_fn(middleware::restatus_layer))
        .layer(axum::middleware::from_fn(middleware::utf8_layer));
    with_security_headers(inner, hsts)
        .layer(CompressionLayer::new())
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        // Outside the limit, so its 413 (and the timeout's 408) get the portal's error shape.
        .layer(axum::middleware::from_fn(middleware::error_shape_layer))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::custom(panic_answer))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .merge(service)
}

/// The API reference (OpenAPI document and its page).
fn docs_routes() -> Router {
    Router::new()
        .route("/api/openapi.json", get(openapi::openapi_json))
        .route("/api/docs", get(openapi::reference_page))
}

/// The WebSub hub and its topic list.
fn hub_routes(state: &ServerState) -> Router {
    Router::new()
        .route("/websub/hub", axum::routing::post(events::hub_post))
        .route("/websub/topics", get(events::topics))
        .with_state(events::HubState {
            app: state.app.clone(),
            settings: state.events.clone(),
        })
}

/// The request's tracing span: method, path and request id.
fn request_span(req: &Request<axum::body::Body>) -> tracing::Span {
    let rid = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %rid)
}

/// Service-to-service calls carry a bearer token, neither a session nor a browser origin.
/// The hottest route answers outside the pages' layers (tracing span, request id, session,
/// compression, the pages' security headers): a small JSON answer needs none of them.
fn service_routes(app_state: app::state::AppState) -> Router {
    Router::new()
        .route("/api/v1/apikeys/verify", axum::routing::post(verify_key))
        .with_state(app_state)
        .layer(
            ServiceBuilder::new()
                .layer(CatchPanicLayer::custom(panic_answer))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    Duration::from_secs(30),
                ))
                .layer(axum::extract::DefaultBodyLimit::max(16 * 1024))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                )),
        )
}

/// The security headers of every answer that did not set its own.
fn with_security_headers(router: Router, hsts: bool) -> Router {
    router.layer(
        ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::if_not_present(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("DENY"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                HeaderName::from_static("cross-origin-opener-policy"),
                HeaderValue::from_static("same-origin"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                HeaderName::from_static("permissions-policy"),
                HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
            ))
            // Pages set their own CSP with a nonce; everything else gets the strictest one.
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::STRICT_TRANSPORT_SECURITY,
                if hsts {
                    Some(HeaderValue::from_static(
                        "max-age=31536000; includeSubDomains",
                    ))
                } else {
                    None
                },
            )),
    )
}

/// A panic's answer: the portal's internal error, never the panic's text.
fn panic_answer(_: Box<dyn std::any::Any + Send>) -> Response {
    let err = domain::AppError::internal();
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(serde_json::json!({ "error": err })),
    )
        .into_response()
}

/// Mark expired API keys and MISP licenses every five minutes (and at start). Safe with
/// several instances: each key is changed by a guarded update that only one of them wins.
pub fn spawn_expiry_job(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(300));
        loop {
            every.tick().await;
            let now = domain::clock::now_ms();
            match domain::db::run(&state.pool, move |conn| {
                Ok((
                    domain::access::apikey::expire_due(conn, now)?,
                    domain::access::license::expire_due(conn, now)?,
                ))
            })
            .await
            {
                Ok((0, 0)) => {}
                Ok((keys, licenses)) => tracing::info!(keys, licenses, "expired keys deactivated"),
                Err(e) => tracing::warn!(error = %e, "key expiry job failed"),
            }
        }
    });
}

/// Purge ended sessions every ten minutes (lookups already refuse them; this keeps the table small).
pub fn spawn_session_sweeper(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(600));
        loop {
            every.tick().await;
            let policy = state.sessions;
            match domain::db::run(&state.pool, move |conn| {
                domain::session::purge_expired(conn, &policy)
            })
            .await
            {
                Ok(n) if n > 0 => tracing::info!(purged = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "session sweep failed"),
            }
        }
    });
}
