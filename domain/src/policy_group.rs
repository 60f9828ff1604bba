//! Policy groups: the partner side needs them to exist (a partner of a policy-bound type joins
//! one). Creation rules live here; the authoring screens come with the policy feature.

use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::partner::PolicyGroupOption;
use crate::schema::policy_groups;
use diesel::prelude::*;
use serde_json::json;

/// Longest group name.
pub const MAX_NAME_LEN: usize = 128;
/// Longest description.
pub const MAX_DESCRIPTION_LEN: usize = 256;

/// Create a policy group (name unique, <= 128; description <= 256).
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    name: &str,
    description: &str,
) -> AppResult<PolicyGroupOption> {
    let name = name.trim();
    let description = description.trim();
    if name.is_empty() {
        return Err(AppError::validation(
            "name",
            "PMS_POLICY_GROUP_NAME_REQUIRED",
            "Name is required.",
        ));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(AppError::validation(
            "name",
            "PMS_POLICY_GROUP_NAME_TOO_LONG",
            format!("Name must be at most {MAX_NAME_LEN} characters."),
        ));
    }
    if description.chars().count() > MAX_DESCRIPTION_LEN {
        return Err(AppError::validation(
            "description",
            "PMS_POLICY_GROUP_DESCRIPTION_TOO_LONG",
            format!("Description must be at most {MAX_DESCRIPTION_LEN} characters."),
        ));
    }
    crate::db::write_tx(conn, |conn| {
        let taken: i64 = policy_groups::table
            .filter(policy_groups::name.eq(name))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_POLICY_GROUP_NAME_TAKEN",
                "A policy group with this name already exists.",
            )
            .with_field("name"));
        }
        let now = clock::now_ms();
        let id = uuid::Uuid::new_v4().to_string();
        diesel::insert_into(policy_groups::table)
            .values((
                policy_groups::id.eq(&id),
                policy_groups::name.eq(name),
                policy_groups::description.eq(description),
                policy_groups::active.eq(true),
                policy_groups::created_at.eq(now),
                policy_groups::updated_at.eq(now),
                policy_groups::created_by.eq(actor.id.as_deref()),
                policy_groups::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            "POLICY_GROUP_CREATED",
            "policy_group",
            &id,
            json!({ "after": { "name": name, "description": description, "active": true } }),
        )?;
        Ok(PolicyGroupOption {
            id,
            name: name.to_string(),
            description: description.to_string(),
        })
    })
}

/// Active policy groups, by name (what a partner may choose).
pub fn active_options(conn: &mut AnyConnection) -> AppResult<Vec<PolicyGroupOption>> {
    Ok(policy_groups::table
        .filter(policy_groups::active.eq(true))
        .order(policy_groups::name.asc())
        .select((
            policy_groups::id,
            policy_groups::name,
            policy_groups::description,
        ))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, description)| PolicyGroupOption {
            id,
            name,
            description,
        })
        .collect())
}
