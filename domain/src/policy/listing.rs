//! The policy list by named columns (MOSIP's `GET /policies/v2`): "contains" filters on id,
//! name, description, type and group name, and a sort by any of them.

use super::service::summaries;
use super::{PolicyStatus, PolicySummary};
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
    Ok(Page::new(listings(conn, &rows)?, total, page_no, size))
}

/// The policies in `status` matching the "contains" patterns.
fn filtered<'a>(status: Option<PolicyStatus>, patterns: &[(PolicyColumn, String)]) -> Policies<'a> {
    let mut q = policies::table
        .inner_join(policy_groups::table)
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(policies::status.eq(s.as_str()));
    }
    crate::db::contains_filters!(q, patterns, {
        PolicyColumn::Id => policies::id,
        PolicyColumn::Name => policies::name,
        PolicyColumn::Description => policies::description,
        PolicyColumn::Type => policies::policy_type,
        PolicyColumn::GroupId => policies::policy_group_id,
        PolicyColumn::GroupName => policy_groups::name,
    } sort_only PolicyColumn::Status | PolicyColumn::Created)
}

/// The policies in the order of the sort column, ties broken by id in the same direction.
fn sorted(q: Policies<'_>, sort: (PolicyColumn, bool)) -> Policies<'_> {
    crate::db::order_by_column!(q, sort, {
        PolicyColumn::Id => policies::id,
        PolicyColumn::Name => policies::name,
        PolicyColumn::Description => policies::description,
        PolicyColumn::Type => policies::policy_type,
        PolicyColumn::GroupId => policies::policy_group_id,
        PolicyColumn::GroupName => policy_groups::name,
        PolicyColumn::Status => policies::status,
        PolicyColumn::Created => policies::created_at,
    } then policies::id)
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
