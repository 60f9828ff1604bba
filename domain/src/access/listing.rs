//! API keys and policy requests by named columns (MOSIP's `GET /partner-api-keys` and
//! `/partner-policy-requests`): "contains" filters and a sort by any listed column, with the
//! policy's and its group's descriptions MOSIP's rows carry.

use super::{KeyStatus, RequestStatus};
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::page::{self, Columns, Page};
use crate::partner::PartnerStatus;
use crate::schema::{api_keys, partners, policies, policy_groups, policy_requests};
use crate::PartnerType;
use diesel::prelude::*;

/// Columns the API key list can be filtered ("contains") and sorted by, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyColumn {
    /// Partner id.
    Partner,
    /// Label.
    Label,
    /// Partner's organisation.
    Organisation,
    /// Policy name.
    PolicyName,
    /// Policy group name.
    GroupName,
    /// Status (sort only).
    Status,
    /// Created (sort only).
    Created,
    /// Last valid day (sort only).
    ValidTo,
}

/// An API key as the column list gives it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyListing {
    /// Partner id.
    pub partner_id: String,
    /// Label.
    pub label: String,
    /// Partner's organisation.
    pub organisation: String,
    /// Policy id.
    pub policy_id: String,
    /// Policy name.
    pub policy_name: String,
    /// Policy description.
    pub policy_description: String,
    /// Group id.
    pub group_id: String,
    /// Group name.
    pub group_name: String,
    /// Group description.
    pub group_description: String,
    /// Status.
    pub status: KeyStatus,
    /// Created, UTC ms.
    pub created_at: i64,
    /// Valid to, UTC ms.
    pub valid_to: i64,
}

/// What a column list shows: an account's own partner's rows, or every partner's of a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    /// The partner of this account.
    Account(&'a str),
    /// Every partner (of the list's partner type, if it has one).
    All,
}

/// The database backend of boxed queries.
type Backend = <AnyConnection as diesel::Connection>::Backend;
/// API keys joined to their partners, policies and groups.
type KeyJoin = diesel::dsl::InnerJoin<
    diesel::dsl::InnerJoin<api_keys::table, partners::table>,
    diesel::dsl::InnerJoin<policies::table, policy_groups::table>,
>;
/// A boxed query on API keys with their partners, policies and groups.
type Keys<'a> = diesel::dsl::IntoBoxed<'a, KeyJoin, Backend>;

/// A page of API keys of authentication partners; `withdrawn` keeps only deactivated keys
/// (`true`) or only the others (`false`).
pub fn keys_by(
    conn: &mut AnyConnection,
    scope: Scope<'_>,
    withdrawn: Option<bool>,
    page_no: Option<i64>,
    page_size: Option<i64>,
    by: &Columns<KeyColumn>,
) -> AppResult<Page<KeyListing>> {
    let (page_no, size, offset) = page::clamp(page_no, page_size);
    let patterns = by.patterns()?;
    let total: i64 = filtered_keys(scope, withdrawn, &patterns)
        .count()
        .get_result(conn)?;
    let sort = by.sort.unwrap_or((KeyColumn::Created, true));
    let q = sorted_keys(filtered_keys(scope, withdrawn, &patterns), sort);
    let items = key_rows(conn, q, size, offset)?;
    Ok(Page::new(items, total, page_no, size))
}

/// The API keys of authentication partners in scope, withdrawn or not, matching the
/// "contains" patterns.
fn filtered_keys<'a>(
    scope: Scope<'_>,
    withdrawn: Option<bool>,
    patterns: &[(KeyColumn, String)],
) -> Keys<'a> {
    let deactivated = KeyStatus::Deactivated.as_str();
    let mut q = api_keys::table
        .inner_join(partners::table)
        .inner_join(policies::table.inner_join(policy_groups::table))
        .filter(partners::partner_type.eq(PartnerType::AuthPartner.as_str()))
        .into_boxed();
    if let Scope::Account(id) = scope {
        q = q.filter(partners::account_id.eq(id.to_string()));
    }
    match withdrawn {
        Some(true) => q = q.filter(api_keys::status.eq(deactivated)),
        Some(false) => q = q.filter(api_keys::status.ne(deactivated)),
        None => {}
    }
    crate::db::contains_filters!(q, patterns, {
        KeyColumn::Partner => api_keys::partner_id,
        KeyColumn::Label => api_keys::label,
        KeyColumn::Organisation => partners::organisation,
        KeyColumn::PolicyName => policies::name,
        KeyColumn::GroupName => policy_groups::name,
    } sort_only KeyColumn::Status | KeyColumn::Created | KeyColumn::ValidTo)
}

/// The keys in the order of the sort column, ties broken by id in the same direction.
fn sorted_keys(q: Keys<'_>, sort: (KeyColumn, bool)) -> Keys<'_> {
    crate::db::order_by_column!(q, sort, {
        KeyColumn::Partner => api_keys::partner_id,
        KeyColumn::Label => api_keys::label,
        KeyColumn::Organisation => partners::organisation,
        KeyColumn::PolicyName => policies::name,
        KeyColumn::GroupName => policy_groups::name,
        KeyColumn::Status => api_keys::status,
        KeyColumn::Created => api_keys::created_at,
        KeyColumn::ValidTo => api_keys::valid_to,
    } then api_keys::id)
}

/// The policy and group columns both lists show: the policy's id, name and description, its
/// group's id, name and description.
type PolicyAndGroup = (String, String, String, String, String, String);

crate::db::columns_fn! {
    fn policy_and_group() -> (
        policies::id,
        policies::name,
        policies::description,
        policy_groups::id,
        policy_groups::name,
        policy_groups::description,
    )
}

/// The listed columns of one API key row: (key and partner, policy and group, key state).
type KeyRow = ((String, String, String), PolicyAndGroup, (String, i64, i64));

/// The page `size` rows from `offset` of the sorted keys, as listings.
fn key_rows(
    conn: &mut AnyConnection,
    q: Keys<'_>,
    size: i64,
    offset: i64,
) -> AppResult<Vec<KeyListing>> {
    let rows: Vec<KeyRow> = q
        .select((
            (
                api_keys::partner_id,
                api_keys::label,
                partners::organisation,
            ),
            policy_and_group(),
            (api_keys::status, api_keys::created_at, api_keys::valid_to),
        ))
        .limit(size)
        .offset(offset)
        .load(conn)?;
    Ok(rows.into_iter().map(key_listing).collect())
}

/// One key row as its listing (an unknown status reads as deactivated).
fn key_listing((a, b, c): KeyRow) -> KeyListing {
    KeyListing {
        partner_id: a.0,
        label: a.1,
        organisation: a.2,
        policy_id: b.0,
        policy_name: b.1,
        policy_description: b.2,
        group_id: b.3,
        group_name: b.4,
        group_description: b.5,
        status: KeyStatus::parse(&c.0).unwrap_or(KeyStatus::Deactivated),
        created_at: c.1,
        valid_to: c.2,
    }
}

/// Columns the policy request list can be filtered ("contains") and sorted by, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestColumn {
    /// Partner id.
    Partner,
    /// Partner type.
    PartnerType,
    /// Partner's organisation.
    Organisation,
    /// Policy id.
    PolicyId,
    /// Policy name.
    PolicyName,
    /// Group name.
    GroupName,
    /// The partner's use case.
    UseCase,
    /// Status (sort only).
    Status,
    /// Created (sort only).
    Created,
}

/// A policy request as the column list gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestListing {
    /// Request id.
    pub id: String,
    /// Partner id.
    pub partner_id: String,
    /// The partner's status.
    pub partner_status: PartnerStatus,
    /// Partner's organisation.
    pub organisation: String,
    /// Partner type.
    pub partner_type: String,
    /// Policy id.
    pub policy_id: String,
    /// Policy name.
    pub policy_name: String,
    /// Policy description.
    pub policy_description: String,
    /// Group id.
    pub group_id: String,
    /// Group name.
    pub group_name: String,
    /// Group description.
    pub group_description: String,
    /// The partner's use case.
    pub use_case: String,
    /// Status.
    pub status: RequestStatus,
    /// Created, UTC ms.
    pub created_at: i64,
    /// Last change, UTC ms.
    pub updated_at: i64,
}

/// Policy requests joined to their partners, policies and groups.
type RequestJoin = diesel::dsl::InnerJoin<
    diesel::dsl::InnerJoin<policy_requests::table, partners::table>,
    diesel::dsl::InnerJoin<policies::table, policy_groups::table>,
>;
/// A boxed query on policy requests with their partners, policies and groups.
type Requests<'a> = diesel::dsl::IntoBoxed<'a, RequestJoin, Backend>;

/// A page of policy requests in `status` (any when `None`).
pub fn requests_by(
    conn: &mut AnyConnection,
    scope: Scope<'_>,
    status: Option<RequestStatus>,
    page_no: Option<i64>,
    page_size: Option<i64>,
    by: &Columns<RequestColumn>,
) -> AppResult<Page<RequestListing>> {
    let (page_no, size, offset) = page::clamp(page_no, page_size);
    let patterns = by.patterns()?;
    let total: i64 = filtered_requests(scope, status, &patterns)
        .count()
        .get_result(conn)?;
    let sort = by.sort.unwrap_or((RequestColumn::Created, true));
    let q = sorted_requests(filtered_requests(scope, status, &patterns), sort);
    let items = request_rows(conn, q, size, offset)?;
    Ok(Page::new(items, total, page_no, size))
}

/// The policy requests in scope and in `status`, matching the "contains" patterns.
fn filtered_requests<'a>(
    scope: Scope<'_>,
    status: Option<RequestStatus>,
    patterns: &[(RequestColumn, String)],
) -> Requests<'a> {
    let mut q = policy_requests::table
        .inner_join(partners::table)
        .inner_join(policies::table.inner_join(policy_groups::table))
        .into_boxed();
    if let Scope::Account(id) = scope {
        q = q.filter(partners::account_id.eq(id.to_string()));
    }
    if let Some(s) = status {
        q = q.filter(policy_requests::status.eq(s.as_str()));
    }
    crate::db::contains_filters!(q, patterns, {
        RequestColumn::Partner => policy_requests::partner_id,
        RequestColumn::PartnerType => partners::partner_type,
        RequestColumn::Organisation => partners::organisation,
        RequestColumn::PolicyId => policy_requests::policy_id,
        RequestColumn::PolicyName => policies::name,
        RequestColumn::GroupName => policy_groups::name,
        RequestColumn::UseCase => policy_requests::use_case,
    } sort_only RequestColumn::Status | RequestColumn::Created)
}

/// The requests in the order of the sort column, ties broken by id in the same direction.
fn sorted_requests(q: Requests<'_>, sort: (RequestColumn, bool)) -> Requests<'_> {
    crate::db::order_by_column!(q, sort, {
        RequestColumn::Partner => policy_requests::partner_id,
        RequestColumn::PartnerType => partners::partner_type,
        RequestColumn::Organisation => partners::organisation,
        RequestColumn::PolicyId => policy_requests::policy_id,
        RequestColumn::PolicyName => policies::name,
        RequestColumn::GroupName => policy_groups::name,
        RequestColumn::UseCase => policy_requests::use_case,
        RequestColumn::Status => policy_requests::status,
        RequestColumn::Created => policy_requests::created_at,
    } then policy_requests::id)
}

/// The listed columns of one policy request row: (request and partner, policy and group,
/// request state).
type RequestRow = (
    (String, String, String, String, String),
    PolicyAndGroup,
    (String, String, i64, i64),
);

/// The page `size` rows from `offset` of the sorted requests, as listings.
fn request_rows(
    conn: &mut AnyConnection,
    q: Requests<'_>,
    size: i64,
    offset: i64,
) -> AppResult<Vec<RequestListing>> {
    let rows: Vec<RequestRow> = q
        .select((
            (
                policy_requests::id,
                policy_requests::partner_id,
                partners::status,
                partners::organisation,
                partners::partner_type,
            ),
            policy_and_group(),
            (
                policy_requests::use_case,
                policy_requests::status,
                policy_requests::created_at,
                policy_requests::updated_at,
            ),
        ))
        .limit(size)
        .offset(offset)
        .load(conn)?;
    Ok(rows.into_iter().map(request_listing).collect())
}

/// One request row as its listing (unknown statuses read as pending).
fn request_listing((a, b, c): RequestRow) -> RequestListing {
    RequestListing {
        id: a.0,
        partner_id: a.1,
        partner_status: PartnerStatus::parse(&a.2).unwrap_or(PartnerStatus::Pending),
        organisation: a.3,
        partner_type: a.4,
        policy_id: b.0,
        policy_name: b.1,
        policy_description: b.2,
        group_id: b.3,
        group_name: b.4,
        group_description: b.5,
        use_case: c.0,
        status: RequestStatus::parse(&c.1).unwrap_or(RequestStatus::Pending),
        created_at: c.2,
        updated_at: c.3,
    }
}
