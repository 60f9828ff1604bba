//! SBIs: a device provider declares the biometric software it ships; partner admins approve,
//! reject or deactivate them. Deactivating an SBI withdraws the devices that depend on it.

use super::shared::{
    check_owner, day, decided_action, provider, set_status, status_filter, text, transition,
    unique_or, Decided, SBI,
};
use super::*;
use crate::account::lower;
use crate::account::CurrentUser;
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::page::{self, Page};
use crate::partner::{check_reason, Decision};
use crate::schema::{device_sbis, devices, partners, sbis};
use crate::PartnerType;
use base64::Engine;
use diesel::prelude::*;
use serde_json::json;

mod read;
pub use read::*;

const DAY_MS: i64 = 86_400_000;

/// Check a binary hash: hex (even length) or base64, of 16 to 64 bytes (MD5 to SHA-512).
pub fn check_hash(value: &str) -> AppResult<String> {
    let v = value.trim();
    let bytes =
        if !v.is_empty() && v.len().is_multiple_of(2) && v.chars().all(|c| c.is_ascii_hexdigit()) {
            Some(v.len() / 2)
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(v)
                .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(v))
                .ok()
                .map(|b| b.len())
        };
    match bytes {
        Some(n) if (16..=64).contains(&n) => Ok(v.to_string()),
        Some(n) => Err(AppError::validation(
            "binary_hash",
            "PMS_SBI_HASH",
            format!("The hash is {n} bytes; a binary hash is 16 to 64 bytes (e.g. SHA-256: 64 hex characters)."),
        )),
        None => Err(AppError::validation(
            "binary_hash",
            "PMS_SBI_HASH",
            "The hash must be hexadecimal (0-9, a-f) or base64.",
        )),
    }
}

/// The conflict message of a second SBI with the same version.
const VERSION_TAKEN: &str = "You already declared an SBI with this version.";

/// A new SBI's checked fields.
struct NewSbi {
    /// Version.
    version: String,
    /// Binary hash.
    hash: String,
    /// Creation day, UTC ms.
    created_on: i64,
    /// The last millisecond of the expiry day.
    expires_on: i64,
}

/// Add an SBI (approved device providers); it waits for approval.
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: &CurrentUser,
    input: &SbiInput,
    max_years: i64,
) -> AppResult<SbiView> {
    let now = clock::now_ms();
    let NewSbi {
        version,
        hash,
        created_on,
        expires_on,
    } = checked_input(input, max_years, now)?;
    crate::db::write_tx(conn, |conn| {
        let p = provider(conn, user, PartnerType::DeviceProvider)?;
        check_version_free(conn, &p.id, &version)?;
        let id = uuid::Uuid::new_v4().to_string();
        diesel::insert_into(sbis::table)
            .values((
                sbis::id.eq(&id),
                sbis::partner_id.eq(&p.id),
                sbis::version.eq(&version),
                sbis::binary_hash.eq(&hash),
                sbis::created_on.eq(created_on),
                sbis::expires_on.eq(expires_on),
                sbis::status.eq(ItemStatus::PendingApproval.as_str()),
                sbis::created_at.eq(now),
                sbis::created_by.eq(actor.id.as_deref()),
                sbis::updated_at.eq(now),
                sbis::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)
            .map_err(|e| unique_or(e, "version", "PMS_SBI_VERSION_TAKEN", VERSION_TAKEN))?;
        audit::record(
            conn,
            actor,
            "SBI_ADDED",
            "sbi",
            &id,
            json!({ "partnerId": p.id, "version": version, "binaryHash": hash,
                    "createdOn": clock::rfc3339(created_on), "expiresOn": clock::rfc3339(expires_on) }),
        )?;
        get(conn, &id)
    })
}

/// The new SBI's fields: a creation day not in the future, an expiry day after today and at
/// most `max_years` away. Every field is checked, so one submit reports every problem.
fn checked_input(input: &SbiInput, max_years: i64, now: i64) -> AppResult<NewSbi> {
    let mut errs = FieldErrors::new();
    let version = errs.take(text("version", "Version", &input.version, MAX_VERSION_LEN));
    let hash = errs.take(check_hash(&input.binary_hash));
    let created_on = errs.take(day("created_on", "Creation date", &input.created_on));
    let expires_day = errs.take(day("expires_on", "Expiry date", &input.expires_on));
    let today = now - now.rem_euclid(DAY_MS);
    if created_on.is_some_and(|c| c > today) {
        errs.push(AppError::validation(
            "created_on",
            "PMS_SBI_CREATED_FUTURE",
            "The creation date cannot be in the future.",
        ));
    }
    // The same calendar day `max_years` later (leap years included).
    let limit = chrono::DateTime::from_timestamp_millis(today)
        .and_then(|d| d.checked_add_months(chrono::Months::new((12 * max_years.max(0)) as u32)))
        .map(|d| d.timestamp_millis())
        .unwrap_or(i64::MAX);
    match expires_day {
        Some(e) if e <= today => errs.push(AppError::validation(
            "expires_on",
            "PMS_SBI_EXPIRY_PAST",
            "The expiry date must be after today.",
        )),
        Some(e) if e > limit => errs.push(AppError::validation(
            "expires_on",
            "PMS_SBI_EXPIRY_TOO_FAR",
            format!("The expiry date can be at most {max_years} years from today."),
        )),
        _ => {}
    }
    errs.finish()?;
    let (Some(version), Some(hash), Some(created_on), Some(expires_day)) =
        (version, hash, created_on, expires_day)
    else {
        return Err(AppError::internal());
    };
    Ok(NewSbi {
        version,
        hash,
        created_on,
        // The SBI is valid through the whole of its expiry day.
        expires_on: expires_day + DAY_MS - 1,
    })
}

/// The provider must not have declared an SBI with this version already.
fn check_version_free(conn: &mut AnyConnection, provider_id: &str, version: &str) -> AppResult<()> {
    let taken: i64 = sbis::table
        .filter(sbis::partner_id.eq(provider_id))
        .filter(sbis::version.eq(version))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(AppError::new(
            crate::error::ErrorKind::Conflict,
            "PMS_SBI_VERSION_TAKEN",
            VERSION_TAKEN,
        )
        .with_field("version"));
    }
    Ok(())
}

/// Devices that depend on this SBI alone: linked to it and to no other approved, unexpired SBI.
fn dependants(
    conn: &mut AnyConnection,
    sbi_id: &str,
    status: ItemStatus,
) -> AppResult<Vec<String>> {
    let linked: Vec<String> = device_sbis::table
        .inner_join(devices::table)
        .filter(device_sbis::sbi_id.eq(sbi_id))
        .filter(devices::status.eq(status.as_str()))
        .select(devices::id)
        .load(conn)?;
    // One query for all of them, not one per device.
    let kept: Vec<String> = device_sbis::table
        .inner_join(sbis::table)
        .filter(device_sbis::device_id.eq_any(&linked))
        .filter(device_sbis::sbi_id.ne(sbi_id))
        .filter(sbis::status.eq(ItemStatus::Approved.as_str()))
        .filter(sbis::expires_on.ge(clock::now_ms()))
        .select(device_sbis::device_id)
        .load(conn)?;
    Ok(linked.into_iter().filter(|d| !kept.contains(d)).collect())
}

/// Holds the devices linked to the SBI (PostgreSQL) before the cascade reads which depend on
/// it: a link to another SBI that is being written meanwhile either commits first (and the
/// next read sees it) or waits, and then finds the device decided and is refused. Without it
/// a device could be rejected while a link that would have kept it commits.
fn lock_linked_devices(conn: &mut AnyConnection, sbi_id: &str) -> AppResult<()> {
    if let AnyConnection::Postgresql(pg) = conn {
        devices::table
            .filter(
                devices::id.eq_any(
                    device_sbis::table
                        .filter(device_sbis::sbi_id.eq(sbi_id))
                        .select(device_sbis::device_id),
                ),
            )
            .order(devices::id.asc())
            .select(devices::id)
            .for_update()
            .load::<String>(pg)?;
    }
    Ok(())
}

/// What deactivating the SBI would do (shown before confirming).
pub fn impact(conn: &mut AnyConnection, id: &str) -> AppResult<SbiImpact> {
    Ok(SbiImpact {
        devices_deactivated: dependants(conn, id, ItemStatus::Approved)?.len() as i64,
        devices_rejected: dependants(conn, id, ItemStatus::PendingApproval)?.len() as i64,
    })
}

/// The SBI's event data for downstream services (topic `SBI_UPDATED`).
pub fn event_data(s: &SbiView) -> serde_json::Value {
    json!({
        "id": s.id,
        "partnerId": s.partner_id,
        "version": s.version,
        "binaryHash": s.binary_hash,
        "createdOn": clock::rfc3339(s.created_on),
        "expiresOn": clock::rfc3339(s.expires_on),
        "status": s.status.as_str(),
        "reason": s.reason,
    })
}

/// Approve, reject (reason) or deactivate (reason) an SBI. Deactivation deactivates the
/// approved devices that depend on it and rejects the pending ones, in the same transaction.
pub fn decide(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    decision: Decision,
    reason: Option<&str>,
) -> AppResult<(SbiView, SbiImpact)> {
    change(conn, actor, id, decision, reason, None)
}

/// The provider retires one of its own approved SBIs (reason required), with the same cascade
/// on its devices as a partner admin's deactivation.
pub fn retire_own(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: &CurrentUser,
    id: &str,
    reason: Option<&str>,
) -> AppResult<(SbiView, SbiImpact)> {
    change(conn, actor, id, Decision::Deactivate, reason, Some(user))
}

/// Decide on an SBI (a partner admin, or its provider retiring it when `owner` is given),
/// with the deactivation cascade on its devices, audit rows, events and the provider's news.
fn change(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    decision: Decision,
    reason: Option<&str>,
    owner: Option<&CurrentUser>,
) -> AppResult<(SbiView, SbiImpact)> {
    let reason = check_reason(reason, decision.needs_reason())?;
    crate::db::write_tx(conn, |conn| {
        let current = get(conn, id)?;
        check_owner(
            conn,
            owner,
            PartnerType::DeviceProvider,
            &current.partner_id,
            "The SBI",
        )?;
        let from = current.status;
        let to = transition("SBI", from, decision)?;
        let now = clock::now_ms();
        set_status!(conn, sbis, actor, id, (from, to), reason.as_deref(), now)?;
        let impact = if to == ItemStatus::Deactivated {
            withdraw_dependants(conn, actor, id, reason.as_deref(), now)?
        } else {
            SbiImpact::default()
        };
        let decided = Decided {
            kind: &SBI,
            id,
            moved: (from, to),
            reason: reason.as_deref(),
        };
        let mut details = decided.details();
        details["devicesDeactivated"] = json!(impact.devices_deactivated);
        details["devicesRejected"] = json!(impact.devices_rejected);
        decided.audit(conn, actor, details)?;
        let view = get(conn, id)?;
        decided.announce(
            conn,
            owner,
            (&view.partner_id, &view.version),
            event_data(&view),
        )?;
        Ok((view, impact))
    })
}

/// The deactivation cascade: the approved devices that depend on the SBI alone are
/// deactivated, the pending ones rejected; returns how many of each.
fn withdraw_dependants(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    reason: Option<&str>,
    now: i64,
) -> AppResult<SbiImpact> {
    let mut impact = SbiImpact::default();
    lock_linked_devices(conn, id)?;
    let why = format!("Its SBI was deactivated: {}", reason.unwrap_or_default());
    for (status, next) in [
        (ItemStatus::Approved, ItemStatus::Deactivated),
        (ItemStatus::PendingApproval, ItemStatus::Rejected),
    ] {
        let ids = dependants(conn, id, status)?;
        for device in &ids {
            withdraw_device(conn, actor, id, device, (status, next), &why, now)?;
        }
        if next == ItemStatus::Rejected {
            impact.devices_rejected = ids.len() as i64;
        } else {
            impact.devices_deactivated = ids.len() as i64;
        }
    }
    Ok(impact)
}

/// Move one dependent device from `status` to `next` with the cascade's reason, with its
/// audit row and `DEVICE_UPDATED` event.
fn withdraw_device(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    device: &str,
    (status, next): (ItemStatus, ItemStatus),
    why: &str,
    now: i64,
) -> AppResult<()> {
    diesel::update(
        devices::table
            .filter(devices::id.eq(device))
            .filter(devices::status.eq(status.as_str())),
    )
    .set((
        devices::status.eq(next.as_str()),
        devices::reason.eq(why),
        devices::updated_at.eq(now),
        devices::updated_by.eq(actor.id.as_deref()),
    ))
    .execute(conn)?;
    audit::record(
        conn,
        actor,
        &decided_action("DEVICE", next),
        "device",
        device,
        json!({ "from": status.as_str(), "to": next.as_str(), "reason": why, "sbiId": id }),
    )?;
    let data = super::model::event_data(&super::model::get(conn, device)?);
    crate::outbox::enqueue(conn, super::DEVICE_UPDATED, data)?;
    Ok(())
}
