//! A partner's reads about itself, as MOSIP's partner-manager answers them:
//! `GET /partners/v3` (the caller's partners by status) and `GET /partners/{id}/certificate`.

use super::auth::require;
use super::envelope::{self, Fault};
use super::lists::Params;
use super::partners::acting_for;
use super::{run, MosipState};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::partner::PartnerStatus;
use domain::Role;
use serde_json::{json, Value};

/// Roles MOSIP lets read a partner's own data (the partner admin for any partner).
const READERS: [Role; 6] = [
    Role::PartnerAdmin,
    Role::AuthPartner,
    Role::CredentialPartner,
    Role::DeviceProvider,
    Role::FtmProvider,
    Role::MispPartner,
];

/// MOSIP's stored spelling of a partner status: a deactivated partner stays `approved` there
/// (its `is_active` is what changes).
fn status_text(s: PartnerStatus) -> &'static str {
    match s {
        // MOSIP has no partner before its email is verified (Keycloak verifies first).
        PartnerStatus::Unverified | PartnerStatus::Pending => "InProgress",
        PartnerStatus::Approved | PartnerStatus::Deactivated => "approved",
        PartnerStatus::Rejected => "rejected",
    }
}

/// `GET /v1/partnermanager/partners/v3?status=…[&partnerType=…][&policyGroupAvailable=…]`: the
/// caller's partners in that status (exact, MOSIP's spelling), with their policy group when
/// `policyGroupAvailable=true`.
pub async fn partners_v3(
    State(state): State<MosipState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    const ID: &str = "mosip.pms.partners.v3.get";
    let a = async {
        let who = require(&state, &headers, &READERS).await?;
        let p = Params::parse(raw);
        let status = p.text("status").ok_or_else(|| Fault {
            status: StatusCode::BAD_REQUEST,
            code: "PMS_COR_001".into(),
            message: "Invalid request parameter - must not be null :status".into(),
        })?;
        let with_group = match p.text("policyGroupAvailable").as_deref() {
            None => None,
            Some(v) if v.eq_ignore_ascii_case("true") => Some(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Some(false),
            Some(_) => {
                return Err(Fault {
                    status: StatusCode::BAD_REQUEST,
                    code: "PMS_COR_001".into(),
                    message:
                        "Invalid request parameter - policyGroupAvailable must be true or false"
                            .into(),
                })
            }
        };
        let kind = p.text("partnerType");
        let unknown = Fault::unknown_user;
        let account = who.account().ok_or_else(unknown)?.id.clone();
        let found = run(&state, move |conn| {
            let Some(id) = domain::partner::id_for_account(conn, &account)? else {
                return Ok(None);
            };
            let view = domain::partner::load_view(conn, &id)?;
            let group = match (&view.policy_group_id, with_group) {
                (Some(g), Some(true)) => Some(domain::policy::group::get(conn, g)?),
                _ => None,
            };
            Ok(Some((view, group)))
        })
        .await?;
        let (view, group) = found.ok_or_else(unknown)?;
        let matches = status_text(view.status) == status
            && kind.as_deref().is_none_or(|k| k == view.partner_type)
            && with_group.is_none_or(|w| w == view.policy_group_id.is_some());
        if !matches {
            return Ok(json!([]));
        }
        Ok(json!([{
            "partnerId": view.id,
            "partnerType": view.partner_type,
            "policyGroupId": group.as_ref().map(|g| g.id.clone()),
            "policyGroupName": group.as_ref().map(|g| g.name.clone()),
            "policyGroupDescription": group.as_ref().map(|g| g.description.clone()),
        }]))
    }
    .await;
    envelope::reply_v2(ID, a)
}

/// MOSIP's old envelope with its success ids null (its `@ResponseFilter` sets none) and its
/// errors under the partner manager's id.
fn old_reply(answer: Result<Value, Fault>) -> Response {
    let body = match &answer {
        Ok(v) => {
            json!({ "id": null, "version": null, "responsetime": envelope::now_text(), "metadata": null, "response": v, "errors": [] })
        }
        Err(f) => {
            json!({ "id": "mosip.partnermanagement", "version": "1.0", "responsetime": envelope::now_text(), "metadata": null, "response": null, "errors": [{ "errorCode": f.code, "message": f.message }] })
        }
    };
    let status = answer
        .as_ref()
        .map_or_else(|f| f.status, |_| StatusCode::OK);
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(body),
    )
        .into_response()
}

/// `GET /v1/partnermanager/partners/{partnerId}/certificate`: the partner's certificate as the
/// ID system trusts it (re-signed by the portal's CA), for the partner itself or a partner
/// admin. MOSIP lets any partner read any partner's; the portal keeps each to its own
/// (`PMS_PRT_055`).
pub async fn certificate(
    State(state): State<MosipState>,
    Path(partner_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let a = async {
        let who = require(&state, &headers, &READERS).await?;
        let partner = acting_for(&state, &who, partner_id.trim(), true).await?;
        let id = partner.id.clone();
        let cert = run(&state, move |conn| {
            domain::cert::partner::of_partner(conn, &id)
        })
        .await?
        .ok_or_else(|| {
            Fault::new(
                "PMS_PRT_108",
                "Certficate is not uploaded for the selected partner.",
            )
        })?;
        Ok(json!({
            "certificateData": cert.resigned_pem,
            "timestamp": envelope::time_text(cert.uploaded_at),
        }))
    }
    .await;
    old_reply(a)
}
