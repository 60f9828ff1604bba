//! `/v1/partnermanager` device side as MOSIP's 1.3 answers it: retiring SBIs and FTM chips
//! (`PATCH /securebiometricinterface/{sbiId}`, `PATCH /ftpchipdetail/{ftmId}`) and deciding a
//! device (`POST /devicedetail/{id}/approval`).

use super::auth::require;
use super::envelope::{self, Answer, Fault};
use super::{request_id, run, MosipState};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use domain::account::CurrentUser;
use domain::audit::Actor;
use domain::db::AnyConnection;
use domain::device::ItemStatus;
use domain::partner::Decision;
use domain::Role;
use serde_json::{json, Value};

/// The reason the portal records for a retirement through this door (MOSIP's call has none).
const REASON: &str = "Deactivated through MOSIP's API (status De-Activate).";

/// The reason recorded for a device rejected through this door (MOSIP's call has none).
const REJECTED: &str = "Rejected through MOSIP's API (status rejected).";

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
        return Err(Fault::unknown_user());
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

/// A (code, message) MOSIP answers.
type Code = (&'static str, &'static str);

/// One kind of item's retirement: who provides it, how to read its status and retire it, and
/// MOSIP's codes.
struct Retirement<T> {
    /// The role of the item's providers.
    provider: Role,
    /// MOSIP's answer to a blank id, where it checks one.
    blank: Option<Code>,
    /// The item's status, `None` when it does not exist.
    status: fn(&mut AnyConnection, &str) -> domain::AppResult<Option<ItemStatus>>,
    /// A partner admin's deactivation.
    decide: fn(&mut AnyConnection, &Actor, &str, Decision, Option<&str>) -> domain::AppResult<T>,
    /// The provider's own retirement (another provider's item is "not found").
    retire_own:
        fn(&mut AnyConnection, &Actor, &CurrentUser, &str, Option<&str>) -> domain::AppResult<T>,
    unknown: Code,
    already: Code,
    not_approved: Code,
    not_theirs: Code,
}

/// What every retirement does, in MOSIP's order: the caller, the revamp envelope with status
/// `De-Activate`, the id, the item exists and is approved; then an admin's deactivation or the
/// provider's own retirement.
async fn retire<T: Send + 'static>(
    state: &MosipState,
    headers: &HeaderMap,
    body: &[u8],
    envelope_id: &str,
    id: &str,
    how: Retirement<T>,
) -> Result<T, Fault> {
    let r = retirer(state, headers, how.provider).await?;
    de_activate(&envelope::parse_v2(body, envelope_id)?)?;
    let id = id.trim().to_string();
    if let (true, Some((code, message))) = (id.is_empty(), how.blank) {
        return Err(Fault::new(code, message));
    }
    let lookup = id.clone();
    let status = how.status;
    let current = run(state, move |conn| status(conn, &lookup))
        .await?
        .ok_or_else(|| Fault::new(how.unknown.0, how.unknown.1))?;
    match current {
        ItemStatus::Approved => {}
        ItemStatus::Deactivated => return Err(Fault::new(how.already.0, how.already.1)),
        _ => return Err(Fault::new(how.not_approved.0, how.not_approved.1)),
    }
    let (decide, retire_own) = (how.decide, how.retire_own);
    run(state, move |conn| match (&r.admin, &r.user) {
        (true, _) | (false, None) => {
            decide(conn, &r.actor, &id, Decision::Deactivate, Some(REASON))
        }
        (false, Some(user)) => retire_own(conn, &r.actor, user, &id, Some(REASON)),
    })
    .await
    .map_err(|f| not_theirs(f, how.not_theirs.0, how.not_theirs.1))
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
    let how = Retirement {
        provider: Role::DeviceProvider,
        blank: None,
        status: |conn, id| Ok(domain::device::sbi::get(conn, id).ok().map(|s| s.status)),
        decide: domain::device::sbi::decide,
        retire_own: domain::device::sbi::retire_own,
        unknown: ("PMS_DEVICE_ERROR_005", "SBI do not exists."),
        already: (
            "PMS_DEVICE_ERROR_020",
            "The selected SBI is already deactivated.",
        ),
        not_approved: (
            "PMS_DEVICE_ERROR_022",
            "The selected SBI is not in an approved status.",
        ),
        not_theirs: ("PMS_DEVICE_ERROR_019", "SBI is not associated with user."),
    };
    let retired = retire(&state, &headers, &body, ID, &sbi_id, how).await;
    let a = retired.map(|(sbi, _)| {
        json!({
            "sbiId": sbi.id,
            "sbiVersion": sbi.version,
            "status": "approved",
            "isActive": false,
        })
    });
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
    let how = Retirement {
        provider: Role::FtmProvider,
        blank: Some(("PMS_FTM_ERROR_004", "FTM Id is invalid")),
        status: |conn, id| Ok(domain::device::chip::get(conn, id).ok().map(|c| c.status)),
        decide: domain::device::chip::decide,
        retire_own: domain::device::chip::retire_own,
        unknown: ("PMS_FTM_ERROR_005", "FTM Details do not exists."),
        already: (
            "PMS_FTM_ERROR_007",
            "The selected FTM is already deactivated.",
        ),
        not_approved: (
            "PMS_FTM_ERROR_010",
            "The selected FTM is not in an approved status.",
        ),
        not_theirs: ("PMS_FTM_ERROR_006", "FTM is not associated with user."),
    };
    let retired = retire(&state, &headers, &body, ID, &ftm_id, how).await;
    let a =
        retired.map(|chip| json!({ "ftmId": chip.id, "status": "approved", "isActive": false }));
    envelope::reply_v2(ID, a)
}

/// `POST /v1/partnermanager/devicedetail/{deviceDetailId}/approval`: a partner admin approves
/// or rejects a pending device model, naming its provider and the SBI it is linked to; checked
/// in MOSIP's order (request present, revamp envelope, fields, status, SBI, device, link).
pub async fn decide_device(
    State(state): State<MosipState>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    const ID: &str = "mosip.pms.approval.mapping.device.to.sbi.post";
    let who = match require(&state, &headers, &[Role::PartnerAdmin]).await {
        Ok(w) => w,
        Err(f) => return envelope::reply(&envelope::Meta::default(), Err(f)),
    };
    // MOSIP's bean validation answers a missing `request` before anything else, with 400.
    if request_missing(&body) {
        return envelope::reply(
            &envelope::Meta::default(),
            Err(Fault {
                status: axum::http::StatusCode::BAD_REQUEST,
                code: "PMS_COR_001".into(),
                message: "Invalid request parameter - must not be null :request".into(),
            }),
        );
    }
    let a: Answer = async {
        let env = envelope::parse_v2(&body, ID)?;
        let field = |name: &str| {
            env.request
                .get(name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let (Some(partner_id), Some(status)) = (field("partnerId"), field("status")) else {
            return Err(Fault::new("PMS_REQUEST_ERROR_001", "Invalid request."));
        };
        let decision = approval_decision(&status)?;
        let Some(sbi_id) = field("sbiId") else {
            return Err(if decision == Decision::Approve {
                Fault::new(
                    "PMS_DEVICE_ERROR_024",
                    "This device cannot be approved as it does not have any SBI associated to it.",
                )
            } else {
                Fault::new(
                    "PMS_DEVICE_ERROR_025",
                    "This device cannot be rejected as it does not have any SBI associated to it.",
                )
            });
        };
        let id = device_id.trim().to_string();
        let (sbi, device) = {
            let (s, d) = (sbi_id.clone(), id.clone());
            run(&state, move |conn| {
                Ok((
                    domain::device::sbi::get(conn, &s).ok(),
                    domain::device::model::get(conn, &d).ok(),
                ))
            })
            .await?
        };
        let sbi = approval_sbi(sbi, &partner_id)?;
        approval_device(device, &partner_id, &sbi.id)?;
        let actor = who.actor(request_id(&headers));
        let reason = (decision == Decision::Reject).then_some(REJECTED);
        run(&state, move |conn| {
            domain::device::model::decide(conn, &actor, &id, decision, reason)
        })
        .await?;
        Ok(json!(true))
    }
    .await;
    envelope::reply_v2(ID, a)
}

/// MOSIP's status words of an approval as a decision.
fn approval_decision(status: &str) -> Result<Decision, Fault> {
    match status {
        "approved" => Ok(Decision::Approve),
        "rejected" => Ok(Decision::Reject),
        _ => Err(Fault::new(
            "PMS_DEVICE_ERROR_027",
            "Request status should be either approved or rejected",
        )),
    }
}

/// Whether a JSON object body lacks its `request` (or has it null).
fn request_missing(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            v.as_object()
                .map(|o| o.get("request").is_none_or(Value::is_null))
        })
        .unwrap_or(false)
}

/// The SBI of a device approval, in MOSIP's order: it exists, is the partner's, and is
/// approved and not expired.
fn approval_sbi(
    sbi: Option<domain::device::SbiView>,
    partner_id: &str,
) -> Result<domain::device::SbiView, Fault> {
    let sbi = sbi.ok_or_else(|| Fault::new("PMS_DEVICE_ERROR_005", "SBI do not exists."))?;
    if sbi.partner_id != partner_id {
        return Err(Fault::new(
            "PMS_DEVICE_ERROR_002",
            "SBI is not associated with partner Id.",
        ));
    }
    let sbi_refusal = match sbi.status {
        ItemStatus::PendingApproval | ItemStatus::PendingCertUpload => Some((
            "PMS_DEVICE_ERROR_009",
            "Unable to process the request as the associated SBI is not approved.",
        )),
        ItemStatus::Rejected => Some((
            "PMS_DEVICE_ERROR_028",
            "Unable to process the request as the associated SBI is rejected",
        )),
        ItemStatus::Deactivated => Some((
            "PMS_DEVICE_ERROR_029",
            "Unable to process the request as the associated SBI is deactivated",
        )),
        ItemStatus::Approved if sbi.expires_on < domain::clock::now_ms() => Some((
            "PMS_DEVICE_ERROR_021",
            "SBI for which device is being added is expired",
        )),
        ItemStatus::Approved => None,
    };
    if let Some((code, message)) = sbi_refusal {
        return Err(Fault::new(code, message));
    }
    Ok(sbi)
}

/// The device of an approval, in MOSIP's order: it exists, is the partner's, is pending and is
/// linked to the SBI.
fn approval_device(
    device: Option<domain::device::DeviceView>,
    partner_id: &str,
    sbi_id: &str,
) -> Result<(), Fault> {
    let device =
        device.ok_or_else(|| Fault::new("PMS_DEVICE_ERROR_006", "Device do not exists."))?;
    if device.partner_id != partner_id {
        return Err(Fault::new(
            "PMS_DEVICE_ERROR_007",
            "Device is not associated with partner Id.",
        ));
    }
    if device.status != ItemStatus::PendingApproval {
        return Err(Fault::new(
            "PMS_DEVICE_ERROR_010",
            "Given device details are not in pending for approval status.",
        ));
    }
    if !device.sbis.iter().any(|s| s.id == sbi_id) {
        return Err(Fault::new(
            "PMS_DEVICE_ERROR_012",
            "SBI and Device mapping does not exists.",
        ));
    }
    Ok(())
}

/// `PATCH /v1/partnermanager/devicedetail/{deviceId}`: a device provider retires its own
/// approved device, a partner admin any; MOSIP's revamp envelope and codes in its order.
pub async fn deactivate_device(
    State(state): State<MosipState>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    const ID: &str = "mosip.pms.deactivate.device.patch";
    let how = Retirement {
        provider: Role::DeviceProvider,
        blank: Some(("PMS_DEVICE_ERROR_013", "Device Id is invalid")),
        status: |conn, id| Ok(domain::device::model::get(conn, id).ok().map(|d| d.status)),
        decide: domain::device::model::decide,
        retire_own: domain::device::model::retire_own,
        unknown: ("PMS_DEVICE_ERROR_006", "Device do not exists."),
        already: (
            "PMS_DEVICE_ERROR_014",
            "The selected device has been already deactivated.",
        ),
        not_approved: (
            "PMS_DEVICE_ERROR_023",
            "The selected Device is not in an approved status.",
        ),
        not_theirs: (
            "PMS_DEVICE_ERROR_016",
            "Device is not associated with user.",
        ),
    };
    let retired = retire(&state, &headers, &body, ID, &device_id, how).await;
    let a = retired.map(|d| json!({ "deviceId": d.id, "status": "approved", "isActive": false }));
    envelope::reply_v2(ID, a)
}
