//! `/v1/partnermanager`: partners, their certificates, policy mappings and API keys, as
//! MOSIP's partner-manager service answers them.

use super::auth::{answer, gated, require};
use super::envelope::{now_text, Answer, Fault};
use super::{codes, request_id, run, MosipState};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use domain::idp::Principal;
use domain::Role;
use serde_json::json;

/// Roles of partner organisations' users (and the partner admin, who acts for any partner).
pub(super) const PARTNER_SIDE: [Role; 6] = [
    Role::PartnerAdmin,
    Role::AuthPartner,
    Role::CredentialPartner,
    Role::DeviceProvider,
    Role::FtmProvider,
    Role::MispPartner,
];

/// Partner admins only.
const ADMIN: [Role; 1] = [Role::PartnerAdmin];

fn no_partner() -> Fault {
    Fault::new("PMS_PRT_005", "Partner does not exist")
}

fn not_owner() -> Fault {
    Fault::new("PMS_PRT_055", "User not authorized.")
}

/// The partner `partner_id`, when the caller may act for it: its own partner, or any partner
/// for a partner admin.
pub(super) async fn acting_for(
    state: &MosipState,
    who: &Principal,
    partner_id: &str,
    admin_may: bool,
) -> Result<domain::partner::PartnerView, Fault> {
    let id = partner_id.to_string();
    let account = who.account().map(|u| u.id.clone());
    let (view, owner) = run(state, move |conn| {
        let Some(view) = domain::partner::load_view(conn, &id).ok() else {
            return Ok(None);
        };
        let owner = match account {
            Some(a) => domain::partner::id_for_account(conn, &a)?,
            None => None,
        };
        Ok(Some((view, owner)))
    })
    .await?
    .ok_or_else(no_partner)?;
    let own = owner.as_deref() == Some(view.id.as_str());
    if own || (admin_may && who.has_any(&[Role::PartnerAdmin])) {
        Ok(view)
    } else {
        Err(not_owner())
    }
}

/// `POST /partners/certificate/ca/upload`: a root or intermediate CA into the trust store.
pub async fn upload_ca(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (state, headers) = (&state, &headers);
    gated(state, headers, &ADMIN, body, |who, env| async move {
        let pem = env.text("certificateData")?;
        let domain_name = env.text("partnerDomain")?.trim().to_uppercase();
        let actor = who.actor(request_id(headers));
        let config = state.app.certs.clone();
        let result = domain::db::run(&state.app.pool, move |conn| {
            domain::cert::trust::upload(conn, &actor, &config, &domain_name, pem.as_bytes(), false)
        })
        .await;
        match result {
            Ok(_) => Ok(json!({ "status": "Upload Success.", "timestamp": now_text() })),
            Err(e) => Err(ca_fault(&e)),
        }
    })
    .await
}

/// A refused CA, in keymanager's codes: KER-PCM-003 when it is already in the store (the
/// onboarder's re-run looks for that phrase), KER-CRY-003 when it does not parse.
fn ca_fault(e: &domain::AppError) -> Fault {
    let has = |what: &str| e.details.iter().any(|d| d.path.ends_with(what));
    if e.code == "PMS_CERT_REFUSED" {
        if has("/parse") {
            return Fault::new(
                "KER-CRY-003",
                "Invalid certificate data: it does not parse.",
            );
        }
        if has("/duplicate") {
            return Fault::new("KER-PCM-003", "Certificate already exists in store.");
        }
        let first = e.details.first().map(|d| d.message.as_str()).unwrap_or("");
        let code = if has("/validity") || has("/remaining_validity") {
            "KER-PCM-004"
        } else if has("/chain") {
            "KER-PCM-005"
        } else {
            "KER-PCM-001"
        };
        return Fault::new(code, format!("Invalid Certificate uploaded. {first}"));
    }
    let f = codes::fault(e);
    if f.code == "KER-KMS-013" {
        return Fault::new(
            "KER-CRY-003",
            "Invalid certificate data: it does not parse as PEM.",
        );
    }
    f
}

/// A refused partner certificate, in keymanager's codes (the first failed check decides).
fn leaf_fault(e: &domain::AppError) -> Fault {
    if e.code != "PMS_CERT_REFUSED" {
        return codes::fault(e);
    }
    let Some(first) = e.details.first() else {
        return codes::fault(e);
    };
    let code = match first.path.trim_start_matches('/') {
        "organisation" => "KER-PCM-008",
        "chain" => "KER-PCM-006",
        "validity" => "KER-PCM-004",
        "self_signed" => "KER-PCM-015",
        "key" => "KER-PCM-013",
        "parse" => "KER-KMS-013",
        _ => "KER-PCM-001",
    };
    Fault::new(code, first.message.clone())
}

/// `POST /partners/certificate/upload`: a partner's certificate, answered with the portal's
/// re-signed certificate for the same key.
pub async fn upload_certificate(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (state, headers) = (&state, &headers);
    gated(state, headers, &PARTNER_SIDE, body, |who, env| async move {
        let pem = env.text("certificateData")?;
        let domain_name = env.text("partnerDomain")?.trim().to_uppercase();
        let partner_id = env.text("partnerId")?;
        let partner = acting_for(state, &who, &partner_id, true).await?;
        // A domain other than the partner type's is as unknown to it as a made-up one.
        if partner.cert_domain != domain_name {
            return Err(Fault::new("KER-PCM-011", "Invalid Partner Domain."));
        }
        let actor = who.actor(request_id(headers));
        let config = state.app.certs.clone();
        let view = domain::db::run(&state.app.pool, move |conn| {
            domain::cert::partner::upload_for(conn, &actor, &partner.id, &config, pem.as_bytes())
        })
        .await
        .map_err(|e| leaf_fault(&e))?;
        Ok(json!({
            "certificateId": view.id,
            "signedCertificateData": view.resigned_pem,
            "timestamp": now_text(),
        }))
    })
    .await
}

/// `POST /partners`: the signed-in user registers its partner (pending until approved).
pub async fn register(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (state, headers) = (&state, &headers);
    gated(state, headers, &PARTNER_SIDE, body, |who, env| async move {
        let Some(user) = who.account().cloned() else {
            // A partner belongs to a user; an API client has none to register.
            return Err(Fault::forbidden());
        };
        let partner_id = env.text("partnerId")?;
        let partner_type = env.text("partnerType")?;
        let organisation = env.text("organizationName")?;
        let email = env.text("emailId")?;
        let phone = env.text("contactNumber")?;
        let address = env.text("address")?;
        let group_name = env.opt_text("policyGroup")?;
        let language = env.opt_text("langCode")?.unwrap_or_else(|| "eng".into());
        let actor = who.actor(request_id(headers));
        let view = run(state, move |conn| {
            let policy_group_id = match &group_name {
                Some(name) => Some(domain::policy::group::id_by_name(conn, name)?.ok_or_else(
                    || {
                        domain::AppError::validation(
                            "policyGroup",
                            "PMS_POLICY_GROUP_UNKNOWN",
                            "Policy group does not exist.",
                        )
                    },
                )?),
                None => None,
            };
            let input = domain::partner::PartnerInput {
                partner_id,
                organisation,
                partner_type,
                email,
                phone,
                address,
                language,
                policy_group_id,
            };
            domain::partner::register_for_account(conn, &actor, &user.id, &input)
        })
        .await?;
        Ok(json!({ "partnerId": view.id, "status": "InProgress" }))
    })
    .await
}

/// The policy of that name for the partner: PMS_PRT_073 when no policy has the name,
/// PMS_PRT_098 when it is another group's, PMS_PMP_019 when it is not published.
async fn policy_of_group(
    state: &MosipState,
    partner: &domain::partner::PartnerView,
    name: String,
) -> Result<String, Fault> {
    let group = partner.policy_group_id.clone();
    let (anywhere, in_group) = run(state, move |conn| {
        let in_group = match &group {
            Some(g) => domain::policy::find_by_name(conn, Some(g), &name)?,
            None => None,
        };
        Ok((domain::policy::find_by_name(conn, None, &name)?, in_group))
    })
    .await?;
    match (anywhere, in_group) {
        (None, _) => Err(Fault::new("PMS_PRT_073", "Policy not exists.")),
        (Some(_), None) => Err(Fault::new(
            "PMS_PRT_098",
            "Given policy doesn't exists under partner's policy group.",
        )),
        (_, Some(p)) if p.status != domain::policy::PolicyStatus::Published => {
            Err(Fault::new("PMS_PMP_019", "Policy is not active."))
        }
        (_, Some(p)) => Ok(p.id),
    }
}

/// For a partner's own call about one of its group's policies: its partner (the caller must
/// own it), its account, and the policy's id.
async fn own_policy(
    state: &MosipState,
    who: &Principal,
    partner_id: &str,
    policy_name: String,
) -> Result<
    (
        domain::partner::PartnerView,
        domain::account::CurrentUser,
        String,
    ),
    Fault,
> {
    let partner = acting_for(state, who, partner_id, false).await?;
    let user = who.account().cloned().ok_or_else(not_owner)?;
    let policy_id = policy_of_group(state, &partner, policy_name).await?;
    Ok((partner, user, policy_id))
}

/// `POST /partners/{partnerId}/policy/map`: the partner requests a policy of its group.
pub async fn map_policy(
    State(state): State<MosipState>,
    Path(partner_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (state, headers) = (&state, &headers);
    gated(state, headers, &PARTNER_SIDE, body, |who, env| async move {
        let policy_name = env.text("policyName")?;
        let use_case = env.text("useCaseDescription")?;
        let (partner, user, policy_id) = own_policy(state, &who, &partner_id, policy_name).await?;
        let actor = who.actor(request_id(headers));
        let pid = partner.id.clone();
        let created = run(state, move |conn| {
            let input = domain::access::RequestInput {
                policy_id: policy_id.clone(),
                use_case,
            };
            match domain::access::request::create(conn, &actor, &user, &input) {
                Ok(v) => Ok(Ok(v)),
                // Asked again: MOSIP says which state the standing request is in.
                Err(e) if e.code == "PMS_REQUEST_EXISTS" => Ok(Err(
                    domain::access::request::latest_for(conn, &pid, &policy_id)?.map(|v| v.status),
                )),
                Err(e) => Err(e),
            }
        })
        .await?;
        match created {
            Ok(view) => Ok(json!({
                "mappingkey": view.id,
                "message": "Policy mapping request submitted successfully.",
            })),
            Err(Some(domain::access::RequestStatus::Approved)) => Err(Fault::new(
                "PMS_PRT_060",
                "This policy has already been approved against your partner ID.",
            )),
            Err(_) => Err(Fault::new(
                "PMS_PRT_053",
                "This policy is already pending for approval against your partner ID.",
            )),
        }
    })
    .await
}

/// `PUT /partners/policy/{mappingkey}`: a partner admin approves or rejects a request.
pub async fn decide_mapping(
    State(state): State<MosipState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (state, headers) = (&state, &headers);
    gated(state, headers, &ADMIN, body, |who, env| async move {
        let status = env.text("status")?;
        let approve = match status.trim().to_ascii_lowercase().as_str() {
            "approved" => true,
            "rejected" => false,
            _ => {
                return Err(Fault::new(
                    "PMS_PM_045",
                    "Status should be either Approved or Rejected",
                ))
            }
        };
        let actor = who.actor(request_id(headers));
        let id = key.clone();
        let result = run(state, move |conn| {
            let Ok(current) = domain::access::request::get(conn, &id) else {
                return Ok(None);
            };
            if current.status != domain::access::RequestStatus::Pending {
                return Ok(Some(Err(current.status)));
            }
            let comment = (!approve).then_some("Rejected through MOSIP's API.");
            domain::access::request::decide(conn, &actor, &id, approve, comment)
                .map(|v| Some(Ok(v)))
        })
        .await?;
        match result {
            None => Err(Fault::new("PMS_PMP_007", "Partner api key does not exist")),
            Some(Err(domain::access::RequestStatus::Approved)) => {
                Err(Fault::new("PMS_PM_034", "Policy request already approved."))
            }
            Some(Err(_)) => Err(Fault::new("PMS_PM_035", "Policy request already rejected.")),
            Some(Ok(_)) => Ok(json!(if approve {
                "Policy mapping approved successfully"
            } else {
                "Policy mapping rejected successfully"
            })),
        }
    })
    .await
}

/// `PATCH /partners/{partnerId}/generate/apikey`: an API key for an approved policy; its
/// secret is in this answer only.
pub async fn generate_api_key(
    State(state): State<MosipState>,
    Path(partner_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (state, headers) = (&state, &headers);
    gated(state, headers, &PARTNER_SIDE, body, |who, env| async move {
        let policy_name = env.text("policyName")?;
        let label = env.text("label")?;
        let (partner, user, policy_id) = own_policy(state, &who, &partner_id, policy_name).await?;
        let actor = who.actor(request_id(headers));
        let config = state.app.access;
        let pid = policy_id.clone();
        let issued = run(state, move |conn| {
            let input = domain::access::ApiKeyInput {
                policy_id: pid,
                label,
                valid_to: None,
            };
            domain::access::apikey::create(conn, &actor, &user, &input, &config)
        })
        .await?;
        Ok(json!({
            "apiKey": issued.secret,
            "label": issued.item.label,
            "policyId": policy_id,
            "partnerId": partner.id,
        }))
    })
    .await
}

/// `POST /partners/{partnerId}/credentialtype/{credentialType}/policies/{policyName}`.
pub async fn map_credential_type(
    State(state): State<MosipState>,
    Path((partner_id, credential_type, policy_name)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let a: Answer = async {
        let who = require(&state, &headers, &[Role::PartnerAdmin]).await?;
        let partner = acting_for(&state, &who, &partner_id, true).await?;
        let policy_id = policy_of_group(&state, &partner, policy_name).await?;
        let actor = who.actor(request_id(&headers));
        run(&state, move |conn| {
            domain::access::credential_type::map(
                conn,
                &actor,
                &partner.id,
                &credential_type,
                &policy_id,
            )
        })
        .await?;
        Ok(json!(
            "Partner, policy and credentialType mapping done successfully."
        ))
    }
    .await;
    answer(
        "mosip.partnermanager.partner.credentialtype.policy.mapping",
        a,
    )
}
