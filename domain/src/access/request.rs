//! Policy requests: a partner asks for a published policy of its own group; partner admins
//! approve or reject it with a comment.

use super::shared::{changed_meanwhile, filter_value, me, require_certificate, unique_or, Me};
use super::*;
use crate::account::CurrentUser;
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::page::{self, Page};
use crate::partner::check_reason;
use crate::policy::{PolicyStatus, PolicyType};
use crate::schema::{partners, policies, policy_groups, policy_requests};
use diesel::prelude::*;
use serde_json::json;

/// The partner must use policies: it has a policy group.
pub(crate) fn group_of(me: &Me) -> AppResult<&str> {
    me.group.as_deref().ok_or_else(|| {
        AppError::new(
            ErrorKind::Conflict,
            "PMS_NO_POLICY_GROUP",
            "Your organisation has no policy group, so it does not request policies.",
        )
    })
}

/// A use case: required, at most 4000 characters; line breaks are kept.
pub fn check_use_case(value: &str) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::validation(
            "use_case",
            "PMS_REQUIRED",
            "Describe what you will use the policy for.",
        ));
    }
    let n = v.chars().count();
    if n > MAX_USE_CASE_LEN {
        return Err(AppError::validation(
            "use_case",
            "PMS_TOO_LONG",
            format!("The use case is {n} characters; at most {MAX_USE_CASE_LEN}."),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(AppError::validation(
            "use_case",
            "PMS_INVALID_CHARACTERS",
            "The use case cannot contain control characters.",
        ));
    }
    crate::text::refuse_invisible("use_case", "The use case", v)?;
    Ok(crate::text::nfc(v))
}

/// Published policies of the partner's group with its latest request for each.
pub fn requestable(
    conn: &mut AnyConnection,
    user: &CurrentUser,
) -> AppResult<Vec<RequestablePolicy>> {
    let me = me(conn, user)?;
    let group = group_of(&me)?.to_string();
    let rows: Vec<(String, String, String, String)> = policies::table
        .filter(policies::policy_group_id.eq(&group))
        .filter(policies::status.eq(PolicyStatus::Published.as_str()))
        .order(policies::name.asc())
        .limit(500)
        .select((
            policies::id,
            policies::name,
            policies::description,
            policies::policy_type,
        ))
        .load(conn)?;
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let requests: Vec<(String, String, i64)> = policy_requests::table
        .filter(policy_requests::partner_id.eq(&me.id))
        .filter(policy_requests::policy_id.eq_any(&ids))
        .select((
            policy_requests::policy_id,
            policy_requests::status,
            policy_requests::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, description, policy_type)| {
            let request = requests
                .iter()
                .filter(|r| r.0 == id)
                .max_by_key(|r| r.2)
                .and_then(|r| RequestStatus::parse(&r.1));
            RequestablePolicy {
                id,
                name,
                description,
                policy_type,
                request,
            }
        })
        .collect())
}

/// Request a policy (approved partners with a group and a valid certificate).
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: &CurrentUser,
    input: &RequestInput,
) -> AppResult<RequestView> {
    let use_case = check_use_case(&input.use_case)?;
    let policy_id = input.policy_id.trim().to_string();
    if policy_id.is_empty() {
        return Err(AppError::validation(
            "policy_id",
            "PMS_REQUIRED",
            "Choose a policy.",
        ));
    }
    crate::db::write_tx(conn, |conn| {
        let me = me(conn, user)?;
        let group = group_of(&me)?.to_string();
        let now = clock::now_ms();
        require_certificate(conn, &me.id, now)?;
        let policy: Option<(String, String)> = policies::table
            .find(&policy_id)
            .select((policies::policy_group_id, policies::status))
            .first(conn)
            .optional()?;
        match policy {
            Some((g, status)) if g == group && status == PolicyStatus::Published.as_str() => {}
            // A draft or another group's policy reads the same as an unknown one.
            _ => {
                return Err(AppError::validation(
                    "policy_id",
                    "PMS_POLICY_NOT_REQUESTABLE",
                    "This is not a published policy of your policy group.",
                ))
            }
        }
        let taken = "You already have a pending or approved request for this policy.";
        let live: i64 = policy_requests::table
            .filter(policy_requests::partner_id.eq(&me.id))
            .filter(policy_requests::policy_id.eq(&policy_id))
            .filter(policy_requests::status.eq_any([
                RequestStatus::Pending.as_str(),
                RequestStatus::Approved.as_str(),
            ]))
            .count()
            .get_result(conn)?;
        if live > 0 {
            return Err(
                AppError::new(ErrorKind::Conflict, "PMS_REQUEST_EXISTS", taken)
                    .with_field("policy_id"),
            );
        }
        let id = uuid::Uuid::new_v4().to_string();
        diesel::insert_into(policy_requests::table)
            .values((
                policy_requests::id.eq(&id),
                policy_requests::partner_id.eq(&me.id),
                policy_requests::policy_id.eq(&policy_id),
                policy_requests::use_case.eq(&use_case),
                policy_requests::status.eq(RequestStatus::Pending.as_str()),
                policy_requests::created_at.eq(now),
                policy_requests::created_by.eq(actor.id.as_deref()),
                policy_requests::updated_at.eq(now),
                policy_requests::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)
            .map_err(|e| unique_or(e, "policy_id", "PMS_REQUEST_EXISTS", taken))?;
        audit::record(
            conn,
            actor,
            "POLICY_REQUESTED",
            "policy_request",
            &id,
            json!({ "partnerId": me.id, "policyId": policy_id, "useCase": use_case }),
        )?;
        get(conn, &id)
    })
}

/// One request's columns: (request and partner, policy and group, request state).
type Row = (
    (String, String, String, String),
    (String, String, String, String),
    (String, String, Option<String>, i64, i64),
);

macro_rules! request_query {
    () => {
        policy_requests::table
            .inner_join(partners::table)
            .inner_join(policies::table.inner_join(policy_groups::table))
    };
}

crate::db::columns_fn! {
    #[allow(clippy::type_complexity)]
    fn columns() -> (
        (
            policy_requests::id,
            policy_requests::partner_id,
            partners::organisation,
            partners::partner_type,
        ),
        (
            policy_requests::policy_id,
            policies::name,
            policies::policy_type,
            policy_groups::name,
        ),
        (
            policy_requests::use_case,
            policy_requests::status,
            policy_requests::comment,
            policy_requests::created_at,
            policy_requests::updated_at,
        ),
    )
}

fn view((a, b, c): Row) -> RequestView {
    RequestView {
        id: a.0,
        partner_id: a.1,
        organisation: a.2,
        partner_type: a.3,
        policy_id: b.0,
        policy_name: b.1,
        policy_type: b.2,
        group_name: b.3,
        use_case: c.0,
        status: RequestStatus::parse(&c.1).unwrap_or(RequestStatus::Pending),
        comment: c.2,
        created_at: c.3,
        updated_at: c.4,
    }
}

/// One request.
pub fn get(conn: &mut AnyConnection, id: &str) -> AppResult<RequestView> {
    let row: Row = request_query!()
        .filter(policy_requests::id.eq(id))
        .select(columns())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("The policy request"))?;
    Ok(view(row))
}

/// The partner's latest request for a policy, if any (MOSIP's re-run of a mapping answers it).
pub fn latest_for(
    conn: &mut AnyConnection,
    partner_id: &str,
    policy_id: &str,
) -> AppResult<Option<RequestView>> {
    let row: Option<Row> = request_query!()
        .filter(policy_requests::partner_id.eq(partner_id))
        .filter(policy_requests::policy_id.eq(policy_id))
        .order((
            policy_requests::created_at.desc(),
            policy_requests::id.desc(),
        ))
        .select(columns())
        .first(conn)
        .optional()?;
    Ok(row.map(view))
}

/// A page of requests; `only` restricts to one partner (the partner's own view).
pub fn list(
    conn: &mut AnyConnection,
    query: &RequestQuery,
    only: Option<&str>,
) -> AppResult<Page<RequestView>> {
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
    let status = match filter_value(&query.status) {
        None => None,
        Some(s) => Some(RequestStatus::parse(&s).ok_or_else(|| {
            AppError::validation("status", "PMS_STATUS", "Unknown status filter.")
        })?),
    };
    let policy_type = match filter_value(&query.policy_type) {
        None => None,
        Some(s) => Some(PolicyType::parse(&s).ok_or_else(|| {
            AppError::validation("policy_type", "PMS_POLICY_TYPE", "Unknown policy type.")
        })?),
    };
    let partner = only
        .map(str::to_string)
        .or_else(|| filter_value(&query.partner));
    let policy = filter_value(&query.policy);
    let filtered = || {
        let mut q = request_query!().into_boxed();
        if let Some(s) = status {
            q = q.filter(policy_requests::status.eq(s.as_str()));
        }
        if let Some(p) = &partner {
            q = q.filter(policy_requests::partner_id.eq(p.clone()));
        }
        if let Some(p) = &policy {
            q = q.filter(policy_requests::policy_id.eq(p.clone()));
        }
        if let Some(t) = policy_type {
            q = q.filter(policies::policy_type.eq(t.as_str()));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let q = match query.sort.as_deref() {
        Some("-created") => filtered().order((
            policy_requests::created_at.desc(),
            policy_requests::id.desc(),
        )),
        _ => filtered().order((policy_requests::created_at.asc(), policy_requests::id.asc())),
    };
    let rows: Vec<Row> = q.select(columns()).limit(size).offset(offset).load(conn)?;
    let items = rows.into_iter().map(view).collect();
    Ok(Page::new(items, total, page_no, size))
}

/// The signed-in partner's requests (newest first unless asked otherwise).
pub fn list_own(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    query: &RequestQuery,
) -> AppResult<Page<RequestView>> {
    let me = me(conn, user)?;
    let mut query = query.clone();
    if query.sort.is_none() {
        query.sort = Some("-created".into());
    }
    list(conn, &query, Some(&me.id))
}

/// Approve or reject (comment required) a pending request.
pub fn decide(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    approve: bool,
    comment: Option<&str>,
) -> AppResult<RequestView> {
    let comment = check_reason(comment, !approve).map_err(|e| e.with_field("comment"))?;
    let to = if approve {
        RequestStatus::Approved
    } else {
        RequestStatus::Rejected
    };
    crate::db::write_tx(conn, |conn| {
        let current = get(conn, id)?;
        if current.status != RequestStatus::Pending {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_ILLEGAL_TRANSITION",
                format!(
                    "Only a pending request can be decided; this one is {}.",
                    current.status.label().to_lowercase()
                ),
            ));
        }
        let now = clock::now_ms();
        let changed = diesel::update(
            policy_requests::table
                .filter(policy_requests::id.eq(id))
                .filter(policy_requests::status.eq(RequestStatus::Pending.as_str())),
        )
        .set((
            policy_requests::status.eq(to.as_str()),
            policy_requests::comment.eq(comment.as_deref()),
            policy_requests::updated_at.eq(now),
            policy_requests::updated_by.eq(actor.id.as_deref()),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Err(changed_meanwhile());
        }
        audit::record(
            conn,
            actor,
            if approve {
                "POLICY_REQUEST_APPROVED"
            } else {
                "POLICY_REQUEST_REJECTED"
            },
            "policy_request",
            id,
            json!({ "partnerId": current.partner_id, "policyId": current.policy_id,
                    "comment": comment }),
        )?;
        use crate::notification::status::{announce, News, Outcome, Subject};
        announce(
            conn,
            &News {
                subject: Subject::PolicyRequest,
                outcome: if approve {
                    Outcome::Approved
                } else {
                    Outcome::Rejected
                },
                partner_id: &current.partner_id,
                entity_id: id,
                name: &current.policy_name,
                reason: comment.as_deref(),
            },
        )?;
        get(conn, id)
    })
}

/// Grant a policy to a partner without a request of its own (MOSIP's default partners come
/// with their mappings). Does nothing when the partner already has a pending or approved
/// request for it; returns whether it granted.
pub fn grant(
    conn: &mut AnyConnection,
    actor: &Actor,
    partner_id: &str,
    policy_id: &str,
    use_case: &str,
) -> AppResult<bool> {
    crate::db::write_tx(conn, |conn| {
        let live: i64 = policy_requests::table
            .filter(policy_requests::partner_id.eq(partner_id))
            .filter(policy_requests::policy_id.eq(policy_id))
            .filter(policy_requests::status.eq_any([
                RequestStatus::Pending.as_str(),
                RequestStatus::Approved.as_str(),
            ]))
            .count()
            .get_result(conn)?;
        if live > 0 {
            return Ok(false);
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = clock::now_ms();
        diesel::insert_into(policy_requests::table)
            .values((
                policy_requests::id.eq(&id),
                policy_requests::partner_id.eq(partner_id),
                policy_requests::policy_id.eq(policy_id),
                policy_requests::use_case.eq(use_case),
                policy_requests::status.eq(RequestStatus::Approved.as_str()),
                policy_requests::created_at.eq(now),
                policy_requests::created_by.eq(actor.id.as_deref()),
                policy_requests::updated_at.eq(now),
                policy_requests::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            "POLICY_REQUEST_GRANTED",
            "policy_request",
            &id,
            json!({ "partnerId": partner_id, "policyId": policy_id, "useCase": use_case }),
        )?;
        Ok(true)
    })
}

/// Policies the partner has an approved request for, of the given types.
pub fn approved_policies(
    conn: &mut AnyConnection,
    partner_id: &str,
    types: &[PolicyType],
) -> AppResult<Vec<ApprovedPolicy>> {
    let types: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
    let rows: Vec<(String, String, String)> = policy_requests::table
        .inner_join(policies::table)
        .filter(policy_requests::partner_id.eq(partner_id))
        .filter(policy_requests::status.eq(RequestStatus::Approved.as_str()))
        .filter(policies::status.eq(PolicyStatus::Published.as_str()))
        .filter(policies::policy_type.eq_any(types))
        .order(policies::name.asc())
        .limit(500)
        .select((policies::id, policies::name, policies::policy_type))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, policy_type)| ApprovedPolicy {
            id,
            name,
            policy_type,
        })
        .collect())
}

/// The policy, if the partner may use it: approved request, still published, of `types`.
/// Otherwise a message that says which of these fails.
pub(crate) fn require_approved(
    conn: &mut AnyConnection,
    partner_id: &str,
    policy_id: &str,
    types: &[PolicyType],
) -> AppResult<(String, PolicyType, String)> {
    let policy: Option<(String, String, String, String)> = policies::table
        .find(policy_id)
        .select((
            policies::name,
            policies::policy_type,
            policies::status,
            policies::document,
        ))
        .first(conn)
        .optional()?;
    let latest: Option<String> = policy_requests::table
        .filter(policy_requests::partner_id.eq(partner_id))
        .filter(policy_requests::policy_id.eq(policy_id))
        .order(policy_requests::created_at.desc())
        .select(policy_requests::status)
        .first(conn)
        .optional()?;
    let fail = |code: &str, msg: &str| Err(AppError::validation("policy_id", code, msg));
    let Some((name, kind, status, document)) = policy else {
        return fail(
            "PMS_POLICY_NOT_APPROVED",
            "You have no approved request for this policy.",
        );
    };
    match latest.as_deref().and_then(RequestStatus::parse) {
        Some(RequestStatus::Approved) => {}
        Some(RequestStatus::Pending) => {
            return fail(
                "PMS_POLICY_NOT_APPROVED",
                "Your request for this policy is still pending.",
            )
        }
        Some(RequestStatus::Rejected) => {
            return fail(
                "PMS_POLICY_NOT_APPROVED",
                "Your request for this policy was rejected.",
            )
        }
        None => {
            return fail(
                "PMS_POLICY_NOT_APPROVED",
                "You have no approved request for this policy.",
            )
        }
    }
    if status != PolicyStatus::Published.as_str() {
        return fail(
            "PMS_POLICY_NOT_PUBLISHED",
            "This policy is no longer published.",
        );
    }
    let kind = PolicyType::parse(&kind).ok_or_else(AppError::internal)?;
    if !types.contains(&kind) {
        let names: Vec<&str> = types.iter().map(|t| t.label()).collect();
        return Err(AppError::validation(
            "policy_id",
            "PMS_POLICY_TYPE",
            format!(
                "This is a {} policy; this needs a {} policy.",
                kind.label(),
                names.join(" or ")
            ),
        ));
    }
    Ok((name, kind, document))
}
