//! Policy use cases: author drafts, publish versions, revise, deactivate, clone, list.
//! Every change writes an audit row and a POLICY_UPDATED event in its own transaction.

use super::validate;
use super::{
    check_description, check_policy_name, check_policy_type, DiffLine, PolicyDetail, PolicyList,
    PolicyQuery, PolicyStatus, PolicySummary, PolicyType, PolicyVersion,
    MAX_POLICY_DESCRIPTION_LEN,
};
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::page::{self, Page};
use crate::schema::{accounts, policies, policy_counts, policy_groups, policy_versions};
use diesel::prelude::*;
use serde_json::json;

/// Topic of policy events for downstream services.
pub const POLICY_UPDATED: &str = "POLICY_UPDATED";
/// Longest validity a publication may set.
pub const MAX_VALIDITY_MS: i64 = 10 * 366 * 24 * 3600 * 1000;

/// What an author submits to create a draft.
#[derive(Clone, Debug, Default)]
pub struct PolicyInput {
    /// Group id.
    pub group_id: String,
    /// Name (unique in the group).
    pub name: String,
    /// Description.
    pub description: String,
    /// Type (stored spelling).
    pub policy_type: String,
    /// Document text (JSON).
    pub document: String,
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = policies)]
struct PolicyRow {
    id: String,
    policy_group_id: String,
    name: String,
    description: String,
    policy_type: String,
    status: String,
    document: String,
    draft_document: Option<String>,
    version: i32,
    valid_from: Option<i64>,
    valid_to: Option<i64>,
    created_at: i64,
    updated_at: i64,
    created_by: Option<String>,
}

impl PolicyRow {
    fn status(&self) -> PolicyStatus {
        PolicyStatus::parse(&self.status).unwrap_or(PolicyStatus::Deactivated)
    }

    fn kind(&self) -> AppResult<PolicyType> {
        PolicyType::parse(&self.policy_type).ok_or_else(|| {
            tracing::error!(policy = %self.id, kind = %self.policy_type, "unknown stored policy type");
            AppError::internal()
        })
    }

    fn summary(&self, group_name: String) -> PolicySummary {
        PolicySummary {
            id: self.id.clone(),
            name: self.name.clone(),
            policy_type: PolicyType::parse(&self.policy_type).unwrap_or(PolicyType::Auth),
            status: self.status(),
            group_id: self.policy_group_id.clone(),
            group_name,
            version: self.version,
            has_revision: self.draft_document.is_some(),
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            updated_at: self.updated_at,
        }
    }
}

fn load_row(conn: &mut AnyConnection, id: &str) -> AppResult<PolicyRow> {
    policies::table
        .find(id)
        .select(PolicyRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("The policy"))
}

/// An active group by id, or a field error on `group_id`. The group row is locked for the
/// rest of the transaction (a no-op update), so a concurrent deactivation either waits for
/// this transaction and then sees its policy, or commits first and this one sees the group
/// inactive (on PostgreSQL; SQLite write transactions are serialised anyway).
fn active_group(conn: &mut AnyConnection, id: &str) -> AppResult<String> {
    diesel::update(
        policy_groups::table
            .filter(policy_groups::id.eq(id.trim()))
            .filter(policy_groups::active.eq(true)),
    )
    .set(policy_groups::updated_at.eq(policy_groups::updated_at))
    .execute(conn)?;
    let found: Option<(String, bool)> = policy_groups::table
        .find(id.trim())
        .select((policy_groups::name, policy_groups::active))
        .first(conn)
        .optional()?;
    match found {
        None => Err(AppError::validation(
            "group_id",
            "PMS_POLICY_GROUP_NOT_FOUND",
            "Choose an existing policy group.",
        )),
        Some((name, false)) => Err(AppError::validation(
            "group_id",
            "PMS_POLICY_GROUP_INACTIVE",
            format!(
                "The policy group \u{201c}{name}\u{201d} is deactivated; choose an active group."
            ),
        )),
        Some((name, true)) => Ok(name),
    }
}

fn ensure_name_free(
    conn: &mut AnyConnection,
    group_id: &str,
    name: &str,
    except: Option<&str>,
) -> AppResult<()> {
    let mut q = policies::table
        .filter(policies::policy_group_id.eq(group_id))
        .filter(policies::name.eq(name))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(policies::id.ne(id));
    }
    let taken: i64 = q.count().get_result(conn)?;
    if taken > 0 {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_POLICY_NAME_TAKEN",
            "A policy with this name already exists in the group.",
        )
        .with_field("name"));
    }
    Ok(())
}

/// The event payload of a policy (the reference's field names).
fn event_data(row: &PolicyRow, group_name: &str) -> serde_json::Value {
    let document: serde_json::Value =
        serde_json::from_str(&row.document).unwrap_or(serde_json::Value::Null);
    json!({
        "policyId": row.id,
        "policyName": row.name,
        "policyDescription": row.description,
        "policyType": row.policy_type,
        "policyStatus": row.status,
        "isActive": row.status() == PolicyStatus::Published,
        "version": row.version,
        "policyGroupId": row.policy_group_id,
        "policyGroupName": group_name,
        "policyCommenceOn": row.valid_from.map(clock::rfc3339),
        "policyExpiresOn": row.valid_to.map(clock::rfc3339),
        "policies": document,
    })
}

/// Audit + event for a change, inside the caller's transaction.
fn record(
    conn: &mut AnyConnection,
    actor: &Actor,
    action: &str,
    id: &str,
    details: serde_json::Value,
) -> AppResult<()> {
    audit::record(conn, actor, action, "policy", id, details)?;
    let row = load_row(conn, id)?;
    let group: String = policy_groups::table
        .find(&row.policy_group_id)
        .select(policy_groups::name)
        .first(conn)?;
    crate::outbox::enqueue(conn, POLICY_UPDATED, event_data(&row, &group))?;
    Ok(())
}

/// A concurrent insert of the same name in the group trips the unique index: report it as the
/// rule it is, on its field.
fn name_taken_on_unique(err: diesel::result::Error) -> AppError {
    use diesel::result::{DatabaseErrorKind, Error};
    match err {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => AppError::new(
            ErrorKind::Conflict,
            "PMS_POLICY_NAME_TAKEN",
            "A policy with this name already exists in the group.",
        )
        .with_field("name"),
        other => other.into(),
    }
}

/// A guarded update: applies only if the row still has the status (and revision state) read,
/// so two authors acting at once get one success and one clear conflict.
fn changed_meanwhile() -> AppError {
    AppError::new(
        ErrorKind::Conflict,
        "PMS_POLICY_CHANGED",
        "The policy was changed meanwhile; reload it and try again.",
    )
}

/// Validate a document for `kind` without storing anything (the editor's live check).
pub fn check_document(policy_type: &str, document: &str) -> AppResult<()> {
    let kind = check_policy_type(policy_type)?;
    validate::check(kind, document).map(|_| ())
}

/// A policy found by name: its id, group id and status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedPolicy {
    /// Id.
    pub id: String,
    /// Group id.
    pub group_id: String,
    /// Status.
    pub status: PolicyStatus,
}

/// The policy of that name, in `group_id` when given (names are unique within a group); the
/// first created when several groups use the name.
pub fn find_by_name(
    conn: &mut AnyConnection,
    group_id: Option<&str>,
    name: &str,
) -> AppResult<Option<NamedPolicy>> {
    let mut q = policies::table
        .filter(policies::name.eq(name.trim()))
        .into_boxed();
    if let Some(g) = group_id {
        q = q.filter(policies::policy_group_id.eq(g));
    }
    let row: Option<(String, String, String)> = q
        .order((policies::created_at.asc(), policies::id.asc()))
        .select((policies::id, policies::policy_group_id, policies::status))
        .first(conn)
        .optional()?;
    Ok(row.map(|(id, group_id, status)| NamedPolicy {
        id,
        group_id,
        status: PolicyStatus::parse(&status).unwrap_or(PolicyStatus::Deactivated),
    }))
}

/// Create a draft.
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: &PolicyInput,
) -> AppResult<PolicyDetail> {
    let id = create_with(conn, actor, input, None)?;
    detail(conn, &id)
}

/// Create a draft in one transaction; `cloned_from` goes into its audit row.
fn create_with(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: &PolicyInput,
    cloned_from: Option<serde_json::Value>,
) -> AppResult<String> {
    // The form's fields together; the document's own problems (paths inside it) after.
    let mut errs = crate::error::FieldErrors::new();
    let name = errs.take(check_policy_name(&input.name));
    let description = errs.take(check_description(
        &input.description,
        MAX_POLICY_DESCRIPTION_LEN,
    ));
    let kind = errs.take(check_policy_type(&input.policy_type));
    errs.finish()?;
    let (Some(name), Some(description), Some(kind)) = (name, description, kind) else {
        return Err(AppError::internal());
    };
    let document = validate::pretty(&validate::check(kind, &input.document)?);
    crate::db::write_tx(conn, |conn| {
        active_group(conn, &input.group_id)?;
        let group_id = input.group_id.trim();
        ensure_name_free(conn, group_id, &name, None)?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = clock::now_ms();
        diesel::insert_into(policies::table)
            .values((
                policies::id.eq(&id),
                policies::policy_group_id.eq(group_id),
                policies::name.eq(&name),
                policies::description.eq(&description),
                policies::policy_type.eq(kind.as_str()),
                policies::status.eq(PolicyStatus::Draft.as_str()),
                policies::document.eq(&document),
                policies::version.eq(0),
                policies::created_at.eq(now),
                policies::updated_at.eq(now),
                policies::created_by.eq(actor.id.as_deref()),
                policies::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)
            .map_err(name_taken_on_unique)?;
        let mut details = json!({
            "after": { "name": name, "type": kind.as_str(), "group": group_id, "status": "DRAFT" }
        });
        let action = match cloned_from {
            Some(from) => {
                details["clonedFrom"] = from;
                "POLICY_CLONED"
            }
            None => "POLICY_CREATED",
        };
        record(conn, actor, action, &id, details)?;
        Ok(id)
    })
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
    crate::db::write_tx(conn, |conn| {
        let row = load_row(conn, id)?;
        let kind = row.kind()?;
        match (row.status(), row.draft_document.is_some()) {
            (PolicyStatus::Draft, _) => {
                let name = check_policy_name(name)?;
                let description = check_description(description, MAX_POLICY_DESCRIPTION_LEN)?;
                let document = validate::pretty(&validate::check(kind, document)?);
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
                )?;
            }
            (PolicyStatus::Published, true) => {
                if name.trim() != row.name || description.trim() != row.description {
                    return Err(AppError::validation(
                        "name",
                        "PMS_POLICY_PUBLISHED_NAME_FIXED",
                        "The name and description of a published policy cannot change; only its document is revised. Clone it to use another name.",
                    ));
                }
                let document = validate::pretty(&validate::check(kind, document)?);
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
                )?;
            }
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

/// Publish a draft as version 1, or a revision as the next version, valid from now to
/// `valid_to` (UTC ms).
pub fn publish(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    valid_to: i64,
) -> AppResult<PolicyDetail> {
    let now = clock::now_ms();
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
    crate::db::write_tx(conn, |conn| {
        let row = load_row(conn, id)?;
        let kind = row.kind()?;
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
        active_group(conn, &row.policy_group_id)?;
        // The schema may have tightened since the draft was saved.
        validate::check(kind, &document)?;
        let version = row.version + 1;
        let n = diesel::update(
            policies::table
                .find(id)
                .filter(policies::status.eq(&row.status))
                .filter(policies::version.eq(row.version))
                .filter(policies::updated_at.eq(row.updated_at)),
        )
        .set((
            policies::status.eq(PolicyStatus::Published.as_str()),
            policies::document.eq(&document),
            policies::draft_document.eq(None::<String>),
            policies::version.eq(version),
            policies::valid_from.eq(Some(now)),
            policies::valid_to.eq(Some(valid_to)),
            policies::updated_at.eq(now),
            policies::updated_by.eq(actor.id.as_deref()),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(changed_meanwhile());
        }
        diesel::insert_into(policy_versions::table)
            .values((
                policy_versions::policy_id.eq(id),
                policy_versions::version.eq(version),
                policy_versions::document.eq(&document),
                policy_versions::valid_from.eq(now),
                policy_versions::valid_to.eq(valid_to),
                policy_versions::published_at.eq(now),
                policy_versions::published_by.eq(actor.id.as_deref()),
                policy_versions::published_by_email.eq(actor.email.as_deref()),
            ))
            .execute(conn)?;
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
fn same_document(a: &str, b: &str) -> bool {
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

/// The policy list: filters and sort on policies' own indexed columns, group names joined for
/// the rows shown.
pub fn list(conn: &mut AnyConnection, query: &PolicyQuery) -> AppResult<PolicyList> {
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
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
    let pattern = page::search_pattern(query.q.as_deref())?;
    let phrase = crate::search::phrase(conn, query.q.as_deref());
    let filtered = || {
        let mut q = policies::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(policies::status.eq(s.as_str()));
        }
        if let Some(k) = kind {
            q = q.filter(policies::policy_type.eq(k.as_str()));
        }
        if let Some(g) = query.group.as_deref().filter(|g| !g.is_empty()) {
            q = q.filter(policies::policy_group_id.eq(g.to_string()));
        }
        if let Some(phrase) = &phrase {
            q = q.filter(crate::search::matching(
                crate::search::Index::Policies,
                phrase,
            ));
        } else if let Some(pattern) = &pattern {
            q = q.filter(
                crate::account::lower(policies::name)
                    .like(pattern.clone())
                    .escape('\\'),
            );
        }
        q
    };
    let counted: Vec<(String, String, i64)> = policy_counts::table
        .select((
            policy_counts::status,
            policy_counts::policy_type,
            policy_counts::n,
        ))
        .load(conn)?;
    let total: i64 = if query.group.as_deref().unwrap_or_default().is_empty()
        && query.q.as_deref().unwrap_or_default().trim().is_empty()
    {
        // Status and type filters take their total from the kept counts.
        counted
            .iter()
            .filter(|(s, t, _)| {
                status.is_none_or(|want| want.as_str() == s)
                    && kind.is_none_or(|want| want.as_str() == t)
            })
            .map(|(_, _, n)| n)
            .sum()
    } else {
        filtered().count().get_result(conn)?
    };
    let q = match query.sort.as_deref().unwrap_or("-updated") {
        "name" => filtered().order((policies::name.asc(), policies::id.asc())),
        "-name" => filtered().order((policies::name.desc(), policies::id.desc())),
        "type" => filtered().order((
            policies::policy_type.asc(),
            policies::updated_at.desc(),
            policies::id.desc(),
        )),
        "-type" => filtered().order((
            policies::policy_type.desc(),
            policies::updated_at.desc(),
            policies::id.desc(),
        )),
        "status" => filtered().order((
            policies::status.asc(),
            policies::updated_at.desc(),
            policies::id.desc(),
        )),
        "-status" => filtered().order((
            policies::status.desc(),
            policies::updated_at.desc(),
            policies::id.desc(),
        )),
        "updated" => filtered().order((policies::updated_at.asc(), policies::id.asc())),
        _ => filtered().order((policies::updated_at.desc(), policies::id.desc())),
    };
    // The page's ids come from an index; only those 50 rows are read.
    let ids: Vec<String> = q
        .select(policies::id)
        .limit(size)
        .offset(offset)
        .load(conn)?;
    let items = summaries(conn, &ids)?;
    let counts = PolicyStatus::ALL
        .iter()
        .map(|s| {
            let n = counted
                .iter()
                .filter(|(k, _, _)| k == s.as_str())
                .map(|(_, _, n)| *n)
                .sum();
            (*s, n)
        })
        .collect();
    Ok(PolicyList {
        page: Page {
            items,
            total,
            page: page_no,
            page_size: size,
        },
        counts,
    })
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
    Ok(Page {
        items,
        total,
        page: page_no,
        page_size: size,
    })
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
pub(super) fn summaries(conn: &mut AnyConnection, ids: &[String]) -> AppResult<Vec<PolicySummary>> {
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
