//! Credential types of credential partners: which policy a credential type (`vercred`,
//! `euin`...) is issued under for a partner. MOSIP's print and mobile modules read them; its
//! onboarder maps one per partner, and a mapping made again is the same mapping.

use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::partner::PartnerStatus;
use crate::policy::PolicyStatus;
use crate::schema::{partner_credential_types, partners, policies};
use diesel::prelude::*;
use serde_json::json;

/// Longest credential type name.
pub const MAX_CREDENTIAL_TYPE_LEN: usize = 64;

/// Check a credential type: 1 to 64 letters, digits, `_` and `-`.
pub fn check_credential_type(value: &str) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty()
        || v.len() > MAX_CREDENTIAL_TYPE_LEN
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
    {
        return Err(AppError::validation(
            "credential_type",
            "PMS_CREDENTIAL_TYPE",
            "A credential type has 1 to 64 letters, digits, _ and -.",
        ));
    }
    Ok(v.to_string())
}

/// Map `credential_type` of partner `partner_id` to policy `policy_id` (published, of the
/// partner's group). Mapping it again to the same policy changes nothing; to another policy
/// replaces the mapping. Returns whether anything changed.
pub fn map(
    conn: &mut AnyConnection,
    actor: &Actor,
    partner_id: &str,
    credential_type: &str,
    policy_id: &str,
) -> AppResult<bool> {
    let credential_type = check_credential_type(credential_type)?;
    crate::db::write_tx(conn, |conn| {
        let group = approved_partner_group(conn, partner_id)?;
        check_policy(conn, policy_id, group.as_deref())?;
        let current: Option<String> = partner_credential_types::table
            .find((partner_id, &credential_type))
            .select(partner_credential_types::policy_id)
            .first(conn)
            .optional()?;
        if current.as_deref() == Some(policy_id) {
            return Ok(false);
        }
        let replaces = current.is_some();
        save_mapping(
            conn,
            actor,
            partner_id,
            &credential_type,
            policy_id,
            replaces,
        )?;
        audit::record(
            conn,
            actor,
            "CREDENTIAL_TYPE_MAPPED",
            "partner",
            partner_id,
            json!({ "credentialType": credential_type, "before": { "policy": current }, "after": { "policy": policy_id } }),
        )?;
        Ok(true)
    })
}

/// The policy group of the partner, which must exist and be approved.
fn approved_partner_group(conn: &mut AnyConnection, partner_id: &str) -> AppResult<Option<String>> {
    let partner: Option<(String, Option<String>)> = partners::table
        .find(partner_id)
        .select((partners::status, partners::policy_group_id))
        .first(conn)
        .optional()?;
    let (status, group) = partner.ok_or_else(|| AppError::not_found("The partner"))?;
    if PartnerStatus::parse(&status) != Some(PartnerStatus::Approved) {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_PARTNER_NOT_APPROVED",
            "The partner is not approved.",
        ));
    }
    Ok(group)
}

/// The policy must exist, be published and be of the partner's group.
fn check_policy(conn: &mut AnyConnection, policy_id: &str, group: Option<&str>) -> AppResult<()> {
    let policy: Option<(String, String)> = policies::table
        .find(policy_id)
        .select((policies::policy_group_id, policies::status))
        .first(conn)
        .optional()?;
    let (policy_group, policy_status) = policy.ok_or_else(|| AppError::not_found("The policy"))?;
    if PolicyStatus::parse(&policy_status) != Some(PolicyStatus::Published) {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_POLICY_NOT_PUBLISHED",
            "The policy is not published.",
        ));
    }
    if group != Some(policy_group.as_str()) {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_POLICY_NOT_REQUESTABLE",
            "The policy is not of the partner's policy group.",
        ));
    }
    Ok(())
}

/// Write the mapping: replace the current one (`replaces`) or insert it.
fn save_mapping(
    conn: &mut AnyConnection,
    actor: &Actor,
    partner_id: &str,
    credential_type: &str,
    policy_id: &str,
    replaces: bool,
) -> AppResult<()> {
    let now = clock::now_ms();
    if replaces {
        diesel::update(partner_credential_types::table.find((partner_id, credential_type)))
            .set((
                partner_credential_types::policy_id.eq(policy_id),
                partner_credential_types::created_at.eq(now),
                partner_credential_types::created_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(partner_credential_types::table)
            .values((
                partner_credential_types::partner_id.eq(partner_id),
                partner_credential_types::credential_type.eq(credential_type),
                partner_credential_types::policy_id.eq(policy_id),
                partner_credential_types::created_at.eq(now),
                partner_credential_types::created_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The policy a partner's credential type is issued under.
pub fn policy_of(
    conn: &mut AnyConnection,
    partner_id: &str,
    credential_type: &str,
) -> AppResult<Option<String>> {
    Ok(partner_credential_types::table
        .find((partner_id, credential_type.trim()))
        .select(partner_credential_types::policy_id)
        .first(conn)
        .optional()?)
}
