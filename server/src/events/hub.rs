//! The hub's HTTP side: subscribe and unsubscribe requests, the topic list.

use super::*;

/// What the hub's handlers share.
#[derive(Clone)]
pub struct HubState {
    /// Domain state (pool, master key).
    pub app: AppState,
    /// Hub settings.
    pub settings: Arc<EventSettings>,
}

fn hub_error(err: domain::AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let text = match &err.field {
        Some(f) => format!("{f}: {}\n", err.message),
        None => format!("{}\n", err.message),
    };
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        [("X-Error-Code", err.code.clone())],
        text,
    )
        .into_response()
}

/// `POST /websub/hub`: subscribe or unsubscribe (WebSub 5.1). 202 when accepted; the
/// subscription becomes active once the callback confirms (verification of intent).
pub async fn hub_post(
    State(state): State<HubState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = crate::service_bearer(&headers);
    let Some(token) = token else {
        return hub_error(domain::AppError::new(
            domain::ErrorKind::Unauthenticated,
            "PMS_SERVICE_TOKEN",
            "Send a service token: Authorization: Bearer pst_...",
        ));
    };
    let req = match hub_form(&headers, &body) {
        Ok(req) => req,
        Err(e) => return hub_error(e),
    };
    if let Some(problem) = req
        .callback
        .as_deref()
        .and_then(|cb| callback_address_problem(cb.trim(), &state.settings.allow_hosts))
    {
        return hub_error(
            domain::AppError::new(
                domain::ErrorKind::BadRequest,
                "PMS_HUB_CALLBACK_ADDRESS",
                format!("hub.callback is refused: {problem}."),
            )
            .with_field("hub.callback"),
        );
    }
    let settings = state.settings.clone();
    let key = state.app.certs.master_key.clone();
    let answer = domain::db::run(&state.app.pool, move |conn| {
        let hash = domain::access::token::hash(&token);
        let Some((token_id, name, scopes)) =
            domain::access::token::active_scope_by_hash(conn, &hash)?
        else {
            return Err(domain::AppError::new(
                domain::ErrorKind::Unauthenticated,
                "PMS_SERVICE_TOKEN",
                "This service token is unknown or revoked.",
            ));
        };
        let actor = domain::audit::Actor {
            id: None,
            email: Some(format!("service token {name}")),
            request_id: None,
        };
        store::request(
            conn,
            &actor,
            &token_id,
            &scopes,
            &req,
            settings.lease,
            &settings.allow_hosts,
            &key,
            domain::clock::now_ms(),
        )
    })
    .await;
    match answer {
        Ok(accepted) => (
            StatusCode::ACCEPTED,
            [(header::CACHE_CONTROL, "no-store")],
            format!(
                "{} request accepted; the callback will be asked to confirm.\n",
                accepted.mode
            ),
        )
            .into_response(),
        Err(e) => hub_error(e),
    }
}

/// The hub request in a form body (each field at most once).
fn hub_form(headers: &HeaderMap, body: &[u8]) -> Result<HubRequest, domain::AppError> {
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if form_type.as_deref() != Some("application/x-www-form-urlencoded") {
        return Err(domain::AppError::new(
            domain::ErrorKind::BadRequest,
            "PMS_HUB_BODY",
            "The body must be a form (application/x-www-form-urlencoded).",
        ));
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| {
        domain::AppError::new(
            domain::ErrorKind::BadRequest,
            "PMS_HUB_BODY",
            "The form cannot be read.",
        )
    })?;
    let mut req = HubRequest::default();
    for (k, v) in pairs {
        let slot = match k.as_str() {
            "hub.mode" => &mut req.mode,
            "hub.topic" => &mut req.topic,
            "hub.callback" => &mut req.callback,
            "hub.secret" => &mut req.secret,
            "hub.lease_seconds" => &mut req.lease_seconds,
            _ => continue,
        };
        if slot.is_some() {
            return Err(domain::AppError::new(
                domain::ErrorKind::BadRequest,
                "PMS_HUB_REPEATED",
                format!("{k} is given more than once."),
            )
            .with_field(&k));
        }
        *slot = Some(v);
    }
    Ok(req)
}

/// Early address check of a callback at subscribe time (the same check runs on every call).
pub fn callback_address_problem(callback: &str, allow_hosts: &[String]) -> Option<String> {
    let url = url::Url::parse(callback).ok()?;
    check_literal(&url, allow_hosts).err()
}

/// `GET /websub/topics`: the topics this hub publishes.
pub async fn topics() -> Response {
    (
        [(header::CACHE_CONTROL, "public, max-age=300")],
        axum::Json(serde_json::json!({ "topics": domain::events::TOPICS })),
    )
        .into_response()
}
