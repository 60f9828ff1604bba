//! Publishing, deactivating and cloning policies.

use super::*;

/// Publish a draft as version 1, or a revision as the next version, valid from now to
/// `valid_to` (UTC ms).
pub fn publish(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    valid_to: i64,
) -> AppResult<PolicyDetail> {
    let now = clock::now_ms();
    check_valid_to(valid_to, now)?;
    crate::db::write_tx(conn, |conn| {
        let row = load_row(conn, id)?;
        let kind = row.kind()?;
        let (document, had_revision) = publishable_document(&row)?;
        active_group(conn, &row.policy_group_id)?;
        // The schema may have tightened since the draft was saved.
        validate::check(kind, &document)?;
        let version = row.version + 1;
        set_published(conn, actor, id, &row, &document, now, valid_to)?;
        insert_version(conn, actor, id, version, &document, now, valid_to)?;
        record(
            conn,
            actor,
            "POLICY_PUBLISHED",
            id,
            json!({
                "before": { "status": row.status, "version": row.version },
                "after": { "status": "PUBLISHED", "version": version, "validTo": clock::rfc3339(valid_to) },
                "revision": had_revision,
            }),
        )
    })?;
    detail(conn, id)
}

/// The end of validity must be in the future and at most 10 years away.
fn check_valid_to(valid_to: i64, now: i64) -> AppResult<()> {
    if valid_to <= now {
        return Err(AppError::validation(
            "valid_to",
            "PMS_POLICY_VALID_TO_PAST",
            "The end of validity must be in the future.",
        ));
    }
    if valid_to > now + MAX_VALIDITY_MS {
        return Err(AppError::validation(
            "valid_to",
            "PMS_POLICY_VALID_TO_TOO_FAR",
            "A policy can be published for at most 10 years.",
        ));
    }
    Ok(())
}

/// The document to publish and whether it is a revision: a draft's document, or a published
/// policy's revision when it differs from the live version.
fn publishable_document(row: &PolicyRow) -> AppResult<(String, bool)> {
    let (document, had_revision) = match (row.status(), row.draft_document.clone()) {
        (PolicyStatus::Draft, _) => (row.document.clone(), false),
        (PolicyStatus::Published, Some(revision)) => (revision, true),
        (PolicyStatus::Published, None) => {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_POLICY_ALREADY_PUBLISHED",
                format!(
                    "Version {} of this policy is already published; start a revision to publish a new version.",
                    row.version
                ),
            ))
        }
        (PolicyStatus::Deactivated, _) => {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_POLICY_DEACTIVATED",
                "A deactivated policy cannot be published again; clone it to make a new draft.",
            ))
        }
    };
    if had_revision && same_document(&document, &row.document) {
        return Err(AppError::validation(
            "document",
            "PMS_POLICY_REVISION_UNCHANGED",
            format!(
                "This revision is identical to the live version {}; change the document before publishing it, or discard the revision.",
                row.version
            ),
        ));
    }
    Ok((document, had_revision))
}

/// Make the policy row published as its next version with `document` (the revision is
/// dropped). Guarded on the row as read: a change meanwhile is a conflict.
fn set_published(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    row: &PolicyRow,
    document: &str,
    now: i64,
    valid_to: i64,
) -> AppResult<()> {
    let n = diesel::update(
        policies::table
            .find(id)
            .filter(policies::status.eq(&row.status))
            .filter(policies::version.eq(row.version))
            .filter(policies::updated_at.eq(row.updated_at)),
    )
    .set((
        policies::status.eq(PolicyStatus::Published.as_str()),
        policies::document.eq(document),
        policies::draft_document.eq(None::<String>),
        policies::version.eq(row.version + 1),
        policies::valid_from.eq(Some(now)),
        policies::valid_to.eq(Some(valid_to)),
        policies::updated_at.eq(now),
        policies::updated_by.eq(actor.id.as_deref()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(changed_meanwhile());
    }
    Ok(())
}

/// Keep the published version (immutable) in `policy_versions`.
fn insert_version(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    version: i32,
    document: &str,
    now: i64,
    valid_to: i64,
) -> AppResult<()> {
    diesel::insert_into(policy_versions::table)
        .values((
            policy_versions::policy_id.eq(id),
            policy_versions::version.eq(version),
            policy_versions::document.eq(document),
            policy_versions::valid_from.eq(now),
            policy_versions::valid_to.eq(valid_to),
            policy_versions::published_at.eq(now),
            policy_versions::published_by.eq(actor.id.as_deref()),
            policy_versions::published_by_email.eq(actor.email.as_deref()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deactivate a published policy (a pending revision is dropped with it).
pub fn deactivate(conn: &mut AnyConnection, actor: &Actor, id: &str) -> AppResult<PolicyDetail> {
    crate::db::write_tx(conn, |conn| {
        let row = load_row(conn, id)?;
        match row.status() {
            PolicyStatus::Published => {}
            PolicyStatus::Draft => {
                return Err(AppError::new(
                    ErrorKind::Conflict,
                    "PMS_POLICY_NOT_PUBLISHED",
                    "A draft is not in use; delete it instead of deactivating it.",
                ))
            }
            PolicyStatus::Deactivated => {
                return Err(AppError::new(
                    ErrorKind::Conflict,
                    "PMS_POLICY_ALREADY_DEACTIVATED",
                    "This policy is already deactivated.",
                ))
            }
        }
        // Partners that asked for it or use it would silently lose access.
        let live: i64 = crate::schema::policy_requests::table
            .filter(crate::schema::policy_requests::policy_id.eq(id))
            .filter(crate::schema::policy_requests::status.eq_any(["PENDING", "APPROVED"]))
            .count()
            .get_result(conn)?;
        if live > 0 {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_POLICY_IN_USE",
                format!(
                    "Partners depend on this policy ({live} request(s) pending or approved), \
                     so it cannot be deactivated."
                ),
            ));
        }
        let n = diesel::update(
            policies::table
                .find(id)
                .filter(policies::status.eq(PolicyStatus::Published.as_str())),
        )
        .set((
            policies::status.eq(PolicyStatus::Deactivated.as_str()),
            policies::draft_document.eq(None::<String>),
            policies::updated_at.eq(clock::now_ms()),
            policies::updated_by.eq(actor.id.as_deref()),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(changed_meanwhile());
        }
        record(
            conn,
            actor,
            "POLICY_DEACTIVATED",
            id,
            json!({ "before": { "status": "PUBLISHED" }, "after": { "status": "DEACTIVATED" } }),
        )
    })?;
    detail(conn, id)
}

/// Clone a policy into a new draft in an active group (the same or another), under a new
/// name. The clone keeps the document (the live version of a published policy); asked for
/// another type, it starts from that type's template, since a document belongs to one schema.
pub fn clone_policy(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    group_id: &str,
    name: &str,
    policy_type: Option<&str>,
) -> AppResult<PolicyDetail> {
    let source = load_row(conn, id)?;
    let source_kind = source.kind()?;
    let kind = match policy_type.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => check_policy_type(t)?,
        None => source_kind,
    };
    let document = if kind == source_kind {
        source.document.clone()
    } else {
        kind.template().to_string()
    };
    let input = PolicyInput {
        group_id: group_id.to_string(),
        name: name.to_string(),
        description: source.description.clone(),
        policy_type: kind.as_str().to_string(),
        document,
    };
    let from = json!({ "id": source.id, "name": source.name, "version": source.version, "type": source.policy_type });
    let id = create_with(conn, actor, &input, Some(from))?;
    detail(conn, &id)
}
