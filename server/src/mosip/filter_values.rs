//! MOSIP's filter-value calls (`POST …/filtervalues`): the values a column takes, for a list's
//! filter choices. Columns are checked against the entity's whitelist in MOSIP's order
//! (`PMS-MSD-322`, `-317`, `-324`, every filter's problems at once), optional conditions as in
//! its search calls, at most 500 values per column, in the database.

use super::auth::require;
use super::envelope::{self, Fault};
use super::partners::PARTNER_SIDE;
use super::scope::{group_scope, own_scope, searchable, POLICY_READERS};
use super::search::{conditions, escape, field, text, Module};
use super::{run, MosipState};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::mosip_search::{
    DEVICE, DEVICE_SUB_TYPE, DEVICE_TYPE, MISP_LICENSE, PARTNER, POLICY, POLICY_GROUP,
    POLICY_REQUEST, SBI,
};
use domain::query::{Entity, Filter, Kind, Op, Value as Bound};
use domain::Role;
use serde_json::{json, Map, Value};

/// MOSIP's `mosip.pms.filtervalue.max_columns` default.
const MAX_VALUES: i64 = 500;

/// One or more errors, in the service's envelope (the validator reports every filter's).
fn reply(module: Module, answer: Result<Value, Vec<Fault>>) -> Response {
    match answer {
        Ok(v) => super::search::reply(module, Ok(v)),
        Err(faults) if faults.len() == 1 => super::search::reply(
            module,
            Err(faults.into_iter().next().unwrap_or_else(Fault::internal)),
        ),
        Err(faults) => {
            let status = faults.first().map_or(StatusCode::OK, |f| f.status);
            let errors: Vec<Value> = faults
                .iter()
                .map(|f| json!({ "errorCode": f.code, "message": f.message }))
                .collect();
            let body = json!({ "id": "mosip.partnermanagement", "version": "1.0", "responsetime": envelope::now_text(), "metadata": null, "response": null, "errors": errors });
            (
                status,
                [(header::CACHE_CONTROL, "no-store")],
                axum::Json(body),
            )
                .into_response()
        }
    }
}

fn bad_request(field: &str, what: &str) -> Fault {
    Fault {
        status: StatusCode::BAD_REQUEST,
        code: "PMS_COR_001".into(),
        message: format!("Invalid request parameter - {what} :request.{field}"),
    }
}

/// One requested column: its field, whether only distinct (code, value) pairs are wanted, and
/// the text its values must contain.
struct Wanted {
    name: String,
    field: &'static domain::query::Field,
    distinct: bool,
    text: String,
}

/// Read `filters` (and `optionalFilters`) in MOSIP's order: bean validation first (400), then
/// every filter's type and column (`PMS-MSD-322`, `-317`, `-324`, all collected).
fn read(
    request: &Map<String, Value>,
    entity: &'static Entity,
) -> Result<(Vec<Wanted>, Vec<Filter>), Vec<Fault>> {
    let filters = match request.get("filters") {
        Some(Value::Array(a)) => a,
        _ => return Err(vec![bad_request("filters", "must not be null")]),
    };
    for (i, f) in filters.iter().enumerate() {
        if text(f.get("columnName")).is_none_or(|c| c.trim().is_empty()) {
            return Err(vec![bad_request(
                &format!("filters[{i}].columnName"),
                "must not be blank",
            )]);
        }
    }
    let mut faults = Vec::new();
    let mut wanted = Vec::new();
    for f in filters {
        let name = text(f.get("columnName")).unwrap_or_default();
        // MOSIP's type defaults to "unique" when absent.
        let kind = match f.get("type") {
            None | Some(Value::Null) => "unique".to_string(),
            v => text(v).unwrap_or_default(),
        };
        if kind.trim().is_empty() {
            faults.push(Fault::new(
                "PMS-MSD-322",
                "Filter Type cannot be empty or null",
            ));
            continue;
        }
        let found = entity.filter_field(name.trim());
        if found.is_none() {
            faults.push(Fault::new(
                "PMS-MSD-317",
                format!("Column {name} doesn't exist for the searched entity"),
            ));
        }
        if !["all", "unique", ""].contains(&kind.to_lowercase().as_str()) {
            faults.push(Fault::new(
                "PMS-MSD-324",
                "Received Filter Type not supported",
            ));
            continue;
        }
        if let Some(field) = found {
            wanted.push(Wanted {
                name,
                field,
                distinct: kind == "unique",
                text: text(f.get("text")).unwrap_or_default(),
            });
        }
    }
    if !faults.is_empty() {
        return Err(faults);
    }
    let optional = match request.get("optionalFilters") {
        Some(Value::Array(a)) => conditions(a, entity).map_err(|f| vec![f])?,
        _ => Vec::new(),
    };
    Ok((wanted, optional))
}

/// How one entity answers: the code shown with each value, and (MOSIP's device quirk) a fixed
/// value expression instead of the column's.
struct Shape {
    entity: &'static Entity,
    code: &'static str,
    value: Option<&'static str>,
}

impl Shape {
    /// Each value shown with the row's `code`.
    fn of(entity: &'static Entity, code: &'static str) -> Shape {
        Shape {
            entity,
            code,
            value: None,
        }
    }
}

async fn values(
    state: &MosipState,
    shape: Shape,
    wanted: Vec<Wanted>,
    scope: Vec<Filter>,
) -> Result<Value, Vec<Fault>> {
    let mut out = Vec::new();
    for w in wanted {
        match w.field.kind {
            // MOSIP answers a boolean column's two values without reading anything.
            Kind::Bool => {
                for v in ["true", "false"] {
                    out.push(json!({ "fieldID": w.name, "fieldValue": v, "fieldCode": "" }));
                }
                continue;
            }
            Kind::Time | Kind::Int => {
                return Err(vec![Fault::new(
                    "PMS-MSD-324",
                    "Received Filter Type not supported",
                )])
            }
            Kind::Text => {}
        }
        let mut filters = scope.clone();
        if !w.text.is_empty() {
            let pattern = format!("%{}%", escape(&w.text.to_lowercase()));
            filters.push(Filter {
                field: w.field,
                op: Op::Like(pattern),
            });
        }
        let entity = shape.entity;
        let (code, column) = (shape.code, w.field.sql);
        let shown = shape.value.unwrap_or(column);
        let distinct = w.distinct;
        let rows = run(state, move |conn| {
            domain::query::values(
                conn, entity, code, shown, column, &filters, distinct, MAX_VALUES,
            )
        })
        .await
        .map_err(|f| vec![f])?;
        for (code, value) in rows {
            out.push(json!({ "fieldID": w.name, "fieldValue": value, "fieldCode": code }));
        }
    }
    Ok(json!({ "filters": out }))
}

async fn partner_side(
    state: &MosipState,
    headers: &HeaderMap,
    body: &[u8],
    roles: &[Role],
    shape: Shape,
    owner_column: Option<&str>,
) -> Result<Value, Vec<Fault>> {
    let who = require(state, headers, roles).await.map_err(|f| vec![f])?;
    let env = envelope::parse(body).map_err(|(_, f)| vec![f])?;
    let (wanted, mut scope) = read(&env.request, shape.entity)?;
    if let Some(column) = owner_column {
        let own = own_scope(state, &who, shape.entity, column).await;
        scope.extend(own.map_err(|f| vec![f])?);
    }
    values(state, shape, wanted, scope).await
}

/// A partner manager's filter-value call: [`partner_side`], answered in its envelope.
async fn partner_values(
    state: &MosipState,
    headers: &HeaderMap,
    body: &[u8],
    roles: &[Role],
    shape: Shape,
    owner_column: Option<&str>,
) -> Response {
    let a = partner_side(state, headers, body, roles, shape, owner_column).await;
    reply(Module::Partner, a)
}

/// `POST /v1/partnermanager/partners/filtervalues`: a partner admin sees every partner's
/// values, anyone else its own partner's; e-mail, phone and address are refused (`KER_PRT_391`).
pub async fn partners(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Ok(v) = serde_json::from_slice::<Value>(&body) {
        for f in v["request"]["filters"].as_array().into_iter().flatten() {
            if let Err(refused) = searchable(&text(f.get("columnName")).unwrap_or_default()) {
                // Refused after the caller's check, before anything else.
                let refused = match require(&state, &headers, &PARTNER_SIDE).await {
                    Ok(_) => refused,
                    Err(f) => f,
                };
                return reply(Module::Partner, Err(vec![refused]));
            }
        }
    }
    let shape = Shape::of(&PARTNER, "p.id");
    partner_values(&state, &headers, &body, &PARTNER_SIDE, shape, Some("id")).await
}

/// `POST /v1/partnermanager/partners/apikey/request/filtervalues`: policy request values; a
/// partner sees its own requests.
pub async fn policy_requests(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let roles = [
        Role::PartnerAdmin,
        Role::AuthPartner,
        Role::CredentialPartner,
    ];
    let shape = Shape::of(&POLICY_REQUEST, "r.id");
    partner_values(&state, &headers, &body, &roles, shape, Some("partnerId")).await
}

/// `POST /v1/partnermanager/misps/filtervalues`: MISP license values (never a key); a MISP
/// partner sees its own licenses.
pub async fn misp_licenses(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let roles = [Role::PartnerAdmin, Role::MispPartner];
    let shape = Shape::of(&MISP_LICENSE, "l.partner_id");
    partner_values(&state, &headers, &body, &roles, shape, Some("mispId")).await
}

const DEVICE_ROLES: [Role; 3] = [Role::PartnerAdmin, Role::DeviceProvider, Role::FtmProvider];

/// `POST /v1/partnermanager/devicedetail/filtervalues`: each value is the device's make and
/// model, whichever column is asked (as MOSIP answers); a provider sees its own devices.
pub async fn devices(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let shape = Shape {
        value: Some("(d.make || ' ' || d.model)"),
        ..Shape::of(&DEVICE, "d.id")
    };
    let owner = Some("deviceProviderId");
    partner_values(&state, &headers, &body, &DEVICE_ROLES, shape, owner).await
}

/// `POST /v1/partnermanager/devicedetail/deviceType/filtervalues`.
pub async fn device_types(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let shape = Shape::of(&DEVICE_TYPE, "t.device_type");
    partner_values(&state, &headers, &body, &DEVICE_ROLES, shape, None).await
}

/// `POST /v1/partnermanager/devicedetail/deviceSubType/filtervalues`.
pub async fn device_sub_types(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let shape = Shape::of(&DEVICE_SUB_TYPE, "s.sub_type");
    partner_values(&state, &headers, &body, &DEVICE_ROLES, shape, None).await
}

/// `POST /v1/partnermanager/securebiometricinterface/filtervalues`: a provider sees its own.
pub async fn sbis(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let shape = Shape::of(&SBI, "s.id");
    let owner = Some("providerId");
    partner_values(&state, &headers, &body, &DEVICE_ROLES, shape, owner).await
}

/// The policy service reports its validator's codes as `PMS_COR_003` (it has no handler for
/// them), as MOSIP's own tests expect.
fn as_policy_service(faults: Vec<Fault>) -> Vec<Fault> {
    faults
        .into_iter()
        .map(|f| {
            if f.code == "PMS-MSD-317" || f.code == "PMS-MSD-322" || f.code == "PMS-MSD-324" {
                Fault::new("PMS_COR_003", "Could not process the request")
            } else {
                f
            }
        })
        .take(1)
        .collect()
}

/// `POST /v1/policymanager/policies/group/filtervalues`: each value with the group's name as
/// its code.
pub async fn policy_groups(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let shape = Shape::of(&POLICY_GROUP, "g.name");
    let a = partner_side(&state, &headers, &body, &POLICY_READERS, shape, None).await;
    reply(Module::Policy, a.map_err(as_policy_service))
}

/// `POST /v1/policymanager/policies/filtervalues`: policies of `policyType` (or `all`); a
/// partner sees its group's published ones.
pub async fn policies(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let a = async {
        let who = require(&state, &headers, &POLICY_READERS)
            .await
            .map_err(|f| vec![f])?;
        let env = envelope::parse(&body).map_err(|(_, f)| vec![f])?;
        let kind = text(env.request.get("policyType"))
            .ok_or_else(|| vec![bad_request("policyType", "must not be null")])?;
        let (wanted, mut scope) = read(&env.request, &POLICY)?;
        if !kind.eq_ignore_ascii_case("all") {
            scope.push(Filter {
                field: field(&POLICY, "policyType"),
                op: Op::Equals(Bound::Text(kind)),
            });
        }
        let own = group_scope(&state, &who, &POLICY).await;
        scope.extend(own.map_err(|f| vec![f])?);
        values(&state, Shape::of(&POLICY, "p.id"), wanted, scope).await
    }
    .await;
    reply(Module::Policy, a.map_err(as_policy_service))
}
