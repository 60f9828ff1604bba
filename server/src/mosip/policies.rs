//! `/v1/policymanager`: policy groups and policies, as MOSIP's policy-manager answers them.

use super::auth::{answer, gated, require};
use super::envelope::{self, Answer, Fault};
use super::lists::{empty, page_answer, paging, Mode, Params};
use super::{request_id, run, MosipState};
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use domain::page::Columns;
use domain::policy::listing::PolicyColumn;
use domain::policy::PolicyStatus;
use domain::Role;
use serde_json::{json, Value};

/// Who writes policies: MOSIP lets partner admins do it as well as policy managers.
const AUTHORS: [Role; 2] = [Role::PolicyManager, Role::PartnerAdmin];

/// How long a policy published through this door stays valid (MOSIP's have no end; the
/// portal's longest is ten years).
const PUBLISH_VALIDITY_MS: i64 = 3650 * 24 * 3600 * 1000;

/// `POST /policies/group/new`.
pub async fn create_group(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (state, headers) = (&state, &headers);
    gated(state, headers, &AUTHORS, body, |who, env| async move {
        let name = env.text("name")?;
        let desc = env.text("desc")?;
        let actor = who.actor(request_id(headers));
        let by = who.name();
        let group = run(state, move |conn| {
            domain::policy::group::create(conn, &actor, &name, &desc)
        })
        .await?;
        let now = envelope::now_text();
        Ok(json!({
            "id": group.id,
            "name": group.name,
            "desc": group.description,
            "is_Active": true,
            "cr_by": by,
            "cr_dtimes": now,
            "up_by": by,
            "upd_dtimes": now,
        }))
    })
    .await
}

/// `POST /policies`: a draft policy in a group, its document checked against its schema.
pub async fn create_policy(
    State(state): State<MosipState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (state, headers) = (&state, &headers);
    gated(state, headers, &AUTHORS, body, |who, env| async move {
        let name = env.text("name")?;
        let desc = env.text("desc")?;
        let group_name = env.text("policyGroupName")?;
        let policy_type = env.text("policyType")?;
        let document = Value::Object(env.object("policies")?.clone()).to_string();
        let version = env.opt_text("version")?.unwrap_or_else(|| "1.0".into());
        let actor = who.actor(request_id(headers));
        let by = who.name();
        let lookup = group_name.clone();
        let group_id = run(state, move |conn| {
            domain::policy::group::id_by_name(conn, &lookup)
        })
        .await?
        .ok_or_else(|| Fault::new("PMS_POL_019", "Policy group name does not exist"))?;
        let input = domain::policy::PolicyInput {
            group_id,
            name,
            description: desc,
            policy_type,
            document,
        };
        let detail = run(state, move |conn| {
            domain::policy::create(conn, &actor, &input)
        })
        .await?;
        Ok(json!({
            "id": detail.summary.id,
            "name": detail.summary.name,
            "desc": detail.description,
            "policyGroupName": group_name,
            "policyType": detail.summary.policy_type.as_str(),
            "version": version,
            "is_Active": false,
            "cr_by": by,
            "cr_dtimes": envelope::time_text(detail.created_at),
            "up_by": by,
            "upd_dtimes": envelope::time_text(detail.summary.updated_at),
        }))
    })
    .await
}

/// `POST /policies/{policyId}/group/{policyGroupId}/publish` (no body).
pub async fn publish(
    State(state): State<MosipState>,
    Path((policy_id, group_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let a: Answer = async {
        let who = require(&state, &headers, &AUTHORS).await?;
        let actor = who.actor(request_id(&headers));
        let id = policy_id.clone();
        let current = run(&state, move |conn| {
            Ok(domain::policy::detail(conn, &id).ok())
        })
        .await?;
        let Some(current) = current else {
            return Err(Fault::new("PMS_POL_008", "Policy ID does not exist"));
        };
        if current.summary.group_id != group_id {
            let gid = group_id.clone();
            let known = run(&state, move |conn| {
                Ok(domain::policy::group::get(conn, &gid).is_ok())
            })
            .await?;
            return Err(if known {
                Fault::new("PMS_POL_015", "Policy group and policy not mapped.")
            } else {
                Fault::new("PMS_POL_016", "Policy Group ID does not exist")
            });
        }
        let valid_to = domain::clock::now_ms() + PUBLISH_VALIDITY_MS;
        let id = policy_id.clone();
        let d = run(&state, move |conn| {
            domain::policy::publish(conn, &actor, &id, valid_to)
        })
        .await?;
        let policies: Value = serde_json::from_str(&d.document).unwrap_or(Value::Null);
        Ok(json!({
            "policyGroupId": d.summary.group_id,
            "policyGroupName": d.summary.group_name,
            "policyId": d.summary.id,
            "policyName": d.summary.name,
            "policyDesc": d.description,
            "policyType": d.summary.policy_type.as_str(),
            "publishDate": d.summary.valid_from.map(envelope::time_text),
            "validTill": d.summary.valid_to.map(envelope::time_text),
            "status": "PUBLISHED",
            "version": d.summary.version.to_string(),
            "is_Active": true,
            "policies": policies,
        }))
    }
    .await;
    answer("mosip.pms.policy.publish", a)
}

/// `PATCH /policies/group/{policyGroupId}`: deactivate a group (MOSIP's revamp envelope,
/// `request.status` "De-Activate"), refused while it holds published or draft policies.
pub async fn deactivate_group(
    State(state): State<MosipState>,
    Path(group_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    const ID: &str = "mosip.pms.deactivate.policy.group.patch";
    let a: Answer = async {
        let who = require(&state, &headers, &AUTHORS).await?;
        let id = group_id.trim().to_string();
        if id.is_empty() {
            return Err(Fault::new("PMS_COR_002", "Invalid Input Parameter - "));
        }
        let env = envelope::parse_v2(&body, ID)?;
        if env.request.get("status").and_then(Value::as_str) != Some("De-Activate") {
            return Err(Fault::new(
                "PMS_POL_073",
                "Request status should be De-Activate",
            ));
        }
        let lookup = id.clone();
        let group = run(&state, move |conn| {
            Ok(domain::policy::group::get(conn, &lookup).ok())
        })
        .await?
        .ok_or_else(|| Fault::new("PMS_POL_068", "The specified policy group does not exist"))?;
        if !group.active {
            return Err(Fault::new(
                "PMS_POL_067",
                "The policy group has already been deactivated",
            ));
        }
        if group.live_policies > 0 {
            // MOSIP names which kind blocks it: published ("active"), drafts, or both.
            let lookup = id.clone();
            let (published, drafts) = run(&state, move |conn| {
                let mut count = |status: &str| -> domain::AppResult<i64> {
                    let query = domain::policy::PolicyQuery {
                        group: Some(lookup.clone()),
                        status: Some(status.to_string()),
                        page_size: Some(1),
                        ..Default::default()
                    };
                    Ok(domain::policy::list(conn, &query)?.page.total)
                };
                use domain::policy::PolicyStatus;
                Ok((
                    count(PolicyStatus::Published.as_str())?,
                    count(PolicyStatus::Draft.as_str())?,
                ))
            })
            .await?;
            return Err(match (published > 0, drafts > 0) {
                (true, true) => Fault::new(
                    "PMS_POL_069",
                    "Active or draft policies are associated with the policy group",
                ),
                (true, false) => Fault::new(
                    "PMS_POL_056",
                    "Active policies exists under the policy group.",
                ),
                _ => Fault::new(
                    "PMS_POL_070",
                    "Draft policies exists under the policy group.",
                ),
            });
        }
        let actor = who.actor(request_id(&headers));
        let done = run(&state, move |conn| {
            domain::policy::group::set_active(conn, &actor, &id, false)
        })
        .await?;
        Ok(json!({ "policyGroupId": done.id, "isActive": done.active }))
    }
    .await;
    envelope::reply_v2(ID, a)
}

const POLICY_SORTS: [(&str, PolicyColumn); 7] = [
    ("policyId", PolicyColumn::Id),
    ("policyName", PolicyColumn::Name),
    ("policyDescription", PolicyColumn::Description),
    ("policyGroupId", PolicyColumn::GroupId),
    ("policyGroupName", PolicyColumn::GroupName),
    ("createdDateTime", PolicyColumn::Created),
    ("status", PolicyColumn::Status),
];

const POLICY_FILTERS: [(&str, PolicyColumn); 5] = [
    ("policyId", PolicyColumn::Id),
    ("policyName", PolicyColumn::Name),
    ("policyDescription", PolicyColumn::Description),
    ("policyType", PolicyColumn::Type),
    ("policyGroupName", PolicyColumn::GroupName),
];

/// MOSIP's spelling of a policy status.
fn policy_status_text(s: PolicyStatus) -> &'static str {
    match s {
        PolicyStatus::Draft => "draft",
        PolicyStatus::Published => "activated",
        PolicyStatus::Deactivated => "deactivated",
    }
}

/// `GET /v1/policymanager/policies/v2`: every policy (partner admins, policy managers), page 0
/// of 8 unless asked, filtered and sorted by MOSIP's columns; newest first without a sort.
pub async fn list(
    State(state): State<MosipState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    const ID: &str = "mosip.pms.policies.get";
    if let Err(f) = require(&state, &headers, &AUTHORS).await {
        return envelope::reply(&envelope::Meta::default(), Err(f));
    }
    let p = Params::parse(raw);
    let paging = match paging(&p, &POLICY_SORTS, Mode::Policy) {
        Ok(x) => x,
        Err(f) => return envelope::reply_v2(ID, Err(f)),
    };
    let status = match p.text("status").as_deref() {
        None => None,
        Some(v) => match PolicyStatus::ALL
            .into_iter()
            .find(|s| policy_status_text(*s) == v)
        {
            Some(s) => Some(s),
            None => return empty(ID),
        },
    };
    let columns = Columns {
        contains: p.contains(&POLICY_FILTERS),
        sort: paging.sort,
    };
    let (page_no, page_size) = paging.portal();
    let page = match run(&state, move |conn| {
        domain::policy::listing::list_by(conn, status, page_no, page_size, &columns)
    })
    .await
    {
        Ok(p) => p,
        Err(f) => return envelope::reply_v2(ID, Err(f)),
    };
    let data: Vec<Value> = page
        .items
        .iter()
        .map(|l| {
            json!({
                "policyId": l.summary.id,
                "policyType": l.summary.policy_type.as_str(),
                "policyName": l.summary.name,
                "policyDescription": l.description,
                "policyGroupId": l.summary.group_id,
                "policyGroupName": l.summary.group_name,
                "status": policy_status_text(l.summary.status),
                "createdDateTime": envelope::time_text(l.created_at),
            })
        })
        .collect();
    page_answer(ID, &paging, page.total, data)
}

/// `PATCH /v1/policymanager/policies/{policyId}`: deactivate a published policy that no
/// partner has asked for or been granted; MOSIP's revamp envelope and codes, checked in its
/// order.
pub async fn deactivate_policy(
    State(state): State<MosipState>,
    Path(policy_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    const ID: &str = "mosip.pms.deactivate.policy.patch";
    let a: Answer = async {
        let who = require(&state, &headers, &AUTHORS).await?;
        let env = envelope::parse_v2(&body, ID)?;
        let id = policy_id.trim().to_string();
        if id.is_empty() {
            return Err(Fault::new("PMS_COR_002", "Invalid Input Parameter - "));
        }
        if env.request.get("status").and_then(Value::as_str) != Some("De-Activate") {
            return Err(Fault::new(
                "PMS_POL_073",
                "Request status should be De-Activate",
            ));
        }
        let lookup = id.clone();
        let found = run(&state, move |conn| {
            let Ok(policy) = domain::policy::detail(conn, &lookup) else {
                return Ok(None);
            };
            let mut requests = |status: &str| -> domain::AppResult<i64> {
                let query = domain::access::RequestQuery {
                    policy: Some(lookup.clone()),
                    status: Some(status.to_string()),
                    page_size: Some(1),
                    ..Default::default()
                };
                Ok(domain::access::request::list(conn, &query, None)?.total)
            };
            let approved = requests(domain::access::RequestStatus::Approved.as_str())?;
            let pending = requests(domain::access::RequestStatus::Pending.as_str())?;
            Ok(Some((policy.summary.status, approved, pending)))
        })
        .await?;
        let (status, approved, pending) = found
            .ok_or_else(|| Fault::new("PMS_POL_065", "The specified policy does not exist."))?;
        match status {
            PolicyStatus::Published => {}
            PolicyStatus::Draft => {
                return Err(Fault::new(
                    "PMS_POL_072",
                    "The selected policy is not in activated status",
                ))
            }
            PolicyStatus::Deactivated => {
                return Err(Fault::new(
                    "PMS_POL_062",
                    "The policy has already been deactivated.",
                ))
            }
        }
        if approved > 0 {
            return Err(Fault::new(
                "PMS_POL_063",
                "An approved partner policy request is associated with this policy.",
            ));
        }
        if pending > 0 {
            return Err(Fault::new(
                "PMS_POL_064",
                "A pending partner policy request is associated with this policy.",
            ));
        }
        let actor = who.actor(request_id(&headers));
        let done = run(&state, move |conn| {
            domain::policy::deactivate(conn, &actor, &id)
        })
        .await?;
        Ok(json!({ "policyId": done.summary.id, "isActive": false }))
    }
    .await;
    envelope::reply_v2(ID, a)
}
