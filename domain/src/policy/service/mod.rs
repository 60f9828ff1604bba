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

mod create;
mod edit;
mod lifecycle;
mod list;
mod read;
pub use create::*;
pub use edit::*;
pub use lifecycle::*;
pub use list::*;
pub use read::*;

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
