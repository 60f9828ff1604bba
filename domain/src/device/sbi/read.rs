//! Reading SBIs: one, the lists (the pages' and MOSIP's), device counts, the usable ones.

use super::*;

type Row = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    Option<String>,
    i64,
    i64,
);

crate::db::columns_fn! {
    fn columns() -> (
        sbis::id,
        sbis::partner_id,
        partners::organisation,
        sbis::version,
        sbis::binary_hash,
        sbis::created_on,
        sbis::expires_on,
        sbis::status,
        sbis::reason,
        sbis::created_at,
        sbis::updated_at,
    )
}

fn views(conn: &mut AnyConnection, rows: Vec<Row>) -> AppResult<Vec<SbiView>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let counts: Vec<(String, i64)> = device_sbis::table
        .filter(device_sbis::sbi_id.eq_any(&ids))
        .group_by(device_sbis::sbi_id)
        .select((device_sbis::sbi_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| SbiView {
            devices: counts
                .iter()
                .find(|(id, _)| *id == r.0)
                .map(|c| c.1)
                .unwrap_or(0),
            id: r.0,
            partner_id: r.1,
            organisation: r.2,
            version: r.3,
            binary_hash: r.4,
            created_on: r.5,
            expires_on: r.6,
            status: ItemStatus::parse(&r.7).unwrap_or(ItemStatus::PendingApproval),
            reason: r.8,
            created_at: r.9,
            updated_at: r.10,
        })
        .collect())
}

/// One SBI.
pub fn get(conn: &mut AnyConnection, id: &str) -> AppResult<SbiView> {
    let row: Row = sbis::table
        .inner_join(partners::table)
        .filter(sbis::id.eq(id))
        .select(columns())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("The SBI"))?;
    views(conn, vec![row])?.pop().ok_or_else(AppError::internal)
}

/// One of the signed-in provider's SBIs (another provider's answers 404).
pub fn get_own(conn: &mut AnyConnection, user: &CurrentUser, id: &str) -> AppResult<SbiView> {
    let p = provider(conn, user, PartnerType::DeviceProvider)?;
    let sbi = get(conn, id)?;
    if sbi.partner_id != p.id {
        return Err(AppError::not_found("The SBI"));
    }
    Ok(sbi)
}

/// A page of SBIs; `only` restricts to one provider (the provider's own view).
pub fn list(
    conn: &mut AnyConnection,
    query: &ItemQuery,
    only: Option<&str>,
) -> AppResult<Page<SbiView>> {
    list_by(conn, query, only, &SbiFilter::default())
}

/// The database backend of boxed queries.
type Backend = <AnyConnection as diesel::Connection>::Backend;
/// A boxed query on SBIs with their providers.
type Sbis<'a> =
    diesel::dsl::IntoBoxed<'a, diesel::dsl::InnerJoin<sbis::table, partners::table>, Backend>;

/// What an SBI list keeps: the query's, the caller's and MOSIP's filters, read once.
struct SbiFilters {
    /// Status.
    status: Option<ItemStatus>,
    /// Provider's partner id (the caller's restriction, else the query's).
    partner: Option<String>,
    /// "Contains" patterns by column.
    patterns: Vec<(SbiColumn, String)>,
    /// Only expired (`true`) or unexpired (`false`) SBIs.
    expired: Option<bool>,
    /// Only SBIs expiring within this many days from now.
    expiring_within_days: Option<i64>,
    /// The time expiry is compared with, UTC ms.
    now: i64,
}

/// A page of SBIs filtered and sorted by named columns and expiry as well (MOSIP's list); a
/// sort column replaces the query's sort.
pub fn list_by(
    conn: &mut AnyConnection,
    query: &ItemQuery,
    only: Option<&str>,
    filter: &SbiFilter,
) -> AppResult<Page<SbiView>> {
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
    let f = sbi_filters(query, only, filter)?;
    let total: i64 = filtered(&f).count().get_result(conn)?;
    let q = sorted(filtered(&f), filter.columns.sort, query.sort.as_deref());
    let rows: Vec<Row> = q.select(columns()).limit(size).offset(offset).load(conn)?;
    Ok(Page::new(views(conn, rows)?, total, page_no, size))
}

/// The list's filters: an unknown status or an overlong "contains" text is refused (in that
/// order); blank texts filter nothing.
fn sbi_filters(query: &ItemQuery, only: Option<&str>, filter: &SbiFilter) -> AppResult<SbiFilters> {
    let status = status_filter(query.status.as_deref())?;
    let partner = only
        .map(str::to_string)
        .or_else(|| query.partner.clone().filter(|p| !p.trim().is_empty()));
    let patterns = filter.columns.patterns()?;
    Ok(SbiFilters {
        status,
        partner,
        patterns,
        expired: filter.expired,
        expiring_within_days: filter.expiring_within_days,
        now: clock::now_ms(),
    })
}

/// The SBIs matching the filters.
fn filtered<'a>(f: &SbiFilters) -> Sbis<'a> {
    let now = f.now;
    let mut q = sbis::table.inner_join(partners::table).into_boxed();
    if let Some(s) = f.status {
        q = q.filter(sbis::status.eq(s.as_str()));
    }
    if let Some(p) = &f.partner {
        q = q.filter(sbis::partner_id.eq(p.trim().to_string()));
    }
    match f.expired {
        Some(true) => q = q.filter(sbis::expires_on.lt(now)),
        Some(false) => q = q.filter(sbis::expires_on.ge(now)),
        None => {}
    }
    if let Some(days) = f.expiring_within_days {
        q = q
            .filter(sbis::expires_on.between(now, now.saturating_add(days.saturating_mul(DAY_MS))));
    }
    for (column, p) in f.patterns.iter().cloned() {
        q = match column {
            SbiColumn::Id => q.filter(lower(sbis::id).like(p).escape('\\')),
            SbiColumn::Partner => q.filter(lower(sbis::partner_id).like(p).escape('\\')),
            SbiColumn::Organisation => q.filter(lower(partners::organisation).like(p).escape('\\')),
            SbiColumn::Version => q.filter(lower(sbis::version).like(p).escape('\\')),
            _ => q,
        };
    }
    q
}

/// The SBIs by the sort column when there is one, else by the query's sort ("-created":
/// newest first; otherwise oldest first), ties broken by id.
fn sorted<'a>(q: Sbis<'a>, by: Option<(SbiColumn, bool)>, sort: Option<&str>) -> Sbis<'a> {
    match by {
        Some((column, desc)) => by_column(q, column, desc),
        None => match sort {
            Some("-created") => q.order((sbis::created_at.desc(), sbis::id.desc())),
            _ => q.order((sbis::created_at.asc(), sbis::id.asc())),
        },
    }
}

/// The number of devices linked to the SBI, as a sort key.
fn linked() -> diesel::expression::SqlLiteral<diesel::sql_types::BigInt> {
    diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM device_sbis WHERE device_sbis.sbi_id = sbis.id)",
    )
}

/// The SBIs in the order of a sort column, ties broken by id in the same direction.
fn by_column(q: Sbis<'_>, column: SbiColumn, desc: bool) -> Sbis<'_> {
    let q = match (column, desc) {
        (SbiColumn::Id, false) => q.order(sbis::id.asc()),
        (SbiColumn::Id, true) => q.order(sbis::id.desc()),
        (SbiColumn::Partner, false) => q.order(sbis::partner_id.asc()),
        (SbiColumn::Partner, true) => q.order(sbis::partner_id.desc()),
        (SbiColumn::Organisation, false) => q.order(partners::organisation.asc()),
        (SbiColumn::Organisation, true) => q.order(partners::organisation.desc()),
        (SbiColumn::Version, false) => q.order(sbis::version.asc()),
        (SbiColumn::Version, true) => q.order(sbis::version.desc()),
        (SbiColumn::CreatedOn, false) => q.order(sbis::created_on.asc()),
        (SbiColumn::CreatedOn, true) => q.order(sbis::created_on.desc()),
        (SbiColumn::ExpiresOn, false) => q.order(sbis::expires_on.asc()),
        (SbiColumn::ExpiresOn, true) => q.order(sbis::expires_on.desc()),
        (SbiColumn::Status, false) => q.order(sbis::status.asc()),
        (SbiColumn::Status, true) => q.order(sbis::status.desc()),
        (SbiColumn::Devices, false) => q.order(linked().asc()),
        (SbiColumn::Devices, true) => q.order(linked().desc()),
        (SbiColumn::Created, false) => q.order(sbis::created_at.asc()),
        (SbiColumn::Created, true) => q.order(sbis::created_at.desc()),
    };
    if desc {
        q.then_order_by(sbis::id.desc())
    } else {
        q.then_order_by(sbis::id.asc())
    }
}

diesel::allow_columns_to_appear_in_same_group_by_clause!(device_sbis::sbi_id, devices::status);

/// Each SBI's linked devices by status: (SBI id, status, count), for the SBIs given.
pub fn device_counts(
    conn: &mut AnyConnection,
    ids: &[&str],
) -> AppResult<Vec<(String, ItemStatus, i64)>> {
    let rows: Vec<(String, String, i64)> = device_sbis::table
        .inner_join(devices::table)
        .filter(device_sbis::sbi_id.eq_any(ids))
        .group_by((device_sbis::sbi_id, devices::status))
        .select((
            device_sbis::sbi_id,
            devices::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, s, n)| ItemStatus::parse(&s).map(|s| (id, s, n)))
        .collect())
}

/// The signed-in provider's SBIs by named columns and expiry (MOSIP's list).
pub fn list_own_by(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    query: &ItemQuery,
    filter: &SbiFilter,
) -> AppResult<Page<SbiView>> {
    let p = provider(conn, user, PartnerType::DeviceProvider)?;
    list_by(conn, query, Some(&p.id), filter)
}

/// The signed-in provider's SBIs.
pub fn list_own(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    query: &ItemQuery,
) -> AppResult<Page<SbiView>> {
    let p = provider(conn, user, PartnerType::DeviceProvider)?;
    list(conn, query, Some(&p.id))
}

/// The provider's SBIs a new device can be linked to: approved and not expired.
pub fn usable(conn: &mut AnyConnection, user: &CurrentUser) -> AppResult<Vec<SbiView>> {
    let p = provider(conn, user, PartnerType::DeviceProvider)?;
    let rows: Vec<Row> = sbis::table
        .inner_join(partners::table)
        .filter(sbis::partner_id.eq(&p.id))
        .filter(sbis::status.eq(ItemStatus::Approved.as_str()))
        .filter(sbis::expires_on.ge(clock::now_ms()))
        .order(sbis::version.asc())
        .limit(200)
        .select(columns())
        .load(conn)?;
    views(conn, rows)
}
