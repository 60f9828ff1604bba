//! Calls to the operator's own services, made by the delivery engine from the same outbox,
//! cursors, retries and dead letters as WebSub deliveries: the external WebSub hub
//! (`PMS_WEBSUB_PUBLISH_URL`, MOSIP's websub service) and eSignet's client-management API
//! (`PMS_ESIGNET_URL`). Their URLs come from the operator's settings, not from callers, so they
//! may be inside the cluster; redirects are still not followed and answers are read only a
//! little.

use axum::http::header;
use domain::events::store::{self, Attempt, Receiver};
use domain::outbox::PendingEvent;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How the portal proves itself to an outbound service.
#[derive(Clone, Default)]
pub enum OutboundAuth {
    /// No credentials.
    #[default]
    None,
    /// A fixed bearer token.
    Bearer(String),
    /// An OAuth2 client-credentials grant (e.g. MOSIP's Keycloak), the token kept until shortly
    /// before it ends.
    ClientCredentials {
        /// Token endpoint.
        token_url: String,
        /// Client id.
        client_id: String,
        /// Client secret.
        client_secret: String,
    },
}

// Never prints a secret (settings are logged at start-up in debug form).
impl std::fmt::Debug for OutboundAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutboundAuth::None => f.write_str("None"),
            OutboundAuth::Bearer(_) => f.write_str("Bearer(…)"),
            OutboundAuth::ClientCredentials {
                token_url,
                client_id,
                ..
            } => write!(f, "ClientCredentials({token_url}, {client_id}, …)"),
        }
    }
}

/// An outbound service: its base URL and credentials.
#[derive(Clone, Debug)]
pub struct Target {
    /// Base URL (the hub's URL; eSignet's `…/v1/esignet`).
    pub url: String,
    /// Credentials.
    pub auth: OutboundAuth,
    cached: Arc<tokio::sync::Mutex<Option<(String, Instant)>>>,
}

impl Target {
    /// A target at `url` with `auth`.
    pub fn new(url: impl Into<String>, auth: OutboundAuth) -> Target {
        Target {
            url: url.into().trim_end_matches('/').to_string(),
            auth,
            cached: Default::default(),
        }
    }

    /// The `Authorization` value, fetching a token when the grant needs one.
    async fn authorization(&self, client: &reqwest::Client) -> Result<Option<String>, String> {
        let (token_url, client_id, client_secret) = match &self.auth {
            OutboundAuth::None => return Ok(None),
            OutboundAuth::Bearer(t) => return Ok(Some(format!("Bearer {t}"))),
            OutboundAuth::ClientCredentials {
                token_url,
                client_id,
                client_secret,
            } => (token_url, client_id, client_secret),
        };
        let mut cached = self.cached.lock().await;
        if let Some((token, until)) = cached.as_ref() {
            if Instant::now() < *until {
                return Ok(Some(format!("Bearer {token}")));
            }
        }
        let answer = client
            .post(token_url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", client_secret),
            ])
            .send()
            .await
            .map_err(|e| format!("token endpoint: {}", crate::events::describe(&e)))?;
        let status = answer.status();
        let body = crate::events::read_limited(answer).await;
        if !status.is_success() {
            return Err(format!("token endpoint answered {}", status.as_u16()));
        }
        let v: Value = serde_json::from_str(&body)
            .map_err(|_| "token endpoint answered no JSON".to_string())?;
        let Some(token) = v["access_token"].as_str() else {
            return Err("token endpoint answered no access_token".into());
        };
        // Renewed a little before it ends, so a call never carries an expired token.
        let life = v["expires_in"].as_u64().unwrap_or(60).clamp(10, 86_400);
        let until = Instant::now() + Duration::from_secs(life.saturating_sub(5).max(5));
        *cached = Some((token.to_string(), until));
        Ok(Some(format!("Bearer {token}")))
    }

    /// Drop a cached token (the service said 401).
    async fn forget(&self) {
        *self.cached.lock().await = None;
    }
}

fn failed(started: Instant, status: Option<u16>, error: impl Into<String>) -> Attempt {
    Attempt {
        status: status.map(i32::from),
        ok: false,
        error: Some(error.into()),
        latency_ms: started.elapsed().as_millis() as i64,
    }
}

fn delivered(started: Instant, status: u16) -> Attempt {
    Attempt {
        status: Some(i32::from(status)),
        ok: true,
        error: None,
        latency_ms: started.elapsed().as_millis() as i64,
    }
}

/// Send `req` with the target's credentials; the status and (the start of) the body.
async fn call(
    client: &reqwest::Client,
    target: &Target,
    req: reqwest::RequestBuilder,
) -> Result<(u16, String), String> {
    let mut req = req;
    if let Some(auth) = target.authorization(client).await? {
        req = req.header(header::AUTHORIZATION, auth);
    }
    let answer = req.send().await.map_err(|e| crate::events::describe(&e))?;
    let status = answer.status().as_u16();
    if status == 401 {
        target.forget().await;
    }
    Ok((status, crate::events::read_limited(answer).await))
}

/// A WebSub hub's refusal, also when it comes with a 2xx (`hub.mode=denied&hub.reason=…`).
fn hub_refusal(status: u16, body: &str) -> Option<String> {
    let denied = serde_urlencoded::from_str::<Vec<(String, String)>>(body.trim())
        .ok()
        .and_then(|pairs| {
            let denied = pairs
                .iter()
                .any(|(k, v)| k == "hub.mode" && v.eq_ignore_ascii_case("denied"));
            denied.then(|| {
                pairs
                    .iter()
                    .find(|(k, _)| k == "hub.reason")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| "denied".into())
            })
        });
    match denied {
        Some(reason) => Some(domain::text::clip(&reason, 200)),
        None if !(200..300).contains(&status) => Some(format!("the hub answered {status}")),
        None => None,
    }
}

/// Publish `event` to the external hub: its topic is registered first (once; a hub that says
/// it already has the topic counts as registered), then the event is posted with
/// `hub.mode=publish&hub.topic=…` and the envelope as the JSON body.
pub async fn publish(
    pool: &domain::db::Pool,
    client: &reqwest::Client,
    target: &Target,
    r: &Receiver,
    event: &PendingEvent,
    now: i64,
) -> Attempt {
    let started = Instant::now();
    let registered = {
        let (id, topic) = (r.id.clone(), event.topic.clone());
        domain::db::run(pool, move |conn| store::hub_registered(conn, &id, &topic)).await
    };
    match registered {
        Ok(true) => {}
        Ok(false) => {
            let req = client.post(&target.url).form(&[
                ("hub.mode", "register"),
                ("hub.topic", event.topic.as_str()),
            ]);
            match call(client, target, req).await {
                Ok((status, body)) => {
                    if let Some(reason) = hub_refusal(status, &body) {
                        if !reason.to_ascii_lowercase().contains("already") {
                            return failed(
                                started,
                                Some(status),
                                format!("registering {}: {reason}", event.topic),
                            );
                        }
                    }
                    let (id, topic) = (r.id.clone(), event.topic.clone());
                    if let Err(e) = domain::db::run(pool, move |conn| {
                        store::mark_hub_registered(conn, &id, &topic, now)
                    })
                    .await
                    {
                        return failed(started, None, format!("recording the topic: {e}"));
                    }
                }
                Err(e) => return failed(started, None, format!("registering: {e}")),
            }
        }
        Err(e) => return failed(started, None, format!("reading topics: {e}")),
    }
    let mut url = match url::Url::parse(&target.url) {
        Ok(u) => u,
        Err(_) => return failed(started, None, "PMS_WEBSUB_PUBLISH_URL is not a URL"),
    };
    url.query_pairs_mut()
        .append_pair("hub.mode", "publish")
        .append_pair("hub.topic", &event.topic);
    let req = client
        .post(url)
        .header(header::CONTENT_TYPE, "application/json")
        .header("X-Event-Id", &event.event_id)
        .body(event.payload.clone());
    match call(client, target, req).await {
        Ok((status, body)) => match hub_refusal(status, &body) {
            None => delivered(started, status),
            Some(reason) => failed(started, Some(status), reason),
        },
        Err(e) => failed(started, None, e),
    }
}

/// `yyyy-MM-ddTHH:mm:ss.SSSZ`, the request time eSignet accepts.
fn request_time() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// eSignet's first error code and message, if its answer has any (it answers 200 with errors).
fn esignet_error(status: u16, body: &str) -> Option<(String, String)> {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    if let Some(e) = v["errors"].as_array().and_then(|a| a.first()) {
        return Some((
            e["errorCode"]
                .as_str()
                .unwrap_or("unknown_error")
                .to_string(),
            domain::text::clip(e["errorMessage"].as_str().unwrap_or(""), 200),
        ));
    }
    if !(200..300).contains(&status) {
        return Some((
            format!("http_{status}"),
            format!("eSignet answered {status}"),
        ));
    }
    if v.is_null() {
        return Some(("no_json".into(), "eSignet answered no JSON".into()));
    }
    None
}

/// The bodies eSignet's `POST /client-mgmt/oidc-client` and `PUT …/{clientId}` take.
fn esignet_requests(c: &Value) -> (Value, Value) {
    let status = if c["status"].as_str() == Some("ACTIVE") {
        "ACTIVE"
    } else {
        "INACTIVE"
    };
    let create = json!({
        "requestTime": request_time(),
        "request": {
            "clientId": c["clientId"], "clientName": c["clientName"],
            "relyingPartyId": c["partnerId"], "logoUri": c["logoUri"],
            "redirectUris": c["redirectUris"], "publicKey": c["publicKey"],
            "userClaims": c["claims"], "authContextRefs": c["acrValues"],
            "grantTypes": c["grantTypes"], "clientAuthMethods": c["clientAuthMethods"],
        }
    });
    let update = json!({
        "requestTime": request_time(),
        "request": {
            "clientName": c["clientName"], "status": status, "logoUri": c["logoUri"],
            "redirectUris": c["redirectUris"], "userClaims": c["claims"],
            "authContextRefs": c["acrValues"], "grantTypes": c["grantTypes"],
            "clientAuthMethods": c["clientAuthMethods"],
        }
    });
    (create, update)
}

/// Bring eSignet to the client version in `event`: a created client is POSTed (PUT if eSignet
/// already has it), an updated one PUT (POSTed first if eSignet never got it, e.g. it was
/// configured later). The outcome is kept per client for the client pages.
pub async fn esignet(
    pool: &domain::db::Pool,
    client: &reqwest::Client,
    target: &Target,
    event: &PendingEvent,
    now: i64,
) -> Attempt {
    let started = Instant::now();
    let v: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
    let data = &v["event"]["data"]["clientData"];
    let Some(client_id) = data["clientId"].as_str().map(str::to_string) else {
        return failed(started, None, "the event has no clientData.clientId");
    };
    let (create, update) = esignet_requests(data);
    let base = format!("{}/client-mgmt/oidc-client", target.url);
    let one = format!(
        "{base}/{}",
        percent_encoding::utf8_percent_encode(&client_id, percent_encoding::NON_ALPHANUMERIC)
    );
    // reqwest is built without its `json` feature: the body is serialised here.
    let json_body = |req: reqwest::RequestBuilder, body: &Value| {
        req.header(header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
    };
    let post = |body: &Value| json_body(client.post(&base), body);
    let put = |body: &Value| json_body(client.put(&one), body);
    let outcome: Result<u16, (Option<u16>, String)> = async {
        let step = |r: Result<(u16, String), String>| match r {
            Ok((status, body)) => Ok((status, esignet_error(status, &body))),
            Err(e) => Err((None, e)),
        };
        if event.topic == "OIDC_CLIENT_CREATED" {
            let (status, error) = step(call(client, target, post(&create)).await)?;
            match error {
                None => return Ok(status),
                Some((code, _)) if code == "duplicate_client_id" => {}
                Some((code, msg)) => return Err((Some(status), format!("{code}: {msg}"))),
            }
        }
        let (status, error) = step(call(client, target, put(&update)).await)?;
        match error {
            None => Ok(status),
            Some((code, _)) if code == "invalid_client_id" => {
                let (status, error) = step(call(client, target, post(&create)).await)?;
                if let Some((code, msg)) = error {
                    return Err((Some(status), format!("{code}: {msg}")));
                }
                // Created as active; the update carries its status (it may be deactivated).
                let (status, error) = step(call(client, target, put(&update)).await)?;
                match error {
                    None => Ok(status),
                    Some((code, msg)) => Err((Some(status), format!("{code}: {msg}"))),
                }
            }
            Some((code, msg)) => Err((Some(status), format!("{code}: {msg}"))),
        }
    }
    .await;
    let attempt = match &outcome {
        Ok(status) => delivered(started, *status),
        Err((status, e)) => failed(started, *status, e.clone()),
    };
    let (outbox_id, error) = (event.id, attempt.error.clone());
    if let Err(e) = domain::db::run(pool, move |conn| {
        store::record_esignet(conn, &client_id, outbox_id, error.as_deref(), now)
    })
    .await
    {
        tracing::warn!(error = %e, "recording eSignet's state failed");
    }
    attempt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hub_denial_is_a_failure_even_with_200() {
        assert_eq!(hub_refusal(202, ""), None);
        assert_eq!(hub_refusal(200, "hub.mode=accepted"), None);
        assert_eq!(
            hub_refusal(200, "hub.mode=denied&hub.reason=Topic+X+already+registered").as_deref(),
            Some("Topic X already registered")
        );
        assert_eq!(
            hub_refusal(500, "oops").as_deref(),
            Some("the hub answered 500")
        );
    }

    #[test]
    fn esignet_errors_come_in_the_body() {
        assert_eq!(
            esignet_error(200, r#"{"response":{"clientId":"c"},"errors":[]}"#),
            None
        );
        assert_eq!(
            esignet_error(
                200,
                r#"{"errors":[{"errorCode":"duplicate_client_id","errorMessage":"x"}]}"#
            )
            .map(|e| e.0)
            .as_deref(),
            Some("duplicate_client_id")
        );
        assert_eq!(
            esignet_error(503, "").map(|e| e.0).as_deref(),
            Some("http_503")
        );
    }

    #[test]
    fn credentials_are_not_printed() {
        let auth = OutboundAuth::ClientCredentials {
            token_url: "https://iam/token".into(),
            client_id: "mosip-pms-client".into(),
            client_secret: "hunter2".into(),
        };
        assert!(!format!("{auth:?}").contains("hunter2"));
        assert!(!format!("{:?}", OutboundAuth::Bearer("tok".into())).contains("tok"));
    }
}
