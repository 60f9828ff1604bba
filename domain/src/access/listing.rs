//! API keys and policy requests by named columns (MOSIP's `GET /partner-api-keys` and
//! `/partner-policy-requests`): "contains" filters and a sort by any listed column, with the
//! policy's and its group's descriptions MOSIP's rows carry.

use super::{KeyStatus, RequestStatus};
use crate::account::lower;
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
    Ok(Page {
        items: key_rows(conn, q, size, offset)?,
        total,
        page: page_no,
        page_size: size,
    })
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
    for (column, p) in patterns.iter().cloned() {
        q = match column {
            KeyColumn::Partner => q.filter(lower(api_keys::partner_id).like(p).escape('\\')),
            KeyColumn::Label => q.filter(lower(api_keys::label).like(p).escape('\\')),
            KeyColumn::Organisation => q.filter(lower(partners::organisation).like(p).escape('\\')),
            KeyColumn::PolicyName => q.filter(lower(policies::name).like(p).escape('\\')),
            KeyColumn::GroupName => q.filter(lower(policy_groups::name).like(p).escape('\\')),
            KeyColumn::Status | KeyColumn::Created | KeyColumn::ValidTo => q,
        };
    }
    q
}

/// The keys in the order of the sort column, ties broken by id in the same direction.
fn sorted_keys(q: Keys<'_>, (column, desc): (KeyColumn, bool)) -> Keys<'_> {
    let q = match (column, desc) {
        (KeyColumn::Partner, false) => q.order(api_keys::partner_id.asc()),
        (KeyColumn::Partner, true) => q.order(api_keys::partner_id.desc()),
        (KeyColumn::Label, false) => q.order(api_keys::label.asc()),
        (KeyColumn::Label, true) => q.order(api_keys::label.desc()),
        (KeyColumn::Organisation, false) => q.order(partners::organisation.asc()),
        (KeyColumn::Organisation, true) => q.order(partners::organisation.desc()),
        (KeyColumn::PolicyName, false) => q.order(policies::name.asc()),
        (KeyColumn::PolicyName, true) => q.order(policies::name.desc()),
        (KeyColumn::GroupName, false) => q.order(policy_groups::name.asc()),
        (KeyColumn::GroupName, true) => q.order(policy_groups::name.desc()),
        (KeyColumn::Status, false) => q.order(api_keys::status.asc()),
        (KeyColumn::Status, true) => q.order(api_keys::status.desc()),
        (KeyColumn::Created, false) => q.order(api_keys::created_at.asc()),
        (KeyColumn::Created, true) => q.order(api_keys::created_at.desc()),
        (KeyColumn::ValidTo, false) => q.order(api_keys::valid_to.asc()),
        (KeyColumn::ValidTo, true) => q.order(api_keys::valid_to.desc()),
    };
    if desc {
        q.then_order_by(api_keys::id.desc())
    } else {
        q.then_order_by(api_keys::id.asc())
    }
}

/// The listed columns of one API key row.
type KeyRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
);

/// The page `size` rows from `offset` of the sorted keys, as listings.
fn key_rows(
    conn: &mut AnyConnection,
    q: Keys<'_>,
    size: i64,
    offset: i64,
) -> AppResult<Vec<KeyListing>> {
    let rows: Vec<KeyRow> = q
        .select((
            api_keys::partner_id,
            api_keys::label,
            partners::organisation,
            api_keys::policy_id,
            policies::name,
            policies::description,
            policy_groups::id,
            policy_groups::name,
            policy_groups::description,
            api_keys::status,
            api_keys::created_at,
            api_keys::valid_to,
        ))
        .limit(size)
        .offset(offset)
        .load(conn)?;
    Ok(rows.into_iter().map(key_listing).collect())
}

/// One key row as its listing (an unknown status reads as deactivated).
fn key_listing(r: KeyRow) -> KeyListing {
    KeyListing {
        partner_id: r.0,
        label: r.1,
        organisation: r.2,
        policy_id: r.3,
        policy_name: r.4,
        policy_description: r.5,
        group_id: r.6,
        group_name: r.7,
        group_description: r.8,
        status: KeyStatus::parse(&r.9).unwrap_or(KeyStatus::Deactivated),
        created_at: r.10,
        valid_to: r.11,
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
    Ok(Page {
        items: request_rows(conn, q, size, offset)?,
        total,
        page: page_no,
        page_size: size,
    })
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
    for (column, p) in patterns.iter().cloned() {
        q = match column {
            RequestColumn::Partner => {
                q.filter(lower(policy_requests::partner_id).like(p).escape('\\'))
            }
            RequestColumn::PartnerType => {
                q.filter(lower(partners::partner_type).like(p).escape('\\'))
            }
            RequestColumn::Organisation => {
                q.filter(lower(partners::organisation).like(p).escape('\\'))
            }
            RequestColumn::PolicyId => {
                q.filter(lower(policy_requests::policy_id).like(p).escape('\\'))
            }
            RequestColumn::PolicyName => q.filter(lower(policies::name).like(p).escape('\\')),
            RequestColumn::GroupName => q.filter(lower(policy_groups::name).like(p).escape('\\')),
            RequestColumn::UseCase => {
                q.filter(lower(policy_requests::use_case).like(p).escape('\\'))
            }
            RequestColumn::Status | RequestColumn::Created => q,
        };
    }
    q
}

/// The requests in the order of the sort column, ties broken by id in the same direction.
fn sorted_requests(q: Requests<'_>, (column, desc): (RequestColumn, bool)) -> Requests<'_> {
    let q = match (column, desc) {
        (RequestColumn::Partner, false) => q.order(policy_requests::partner_id.asc()),
        (RequestColumn::Partner, true) => q.order(policy_requests::partner_id.desc()),
        (RequestColumn::PartnerType, false) => q.order(partners::partner_type.asc()),
        (RequestColumn::PartnerType, true) => q.order(partners::partner_type.desc()),
        (RequestColumn::Organisation, false) => q.order(partners::organisation.asc()),
        (RequestColumn::Organisation, true) => q.order(partners::organisation.desc()),
        (RequestColumn::PolicyId, false) => q.order(policy_requests::policy_id.asc()),
        (RequestColumn::PolicyId, true) => q.order(policy_requests::policy_id.desc()),
        (RequestColumn::PolicyName, false) => q.order(policies::name.asc()),
        (RequestColumn::PolicyName, true) => q.order(policies::name.desc()),
        (RequestColumn::GroupName, false) => q.order(policy_groups::name.asc()),
        (RequestColumn::GroupName, true) => q.order(policy_groups::name.desc()),
        (RequestColumn::UseCase, false) => q.order(policy_requests::use_case.asc()),
        (RequestColumn::UseCase, true) => q.order(policy_requests::use_case.desc()),
        (RequestColumn::Status, false) => q.order(policy_requests::status.asc()),
        (RequestColumn::Status, true) => q.order(policy_requests::status.desc()),
        (RequestColumn::Created, false) => q.order(policy_requests::created_at.asc()),
        (RequestColumn::Created, true) => q.order(policy_requests::created_at.desc()),
    };
    if desc {
        q.then_order_by(policy_requests::id.desc())
    } else {
        q.then_order_by(policy_requests::id.asc())
    }
}

/// The listed columns of one policy request row: (request and partner, policy and group,
/// request state).
type RequestRow = (
    (String, String, String, String, String),
    (String, String, String, String, String, String),
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
            (
                policy_requests::policy_id,
                policies::name,
                policies::description,
                policy_groups::id,
                policy_groups::name,
                policy_groups::description,
            ),
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
