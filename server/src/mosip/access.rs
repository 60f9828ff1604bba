//! MOSIP's lists of API keys and policy requests (`GET /partner-api-keys`,
//! `/partner-policy-requests`): every partner's for partner admins, the caller's own partner's
//! for the others, with MOSIP's filters, sorts, paging checks and item shapes.

use super::auth::require;
use super::envelope::{self, Fault};
use super::lists::{empty, fail, page_answer, paging, Mode, Params};
use super::{run, MosipState};
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use domain::access::listing::{self, KeyColumn, RequestColumn, Scope};
use domain::access::{KeyStatus, RequestStatus};
use domain::idp::Principal;
use domain::page::Columns;
use domain::partner::PartnerStatus;
use domain::Role;
use serde_json::{json, Value};

/// Whose rows the caller sees: a partner admin every partner's; anyone else its own partner's,
/// and a caller that has not registered one is refused as MOSIP does.
async fn scope_of(state: &MosipState, who: &Principal) -> Result<Option<String>, Fault> {
    if who.has_any(&[Role::PartnerAdmin]) {
        return Ok(None);
    }
    let account = who.account().ok_or_else(Fault::unknown_user)?.id.clone();
    let lookup = account.clone();
    run(state, move |conn| {
        domain::partner::id_for_account(conn, &lookup)
    })
    .await?
    .ok_or_else(Fault::unknown_user)?;
    Ok(Some(account))
}

fn scope(account: &Option<String>) -> Scope<'_> {
    match account {
        Some(a) => Scope::Account(a),
        None => Scope::All,
    }
}

const KEY_SORTS: [(&str, KeyColumn); 8] = [
    ("partnerId", KeyColumn::Partner),
    ("apiKeyLabel", KeyColumn::Label),
    ("orgName", KeyColumn::Organisation),
    ("policyName", KeyColumn::PolicyName),
    ("policyGroupName", KeyColumn::GroupName),
    ("status", KeyColumn::Status),
    ("createdDateTime", KeyColumn::Created),
    ("apiKeyExpiryDateTime", KeyColumn::ValidTo),
];

const KEY_FILTERS: [(&str, KeyColumn); 5] = [
    ("partnerId", KeyColumn::Partner),
    ("apiKeyLabel", KeyColumn::Label),
    ("orgName", KeyColumn::Organisation),
    ("policyName", KeyColumn::PolicyName),
    ("policyGroupName", KeyColumn::GroupName),
];

/// `GET /v1/partnermanager/partner-api-keys`: authentication partners' API keys (never a
/// secret). An expired key is still "activated" here, as in MOSIP (its expiry is a separate
/// field).
pub async fn api_keys(
    State(state): State<MosipState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    const ID: &str = "mosip.pms.all.api.key.requests.get";
    let a: Result<Response, Fault> = async {
        let who = require(&state, &headers, &[Role::PartnerAdmin, Role::AuthPartner]).await?;
        let p = Params::parse(raw);
        let paging = paging(&p, &KEY_SORTS, Mode::Optional)?;
        let account = scope_of(&state, &who).await?;
        let withdrawn = match p.text("status").as_deref() {
            None => None,
            Some("activated") => Some(false),
            Some("deactivated") => Some(true),
            Some(_) => return Ok(empty(ID)),
        };
        let columns = Columns {
            contains: p.contains(&KEY_FILTERS),
            sort: paging.sort,
        };
        let (page_no, page_size) = paging.portal();
        let page = run(&state, move |conn| {
            listing::keys_by(conn, scope(&account), withdrawn, page_no, page_size, &columns)
        })
        .await?;
        let now = domain::clock::now_ms();
        let data: Vec<Value> = page
            .items
            .iter()
            .map(|k| {
                json!({
                    "partnerId": k.partner_id,
                    "apiKeyLabel": k.label,
                    "orgName": k.organisation,
                    "policyId": k.policy_id,
                    "policyName": k.policy_name,
                    "policyDescription": k.policy_description,
                    "policyGroupId": k.group_id,
                    "policyGroupName": k.group_name,
                    "policyGroupDescription": k.group_description,
                    "status": if k.status == KeyStatus::Deactivated { "deactivated" } else { "activated" },
                    "createdDateTime": envelope::time_text(k.created_at),
                    "apiKeyExpiryDateTime": envelope::time_text(k.valid_to),
                    "isApiKeyExpiredStatus": k.status == KeyStatus::Expired || k.valid_to < now,
                })
            })
            .collect();
        Ok(page_answer(ID, &paging, page.total, data))
    }
    .await;
    a.unwrap_or_else(|f| fail(ID, f))
}

const REQUEST_SORTS: [(&str, RequestColumn); 9] = [
    ("partnerId", RequestColumn::Partner),
    ("partnerType", RequestColumn::PartnerType),
    ("orgName", RequestColumn::Organisation),
    ("policyId", RequestColumn::PolicyId),
    ("policyGroupName", RequestColumn::GroupName),
    ("policyName", RequestColumn::PolicyName),
    ("status", RequestColumn::Status),
    ("requestDetail", RequestColumn::UseCase),
    ("createdDateTime", RequestColumn::Created),
];

const REQUEST_FILTERS: [(&str, RequestColumn); 7] = [
    ("partnerId", RequestColumn::Partner),
    ("partnerComment", RequestColumn::UseCase),
    ("orgName", RequestColumn::Organisation),
    ("policyId", RequestColumn::PolicyId),
    ("policyName", RequestColumn::PolicyName),
    ("policyGroupName", RequestColumn::GroupName),
    ("partnerType", RequestColumn::PartnerType),
];

/// MOSIP's spelling of a policy request's status.
fn request_status_text(s: RequestStatus) -> &'static str {
    match s {
        RequestStatus::Pending => "InProgress",
        RequestStatus::Approved => "approved",
        RequestStatus::Rejected => "rejected",
    }
}

/// MOSIP's spelling of the requesting partner's status.
fn partner_status_text(s: PartnerStatus) -> &'static str {
    match s {
        // MOSIP has no partner before its email is verified (Keycloak verifies first).
        PartnerStatus::Unverified | PartnerStatus::Pending => "InProgress",
        PartnerStatus::Approved => "activated",
        PartnerStatus::Rejected => "rejected",
        PartnerStatus::Deactivated => "deactivated",
    }
}

/// `GET /v1/partnermanager/partner-policy-requests`: partners' policy requests.
pub async fn policy_requests(
    State(state): State<MosipState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    const ID: &str = "mosip.pms.all.partner.policy.mapping.requests.get";
    let a: Result<Response, Fault> = async {
        let roles = [
            Role::PartnerAdmin,
            Role::AuthPartner,
            Role::CredentialPartner,
        ];
        let who = require(&state, &headers, &roles).await?;
        let p = Params::parse(raw);
        let paging = paging(&p, &REQUEST_SORTS, Mode::Optional)?;
        let account = scope_of(&state, &who).await?;
        let status = match p.text("status") {
            None => None,
            Some(v) => match [
                RequestStatus::Pending,
                RequestStatus::Approved,
                RequestStatus::Rejected,
            ]
            .into_iter()
            .find(|s| request_status_text(*s) == v)
            {
                Some(s) => Some(s),
                None => return Ok(empty(ID)),
            },
        };
        let columns = Columns {
            contains: p.contains(&REQUEST_FILTERS),
            sort: paging.sort,
        };
        let (page_no, page_size) = paging.portal();
        let page = run(&state, move |conn| {
            listing::requests_by(conn, scope(&account), status, page_no, page_size, &columns)
        })
        .await?;
        let data: Vec<Value> = page
            .items
            .iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "partnerId": r.partner_id,
                    "partnerStatus": partner_status_text(r.partner_status),
                    "orgName": r.organisation,
                    "partnerType": r.partner_type,
                    "policyId": r.policy_id,
                    "policyName": r.policy_name,
                    "policyDescription": r.policy_description,
                    "policyGroupId": r.group_id,
                    "policyGroupName": r.group_name,
                    "policyGroupDescription": r.group_description,
                    "partnerComment": r.use_case,
                    "status": request_status_text(r.status),
                    "createdDateTime": envelope::time_text(r.created_at),
                    "updatedDateTime": envelope::time_text(r.updated_at),
                })
            })
            .collect();
        Ok(page_answer(ID, &paging, page.total, data))
    }
    .await;
    a.unwrap_or_else(|f| fail(ID, f))
}
