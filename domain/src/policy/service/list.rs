//! Policy lists: the pages' list, a group's published policies, summaries.

use super::*;

/// The database backend of boxed queries.
type Backend = <AnyConnection as diesel::Connection>::Backend;
/// A boxed query on policies.
type Policies<'a> = policies::BoxedQuery<'a, Backend>;

/// The policy list's checked filters.
struct PolicyFilters {
    /// Status.
    status: Option<PolicyStatus>,
    /// Type.
    kind: Option<PolicyType>,
    /// The search text as a `LIKE` pattern on the name.
    pattern: Option<String>,
    /// The same through the search index, where it serves.
    phrase: Option<String>,
}

/// The policy list: filters and sort on policies' own indexed columns, group names joined for
/// the rows shown.
pub fn list(conn: &mut AnyConnection, query: &PolicyQuery) -> AppResult<PolicyList> {
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
    let f = policy_filters(conn, query)?;
    let counted = kept_counts(conn)?;
    let total: i64 = if query.group.as_deref().unwrap_or_default().is_empty()
        && query.q.as_deref().unwrap_or_default().trim().is_empty()
    {
        // Status and type filters take their total from the kept counts.
        counted
            .iter()
            .filter(|(s, t, _)| {
                f.status.is_none_or(|want| want.as_str() == s)
                    && f.kind.is_none_or(|want| want.as_str() == t)
            })
            .map(|(_, _, n)| n)
            .sum()
    } else {
        filtered(query, &f).count().get_result(conn)?
    };
    let q = sorted(
        filtered(query, &f),
        query.sort.as_deref().unwrap_or("-updated"),
    );
    // The page's ids come from an index; only those 50 rows are read.
    let ids: Vec<String> = q
        .select(policies::id)
        .limit(size)
        .offset(offset)
        .load(conn)?;
    let items = summaries(conn, &ids)?;
    Ok(PolicyList {
        page: Page::new(items, total, page_no, size),
        counts: status_counts(&counted),
    })
}

/// The query's status, type and search text, checked in that order.
fn policy_filters(conn: &mut AnyConnection, query: &PolicyQuery) -> AppResult<PolicyFilters> {
    let status = query
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| {
            PolicyStatus::parse(s).ok_or_else(|| {
                AppError::validation("status", "PMS_POLICY_STATUS_UNKNOWN", "Unknown status.")
            })
        })
        .transpose()?;
    let kind = query
        .policy_type
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(check_policy_type)
        .transpose()?;
    Ok(PolicyFilters {
        status,
        kind,
        pattern: page::search_pattern(query.q.as_deref())?,
        phrase: crate::search::phrase(conn, query.q.as_deref()),
    })
}

/// The policies matching the filters and the query's group.
fn filtered<'a>(query: &PolicyQuery, f: &PolicyFilters) -> Policies<'a> {
    let mut q = policies::table.into_boxed();
    if let Some(s) = f.status {
        q = q.filter(policies::status.eq(s.as_str()));
    }
    if let Some(k) = f.kind {
        q = q.filter(policies::policy_type.eq(k.as_str()));
    }
    if let Some(g) = query.group.as_deref().filter(|g| !g.is_empty()) {
        q = q.filter(policies::policy_group_id.eq(g.to_string()));
    }
    if let Some(phrase) = &f.phrase {
        q = q.filter(crate::search::matching(
            crate::search::Index::Policies,
            phrase,
        ));
    } else if let Some(pattern) = &f.pattern {
        q = q.filter(
            crate::account::lower(policies::name)
                .like(pattern.clone())
                .escape('\\'),
        );
    }
    q
}

/// The kept counts: (status, type, n) rows.
fn kept_counts(conn: &mut AnyConnection) -> AppResult<Vec<(String, String, i64)>> {
    Ok(policy_counts::table
        .select((
            policy_counts::status,
            policy_counts::policy_type,
            policy_counts::n,
        ))
        .load(conn)?)
}

/// The count of every status, from the kept counts.
fn status_counts(counted: &[(String, String, i64)]) -> Vec<(PolicyStatus, i64)> {
    PolicyStatus::ALL
        .iter()
        .map(|s| {
            let n = counted
                .iter()
                .filter(|(k, _, _)| k == s.as_str())
                .map(|(_, _, n)| *n)
                .sum();
            (*s, n)
        })
        .collect()
}

/// The policies in the order `sort` names (most recently updated first by default), ties
/// broken by id.
fn sorted<'a>(q: Policies<'a>, sort: &str) -> Policies<'a> {
    // Within a type or a status, the default order.
    let recent = (policies::updated_at.desc(), policies::id.desc());
    match sort {
        "name" => q.order((policies::name.asc(), policies::id.asc())),
        "-name" => q.order((policies::name.desc(), policies::id.desc())),
        "type" => q.order((policies::policy_type.asc(), recent)),
        "-type" => q.order((policies::policy_type.desc(), recent)),
        "status" => q.order((policies::status.asc(), recent)),
        "-status" => q.order((policies::status.desc(), recent)),
        "updated" => q.order((policies::updated_at.asc(), policies::id.asc())),
        _ => q.order(recent),
    }
}

/// Published policies of a group (what its partners see), by name.
pub fn published_of_group(
    conn: &mut AnyConnection,
    group_id: &str,
    page_no: Option<i64>,
) -> AppResult<Page<PolicySummary>> {
    let (page_no, size, offset) = page::clamp(page_no, Some(50));
    let base = || {
        policies::table
            .filter(policies::policy_group_id.eq(group_id))
            .filter(policies::status.eq(PolicyStatus::Published.as_str()))
    };
    let total: i64 = base().count().get_result(conn)?;
    let ids: Vec<String> = base()
        .order((policies::name.asc(), policies::id.asc()))
        .select(policies::id)
        .limit(size)
        .offset(offset)
        .load(conn)?;
    let mut items = summaries(conn, &ids)?;
    for item in &mut items {
        item.has_revision = false;
    }
    Ok(Page::new(items, total, page_no, size))
}

type SummaryColumns = (
    String,
    String,
    String,
    String,
    String,
    bool,
    i32,
    Option<i64>,
    Option<i64>,
    i64,
);

/// Summaries of `ids`, in that order: the rows' small columns only (never the documents),
/// with their group names.
pub(crate) fn summaries(conn: &mut AnyConnection, ids: &[String]) -> AppResult<Vec<PolicySummary>> {
    let rows: Vec<SummaryColumns> = policies::table
        .filter(policies::id.eq_any(ids))
        .select((
            policies::id,
            policies::name,
            policies::policy_type,
            policies::status,
            policies::policy_group_id,
            policies::draft_document.is_not_null(),
            policies::version,
            policies::valid_from,
            policies::valid_to,
            policies::updated_at,
        ))
        .load(conn)?;
    let mut group_ids: Vec<&str> = rows.iter().map(|r| r.4.as_str()).collect();
    group_ids.sort_unstable();
    group_ids.dedup();
    let names: Vec<(String, String)> = policy_groups::table
        .filter(policy_groups::id.eq_any(&group_ids))
        .select((policy_groups::id, policy_groups::name))
        .load(conn)?;
    Ok(ids
        .iter()
        .filter_map(|id| rows.iter().find(|r| r.0 == *id))
        .map(|r| PolicySummary {
            id: r.0.clone(),
            name: r.1.clone(),
            policy_type: PolicyType::parse(&r.2).unwrap_or(PolicyType::Auth),
            status: PolicyStatus::parse(&r.3).unwrap_or(PolicyStatus::Deactivated),
            group_name: names
                .iter()
                .find(|(g, _)| *g == r.4)
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            group_id: r.4.clone(),
            has_revision: r.5,
            version: r.6,
            valid_from: r.7,
            valid_to: r.8,
            updated_at: r.9,
        })
        .collect())
}

/// The policy group of the partner owned by `account_id`, when that partner is approved:
/// only a vetted partner reads its group's policies (a partner still under review may change
/// its group, so it could otherwise browse every group's policies).
pub fn group_of_partner_account(
    conn: &mut AnyConnection,
    account_id: &str,
) -> AppResult<Option<String>> {
    use crate::schema::partners;
    Ok(partners::table
        .filter(partners::account_id.eq(account_id))
        .filter(partners::status.eq(crate::partner::PartnerStatus::Approved.as_str()))
        .select(partners::policy_group_id)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}
