//! Creating policies (and finding one by name, as MOSIP's calls do).

use super::*;

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
pub(super) fn create_with(
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
