//! Reading devices: one, the lists (the pages' and MOSIP's), the event's data.

use super::*;

/// One device's columns: (device and partner, what it is, its state).
type Row = (
    (String, String, String),
    (String, String, String, String),
    (String, Option<String>, i64),
);

crate::db::columns_fn! {
    #[allow(clippy::type_complexity)]
    fn columns() -> (
        (devices::id, devices::partner_id, partners::organisation),
        (
            devices::device_type,
            devices::sub_type,
            devices::make,
            devices::model,
        ),
        (devices::status, devices::reason, devices::created_at),
    )
}

fn views(conn: &mut AnyConnection, rows: Vec<Row>) -> AppResult<Vec<DeviceView>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.0 .0.as_str()).collect();
    let links: Vec<(String, String, String, String)> = device_sbis::table
        .inner_join(sbis::table)
        .filter(device_sbis::device_id.eq_any(&ids))
        .order(sbis::version.asc())
        .select((
            device_sbis::device_id,
            sbis::id,
            sbis::version,
            sbis::status,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |((id, partner_id, organisation), what, (status, reason, created_at))| DeviceView {
                sbis: links
                    .iter()
                    .filter(|l| l.0 == id)
                    .map(|l| SbiLink {
                        id: l.1.clone(),
                        version: l.2.clone(),
                        status: ItemStatus::parse(&l.3).unwrap_or(ItemStatus::PendingApproval),
                    })
                    .collect(),
                id,
                partner_id,
                organisation,
                device_type: what.0,
                sub_type: what.1,
                make: what.2,
                model: what.3,
                status: ItemStatus::parse(&status).unwrap_or(ItemStatus::PendingApproval),
                reason,
                created_at,
            },
        )
        .collect())
}

/// One device.
pub fn get(conn: &mut AnyConnection, id: &str) -> AppResult<DeviceView> {
    let row: Row = devices::table
        .inner_join(partners::table)
        .filter(devices::id.eq(id))
        .select(columns())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("The device"))?;
    views(conn, vec![row])?.pop().ok_or_else(AppError::internal)
}

/// A page of devices; `only` restricts to one provider; `sbi` to the devices of one SBI.
pub fn list(
    conn: &mut AnyConnection,
    query: &ItemQuery,
    only: Option<&str>,
    sbi: Option<&str>,
) -> AppResult<Page<DeviceView>> {
    list_by(conn, query, only, sbi, &Columns::default())
}

/// The database backend of boxed queries.
type Backend = <AnyConnection as diesel::Connection>::Backend;
/// A boxed query on devices with their providers.
type Devices<'a> =
    diesel::dsl::IntoBoxed<'a, diesel::dsl::InnerJoin<devices::table, partners::table>, Backend>;

/// What a device list keeps: the query's and the caller's filters, read once.
struct DeviceFilters {
    /// Status.
    status: Option<ItemStatus>,
    /// Provider's partner id (the caller's restriction, else the query's).
    partner: Option<String>,
    /// Device type.
    device_type: Option<String>,
    /// Linked SBI id (the caller's restriction, else the query's).
    sbi: Option<String>,
    /// "Contains" patterns by column.
    patterns: Vec<(DeviceColumn, String)>,
}

/// A page of devices filtered and sorted by named columns as well (MOSIP's list); a sort
/// column replaces the query's sort.
pub fn list_by(
    conn: &mut AnyConnection,
    query: &ItemQuery,
    only: Option<&str>,
    sbi: Option<&str>,
    by: &Columns<DeviceColumn>,
) -> AppResult<Page<DeviceView>> {
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
    let f = device_filters(query, only, sbi, by)?;
    let total: i64 = filtered(&f).count().get_result(conn)?;
    let q = sorted(filtered(&f), by.sort, query.sort.as_deref());
    let rows: Vec<Row> = q.select(columns()).limit(size).offset(offset).load(conn)?;
    Ok(Page::new(views(conn, rows)?, total, page_no, size))
}

/// The list's filters: an unknown status or an overlong "contains" text is refused (in that
/// order); blank texts filter nothing.
fn device_filters(
    query: &ItemQuery,
    only: Option<&str>,
    sbi: Option<&str>,
    by: &Columns<DeviceColumn>,
) -> AppResult<DeviceFilters> {
    let status = status_filter(query.status.as_deref())?;
    let partner = only
        .map(str::to_string)
        .or_else(|| query.partner.clone().filter(|p| !p.trim().is_empty()));
    let device_type = query.device_type.clone().filter(|t| !t.trim().is_empty());
    let sbi = sbi
        .map(str::to_string)
        .or_else(|| query.sbi.clone().filter(|s| !s.trim().is_empty()));
    let patterns = by.patterns()?;
    Ok(DeviceFilters {
        status,
        partner,
        device_type,
        sbi,
        patterns,
    })
}

/// The devices matching the filters.
fn filtered<'a>(f: &DeviceFilters) -> Devices<'a> {
    let mut q = devices::table.inner_join(partners::table).into_boxed();
    if let Some(s) = f.status {
        q = q.filter(devices::status.eq(s.as_str()));
    }
    if let Some(p) = &f.partner {
        q = q.filter(devices::partner_id.eq(p.trim().to_string()));
    }
    if let Some(t) = &f.device_type {
        q = q.filter(devices::device_type.eq(t.trim().to_string()));
    }
    if let Some(s) = &f.sbi {
        q = q.filter(
            devices::id.eq_any(
                device_sbis::table
                    .filter(device_sbis::sbi_id.eq(s.clone()))
                    .select(device_sbis::device_id),
            ),
        );
    }
    containing(q, &f.patterns)
}

/// The devices whose columns contain the "contains" patterns (a linked SBI's, for the SBI
/// columns).
fn containing<'a>(mut q: Devices<'a>, patterns: &[(DeviceColumn, String)]) -> Devices<'a> {
    for (column, p) in patterns.iter().cloned() {
        q = match column {
            DeviceColumn::Id => q.filter(lower(devices::id).like(p).escape('\\')),
            DeviceColumn::Partner => q.filter(lower(devices::partner_id).like(p).escape('\\')),
            DeviceColumn::Organisation => {
                q.filter(lower(partners::organisation).like(p).escape('\\'))
            }
            DeviceColumn::Type => q.filter(lower(devices::device_type).like(p).escape('\\')),
            DeviceColumn::SubType => q.filter(lower(devices::sub_type).like(p).escape('\\')),
            DeviceColumn::Make => q.filter(lower(devices::make).like(p).escape('\\')),
            DeviceColumn::Model => q.filter(lower(devices::model).like(p).escape('\\')),
            DeviceColumn::SbiId => q.filter(
                devices::id.eq_any(
                    device_sbis::table
                        .inner_join(sbis::table)
                        .filter(lower(sbis::id).like(p).escape('\\'))
                        .select(device_sbis::device_id),
                ),
            ),
            DeviceColumn::SbiVersion => q.filter(
                devices::id.eq_any(
                    device_sbis::table
                        .inner_join(sbis::table)
                        .filter(lower(sbis::version).like(p).escape('\\'))
                        .select(device_sbis::device_id),
                ),
            ),
            DeviceColumn::Status | DeviceColumn::Created => q,
        };
    }
    q
}

/// The devices by the sort column when there is one, else by the query's sort ("-created":
/// newest first; otherwise oldest first), ties broken by id.
fn sorted<'a>(q: Devices<'a>, by: Option<(DeviceColumn, bool)>, sort: Option<&str>) -> Devices<'a> {
    match by {
        Some((column, desc)) => by_column(q, column, desc),
        None => match sort {
            Some("-created") => q.order((devices::created_at.desc(), devices::id.desc())),
            _ => q.order((devices::created_at.asc(), devices::id.asc())),
        },
    }
}

/// The smallest linked SBI's column `c` (id or version), which stands for the device's SBIs.
fn linked(
    c: &str,
) -> diesel::expression::SqlLiteral<diesel::sql_types::Nullable<diesel::sql_types::Text>> {
    diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Text>>(&format!(
        "(SELECT min(sbis.{c}) FROM device_sbis JOIN sbis ON sbis.id = device_sbis.sbi_id \
         WHERE device_sbis.device_id = devices.id)"
    ))
}

/// The devices in the order of a sort column, ties broken by id in the same direction.
fn by_column(q: Devices<'_>, column: DeviceColumn, desc: bool) -> Devices<'_> {
    let q = match (column, desc) {
        (DeviceColumn::Id, false) => q.order(devices::id.asc()),
        (DeviceColumn::Id, true) => q.order(devices::id.desc()),
        (DeviceColumn::Partner, false) => q.order(devices::partner_id.asc()),
        (DeviceColumn::Partner, true) => q.order(devices::partner_id.desc()),
        (DeviceColumn::Organisation, false) => q.order(partners::organisation.asc()),
        (DeviceColumn::Organisation, true) => q.order(partners::organisation.desc()),
        (DeviceColumn::Type, false) => q.order(devices::device_type.asc()),
        (DeviceColumn::Type, true) => q.order(devices::device_type.desc()),
        (DeviceColumn::SubType, false) => q.order(devices::sub_type.asc()),
        (DeviceColumn::SubType, true) => q.order(devices::sub_type.desc()),
        (DeviceColumn::Make, false) => q.order(devices::make.asc()),
        (DeviceColumn::Make, true) => q.order(devices::make.desc()),
        (DeviceColumn::Model, false) => q.order(devices::model.asc()),
        (DeviceColumn::Model, true) => q.order(devices::model.desc()),
        (DeviceColumn::SbiId, false) => q.order(linked("id").asc()),
        (DeviceColumn::SbiId, true) => q.order(linked("id").desc()),
        (DeviceColumn::SbiVersion, false) => q.order(linked("version").asc()),
        (DeviceColumn::SbiVersion, true) => q.order(linked("version").desc()),
        (DeviceColumn::Status, false) => q.order(devices::status.asc()),
        (DeviceColumn::Status, true) => q.order(devices::status.desc()),
        (DeviceColumn::Created, false) => q.order(devices::created_at.asc()),
        (DeviceColumn::Created, true) => q.order(devices::created_at.desc()),
    };
    if desc {
        q.then_order_by(devices::id.desc())
    } else {
        q.then_order_by(devices::id.asc())
    }
}

/// The signed-in provider's devices.
pub fn list_own(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    query: &ItemQuery,
    sbi: Option<&str>,
) -> AppResult<Page<DeviceView>> {
    let p = provider(conn, user, PartnerType::DeviceProvider)?;
    list(conn, query, Some(&p.id), sbi)
}

/// The device's event data for downstream services (topic `DEVICE_UPDATED`).
pub fn event_data(d: &DeviceView) -> serde_json::Value {
    json!({
        "id": d.id,
        "partnerId": d.partner_id,
        "deviceType": d.device_type,
        "deviceSubType": d.sub_type,
        "make": d.make,
        "model": d.model,
        "status": d.status.as_str(),
        "reason": d.reason,
        "sbiIds": d.sbis.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
    })
}
