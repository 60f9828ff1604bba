//! The OpenAPI 3.1 document of the portal's machine API (MOSIP's REST door, API key
//! verification, WebSub, the signing CAs, probes), generated from one table of operations,
//! and a readable reference page made from the same table. A router test checks that every
//! operation in the table is routed and every machine route is in the table. The operations
//! are declared by area, one module each; [`OPS`] orders them for the document and the page.

mod devices;
mod downstream;
mod lists;
mod partners;
mod policies;
mod reference;
mod search;
mod sign_in;

pub use reference::reference_page;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// How a call proves who it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Nothing.
    None,
    /// A JWT from MOSIP's sign-in, in an `Authorization` cookie or a Bearer header, with one of
    /// these roles.
    Token(&'static [&'static str]),
    /// A service token (`Authorization: Bearer pst_…`).
    ServiceToken,
}

/// A request body.
#[derive(Clone, Copy, Debug)]
pub enum Body {
    /// None.
    None,
    /// MOSIP's envelope around a `request` object with these fields.
    Envelope(&'static [Field]),
    /// A JSON object with these fields (not enveloped).
    Json(&'static [Field]),
    /// A JSON array of objects with these fields.
    JsonArray(&'static [Field]),
    /// A form with these fields.
    Form(&'static [Field]),
}

/// A field: name, JSON type, required, what it is.
pub type Field = (&'static str, &'static str, bool, &'static str);

/// An answer.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    /// MOSIP's envelope, `response` an object with these fields.
    Envelope(&'static [Field]),
    /// MOSIP's envelope, `response` a message string.
    EnvelopeText,
    /// MOSIP's envelope, `response` the boolean `true`.
    EnvelopeTrue,
    /// MOSIP's envelope, `response` an array of objects with these fields.
    EnvelopeArray(&'static [Field]),
    /// A bare JSON object with these fields.
    Json(&'static [Field]),
    /// A JSON array of objects with these fields.
    JsonArray(&'static [Field]),
    /// Plain text (or PEM).
    Text(&'static str),
    /// No body, this status.
    Empty(u16),
}

/// One operation.
#[derive(Clone, Copy, Debug)]
pub struct Op {
    /// HTTP method, lower case.
    pub method: &'static str,
    /// Path with `{parameters}`.
    pub path: &'static str,
    /// Group in the reference.
    pub tag: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// Who may call it.
    pub auth: Auth,
    /// Query parameters.
    pub query: &'static [Field],
    /// Request body.
    pub body: Body,
    /// Success answer.
    pub answer: Answer,
    /// Error codes it answers with (besides KER-ATH-401/403 for guarded calls).
    pub codes: &'static [&'static str],
}

const ADMIN: &[&str] = &["PARTNER_ADMIN"];
const AUTHORS: &[&str] = &["POLICYMANAGER", "PARTNER_ADMIN"];
const PARTNER_SIDE: &[&str] = &[
    "PARTNER_ADMIN",
    "AUTH_PARTNER",
    "CREDENTIAL_PARTNER",
    "DEVICE_PROVIDER",
    "FTM_PROVIDER",
    "MISP_PARTNER",
];

const S: &str = "string";

/// The `request` of MOSIP's deactivation calls.
const REVAMP_DEACTIVATE: &[Field] = &[("status", S, true, "De-Activate (exactly)")];

/// Every machine operation of the portal, in the reference's order.
pub const OPS: &[Op] = &[
    sign_in::CLIENT_SECRET,
    sign_in::USER_PASSWORD,
    sign_in::OIDC_TOKEN,
    sign_in::CREATE_USER,
    sign_in::FIND_USERS,
    sign_in::DELETE_USER,
    sign_in::MAP_ROLES,
    sign_in::USER_ROLES,
    sign_in::LIST_ROLES,
    partners::UPLOAD_CA,
    partners::UPLOAD_CERTIFICATE,
    partners::REGISTER,
    lists::ADMIN_PARTNERS,
    search::PARTNERS,
    search::PARTNER_TYPES,
    search::POLICIES,
    search::POLICY_GROUPS,
    lists::API_KEYS,
    lists::POLICY_REQUESTS,
    lists::DEVICES,
    devices::DECIDE_DEVICE,
    lists::SBIS,
    lists::CHIPS,
    lists::POLICIES,
    partners::MAP_POLICY,
    partners::DECIDE_MAPPING,
    partners::GENERATE_API_KEY,
    partners::MAP_CREDENTIAL_TYPE,
    policies::CREATE_GROUP,
    policies::CREATE_POLICY,
    policies::PUBLISH,
    policies::DEACTIVATE_GROUP,
    devices::DEACTIVATE_SBI,
    devices::DEACTIVATE_FTM,
    devices::DEACTIVATE_DEVICE,
    policies::DEACTIVATE_POLICY,
    search::DEVICES,
    search::DEVICE_TYPES,
    partners::PARTNERS_V3,
    partners::CERTIFICATE,
    search::PARTNER_VALUES,
    search::DEVICE_VALUES,
    search::DEVICE_TYPE_VALUES,
    search::DEVICE_SUB_TYPE_VALUES,
    search::SBI_VALUES,
    search::POLICY_GROUP_VALUES,
    search::POLICY_VALUES,
    partners::OIDC_CLIENT,
    search::POLICY_REQUEST_VALUES,
    search::MISP_LICENSE_VALUES,
    downstream::VERIFY_API_KEY,
    downstream::WEBSUB_HUB,
    downstream::WEBSUB_TOPICS,
    downstream::SIGNING_CA,
    downstream::HEALTHZ,
    downstream::READYZ,
];

fn object(fields: &[Field]) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for (name, ty, req, doc) in fields {
        let schema = match *ty {
            "array" => json!({ "type": "array", "items": {}, "description": doc }),
            t => json!({ "type": t, "description": doc }),
        };
        props.insert(name.to_string(), schema);
        if *req {
            required.push(json!(name));
        }
    }
    let mut o = json!({ "type": "object", "properties": props });
    if !required.is_empty() {
        o["required"] = Value::Array(required);
    }
    o
}

fn envelope_of(response: Value) -> Value {
    json!({ "allOf": [{ "$ref": "#/components/schemas/ResponseEnvelope" }, { "type": "object", "properties": { "response": response } }] })
}

fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

fn operation(op: &Op) -> Value {
    let mut params: Vec<Value> = op
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    params.extend(op.query.iter().map(|(name, ty, req, doc)| {
        json!({ "name": name, "in": "query", "required": req, "description": doc, "schema": { "type": ty } })
    }));
    let mut o = json!({
        "tags": [op.tag],
        "summary": op.summary,
        "operationId": format!("{}{}", op.method, op.path.replace(['/', '{', '}', '.', '-'], "_")),
        "parameters": params,
    });
    match op.body {
        Body::None => {}
        Body::Envelope(f) => {
            o["requestBody"] = json!({ "required": true, "content": json_content(json!({
                "allOf": [{ "$ref": "#/components/schemas/RequestEnvelope" }, { "type": "object", "required": ["request"], "properties": { "request": object(f) } }]
            })) })
        }
        Body::Json(f) => {
            o["requestBody"] = json!({ "required": true, "content": json_content(object(f)) })
        }
        Body::JsonArray(f) => {
            o["requestBody"] = json!({ "required": true, "content": json_content(json!({ "type": "array", "items": object(f) })) })
        }
        Body::Form(f) => {
            o["requestBody"] = json!({ "required": true, "content": { "application/x-www-form-urlencoded": { "schema": object(f) } } })
        }
    }
    let ok = match op.answer {
        Answer::Envelope(f) => {
            json!({ "200": { "description": "MOSIP's envelope; business errors also come as 200 with errors[0].errorCode", "content": json_content(envelope_of(object(f))) } })
        }
        Answer::EnvelopeText => {
            json!({ "200": { "description": "MOSIP's envelope, response a message", "content": json_content(envelope_of(json!({ "type": "string" }))) } })
        }
        Answer::EnvelopeArray(f) => {
            json!({ "200": { "description": "MOSIP's envelope, response an array", "content": json_content(envelope_of(json!({ "type": "array", "items": object(f) }))) } })
        }
        Answer::EnvelopeTrue => {
            json!({ "200": { "description": "MOSIP's envelope, response true", "content": json_content(envelope_of(json!({ "type": "boolean", "const": true }))) } })
        }
        Answer::Json(f) => {
            json!({ "200": { "description": "OK", "content": json_content(object(f)) } })
        }
        Answer::JsonArray(f) => {
            json!({ "200": { "description": "OK", "content": json_content(json!({ "type": "array", "items": object(f) })) } })
        }
        Answer::Text(ct) => {
            json!({ "200": { "description": "OK", "content": { ct: { "schema": { "type": "string" } } } } })
        }
        Answer::Empty(status) => json!({ status.to_string(): { "description": "Done" } }),
    };
    let mut responses = ok;
    if let Auth::Token(_) = op.auth {
        let env = json_content(json!({ "$ref": "#/components/schemas/ResponseEnvelope" }));
        responses["401"] = json!({ "description": "KER-ATH-401: no token, or not one the portal issued", "content": env.clone() });
        responses["403"] = json!({ "description": "KER-ATH-403: the caller's roles do not allow this call", "content": env });
    }
    o["responses"] = responses;
    match op.auth {
        Auth::None => o["security"] = json!([]),
        Auth::Token(roles) => {
            o["security"] = json!([{ "mosipCookie": [] }, { "bearerJwt": [] }]);
            o["x-roles"] = json!(roles);
        }
        Auth::ServiceToken => o["security"] = json!([{ "serviceToken": [] }]),
    }
    if !op.codes.is_empty() {
        o["x-error-codes"] = json!(op.codes);
    }
    o
}

/// The OpenAPI 3.1 document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for op in OPS {
        let item = paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}));
        item[op.method] = operation(op);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Partner Management Portal: machine API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "MOSIP's PMS REST API (/v1/partnermanager, /v1/policymanager), its sign-in (/v1/authmanager) and the Keycloak admin subset MOSIP's onboarder uses, answered by the portal itself; and the portal's other machine endpoints. MOSIP answers business and validation errors with HTTP 200 and errors[0].errorCode; x-error-codes lists each operation's codes.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "mosipCookie": { "type": "apiKey", "in": "cookie", "name": "Authorization", "description": "The JWT from MOSIP's sign-in; every Authorization cookie is tried." },
                "bearerJwt": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
                "serviceToken": { "type": "http", "scheme": "bearer", "description": "A service token (pst_...) issued by a partner admin." },
            },
            "schemas": {
                "RequestEnvelope": { "type": "object", "properties": {
                    "id": { "type": ["string", "null"] }, "version": { "type": ["string", "null"] },
                    "requesttime": { "type": ["string", "null"], "description": "yyyy-MM-ddTHH:mm:ss.SSSZ" },
                    "metadata": {}, "request": { "type": "object" } } },
                "ServiceError": { "type": "object", "required": ["errorCode", "message"], "properties": {
                    "errorCode": { "type": "string" }, "message": { "type": "string" } } },
                "ResponseEnvelope": { "type": "object", "required": ["errors"], "properties": {
                    "id": { "type": ["string", "null"] }, "version": { "type": ["string", "null"] },
                    "responsetime": { "type": "string", "description": "yyyy-MM-ddTHH:mm:ss.SSSZ" },
                    "responseTime": { "type": "string", "description": "the same, in MOSIP's second envelope (its 1.2.2 lists)" },
                    "metadata": {}, "response": {},
                    "errors": { "type": "array", "items": { "$ref": "#/components/schemas/ServiceError" } } } },
            },
        },
    })
}

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> Response {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = DOC.get_or_init(|| document().to_string()).clone();
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}
