//! Device models: a device provider adds a model to one or more of its usable SBIs; partner
//! admins approve, reject or deactivate it.

use super::shared::{
    changed_meanwhile, check_owner, provider, set_status, status_filter, text, transition,
    unique_or, Decided, DEVICE,
};
use super::*;
use crate::account::lower;
use crate::account::CurrentUser;
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind, FieldErrors};
use crate::page::{self, Columns, Page};
use crate::partner::{check_reason, Decision};
use crate::schema::{device_sbis, device_subtypes, devices, partners, sbis};
use crate::PartnerType;
use diesel::prelude::*;
use serde_json::json;

mod read;
pub use read::*;

/// Device types with their sub-types (from the `device_subtypes` table).
pub fn types(conn: &mut AnyConnection) -> AppResult<Vec<DeviceTypeOption>> {
    let rows: Vec<(String, String)> = device_subtypes::table
        .order((
            device_subtypes::device_type.asc(),
            device_subtypes::sub_type.asc(),
        ))
        .select((device_subtypes::device_type, device_subtypes::sub_type))
        .load(conn)?;
    let mut out: Vec<DeviceTypeOption> = Vec::new();
    for (t, s) in rows {
        match out.iter_mut().find(|o| o.device_type == t) {
            Some(o) => o.sub_types.push(s),
            None => out.push(DeviceTypeOption {
                device_type: t,
                sub_types: vec![s],
            }),
        }
    }
    Ok(out)
}

/// The conflict message of a second live device of the same type, sub-type, make and model.
const DEVICE_TAKEN: &str =
    "You already have a pending or approved device of this type, sub-type, make and model.";

/// Add a device model to usable SBIs of the signed-in provider; it waits for approval.
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: &CurrentUser,
    input: &DeviceInput,
) -> AppResult<DeviceView> {
    let (make, model, sbi_ids) = checked_input(input)?;
    crate::db::write_tx(conn, |conn| {
        let p = provider(conn, user, PartnerType::DeviceProvider)?;
        check_sub_type(conn, input)?;
        let now = clock::now_ms();
        for sbi_id in &sbi_ids {
            check_usable_sbi(conn, &p.id, sbi_id, now)?;
        }
        check_not_taken(conn, &p.id, input, &make, &model)?;
        let id = uuid::Uuid::new_v4().to_string();
        diesel::insert_into(devices::table)
            .values((
                devices::id.eq(&id),
                devices::partner_id.eq(&p.id),
                devices::device_type.eq(input.device_type.trim()),
                devices::sub_type.eq(input.sub_type.trim()),
                devices::make.eq(&make),
                devices::model.eq(&model),
                devices::status.eq(ItemStatus::PendingApproval.as_str()),
                devices::created_at.eq(now),
                devices::created_by.eq(actor.id.as_deref()),
                devices::updated_at.eq(now),
                devices::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)
            .map_err(|e| unique_or(e, "model", "PMS_DEVICE_TAKEN", DEVICE_TAKEN))?;
        for sbi_id in &sbi_ids {
            insert_link(conn, &id, sbi_id, now)?;
        }
        audit::record(
            conn,
            actor,
            "DEVICE_ADDED",
            "device",
            &id,
            json!({ "partnerId": p.id, "type": input.device_type.trim(), "subType": input.sub_type.trim(),
                    "make": make, "model": model, "sbiIds": sbi_ids }),
        )?;
        get(conn, &id)
    })
}

/// The new device's make, model and SBI ids (trimmed, sorted, without duplicates); every
/// field is checked, so one submit reports every problem.
fn checked_input(input: &DeviceInput) -> AppResult<(String, String, Vec<String>)> {
    let mut errs = FieldErrors::new();
    let make = errs.take(text("make", "Make", &input.make, MAX_MAKE_LEN));
    let model = errs.take(text("model", "Model", &input.model, MAX_MAKE_LEN));
    let mut sbi_ids: Vec<String> = input
        .sbi_ids
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    sbi_ids.sort();
    sbi_ids.dedup();
    if sbi_ids.is_empty() {
        errs.push(AppError::validation(
            "sbi_ids",
            "PMS_DEVICE_SBI_REQUIRED",
            "Choose at least one SBI the device works with.",
        ));
    }
    errs.finish()?;
    let (Some(make), Some(model)) = (make, model) else {
        return Err(AppError::internal());
    };
    Ok((make, model, sbi_ids))
}

/// The input's sub-type must be one of its type's (from the `device_subtypes` table).
fn check_sub_type(conn: &mut AnyConnection, input: &DeviceInput) -> AppResult<()> {
    let known: i64 = device_subtypes::table
        .filter(device_subtypes::device_type.eq(input.device_type.trim()))
        .filter(device_subtypes::sub_type.eq(input.sub_type.trim()))
        .count()
        .get_result(conn)?;
    if known == 0 {
        return Err(AppError::validation(
            "sub_type",
            "PMS_DEVICE_TYPE",
            format!(
                "\"{}\" is not a sub-type of \"{}\"; choose a type, then one of its sub-types.",
                input.sub_type.trim(),
                input.device_type.trim()
            ),
        ));
    }
    Ok(())
}

/// The provider must not have a pending or approved device of the same type, sub-type, make
/// and model (make and model compared without case).
fn check_not_taken(
    conn: &mut AnyConnection,
    provider_id: &str,
    input: &DeviceInput,
    make: &str,
    model: &str,
) -> AppResult<()> {
    let taken: i64 = devices::table
        .filter(devices::partner_id.eq(provider_id))
        .filter(devices::device_type.eq(input.device_type.trim()))
        .filter(devices::sub_type.eq(input.sub_type.trim()))
        .filter(crate::account::lower(devices::make).eq(make.to_lowercase()))
        .filter(crate::account::lower(devices::model).eq(model.to_lowercase()))
        .filter(devices::status.eq_any([
            ItemStatus::PendingApproval.as_str(),
            ItemStatus::Approved.as_str(),
        ]))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(
            AppError::new(ErrorKind::Conflict, "PMS_DEVICE_TAKEN", DEVICE_TAKEN)
                .with_field("model"),
        );
    }
    Ok(())
}

/// Insert the link of a device to an SBI (the caller maps a duplicate link's error).
fn insert_link(
    conn: &mut AnyConnection,
    device_id: &str,
    sbi_id: &str,
    now: i64,
) -> QueryResult<usize> {
    diesel::insert_into(device_sbis::table)
        .values((
            device_sbis::device_id.eq(device_id),
            device_sbis::sbi_id.eq(sbi_id),
            device_sbis::created_at.eq(now),
        ))
        .execute(conn)
}

/// An SBI a device can be linked to: the provider's own, approved and not expired.
fn check_usable_sbi(
    conn: &mut AnyConnection,
    provider_id: &str,
    sbi_id: &str,
    now: i64,
) -> AppResult<String> {
    let sbi: Option<(String, String, String, i64)> = sbis::table
        .filter(sbis::id.eq(sbi_id))
        .select((
            sbis::partner_id,
            sbis::version,
            sbis::status,
            sbis::expires_on,
        ))
        .first(conn)
        .optional()?;
    let Some((_, version, status, expires_on)) = sbi.filter(|s| s.0 == provider_id) else {
        return Err(AppError::validation(
            "sbi_ids",
            "PMS_DEVICE_SBI_UNKNOWN",
            "One of the chosen SBIs does not exist or is not yours.",
        ));
    };
    let status = ItemStatus::parse(&status).unwrap_or(ItemStatus::PendingApproval);
    if status != ItemStatus::Approved {
        return Err(AppError::validation(
            "sbi_ids",
            "PMS_DEVICE_SBI_NOT_APPROVED",
            format!(
                "SBI {version} is {}; devices can be added only to approved SBIs.",
                status.label().to_lowercase()
            ),
        ));
    }
    if expires_on < now {
        return Err(AppError::validation(
            "sbi_ids",
            "PMS_DEVICE_SBI_EXPIRED",
            format!("SBI {version} has expired; devices can be added only to unexpired SBIs."),
        ));
    }
    // Hold the SBI row until commit (PostgreSQL reads without locking): a deactivation racing
    // this link either waits and then sees the link, or commits first and refuses it here.
    let held = diesel::update(
        sbis::table
            .filter(sbis::id.eq(sbi_id))
            .filter(sbis::status.eq(ItemStatus::Approved.as_str()))
            .filter(sbis::expires_on.ge(now)),
    )
    .set(sbis::updated_at.eq(sbis::updated_at))
    .execute(conn)?;
    if held == 0 {
        return Err(changed_meanwhile());
    }
    Ok(version)
}

/// Link one of the provider's pending or approved devices to another of its usable SBIs
/// (a model that also works with a newer SBI version). An approved device stays approved:
/// the SBI it joins is itself approved.
pub fn link_sbi(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: &CurrentUser,
    device_id: &str,
    sbi_id: &str,
) -> AppResult<DeviceView> {
    let sbi_id = sbi_id.trim();
    if sbi_id.is_empty() {
        return Err(AppError::validation(
            "sbi_ids",
            "PMS_DEVICE_SBI_REQUIRED",
            "Choose the SBI to link the device to.",
        ));
    }
    crate::db::write_tx(conn, |conn| {
        let p = provider(conn, user, PartnerType::DeviceProvider)?;
        let device = get(conn, device_id)?;
        check_linkable(&device, &p.id, sbi_id)?;
        let now = clock::now_ms();
        hold_sbi(conn, sbi_id)?;
        let version = check_usable_sbi(conn, &p.id, sbi_id, now)?;
        insert_link(conn, device_id, sbi_id, now).map_err(|e| {
            unique_or(
                e,
                "sbi_ids",
                "PMS_DEVICE_SBI_LINKED",
                "The device is already linked to this SBI.",
            )
        })?;
        touch_live_device(conn, actor, device_id, now)?;
        audit::record(
            conn,
            actor,
            "DEVICE_SBI_LINKED",
            "device",
            device_id,
            json!({ "partnerId": p.id, "sbiId": sbi_id, "sbiVersion": version }),
        )?;
        get(conn, device_id)
    })
}

/// The device must be the provider's (another's answers 404), pending or approved, and not
/// linked to the SBI yet.
fn check_linkable(device: &DeviceView, provider_id: &str, sbi_id: &str) -> AppResult<()> {
    if device.partner_id != provider_id {
        return Err(AppError::not_found("The device"));
    }
    if !matches!(
        device.status,
        ItemStatus::PendingApproval | ItemStatus::Approved
    ) {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_ILLEGAL_TRANSITION",
            format!(
                "This device is {}; only a pending or approved device can be linked to another SBI.",
                device.status.label().to_lowercase()
            ),
        ));
    }
    if device.sbis.iter().any(|s| s.id == sbi_id) {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_DEVICE_SBI_LINKED",
            "The device is already linked to this SBI.",
        )
        .with_field("sbi_ids"));
    }
    Ok(())
}

/// Hold the SBI row until the link commits: a concurrent deactivation of it waits, then sees
/// the link and takes the device with it; a deactivation that came first is seen by the
/// checks that follow and refuses the link. (SQLite: one writer at a time already.)
fn hold_sbi(conn: &mut AnyConnection, sbi_id: &str) -> AppResult<()> {
    if let AnyConnection::Postgresql(pg) = conn {
        sbis::table
            .find(sbi_id)
            .select(sbis::id)
            .for_share()
            .first::<String>(pg)
            .optional()?;
    }
    Ok(())
}

/// Mark the device changed by the link. Guarded: a device rejected or deactivated meanwhile
/// is not linked.
fn touch_live_device(
    conn: &mut AnyConnection,
    actor: &Actor,
    device_id: &str,
    now: i64,
) -> AppResult<()> {
    let live = diesel::update(devices::table.filter(devices::id.eq(device_id)).filter(
        devices::status.eq_any([
            ItemStatus::PendingApproval.as_str(),
            ItemStatus::Approved.as_str(),
        ]),
    ))
    .set((
        devices::updated_at.eq(now),
        devices::updated_by.eq(actor.id.as_deref()),
    ))
    .execute(conn)?;
    if live == 0 {
        return Err(changed_meanwhile());
    }
    Ok(())
}

/// Approve, reject (reason) or deactivate (reason) a device. A device with no approved,
/// unexpired SBI left can only be rejected.
pub fn decide(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    decision: Decision,
    reason: Option<&str>,
) -> AppResult<DeviceView> {
    change(conn, actor, id, decision, reason, None)
}

/// The provider retires one of its own approved devices (reason required).
pub fn retire_own(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: &CurrentUser,
    id: &str,
    reason: Option<&str>,
) -> AppResult<DeviceView> {
    change(conn, actor, id, Decision::Deactivate, reason, Some(user))
}

fn change(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    decision: Decision,
    reason: Option<&str>,
    owner: Option<&CurrentUser>,
) -> AppResult<DeviceView> {
    let reason = check_reason(reason, decision.needs_reason())?;
    crate::db::write_tx(conn, |conn| {
        let current = get(conn, id)?;
        check_owner(
            conn,
            owner,
            PartnerType::DeviceProvider,
            &current.partner_id,
            "The device",
        )?;
        let from = current.status;
        let to = transition("device", from, decision)?;
        let now = clock::now_ms();
        if to == ItemStatus::Approved {
            let usable: i64 = device_sbis::table
                .inner_join(sbis::table)
                .filter(device_sbis::device_id.eq(id))
                .filter(sbis::status.eq(ItemStatus::Approved.as_str()))
                .filter(sbis::expires_on.ge(now))
                .count()
                .get_result(conn)?;
            if usable == 0 {
                return Err(AppError::new(
                    ErrorKind::Conflict,
                    "PMS_DEVICE_NO_SBI",
                    "None of this device's SBIs is approved and unexpired any more; it can only be rejected.",
                ));
            }
        }
        set_status!(conn, devices, actor, id, (from, to), reason.as_deref(), now)?;
        let decided = Decided {
            kind: &DEVICE,
            id,
            moved: (from, to),
            reason: reason.as_deref(),
        };
        decided.audit(conn, actor, decided.details())?;
        let view = get(conn, id)?;
        let name = format!("{} {}", view.make, view.model);
        decided.announce(conn, owner, (&view.partner_id, &name), event_data(&view))?;
        Ok(view)
    })
}
