//! Server functions for policy groups and policies. Authoring is for operators (policy
//! managers and partner admins); a partner reads only the published policies of its own group,
//! looked up from its account on the server, never from an id the browser sends.

use domain::page::Page;
use domain::partner::PolicyGroupOption;
use domain::policy::{
    DiffLine, PolicyDetail, PolicyGroupQuery, PolicyGroupRow, PolicyList, PolicyQuery,
    PolicySummary,
};
use domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::guard::{self, fail, Caller};
#[cfg(feature = "ssr")]
use domain::Role;

/// Policy groups with their counts (operators).
#[server(endpoint = "policy_groups")]
pub async fn list_policy_groups(
    #[server(default)] query: PolicyGroupQuery,
) -> Result<Page<PolicyGroupRow>, AppError> {
    guard::call(&Role::OPERATOR, move |conn, _| {
        domain::policy::group::list(conn, &query)
    })
    .await
}

/// Active groups, for pickers (operators).
#[server(endpoint = "policy_groups/options")]
pub async fn get_policy_group_options() -> Result<Vec<PolicyGroupOption>, AppError> {
    guard::call(&Role::OPERATOR, |conn, _| {
        domain::policy::group::active_options(conn)
    })
    .await
}

/// Create a group.
#[server(endpoint = "policy_groups/create")]
pub async fn create_policy_group(
    name: String,
    #[server(default)] description: String,
) -> Result<PolicyGroupOption, AppError> {
    guard::call(&Role::OPERATOR, move |conn, me| {
        domain::policy::group::create(conn, &me.actor, &name, &description)
    })
    .await
}

/// Change a group's description.
#[server(endpoint = "policy_groups/update")]
pub async fn update_policy_group(
    id: String,
    #[server(default)] description: String,
) -> Result<PolicyGroupRow, AppError> {
    guard::call(&Role::OPERATOR, move |conn, me| {
        domain::policy::group::update_description(conn, &me.actor, &id, &description)
    })
    .await
}

/// Deactivate (`active=false`) or reactivate a group.
#[server(endpoint = "policy_groups/set_active")]
pub async fn set_policy_group_active(id: String, active: bool) -> Result<PolicyGroupRow, AppError> {
    guard::call(&Role::OPERATOR, move |conn, me| {
        domain::policy::group::set_active(conn, &me.actor, &id, active)
    })
    .await
}

/// Policies, filtered, sorted and paged (operators).
#[server(endpoint = "policies")]
pub async fn list_policies(#[server(default)] query: PolicyQuery) -> Result<PolicyList, AppError> {
    guard::list::<domain::policy::Policies>(query).await
}

/// One policy with its versions (operators).
#[server(endpoint = "policies/detail")]
pub async fn get_policy(id: String) -> Result<PolicyDetail, AppError> {
    guard::call(&Role::OPERATOR, move |conn, _| {
        domain::policy::detail(conn, &id)
    })
    .await
}

/// Check a document against its type's schema without saving (the editor's live check).
/// Ok means valid; the error lists every violation in `details`.
#[server(endpoint = "policies/validate")]
pub async fn validate_policy(policy_type: String, document: String) -> Result<(), AppError> {
    Caller::with_role(&Role::OPERATOR)?;
    domain::policy::check_document(&policy_type, &document).map_err(fail)
}

/// Create a draft.
#[server(endpoint = "policies/create")]
pub async fn create_policy(
    group_id: String,
    name: String,
    #[server(default)] description: String,
    policy_type: String,
    document: String,
) -> Result<PolicyDetail, AppError> {
    let input = domain::policy::PolicyInput {
        group_id,
        name,
        description,
        policy_type,
        document,
    };
    let created = guard::call(&Role::OPERATOR, move |conn, me| {
        domain::policy::create(conn, &me.actor, &input)
    })
    .await?;
    leptos_axum::redirect(&format!("/policies/{}?saved=created", created.summary.id));
    Ok(created)
}

/// Save a draft, or the revision of a published policy.
#[server(endpoint = "policies/update")]
pub async fn update_policy(
    id: String,
    name: String,
    #[server(default)] description: String,
    document: String,
) -> Result<PolicyDetail, AppError> {
    guard::call(&Role::OPERATOR, move |conn, me| {
        domain::policy::update(conn, &me.actor, &id, &name, &description, &document)
    })
    .await
}

/// Start a revision of a published policy.
#[server(endpoint = "policies/revise")]
pub async fn revise_policy(id: String) -> Result<PolicyDetail, AppError> {
    guard::call(&Role::OPERATOR, move |conn, me| {
        domain::policy::start_revision(conn, &me.actor, &id)
    })
    .await
}

/// Delete a draft or discard a revision. True when the policy itself was deleted.
#[server(endpoint = "policies/delete")]
pub async fn delete_policy(id: String) -> Result<bool, AppError> {
    guard::call(&Role::OPERATOR, move |conn, me| {
        domain::policy::delete_draft(conn, &me.actor, &id)
    })
    .await
}

/// Publish a draft or revision, valid until the end of `valid_to` (YYYY-MM-DD, UTC).
#[server(endpoint = "policies/publish")]
pub async fn publish_policy(id: String, valid_to: String) -> Result<PolicyDetail, AppError> {
    let me = Caller::with_role(&Role::OPERATOR)?;
    let until = crate::util::end_of_day_ms(&valid_to).ok_or_else(|| {
        fail(AppError::validation(
            "valid_to",
            "PMS_POLICY_VALID_TO_INVALID",
            "Give the end of validity as a date (YYYY-MM-DD).",
        ))
    })?;
    guard::open(move |conn| domain::policy::publish(conn, &me.actor, &id, until)).await
}

/// Deactivate a published policy.
#[server(endpoint = "policies/deactivate")]
pub async fn deactivate_policy(id: String) -> Result<PolicyDetail, AppError> {
    guard::call(&Role::OPERATOR, move |conn, me| {
        domain::policy::deactivate(conn, &me.actor, &id)
    })
    .await
}

/// Clone into a new draft (same or another active group, new name, optionally another type).
#[server(endpoint = "policies/clone")]
pub async fn clone_policy(
    id: String,
    group_id: String,
    name: String,
    #[server(default)] policy_type: Option<String>,
) -> Result<PolicyDetail, AppError> {
    let created = guard::call(&Role::OPERATOR, move |conn, me| {
        domain::policy::clone_policy(
            conn,
            &me.actor,
            &id,
            &group_id,
            &name,
            policy_type.as_deref(),
        )
    })
    .await?;
    leptos_axum::redirect(&format!("/policies/{}?saved=cloned", created.summary.id));
    Ok(created)
}

/// Line diff between two published versions.
#[server(endpoint = "policies/diff")]
pub async fn diff_policy_versions(
    id: String,
    #[server(default)] from: Option<i32>,
    #[server(default)] to: Option<i32>,
) -> Result<Vec<DiffLine>, AppError> {
    guard::call(&Role::OPERATOR, move |conn, _| {
        domain::policy::diff_or_default(conn, &id, from, to)
    })
    .await
}

/// The published policies of the caller's own policy group (partners); None while the
/// partner is not approved or has no policy group.
#[server(endpoint = "policies/mine")]
pub async fn my_policies(
    #[server(default)] page: Option<i64>,
) -> Result<Option<Page<PolicySummary>>, AppError> {
    guard::call(
        &Role::PARTNER,
        move |conn, me| match domain::policy::group_of_partner_account(conn, &me.user.id)? {
            Some(group) => domain::policy::published_of_group(conn, &group, page).map(Some),
            None => Ok(None),
        },
    )
    .await
}

/// One published policy of the caller's own group (partners); anything else is not found.
#[server(endpoint = "policies/mine/detail")]
pub async fn my_policy(id: String) -> Result<PolicyDetail, AppError> {
    guard::call(&Role::PARTNER, move |conn, me| {
        let group = domain::policy::group_of_partner_account(conn, &me.user.id)?
            .ok_or_else(|| AppError::not_found("The policy"))?;
        domain::policy::published_in_group(conn, &group, &id)
    })
    .await
}

/// The audit trail of a policy, newest first (operators).
#[server(endpoint = "policies/audit")]
pub async fn get_policy_audit(id: String) -> Result<Vec<domain::history::AuditEntry>, AppError> {
    guard::call(&Role::OPERATOR, move |conn, _| {
        domain::audit::for_entity(conn, "policy", &id, 100)
    })
    .await
}
