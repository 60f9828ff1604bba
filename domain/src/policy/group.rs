//! Policy groups: a partner of a policy-bound type joins one, and sees the published policies
//! of its group. Create, edit the description, deactivate (only when no draft or published
//! policy is left in it) and reactivate; list with policy and partner counts.

use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::device::shared::unique_or;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::page::{self, Page};
use crate::partner::PolicyGroupOption;
use crate::policy::{PolicyGroupQuery, PolicyGroupRow, PolicyStatus};
use crate::schema::{partners, policies, policy_groups};
use diesel::prelude::*;
use serde_json::json;

pub use crate::policy::{
    MAX_GROUP_DESCRIPTION_LEN as MAX_DESCRIPTION_LEN, MAX_GROUP_NAME_LEN as MAX_NAME_LEN,
};

/// Create a policy group (name unique, <= 128; description <= 256).
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    name: &str,
    description: &str,
) -> AppResult<PolicyGroupOption> {
    let mut errs = crate::error::FieldErrors::new();
    let name = errs.take(crate::policy::check_group_name(name));
    let description = errs.take(crate::policy::check_description(
        description,
        MAX_DESCRIPTION_LEN,
    ));
    errs.finish()?;
    let (Some(name), Some(description)) = (name, description) else {
        return Err(AppError::internal());
    };
    let (name, description) = (name.as_str(), description.as_str());
    crate::db::write_tx(conn, |conn| {
        let taken: i64 = policy_groups::table
            .filter(policy_groups::name.eq(name))
            .count()
            .get_result(conn)?;
        const TAKEN: &str = "A policy group with this name already exists.";
        if taken > 0 {
            return Err(
                AppError::new(ErrorKind::Conflict, "PMS_POLICY_GROUP_NAME_TAKEN", TAKEN)
                    .with_field("name"),
            );
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
            .execute(conn)
            // Another creation of the name committed between the check and this insert.
            .map_err(|e| unique_or(e, "name", "PMS_POLICY_GROUP_NAME_TAKEN", TAKEN))?;
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

/// The id of the policy group of that name (active or not).
pub fn id_by_name(conn: &mut AnyConnection, name: &str) -> AppResult<Option<String>> {
    Ok(policy_groups::table
        .filter(policy_groups::name.eq(name.trim()))
        .select(policy_groups::id)
        .first(conn)
        .optional()?)
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

fn load(conn: &mut AnyConnection, id: &str) -> AppResult<(String, String, bool)> {
    policy_groups::table
        .find(id)
        .select((
            policy_groups::name,
            policy_groups::description,
            policy_groups::active,
        ))
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("The policy group"))
}

/// Change a group's description.
pub fn update_description(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    description: &str,
) -> AppResult<PolicyGroupRow> {
    let description = crate::policy::check_description(description, MAX_DESCRIPTION_LEN)?;
    crate::db::write_tx(conn, |conn| {
        let (_, before, _) = load(conn, id)?;
        diesel::update(policy_groups::table.find(id))
            .set((
                policy_groups::description.eq(&description),
                policy_groups::updated_at.eq(clock::now_ms()),
                policy_groups::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            "POLICY_GROUP_UPDATED",
            "policy_group",
            id,
            json!({ "before": { "description": before }, "after": { "description": description } }),
        )
    })?;
    get(conn, id)
}

/// Deactivate (`active = false`) or reactivate a group. Deactivation is refused while the group
/// has draft or published policies, naming how many.
pub fn set_active(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    active: bool,
) -> AppResult<PolicyGroupRow> {
    crate::db::write_tx(conn, |conn| {
        // Lock the group row first (a no-op update), so a policy being created in it commits
        // before the count below or sees the group inactive (see policy::active_group).
        diesel::update(policy_groups::table.find(id))
            .set(policy_groups::updated_at.eq(policy_groups::updated_at))
            .execute(conn)?;
        let (name, _, was) = load(conn, id)?;
        if was == active {
            return Err(AppError::new(
                ErrorKind::Conflict,
                if active {
                    "PMS_POLICY_GROUP_ALREADY_ACTIVE"
                } else {
                    "PMS_POLICY_GROUP_ALREADY_INACTIVE"
                },
                if active {
                    "This policy group is already active."
                } else {
                    "This policy group is already deactivated."
                },
            ));
        }
        if !active {
            let live: Vec<(String, i64)> = policies::table
                .filter(policies::policy_group_id.eq(id))
                .filter(policies::status.ne(PolicyStatus::Deactivated.as_str()))
                .group_by(policies::status)
                .select((policies::status, diesel::dsl::count_star()))
                .load(conn)?;
            let n = |s: PolicyStatus| {
                live.iter()
                    .find(|(k, _)| k == s.as_str())
                    .map_or(0, |(_, n)| *n)
            };
            let (drafts, published) = (n(PolicyStatus::Draft), n(PolicyStatus::Published));
            if drafts + published > 0 {
                return Err(AppError::new(
                    ErrorKind::Conflict,
                    "PMS_POLICY_GROUP_HAS_POLICIES",
                    format!(
                        "\u{201c}{name}\u{201d} still has {published} published and {drafts} draft policies; deactivate the published ones and delete the drafts first."
                    ),
                ));
            }
        }
        diesel::update(policy_groups::table.find(id))
            .set((
                policy_groups::active.eq(active),
                policy_groups::updated_at.eq(clock::now_ms()),
                policy_groups::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            if active {
                "POLICY_GROUP_REACTIVATED"
            } else {
                "POLICY_GROUP_DEACTIVATED"
            },
            "policy_group",
            id,
            json!({ "before": { "active": was }, "after": { "active": active } }),
        )
    })?;
    get(conn, id)
}

type GroupColumns = (String, String, String, bool, i64, i64);

crate::db::columns_fn! {
    fn group_columns() -> (
        policy_groups::id,
        policy_groups::name,
        policy_groups::description,
        policy_groups::active,
        policy_groups::created_at,
        policy_groups::updated_at,
    )
}

/// One group with its counts.
pub fn get(conn: &mut AnyConnection, id: &str) -> AppResult<PolicyGroupRow> {
    let row: GroupColumns = policy_groups::table
        .find(id)
        .select(group_columns())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("The policy group"))?;
    Ok(with_counts(conn, vec![row])?.remove(0))
}

/// Counts for the rows of one page: grouped counts over the page's ids (indexed by group).
fn with_counts(
    conn: &mut AnyConnection,
    rows: Vec<GroupColumns>,
) -> AppResult<Vec<PolicyGroupRow>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let by_status: Vec<(String, String, i64)> = policies::table
        .filter(policies::policy_group_id.eq_any(&ids))
        .group_by((policies::policy_group_id, policies::status))
        .select((
            policies::policy_group_id,
            policies::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let partner_counts: Vec<(Option<String>, i64)> = partners::table
        .filter(partners::policy_group_id.eq_any(&ids))
        .group_by(partners::policy_group_id)
        .select((partners::policy_group_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, description, active, created_at, updated_at)| {
            let mine = by_status.iter().filter(|(g, _, _)| *g == id);
            let policies = mine.clone().map(|(_, _, n)| n).sum();
            let live_policies = mine
                .filter(|(_, s, _)| s != PolicyStatus::Deactivated.as_str())
                .map(|(_, _, n)| n)
                .sum();
            let partners = partner_counts
                .iter()
                .find(|(g, _)| g.as_deref() == Some(id.as_str()))
                .map_or(0, |(_, n)| *n);
            PolicyGroupRow {
                id,
                name,
                description,
                active,
                policies,
                live_policies,
                partners,
                created_at,
                updated_at,
            }
        })
        .collect())
}

/// Groups, paged, sorted and filtered on the server.
pub fn list(conn: &mut AnyConnection, query: &PolicyGroupQuery) -> AppResult<Page<PolicyGroupRow>> {
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
    let pattern = page::search_pattern(query.q.as_deref())?;
    let phrase = crate::search::phrase(conn, query.q.as_deref());
    let filtered = || {
        let mut q = policy_groups::table.into_boxed();
        match query.state.as_deref() {
            Some("active") => q = q.filter(policy_groups::active.eq(true)),
            Some("inactive") => q = q.filter(policy_groups::active.eq(false)),
            _ => {}
        }
        if let Some(phrase) = &phrase {
            q = q.filter(crate::search::matching(
                crate::search::Index::PolicyGroups,
                phrase,
            ));
        } else if let Some(pattern) = &pattern {
            q = q.filter(
                crate::account::lower(policy_groups::name)
                    .like(pattern.clone())
                    .escape('\\'),
            );
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let q = match query.sort.as_deref().unwrap_or("name") {
        "-name" => filtered().order(policy_groups::name.desc()),
        "created" => filtered().order((policy_groups::created_at.asc(), policy_groups::id.asc())),
        "-created" => {
            filtered().order((policy_groups::created_at.desc(), policy_groups::id.desc()))
        }
        "updated" => filtered().order((policy_groups::updated_at.asc(), policy_groups::id.asc())),
        "-updated" => {
            filtered().order((policy_groups::updated_at.desc(), policy_groups::id.desc()))
        }
        _ => filtered().order(policy_groups::name.asc()),
    };
    let rows: Vec<GroupColumns> = q
        .select(group_columns())
        .limit(size)
        .offset(offset)
        .load(conn)?;
    Ok(Page::new(with_counts(conn, rows)?, total, page_no, size))
}
