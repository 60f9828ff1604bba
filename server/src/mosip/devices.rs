//! `/v1/partnermanager` device side: retiring SBIs and FTM chips as MOSIP's 1.3 answers it
//! (`PATCH /securebiometricinterface/{sbiId}`, `PATCH /ftpchipdetail/{ftmId}`).

use super::auth::require;
use super::envelope::{self, Answer, Fault};
use super::{request_id, run, MosipState};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use domain::device::ItemStatus;
use domain::partner::Decision;
use domain::Role;
use serde_json::{json, Value};

/// The reason the portal records for a retirement through this door (MOSIP's call has none).
const REASON: &str = "Deactivated through MOSIP's API (status De-Activate).";

/// The body's `request.status` must be exactly MOSIP's `De-Activate`.
fn de_activate(env: &envelope::Envelope) -> Result<(), Fault> {
    match env.request.get("status").and_then(Value::as_str) {
        Some("De-Activate") => Ok(()),
        _ => Err(Fault::new(
            "PMS_DEVICE_ERROR_026",
            "Request status should be De-Activate",
        )),
    }
}

/// Who retires: a partner admin any item, a provider its own (its item, or it is not found).
struct Retirer {
    admin: bool,
    user: Option<domain::account::CurrentUser>,
    actor: domain::audit::Actor,
}

async fn retirer(
    state: &MosipState,
    headers: &HeaderMap,
    provider: Role,
) -> Result<Retirer, Fault> {
    let who = require(state, headers, &[provider, Role::PartnerAdmin]).await?;
    let admin = who.has_any(&[Role::PartnerAdmin]);
    let user = who.account().cloned();
    if !admin && user.is_none() {
        return Err(Fault::new(
            "PMS_CERTIFICATE_ERROR_002",
            "User Id does not exists.",
        ));
    }
    Ok(Retirer {
        admin,
        user,
        actor: who.actor(request_id(headers)),
    })
}

/// A provider's own item answers the portal's "not found" when it is another's (it exists: it
/// was read just before): MOSIP's code for "not associated with user".
fn not_theirs(f: Fault, code: &str, message: &str) -> Fault {
    if f.code == "PMS_NOT_FOUND" {
        Fault::new(code, message)
    } else {
        f
    }
}

/// `PATCH /v1/partnermanager/securebiometricinterface/{sbiId}`: a device provider retires its
/// own approved SBI, a partner admin any; its devices follow as with the portal's own
/// deactivation (approved ones deactivated, pending ones rejected).
pub async fn deactivate_sbi(
    State(state): State<MosipState>,
    Path(sbi_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    const ID: &str = "mosip.pms.deactivate.sbi.patch";
    let a: Answer = async {
        let r = retirer(&state, &headers, Role::DeviceProvider).await?;
        de_activate(&envelope::parse_v2(&body, ID)?)?;
        let id = sbi_id.trim().to_string();
        let lookup = id.clone();
        let current = run(&state, move |conn| {
            Ok(domain::device::sbi::get(conn, &lookup).ok())
        })
        .await?
        .ok_or_else(|| Fault::new("PMS_DEVICE_ERROR_005", "SBI do not exists."))?;
        match current.status {
            ItemStatus::Approved => {}
            ItemStatus::Deactivated => {
                return Err(Fault::new(
                    "PMS_DEVICE_ERROR_020",
                    "The selected SBI is already deactivated.",
                ))
            }
            _ => {
                return Err(Fault::new(
                    "PMS_DEVICE_ERROR_022",
                    "The selected SBI is not in an approved status.",
                ))
            }
        }
        let (sbi, _) = run(&state, move |conn| match (&r.admin, &r.user) {
            (true, _) | (false, None) => {
                domain::device::sbi::decide(conn, &r.actor, &id, Decision::Deactivate, Some(REASON))
            }
            (false, Some(user)) => {
                domain::device::sbi::retire_own(conn, &r.actor, user, &id, Some(REASON))
            }
        })
        .await
        .map_err(|f| {
            not_theirs(
                f,
                "PMS_DEVICE_ERROR_019",
                "SBI is not associated with user.",
            )
        })?;
        Ok(json!({
            "sbiId": sbi.id,
            "sbiVersion": sbi.version,
            "status": "approved",
            "isActive": false,
        }))
    }
    .await;
    envelope::reply_v2(ID, a)
}

/// `PATCH /v1/partnermanager/ftpchipdetail/{ftmId}`: an FTM provider retires its own approved
/// chip, a partner admin any.
pub async fn deactivate_ftm(
    State(state): State<MosipState>,
    Path(ftm_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    const ID: &str = "mosip.pms.deactivate.ftm.patch";
    let a: Answer = async {
        let r = retirer(&state, &headers, Role::FtmProvider).await?;
        de_activate(&envelope::parse_v2(&body, ID)?)?;
        let id = ftm_id.trim().to_string();
        if id.is_empty() {
            return Err(Fault::new("PMS_FTM_ERROR_004", "FTM Id is invalid"));
        }
        let lookup = id.clone();
        let current = run(&state, move |conn| {
            Ok(domain::device::chip::get(conn, &lookup).ok())
        })
        .await?
        .ok_or_else(|| Fault::new("PMS_FTM_ERROR_005", "FTM Details do not exists."))?;
        match current.status {
            ItemStatus::Approved => {}
            ItemStatus::Deactivated => {
                return Err(Fault::new(
                    "PMS_FTM_ERROR_007",
                    "The selected FTM is already deactivated.",
                ))
            }
            _ => {
                return Err(Fault::new(
                    "PMS_FTM_ERROR_010",
                    "The selected FTM is not in an approved status.",
                ))
            }
        }
        let chip = run(&state, move |conn| match (&r.admin, &r.user) {
            (true, _) | (false, None) => domain::device::chip::decide(
                conn,
                &r.actor,
                &id,
                Decision::Deactivate,
                Some(REASON),
            ),
            (false, Some(user)) => {
                domain::device::chip::retire_own(conn, &r.actor, user, &id, Some(REASON))
            }
        })
        .await
        .map_err(|f| not_theirs(f, "PMS_FTM_ERROR_006", "FTM is not associated with user."))?;
        Ok(json!({ "ftmId": chip.id, "status": "approved", "isActive": false }))
    }
    .await;
    envelope::reply_v2(ID, a)
}
