//! One policy with its versions, and the differences between versions.

use super::*;

/// A policy with its versions.
pub fn detail(conn: &mut AnyConnection, id: &str) -> AppResult<PolicyDetail> {
    let row = load_row(conn, id)?;
    let group_name: String = policy_groups::table
        .find(&row.policy_group_id)
        .select(policy_groups::name)
        .first(conn)?;
    let created_by: Option<String> = match &row.created_by {
        Some(account) => accounts::table
            .find(account)
            .select(accounts::email)
            .first(conn)
            .optional()?,
        None => None,
    };
    let versions = policy_versions::table
        .filter(policy_versions::policy_id.eq(id))
        .order(policy_versions::version.desc())
        .select((
            policy_versions::version,
            policy_versions::document,
            policy_versions::valid_from,
            policy_versions::valid_to,
            policy_versions::published_at,
            policy_versions::published_by_email,
        ))
        .load::<(i32, String, i64, i64, i64, Option<String>)>(conn)?
        .into_iter()
        .map(
            |(version, document, valid_from, valid_to, published_at, published_by)| PolicyVersion {
                version,
                document,
                valid_from,
                valid_to,
                published_at,
                published_by,
            },
        )
        .collect();
    Ok(PolicyDetail {
        summary: row.summary(group_name),
        description: row.description.clone(),
        document: row.document.clone(),
        draft_document: row.draft_document.clone(),
        versions,
        created_at: row.created_at,
        created_by,
    })
}

/// A published policy of `group_id`, as a partner of that group sees it (no drafts, no
/// revision in preparation, no authoring history). Anything else is "not found".
pub fn published_in_group(
    conn: &mut AnyConnection,
    group_id: &str,
    id: &str,
) -> AppResult<PolicyDetail> {
    let row = load_row(conn, id)?;
    if row.policy_group_id != group_id || row.status() != PolicyStatus::Published {
        return Err(AppError::not_found("The policy"));
    }
    let mut view = detail(conn, id)?;
    view.draft_document = None;
    view.summary.has_revision = false;
    view.created_by = None;
    view.versions.retain(|v| v.version == row.version);
    for v in &mut view.versions {
        v.published_by = None;
    }
    Ok(view)
}

/// Whether two documents say the same (as JSON values: spacing and key order do not count).
pub(super) fn same_document(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The diff the policy page shows: `to` defaults to the newest version and `from` to the one
/// before it; nothing with fewer than two versions or the same version twice.
pub fn diff_or_default(
    conn: &mut AnyConnection,
    id: &str,
    from: Option<i32>,
    to: Option<i32>,
) -> AppResult<Vec<DiffLine>> {
    let newest: Option<i32> = policy_versions::table
        .filter(policy_versions::policy_id.eq(id))
        .select(diesel::dsl::max(policy_versions::version))
        .first(conn)?;
    let Some(newest) = newest else {
        return Ok(Vec::new());
    };
    let to = to.unwrap_or(newest);
    let from = from.unwrap_or((newest - 1).max(1));
    if from == to {
        return Ok(Vec::new());
    }
    diff(conn, id, from, to)
}

/// Line diff between two published versions (`from` -> `to`).
pub fn diff(conn: &mut AnyConnection, id: &str, from: i32, to: i32) -> AppResult<Vec<DiffLine>> {
    let mut load = |v: i32| -> AppResult<String> {
        policy_versions::table
            .find((id, v))
            .select(policy_versions::document)
            .first(conn)
            .optional()?
            .ok_or_else(|| AppError::not_found(&format!("Version {v}")))
    };
    let (old, new) = (load(from)?, load(to)?);
    Ok(diff_text(&old, &new))
}

/// Line diff of two texts.
pub fn diff_text(old: &str, new: &str) -> Vec<DiffLine> {
    similar::TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|c| DiffLine {
            op: match c.tag() {
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
                similar::ChangeTag::Equal => ' ',
            },
            text: c.value().trim_end_matches(['\n', '\r']).to_string(),
        })
        .collect()
}
