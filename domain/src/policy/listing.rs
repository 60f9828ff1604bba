//! The policy list by named columns (MOSIP's `GET /policies/v2`): "contains" filters on id,
//! name, description, type and group name, and a sort by any of them.

use super::service::summaries;
use super::{PolicyStatus, PolicySummary};
use crate::account::lower;
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::page::{self, Columns, Page};
use crate::schema::{policies, policy_groups};
use diesel::prelude::*;

/// Columns the policy list can be filtered ("contains") and sorted by, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyColumn {
    /// Policy id.
    Id,
    /// Name.
    Name,
    /// Description.
    Description,
    /// Type (stored spelling).
    Type,
    /// Group id.
    GroupId,
    /// Group name.
    GroupName,
    /// Status (sort only).
    Status,
    /// Created (sort only).
    Created,
}

/// A policy as the column list gives it: the summary, its description and creation time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyListing {
    /// The summary.
    pub summary: PolicySummary,
    /// Description.
    pub description: String,
    /// Created, UTC ms.
    pub created_at: i64,
}

/// The database backend of boxed queries.
type Backend = <AnyConnection as diesel::Connection>::Backend;
/// A boxed query on policies with their groups.
type Policies<'a> = diesel::dsl::IntoBoxed<
    'a,
    diesel::dsl::InnerJoin<policies::table, policy_groups::table>,
    Backend,
>;

/// A page of policies in `status` (any when `None`), filtered and sorted by named columns
/// (newest first without a sort column).
pub fn list_by(
    conn: &mut AnyConnection,
    status: Option<PolicyStatus>,
    page_no: Option<i64>,
    page_size: Option<i64>,
    columns: &Columns<PolicyColumn>,
) -> AppResult<Page<PolicyListing>> {
    let (page_no, size, offset) = page::clamp(page_no, page_size);
    let patterns = columns.patterns()?;
    let total: i64 = filtered(status, &patterns).count().get_result(conn)?;
    let sort = columns.sort.unwrap_or((PolicyColumn::Created, true));
    let rows: Vec<(String, String, i64)> = sorted(filtered(status, &patterns), sort)
        .select((policies::id, policies::description, policies::created_at))
        .limit(size)
        .offset(offset)
        .load(conn)?;
    Ok(Page {
        items: listings(conn, &rows)?,
        total,
        page: page_no,
        page_size: size,
    })
}

/// The policies in `status` matching the "contains" patterns.
fn filtered<'a>(status: Option<PolicyStatus>, patterns: &[(PolicyColumn, String)]) -> Policies<'a> {
    let mut q = policies::table
        .inner_join(policy_groups::table)
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(policies::status.eq(s.as_str()));
    }
    for (column, p) in patterns.iter().cloned() {
        q = match column {
            PolicyColumn::Id => q.filter(lower(policies::id).like(p).escape('\\')),
            PolicyColumn::Name => q.filter(lower(policies::name).like(p).escape('\\')),
            PolicyColumn::Description => {
                q.filter(lower(policies::description).like(p).escape('\\'))
            }
            PolicyColumn::Type => q.filter(lower(policies::policy_type).like(p).escape('\\')),
            PolicyColumn::GroupId => {
                q.filter(lower(policies::policy_group_id).like(p).escape('\\'))
            }
            PolicyColumn::GroupName => q.filter(lower(policy_groups::name).like(p).escape('\\')),
            PolicyColumn::Status | PolicyColumn::Created => q,
        };
    }
    q
}

/// The policies in the order of the sort column, ties broken by id in the same direction.
fn sorted(q: Policies<'_>, (column, desc): (PolicyColumn, bool)) -> Policies<'_> {
    let q = match (column, desc) {
        (PolicyColumn::Id, false) => q.order(policies::id.asc()),
        (PolicyColumn::Id, true) => q.order(policies::id.desc()),
        (PolicyColumn::Name, false) => q.order(policies::name.asc()),
        (PolicyColumn::Name, true) => q.order(policies::name.desc()),
        (PolicyColumn::Description, false) => q.order(policies::description.asc()),
        (PolicyColumn::Description, true) => q.order(policies::description.desc()),
        (PolicyColumn::Type, false) => q.order(policies::policy_type.asc()),
        (PolicyColumn::Type, true) => q.order(policies::policy_type.desc()),
        (PolicyColumn::GroupId, false) => q.order(policies::policy_group_id.asc()),
        (PolicyColumn::GroupId, true) => q.order(policies::policy_group_id.desc()),
        (PolicyColumn::GroupName, false) => q.order(policy_groups::name.asc()),
        (PolicyColumn::GroupName, true) => q.order(policy_groups::name.desc()),
        (PolicyColumn::Status, false) => q.order(policies::status.asc()),
        (PolicyColumn::Status, true) => q.order(policies::status.desc()),
        (PolicyColumn::Created, false) => q.order(policies::created_at.asc()),
        (PolicyColumn::Created, true) => q.order(policies::created_at.desc()),
    };
    if desc {
        q.then_order_by(policies::id.desc())
    } else {
        q.then_order_by(policies::id.asc())
    }
}

/// The listings of the page's (id, description, created) rows, in their order.
fn listings(
    conn: &mut AnyConnection,
    rows: &[(String, String, i64)],
) -> AppResult<Vec<PolicyListing>> {
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    Ok(summaries(conn, &ids)?
        .into_iter()
        .filter_map(|summary| {
            let (_, description, created_at) = rows.iter().find(|r| r.0 == summary.id)?.clone();
            Some(PolicyListing {
                summary,
                description,
                created_at,
            })
        })
        .collect())
}
