//! Editing drafts and revisions, and deleting a draft.

use super::*;

/// What an author submits when editing: name, description and document, as typed.
struct Edit<'a> {
    /// Name.
    name: &'a str,
    /// Description.
    description: &'a str,
    /// Document (JSON).
    document: &'a str,
}

/// Edit a draft (name, description, document) or the revision of a published policy
/// (document only).
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    name: &str,
    description: &str,
    document: &str,
) -> AppResult<PolicyDetail> {
    let edit = Edit {
        name,
        description,
        document,
    };
    crate::db::write_tx(conn, |conn| {
        let row = load_row(conn, id)?;
        let kind = row.kind()?;
        match (row.status(), row.draft_document.is_some()) {
            (PolicyStatus::Draft, _) => update_draft(conn, actor, id, &row, kind, &edit)?,
            (PolicyStatus::Published, true) => update_revision(conn, actor, id, &row, kind, &edit)?,
            (PolicyStatus::Published, false) => {
                return Err(AppError::new(
                    ErrorKind::Conflict,
                    "PMS_POLICY_NOT_EDITABLE",
                    "A published policy is not edited in place: start a revision, edit it, then publish it as the next version.",
                ))
            }
            (PolicyStatus::Deactivated, _) => {
                return Err(AppError::new(
                    ErrorKind::Conflict,
                    "PMS_POLICY_NOT_EDITABLE",
                    "A deactivated policy cannot be edited; clone it to make a new draft.",
                ))
            }
        }
        Ok(())
    })?;
    detail(conn, id)
}

/// Check and save a draft's name, description and document (guarded on the row as read),
/// with its audit row and event.
fn update_draft(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    row: &PolicyRow,
    kind: PolicyType,
    edit: &Edit<'_>,
) -> AppResult<()> {
    let name = check_policy_name(edit.name)?;
    let description = check_description(edit.description, MAX_POLICY_DESCRIPTION_LEN)?;
    let document = validate::pretty(&validate::check(kind, edit.document)?);
    ensure_name_free(conn, &row.policy_group_id, &name, Some(id))?;
    let n = diesel::update(
        policies::table
            .find(id)
            .filter(policies::status.eq(PolicyStatus::Draft.as_str()))
            .filter(policies::updated_at.eq(row.updated_at)),
    )
    .set((
        policies::name.eq(&name),
        policies::description.eq(&description),
        policies::document.eq(&document),
        policies::updated_at.eq(clock::now_ms()),
        policies::updated_by.eq(actor.id.as_deref()),
    ))
    .execute(conn)
    .map_err(name_taken_on_unique)?;
    if n == 0 {
        return Err(changed_meanwhile());
    }
    record(
        conn,
        actor,
        "POLICY_DRAFT_UPDATED",
        id,
        json!({
            "before": { "name": row.name, "description": row.description },
            "after": { "name": name, "description": description },
            "documentChanged": document != row.document,
        }),
    )
}

/// Check and save a published policy's revision (its document only: the name and
/// description are fixed), guarded on the row as read, with its audit row and event.
fn update_revision(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    row: &PolicyRow,
    kind: PolicyType,
    edit: &Edit<'_>,
) -> AppResult<()> {
    if edit.name.trim() != row.name || edit.description.trim() != row.description {
        return Err(AppError::validation(
            "name",
            "PMS_POLICY_PUBLISHED_NAME_FIXED",
            "The name and description of a published policy cannot change; only its document is revised. Clone it to use another name.",
        ));
    }
    let document = validate::pretty(&validate::check(kind, edit.document)?);
    let n = diesel::update(
        policies::table
            .find(id)
            .filter(policies::status.eq(PolicyStatus::Published.as_str()))
            .filter(policies::draft_document.is_not_null())
            .filter(policies::updated_at.eq(row.updated_at)),
    )
    .set((
        policies::draft_document.eq(Some(&document)),
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
        "POLICY_REVISION_UPDATED",
        id,
        json!({ "revisionOf": row.version }),
    )
}

/// Start a revision of a published policy: a draft of its next version, while the current
/// version stays live.
pub fn start_revision(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<PolicyDetail> {
    crate::db::write_tx(conn, |conn| {
        let row = load_row(conn, id)?;
        if row.status() != PolicyStatus::Published {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_POLICY_REVISION_INVALID",
                match row.status() {
                    PolicyStatus::Draft => {
                        "A draft is edited directly; it has no revisions until it is published."
                    }
                    _ => "A deactivated policy cannot be revised; clone it to make a new draft.",
                },
            ));
        }
        if row.draft_document.is_some() {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_POLICY_REVISION_EXISTS",
                "A revision of this policy is already being prepared; edit or discard it.",
            ));
        }
        let n = diesel::update(
            policies::table
                .find(id)
                .filter(policies::status.eq(PolicyStatus::Published.as_str()))
                .filter(policies::draft_document.is_null()),
        )
        .set((
            policies::draft_document.eq(Some(&row.document)),
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
            "POLICY_REVISION_STARTED",
            id,
            json!({ "from": row.version }),
        )
    })?;
    detail(conn, id)
}

/// Delete a draft, or discard the revision of a published policy. Returns true when the policy
/// itself was deleted.
pub fn delete_draft(conn: &mut AnyConnection, actor: &Actor, id: &str) -> AppResult<bool> {
    crate::db::write_tx(conn, |conn| {
        let row = load_row(conn, id)?;
        match (row.status(), row.draft_document.is_some()) {
            (PolicyStatus::Draft, _) => {
                // The event and audit row describe the draft before it goes.
                record(
                    conn,
                    actor,
                    "POLICY_DELETED",
                    id,
                    json!({ "before": { "name": row.name, "type": row.policy_type, "status": "DRAFT" } }),
                )?;
                let n = diesel::delete(
                    policies::table
                        .find(id)
                        .filter(policies::status.eq(PolicyStatus::Draft.as_str())),
                )
                .execute(conn)?;
                if n == 0 {
                    return Err(changed_meanwhile());
                }
                Ok(true)
            }
            (PolicyStatus::Published, true) => {
                let n = diesel::update(
                    policies::table
                        .find(id)
                        .filter(policies::draft_document.is_not_null())
                        .filter(policies::updated_at.eq(row.updated_at)),
                )
                .set((
                    policies::draft_document.eq(None::<String>),
                    policies::updated_at.eq(clock::now_ms()),
                    policies::updated_by.eq(actor.id.as_deref()),
                ))
                .execute(conn)?;
                if n == 0 {
                    return Err(changed_meanwhile());
                }
                record(conn, actor, "POLICY_REVISION_DISCARDED", id, json!({}))?;
                Ok(false)
            }
            _ => Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_POLICY_NOT_DRAFT",
                "Only drafts can be deleted; deactivate a published policy instead.",
            )),
        }
    })
}
