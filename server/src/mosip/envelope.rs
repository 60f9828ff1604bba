//! MOSIP's request and response envelopes, and the one way a handler's answer becomes a
//! response: business and validation errors in a 200 envelope, KER-ATH-401/403 with 401/403.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// A failed call: MOSIP's code and message, and the HTTP status MOSIP answers it with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// HTTP status (200 for business errors).
    pub status: StatusCode,
    /// MOSIP error code (`errors[0].errorCode`).
    pub code: String,
    /// Message.
    pub message: String,
}

impl Fault {
    /// A business or validation error (HTTP 200).
    pub fn new(code: &str, message: impl Into<String>) -> Fault {
        Fault {
            status: StatusCode::OK,
            code: code.to_string(),
            message: message.into(),
        }
    }

    /// No token, or one the portal did not issue (HTTP 401).
    pub fn unauthenticated() -> Fault {
        Fault {
            status: StatusCode::UNAUTHORIZED,
            code: "KER-ATH-401".into(),
            message: "Authentication Failed".into(),
        }
    }

    /// Authenticated without a role that may make this call (HTTP 403).
    pub fn forbidden() -> Fault {
        Fault {
            status: StatusCode::FORBIDDEN,
            code: "KER-ATH-403".into(),
            message: "Forbidden".into(),
        }
    }

    /// The caller's account has registered no partner (MOSIP's `PMS_CERTIFICATE_ERROR_002`).
    pub fn unknown_user() -> Fault {
        Fault::new("PMS_CERTIFICATE_ERROR_002", "User Id does not exists.")
    }

    /// A mandatory field is missing or empty.
    pub fn missing(field: &str) -> Fault {
        Fault::new(
            "PMS_COR_001",
            format!("Invalid request parameter - must not be blank :request.{field}"),
        )
    }

    /// The body is not a JSON envelope, or a field has the wrong type.
    pub fn unreadable(detail: &str) -> Fault {
        Fault::new(
            "PMS_COR_003",
            format!("Could not process the request ({detail})"),
        )
    }

    /// Something failed on the portal's side (logged there).
    pub fn internal() -> Fault {
        Fault {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "PMS_COR_500".into(),
            message: "Something went wrong on the portal's side; retry.".into(),
        }
    }
}

/// What a handler answers.
pub type Answer = Result<Value, Fault>;

/// The `id` and `version` of the request, echoed in the answer as MOSIP does.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    /// Envelope id (or the endpoint's name for calls without a body).
    pub id: Option<String>,
    /// Envelope version.
    pub version: Option<String>,
}

impl Meta {
    /// Meta of a call without a body.
    pub fn named(id: &str) -> Meta {
        Meta {
            id: Some(id.to_string()),
            version: Some("1.0".to_string()),
        }
    }
}

/// A parsed request envelope: its meta and its `request` object.
#[derive(Clone, Debug)]
pub struct Envelope {
    /// Echoed id and version.
    pub meta: Meta,
    /// The `request` member.
    pub request: Map<String, Value>,
    /// `requesttime` or `requestTime`, when given.
    pub request_time: Option<String>,
}

/// MOSIP's time format: `yyyy-MM-ddTHH:mm:ss.SSSZ`.
pub fn now_text() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A UTC time in MOSIP's format.
pub fn time_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Read a body as an envelope. MOSIP's clients send any `id` and `version`; the `request`
/// member must be an object. Bodies sent as a one-element array (as some of MOSIP's sample
/// files are) are read as their element.
pub fn parse(body: &[u8]) -> Result<Envelope, (Meta, Fault)> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => return Err((Meta::default(), Fault::unreadable("the body is not JSON"))),
    };
    let value = match value {
        Value::Array(mut items) if items.len() == 1 => items.remove(0),
        v => v,
    };
    let Value::Object(mut top) = value else {
        return Err((
            Meta::default(),
            Fault::unreadable("the body must be a JSON object"),
        ));
    };
    let meta = Meta {
        id: text_of(top.get("id")),
        version: text_of(top.get("version")),
    };
    let request_time = text_of(top.get("requesttime").or_else(|| top.get("requestTime")));
    match top.remove("request") {
        Some(Value::Object(request)) => Ok(Envelope {
            meta,
            request,
            request_time,
        }),
        None | Some(Value::Null) => Err((meta, Fault::missing("request").with_root())),
        Some(_) => Err((meta, Fault::unreadable("request must be an object"))),
    }
}

impl Fault {
    /// The message names the envelope's own member rather than one inside `request`.
    fn with_root(mut self) -> Fault {
        self.message = "Invalid request parameter - must not be null :request".into();
        self
    }
}

impl Envelope {
    /// A text field that must be present and not blank.
    pub fn text(&self, field: &str) -> Result<String, Fault> {
        match self.request.get(field) {
            None | Some(Value::Null) => Err(Fault::missing(field)),
            Some(Value::String(s)) if s.trim().is_empty() => Err(Fault::missing(field)),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(Fault::unreadable(&format!("request.{field} must be text"))),
        }
    }

    /// An optional text field (absent, null and blank are all none).
    pub fn opt_text(&self, field: &str) -> Result<Option<String>, Fault> {
        match self.request.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Fault::unreadable(&format!("request.{field} must be text"))),
        }
    }

    /// An object field that must be present.
    pub fn object(&self, field: &str) -> Result<&Map<String, Value>, Fault> {
        match self.request.get(field) {
            None | Some(Value::Null) => Err(Fault::missing(field)),
            Some(Value::Object(o)) => Ok(o),
            Some(_) => Err(Fault::unreadable(&format!(
                "request.{field} must be an object"
            ))),
        }
    }
}

/// Read a body in MOSIP's "revamp" request envelope (its 1.3 state changes), checked in its
/// order: the endpoint's own `id` (`PMS_REQUEST_ERROR_002`), a `requestTime` given
/// (`PMS_REQUEST_ERROR_004`) and of today, UTC (`PMS_REQUEST_ERROR_006`), version `1.0`
/// (`PMS_REQUEST_ERROR_003`), a `request` object (`PMS_REQUEST_ERROR_005`).
pub fn parse_v2(body: &[u8], id: &str) -> Result<Envelope, Fault> {
    let value: Value =
        serde_json::from_slice(body).map_err(|_| Fault::unreadable("the body is not JSON"))?;
    let Value::Object(mut top) = value else {
        return Err(Fault::unreadable("the body must be a JSON object"));
    };
    if text_of(top.get("id")).as_deref() != Some(id) {
        return Err(Fault::new("PMS_REQUEST_ERROR_002", "Invalid Request Id"));
    }
    let time = text_of(top.get("requestTime").or_else(|| top.get("requesttime")))
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| Fault::new("PMS_REQUEST_ERROR_004", "Invalid request time"))?;
    let day = chrono::DateTime::parse_from_rfc3339(time.trim())
        .map(|t| t.with_timezone(&chrono::Utc).date_naive())
        .or_else(|_| {
            // MOSIP's own pattern has no offset after the Z-less forms some clients send.
            chrono::NaiveDateTime::parse_from_str(time.trim(), "%Y-%m-%dT%H:%M:%S%.f")
                .map(|t| t.date())
        })
        .map_err(|_| Fault::new("PMS_REQUEST_ERROR_004", "Invalid request time"))?;
    let today = chrono::DateTime::from_timestamp_millis(domain::clock::now_ms())
        .map(|t| t.date_naive())
        .unwrap_or_default();
    if day != today {
        return Err(Fault::new(
            "PMS_REQUEST_ERROR_006",
            "Request date should be current date",
        ));
    }
    let version = text_of(top.get("version"));
    if !version
        .as_deref()
        .is_some_and(|v| v.eq_ignore_ascii_case("1.0"))
    {
        return Err(Fault::new(
            "PMS_REQUEST_ERROR_003",
            "Request version is invalid",
        ));
    }
    match top.remove("request") {
        Some(Value::Object(request)) => Ok(Envelope {
            meta: Meta {
                id: Some(id.to_string()),
                version,
            },
            request,
            request_time: Some(time),
        }),
        _ => Err(Fault::new(
            "PMS_REQUEST_ERROR_005",
            "Request body is invalid",
        )),
    }
}

/// Read the envelope, then run `f` on it; every answer comes back in MOSIP's envelope.
pub async fn with_envelope<F, Fut>(body: &[u8], f: F) -> Response
where
    F: FnOnce(Envelope) -> Fut,
    Fut: std::future::Future<Output = Answer>,
{
    match parse(body) {
        Ok(env) => {
            let meta = env.meta.clone();
            reply(&meta, f(env).await)
        }
        Err((meta, fault)) => reply(&meta, Err(fault)),
    }
}

/// The response envelope around an answer.
pub fn reply(meta: &Meta, answer: Answer) -> Response {
    let (status, response, errors) = match answer {
        Ok(v) => (StatusCode::OK, v, json!([])),
        Err(f) => (
            f.status,
            Value::Null,
            json!([{ "errorCode": f.code, "message": f.message }]),
        ),
    };
    let body = json!({
        "id": meta.id,
        "version": meta.version,
        "responsetime": now_text(),
        "metadata": null,
        "response": response,
        "errors": errors,
    });
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(body),
    )
        .into_response()
}

/// MOSIP's second envelope (its 1.2.2 list endpoints): `responseTime` in camel case, the
/// endpoint's id, version 1.0.
pub fn reply_v2(id: &str, answer: Answer) -> Response {
    let (status, response, errors) = match answer {
        Ok(v) => (StatusCode::OK, v, json!([])),
        Err(f) => (
            f.status,
            Value::Null,
            json!([{ "errorCode": f.code, "message": f.message }]),
        ),
    };
    let body = json!({
        "id": id,
        "version": "1.0",
        "responseTime": now_text(),
        "metadata": null,
        "response": response,
        "errors": errors,
    });
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(body),
    )
        .into_response()
}

/// The page MOSIP answers when nothing matches: every number 0.
pub fn empty_page() -> Value {
    json!({ "pageNo": 0, "pageSize": 0, "totalResults": 0, "data": [] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revamp_envelopes_are_checked_in_mosips_order() {
        let id = "mosip.pms.deactivate.sbi.patch";
        // Noon of a fixed day: no midnight between the request's time and the check.
        let noon = chrono::NaiveDate::from_ymd_opt(2026, 3, 4)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("date")
            .and_utc()
            .timestamp_millis();
        domain::clock::pin(Some(noon));
        let today = "2026-03-04T11:59:00.000Z".to_string();
        let code = |body: String| parse_v2(body.as_bytes(), id).err().map(|f| f.code);
        let ok = format!(
            r#"{{"id":"{id}","version":"1.0","requestTime":"{today}","request":{{"status":"De-Activate"}}}}"#
        );
        assert_eq!(code(ok.clone()), None);
        assert_eq!(
            parse_v2(ok.as_bytes(), id).expect("ok").request["status"],
            "De-Activate"
        );
        assert_eq!(
            code(ok.replace(id, "mosip.other")).as_deref(),
            Some("PMS_REQUEST_ERROR_002")
        );
        assert_eq!(
            code(ok.replace(&today, "")).as_deref(),
            Some("PMS_REQUEST_ERROR_004")
        );
        assert_eq!(
            code(ok.replace(&today, "2020-01-01T10:00:00.000Z")).as_deref(),
            Some("PMS_REQUEST_ERROR_006")
        );
        assert_eq!(
            code(ok.replace("\"1.0\"", "\"2.0\"")).as_deref(),
            Some("PMS_REQUEST_ERROR_003")
        );
        assert_eq!(
            code(ok.replace(r#"{"status":"De-Activate"}"#, "null")).as_deref(),
            Some("PMS_REQUEST_ERROR_005")
        );
        domain::clock::pin(None);
    }

    #[test]
    fn envelopes_are_read_leniently_and_fields_strictly() {
        let env = parse(br#"{"id":"string","version":"LTS","requesttime":"x","request":{"name":"a","desc":" ","n":3}}"#)
            .expect("envelope");
        assert_eq!(env.meta.id.as_deref(), Some("string"));
        assert_eq!(env.text("name").expect("name"), "a");
        assert_eq!(env.text("desc").expect_err("blank").code, "PMS_COR_001");
        assert_eq!(env.text("gone").expect_err("absent").code, "PMS_COR_001");
        assert_eq!(env.text("n").expect_err("number").code, "PMS_COR_003");
        let one = parse(br#"[{"id":"","request":{"name":"b"}}]"#).expect("array of one");
        assert_eq!(one.text("name").expect("name"), "b");
        assert_eq!(parse(b"nope").expect_err("not json").1.code, "PMS_COR_003");
        assert_eq!(
            parse(br#"{"id":"x"}"#).expect_err("no request").1.code,
            "PMS_COR_001"
        );
        assert_eq!(
            parse(br#"{"request":[1]}"#).expect_err("not object").1.code,
            "PMS_COR_003"
        );
    }
}
