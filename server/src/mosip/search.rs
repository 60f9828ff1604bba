//! MOSIP's old search calls (`POST /policies/search`, `/policies/group/search`,
//! `/partners/search`, `/partners/partnertype/search`): filters, sorts and a page named in the
//! request, checked in MOSIP's order with its `PMS-MSD-*` codes, run in the database on a
//! whitelist of each entity's fields (`domain::mosip_search`).

use super::auth::require;
use super::envelope::{self, Fault};
use super::partners::PARTNER_SIDE;
use super::scope::{group_scope, own_scope, searchable, POLICY_READERS};
use super::{run, MosipState};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::query::{Entity, Field, Filter, Kind, Op, Value as Bound};
use domain::Role;
use serde_json::{json, Map, Value};

/// Which of MOSIP's two services answers: their envelopes differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Module {
    /// Partner manager: errors carry its id and version, every reply `metadata`.
    Partner,
    /// Policy manager: no `metadata`, ids null.
    Policy,
}

pub(super) fn reply(module: Module, answer: Result<Value, Fault>) -> Response {
    let (status, response, errors, id, version) = match answer {
        Ok(v) => (StatusCode::OK, v, json!([]), Value::Null, Value::Null),
        Err(f) => {
            let (id, version) = match module {
                Module::Partner => (json!("mosip.partnermanagement"), json!("1.0")),
                Module::Policy => (Value::Null, Value::Null),
            };
            let errors = json!([{ "errorCode": f.code, "message": f.message }]);
            (f.status, Value::Null, errors, id, version)
        }
    };
    let mut body = json!({
        "id": id,
        "version": version,
        "responsetime": envelope::now_text(),
        "response": response,
        "errors": errors,
    });
    if module == Module::Partner {
        body["metadata"] = Value::Null;
    }
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(body),
    )
        .into_response()
}

fn msd(code: &str, message: impl Into<String>) -> Fault {
    Fault::new(code, message)
}

/// Bean validation of a required member of `request` (HTTP 400, as MOSIP).
fn required(field: &str) -> Fault {
    Fault {
        status: StatusCode::BAD_REQUEST,
        code: "PMS_COR_001".into(),
        message: format!("Invalid request parameter - must not be null :request.{field}"),
    }
}

pub(super) fn text(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

fn blank(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// A value of a field's kind, or `PMS-MSD-390`.
fn typed(kind: Kind, v: &str) -> Result<Bound, Fault> {
    let bad = || msd("PMS-MSD-390", "Invalid filter value");
    let v = v.trim();
    match kind {
        Kind::Text => Ok(Bound::Text(v.to_string())),
        Kind::Bool => match v.to_ascii_lowercase().as_str() {
            "true" => Ok(Bound::Bool(true)),
            "false" => Ok(Bound::Bool(false)),
            _ => Err(bad()),
        },
        Kind::Int => v.parse().map(Bound::Int).map_err(|_| bad()),
        Kind::Time => chrono::DateTime::parse_from_rfc3339(v)
            .map(|t| t.timestamp_millis())
            .or_else(|_| {
                chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f")
                    .map(|t| t.and_utc().timestamp_millis())
            })
            .or_else(|_| {
                chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map(|d| {
                    d.and_hms_opt(0, 0, 0)
                        .unwrap_or_default()
                        .and_utc()
                        .timestamp_millis()
                })
            })
            .map(Bound::Int)
            .map_err(|_| bad()),
    }
}

/// MOSIP's `contains`: `*v*` and `v` contain v, `*v` ends with v.
fn contains_pattern(v: &str) -> String {
    let lowered = v.trim().to_lowercase();
    let (body, ends_with) = match lowered.strip_prefix('*') {
        Some(rest) => match rest.strip_suffix('*') {
            Some(inner) => (inner.to_string(), false),
            None => (rest.to_string(), true),
        },
        None => (lowered.clone(), false),
    };
    let escaped = escape(&body);
    if ends_with {
        format!("%{escaped}")
    } else {
        format!("%{escaped}%")
    }
}

pub(super) fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A parsed search: filters, sort and page (offset, size).
struct Search {
    filters: Vec<Filter>,
    sort: Vec<(&'static Field, bool)>,
    page_start: i64,
    page_fetch: i64,
}

/// A search's `filters` as conditions, checked in MOSIP's order: every column present
/// (`PMS-MSD-311`) and known (`-310`), then each filter's type and values (see [`condition`]).
pub(super) fn conditions(filters: &[Value], entity: &'static Entity) -> Result<Vec<Filter>, Fault> {
    let column_of = |f: &Value| text(f.get("columnName"));
    for f in filters {
        if column_of(f).is_none() {
            return Err(msd("PMS-MSD-311", "Column is missing in request"));
        }
    }
    for f in filters {
        let name = column_of(f).unwrap_or_default();
        if !name.trim().is_empty() && entity.filter_field(name.trim()).is_none() {
            return Err(msd(
                "PMS-MSD-310",
                format!("Invalid column received : {name}"),
            ));
        }
    }
    let mut out = Vec::new();
    for f in filters {
        let name = column_of(f).unwrap_or_default();
        if name.trim().is_empty() {
            return Err(msd("PMS-MSD-311", "Column is missing in request"));
        }
        let Some(field) = entity.filter_field(name.trim()) else {
            continue;
        };
        if let Some(op) = condition(f, field)? {
            out.push(Filter { field, op });
        }
    }
    Ok(out)
}

/// One filter on a known column, in MOSIP's order: its type (`PMS-MSD-312`), value or values
/// (`-392`), then the values its type wants (`-390`, `-391`, `-315`). `None` where MOSIP
/// ignores the filter: an unknown type, a range over a boolean.
fn condition(f: &Value, field: &'static Field) -> Result<Option<Op>, Fault> {
    let kind = text(f.get("type"));
    if blank(&kind) {
        return Err(msd("PMS-MSD-312", "Filter type is missing"));
    }
    let value = text(f.get("value"));
    let values: Option<Vec<String>> = f
        .get("values")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| text(Some(v))).collect());
    if !blank(&value) && values.as_ref().is_some_and(|v| !v.is_empty()) {
        return Err(msd(
            "PMS-MSD-392",
            "Both value and values cannot be present",
        ));
    }
    let kind = kind.unwrap_or_default();
    let op = match kind.trim().to_ascii_lowercase().as_str() {
        "in" => {
            let values = values
                .filter(|v| !v.is_empty())
                .ok_or_else(|| msd("PMS-MSD-391", "Invalid filter values"))?;
            let typed: Result<Vec<Bound>, Fault> =
                values.iter().map(|v| typed(field.kind, v)).collect();
            Op::In(typed?)
        }
        "between" => {
            let (from, to) = (text(f.get("fromValue")), text(f.get("toValue")));
            if blank(&from) || blank(&to) {
                return Err(msd("PMS-MSD-315", "Invalid fromValue or toValue"));
            }
            if field.kind == Kind::Bool {
                return Ok(None);
            }
            Op::Between(
                typed(field.kind, &from.unwrap_or_default())?,
                typed(field.kind, &to.unwrap_or_default())?,
            )
        }
        other => {
            let Some(v) = value.filter(|v| !v.trim().is_empty()) else {
                return Err(msd("PMS-MSD-390", "Invalid filter value"));
            };
            match other {
                "equals" if field.kind == Kind::Text => Op::Equals(Bound::Text(v)),
                "equals" => Op::Equals(typed(field.kind, &v)?),
                "contains" | "startswith" if field.kind != Kind::Text => {
                    return Err(msd("PMS-MSD-390", "Invalid filter value"))
                }
                "contains" => Op::Like(contains_pattern(&v)),
                "startswith" => {
                    let v = v.trim().to_lowercase();
                    let v = v.strip_suffix('*').unwrap_or(&v);
                    Op::Like(format!("{}%", escape(v)))
                }
                // MOSIP ignores a type it does not know.
                _ => return Ok(None),
            }
        }
    };
    Ok(Some(op))
}

/// Read `filters`, `sort` and `pagination` in MOSIP's order: every filter's column present
/// (`PMS-MSD-311`) and known (`-310`), then each filter's type and values (`-312`, `-392`,
/// `-390`, `-391`, `-315`; an unknown type is ignored), each sort (`-314`, `-357`, `-358`), the
/// page (`-313`). The three members must be there (`[]`, `[]`, `{}` at least).
fn parse(request: &Map<String, Value>, entity: &'static Entity) -> Result<Search, Fault> {
    let crash = || msd("PMS_COR_003", "Could not process the request");
    let filters = request
        .get("filters")
        .and_then(Value::as_array)
        .ok_or_else(crash)?;
    let sorts = request
        .get("sort")
        .and_then(Value::as_array)
        .ok_or_else(crash)?;
    let pagination = request
        .get("pagination")
        .and_then(Value::as_object)
        .ok_or_else(crash)?;
    let out = conditions(filters, entity)?;
    let mut sort = Vec::new();
    for s in sorts {
        let (field, kind) = (text(s.get("sortField")), text(s.get("sortType")));
        if blank(&field) || blank(&kind) {
            return Err(msd("PMS-MSD-314", "Missing sort field or sort type values"));
        }
        let (field, kind) = (field.unwrap_or_default(), kind.unwrap_or_default());
        let Some(f) = entity.sort_field(field.trim()) else {
            return Err(msd("PMS-MSD-357", format!("Invalid sort field {field}")));
        };
        let desc = match kind.trim().to_ascii_lowercase().as_str() {
            "asc" => false,
            "desc" => true,
            _ => {
                return Err(msd(
                    "PMS-MSD-358",
                    format!("Sort type {kind} is not supported"),
                ))
            }
        };
        sort.push((f, desc));
    }
    let number = |name: &str, default: i64| match pagination.get(name) {
        None | Some(Value::Null) => Some(default),
        Some(v) => v.as_i64(),
    };
    let (start, fetch) = (number("pageStart", 0), number("pageFetch", 10));
    let (Some(page_start), Some(page_fetch)) = (start, fetch) else {
        return Err(msd("PMS_COR_003", "Could not process the request"));
    };
    if page_start < 0 || page_fetch < 1 {
        return Err(msd(
            "PMS-MSD-313",
            format!(
                "Invalid pagination value received pagestart:{page_start} and pagefetch:{page_fetch}"
            ),
        ));
    }
    Ok(Search {
        filters: out,
        sort,
        page_start,
        page_fetch,
    })
}

/// Run a parsed search (with the caller's own `scope` filters) and answer MOSIP's page.
async fn answer(
    state: &MosipState,
    entity: &'static Entity,
    search: Search,
    scope: Vec<Filter>,
) -> Result<Value, Fault> {
    let size = search.page_fetch.min(domain::page::MAX_PAGE_SIZE);
    let offset = search.page_start.saturating_mul(search.page_fetch);
    let mut filters = search.filters;
    filters.extend(scope);
    let sort = search.sort;
    let (rows, total) = run(state, move |conn| {
        domain::query::page(conn, entity, &filters, &[], &sort, offset, size)
    })
    .await?;
    if rows.is_empty() {
        return Ok(json!({ "fromRecord": 0, "toRecord": 0, "totalRecord": 0, "data": null }));
    }
    let from = offset.saturating_add(1);
    Ok(json!({
        "fromRecord": from,
        "toRecord": from - 1 + rows.len() as i64,
        "totalRecord": total,
        "data": rows,
    }))
}

pub(super) fn field(entity: &'static Entity, name: &str) -> &'static Field {
    entity
        .fields
        .iter()
        .find(|f| f.name == name)
        .unwrap_or(&entity.fields[0])
}

/// The request's `<member>` type restriction: `all` (any case) is none; otherwise equal, any
/// case. Missing or blank: MOSIP's bean validation (400).
fn type_filter(
    request: &Map<String, Value>,
    member: &str,
    entity: &'static Entity,
    column: &str,
) -> Result<Option<Filter>, Fault> {
    let v = text(request.get(member)).filter(|v| !v.trim().is_empty());
    let v = v.ok_or_else(|| required(member))?;
    if v.trim().eq_ignore_ascii_case("all") {
        return Ok(None);
    }
    Ok(Some(Filter {
        field: field(entity, column),
        op: Op::Equals(Bound::Text(v.trim().to_string())),
    }))
}

/// `POST /v1/partnermanager/partners/search`: partners. A partner admin searches every
/// partner; any other caller only its own partner (MOSIP means to restrict them so, and the
/// rows carry e-mail addresses and phone numbers).
pub async fn partners(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let a = async {
        let who = require(&state, &headers, &PARTNER_SIDE).await?;
        let env = envelope::parse(&body).map_err(|(_, f)| f)?;
        let kind = type_filter(
            &env.request,
            "partnerType",
            &domain::mosip_search::PARTNER,
            "partnerTypeCode",
        )?;
        // Refused before anything else.
        for (member, key) in [("filters", "columnName"), ("sort", "sortField")] {
            for item in env
                .request
                .get(member)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                searchable(&text(item.get(key)).unwrap_or_default())?;
            }
        }
        let search = parse(&env.request, &domain::mosip_search::PARTNER)?;
        let mut scope: Vec<Filter> = kind.into_iter().collect();
        scope.extend(own_scope(&state, &who, &domain::mosip_search::PARTNER, "id").await?);
        answer(&state, &domain::mosip_search::PARTNER, search, scope).await
    }
    .await;
    reply(Module::Partner, a)
}

/// `POST /v1/partnermanager/partners/partnertype/search`: partner types.
pub async fn partner_types(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let a = async {
        require(&state, &headers, &PARTNER_SIDE).await?;
        let env = envelope::parse(&body).map_err(|(_, f)| f)?;
        let search = parse(&env.request, &domain::mosip_search::PARTNER_TYPE)?;
        answer(
            &state,
            &domain::mosip_search::PARTNER_TYPE,
            search,
            Vec::new(),
        )
        .await
    }
    .await;
    reply(Module::Partner, a)
}

/// MOSIP's `desc` column is stored as `descr`: either name filters the description.
fn renamed(mut request: Map<String, Value>) -> Map<String, Value> {
    if let Some(Value::Array(filters)) = request.get_mut("filters") {
        for f in filters {
            if f.get("columnName").and_then(Value::as_str) == Some("descr") {
                f["columnName"] = json!("desc");
            }
        }
    }
    request
}

/// `POST /v1/policymanager/policies/search`: policies of a type (`policyType`, or `all`).
/// Policy authors search every policy; a partner only the published policies of its group.
pub async fn policies(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let entity = &domain::mosip_search::POLICY;
    let a = async {
        let who = require(&state, &headers, &POLICY_READERS).await?;
        let env = envelope::parse(&body).map_err(|(_, f)| f)?;
        let kind = type_filter(&env.request, "policyType", entity, "policyType")?;
        let search = parse(&renamed(env.request), entity)?;
        let mut scope: Vec<Filter> = kind.into_iter().collect();
        scope.extend(group_scope(&state, &who, entity).await?);
        answer(&state, entity, search, scope).await
    }
    .await;
    reply(Module::Policy, a)
}

/// `POST /v1/policymanager/policies/group/search`: policy groups (partner admins and policy
/// managers).
pub async fn policy_groups(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let entity = &domain::mosip_search::POLICY_GROUP;
    let a = async {
        require(&state, &headers, &[Role::PartnerAdmin, Role::PolicyManager]).await?;
        let env = envelope::parse(&body).map_err(|(_, f)| f)?;
        let search = parse(&renamed(env.request), entity)?;
        answer(&state, entity, search, Vec::new()).await
    }
    .await;
    reply(Module::Policy, a)
}

/// `POST /v1/partnermanager/devicedetail/search`: device models. A partner admin searches every
/// provider's; a provider only its own (MOSIP means to restrict them and never does).
pub async fn devices(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let entity = &domain::mosip_search::DEVICE;
    let a = async {
        let roles = [Role::PartnerAdmin, Role::DeviceProvider, Role::FtmProvider];
        let who = require(&state, &headers, &roles).await?;
        let env = envelope::parse(&body).map_err(|(_, f)| f)?;
        let search = parse(&env.request, entity)?;
        let scope = own_scope(&state, &who, entity, "deviceProviderId").await?;
        answer(&state, entity, search, scope).await
    }
    .await;
    reply(Module::Partner, a)
}

/// `POST /v1/partnermanager/devicedetail/deviceType/search`: device types and sub-types.
pub async fn device_types(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let entity = &domain::mosip_search::DEVICE_SUB_TYPE;
    let a = async {
        let roles = [Role::PartnerAdmin, Role::DeviceProvider, Role::FtmProvider];
        require(&state, &headers, &roles).await?;
        let env = envelope::parse(&body).map_err(|(_, f)| f)?;
        let search = parse(&env.request, entity)?;
        answer(&state, entity, search, Vec::new()).await
    }
    .await;
    reply(Module::Partner, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mosips_contains_strips_its_star_and_matches_literally() {
        assert_eq!(contains_pattern("Ab_c"), "%ab\\_c%");
        assert_eq!(contains_pattern("*bank*"), "%bank%");
        assert_eq!(contains_pattern("*bank"), "%bank");
        assert_eq!(contains_pattern("50%"), "%50\\%%");
    }
}
