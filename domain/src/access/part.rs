//! Access's part of the dashboards: a partner's policy requests, API keys, OIDC clients and
//! MISP license, the keys and licenses ending soon, and policy requests waiting for a
//! decision (the inbox).

use crate::audit::Actor;
use crate::dashboard::{Attention, ExpiringItem, Urgency};
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::inbox::InboxKind;
use crate::notification::{Due, NotificationKind};
use crate::registry::{
    expiring_kind, pending_queue, Board, Expiring, Part, Queue, QueueDetail, QueueFilters,
    QueueRow, DAY_MS,
};
use crate::schema::{api_keys, misp_licenses, oidc_clients, policies, policy_requests};
use crate::PartnerType;
use diesel::prelude::*;

/// The registry's entry for policy requests, keys, clients and licenses.
pub(crate) struct Access;

impl Part for Access {
    fn partner(&self, conn: &mut AnyConnection, board: &mut Board) -> AppResult<()> {
        if board.partner.policy_required {
            requests_and_keys(conn, board)?;
        }
        if PartnerType::parse(&board.partner.partner_type) == Some(PartnerType::MispPartner) {
            license(conn, board)?;
        }
        Ok(())
    }

    fn expiring(&self, conn: &mut AnyConnection, out: &mut Expiring) -> AppResult<()> {
        expiring_kind!(
            out,
            conn,
            api_keys::table.filter(api_keys::status.eq("ACTIVE")),
            api_keys::valid_to,
            (api_keys::partner_id, api_keys::label, api_keys::valid_to),
            |(p, label, due): (String, String, i64)| ExpiringItem {
                what: "API key".into(),
                name: label,
                partner_id: Some(p),
                due_at: due,
                link: "/admin/api-keys".into(),
            }
        );
        expiring_kind!(
            out,
            conn,
            misp_licenses::table.filter(misp_licenses::status.eq("ACTIVE")),
            misp_licenses::valid_to,
            (
                misp_licenses::partner_id,
                misp_licenses::prefix,
                misp_licenses::valid_to
            ),
            |(p, prefix, due): (String, String, i64)| ExpiringItem {
                what: "MISP license".into(),
                name: format!("{prefix}…"),
                partner_id: Some(p),
                due_at: due,
                link: "/admin/licenses".into(),
            }
        );
        Ok(())
    }

    fn expiry_notices(
        &self,
        conn: &mut AnyConnection,
        now: i64,
        end: i64,
        out: &mut Vec<Due>,
    ) -> AppResult<()> {
        let keys: Vec<(String, String, String, i64)> = api_keys::table
            .filter(api_keys::status.eq("ACTIVE"))
            .filter(api_keys::valid_to.gt(now))
            .filter(api_keys::valid_to.le(end))
            .select((
                api_keys::id,
                api_keys::partner_id,
                api_keys::label,
                api_keys::valid_to,
            ))
            .load(conn)?;
        for (id, partner_id, label, valid_to) in keys {
            out.push(Due {
                kind: NotificationKind::ApiKeyExpiry,
                entity_type: "api_key",
                entity_id: id,
                name: label,
                due_at: valid_to,
                partner_id: Some(partner_id),
                link: "/partner/api-keys".into(),
            });
        }
        let licenses: Vec<(String, String, String, i64)> = misp_licenses::table
            .filter(misp_licenses::status.eq("ACTIVE"))
            .filter(misp_licenses::valid_to.gt(now))
            .filter(misp_licenses::valid_to.le(end))
            .select((
                misp_licenses::id,
                misp_licenses::partner_id,
                misp_licenses::prefix,
                misp_licenses::valid_to,
            ))
            .load(conn)?;
        for (id, partner_id, prefix, valid_to) in licenses {
            out.push(Due {
                kind: NotificationKind::LicenseExpiry,
                entity_type: "misp_license",
                entity_id: id,
                name: format!("{prefix}…"),
                due_at: valid_to,
                partner_id: Some(partner_id),
                link: "/partner/license".into(),
            });
        }
        Ok(())
    }
}

/// A policy-bound partner: requests waiting or refused lately, keys ending soon, counts.
fn requests_and_keys(conn: &mut AnyConnection, board: &mut Board) -> AppResult<()> {
    let id = board.id().to_string();
    let pending: i64 = policy_requests::table
        .filter(policy_requests::partner_id.eq(&id))
        .filter(policy_requests::status.eq("PENDING"))
        .count()
        .get_result(conn)?;
    if pending > 0 {
        board.attention.push(Attention {
            urgency: Urgency::Info,
            title: format!("{pending} policy request(s) waiting for a decision"),
            detail: String::new(),
            link: "/partner/policy-requests".into(),
        });
    }
    let refused: Vec<(String, Option<String>)> = policy_requests::table
        .inner_join(policies::table)
        .filter(policy_requests::partner_id.eq(&id))
        .filter(policy_requests::status.eq("REJECTED"))
        .filter(policy_requests::updated_at.gt(board.now - 30 * DAY_MS))
        .order(policy_requests::updated_at.desc())
        .select((policies::name, policy_requests::comment))
        .limit(5)
        .load(conn)?;
    for (name, reason) in refused {
        let title = format!("Request for \u{201c}{name}\u{201d} rejected");
        board.rejected(title, reason, "/partner/policy-requests");
    }
    let keys: Vec<(String, i64)> = api_keys::table
        .filter(api_keys::partner_id.eq(&id))
        .filter(api_keys::status.eq("ACTIVE"))
        .filter(api_keys::valid_to.le(board.soon))
        .order(api_keys::valid_to.asc())
        .select((api_keys::label, api_keys::valid_to))
        .limit(10)
        .load(conn)?;
    for (label, to) in keys {
        let title = format!("API key \u{201c}{label}\u{201d} expiring");
        board.expiring(title, to, "/partner/api-keys");
    }
    let active_keys: i64 = api_keys::table
        .filter(api_keys::partner_id.eq(&id))
        .filter(api_keys::status.eq("ACTIVE"))
        .count()
        .get_result(conn)?;
    board.figure("Active API keys", active_keys, "/partner/api-keys");
    board.figure("Pending requests", pending, "/partner/policy-requests");
    if PartnerType::parse(&board.partner.partner_type) == Some(PartnerType::AuthPartner) {
        let clients: i64 = oidc_clients::table
            .filter(oidc_clients::partner_id.eq(&id))
            .filter(oidc_clients::status.eq("ACTIVE"))
            .count()
            .get_result(conn)?;
        board.figure("Active OIDC clients", clients, "/partner/oidc-clients");
    }
    Ok(())
}

/// A MISP partner without a live license, or with one ending soon.
fn license(conn: &mut AnyConnection, board: &mut Board) -> AppResult<()> {
    let live: Option<i64> = misp_licenses::table
        .filter(misp_licenses::partner_id.eq(board.id()))
        .filter(misp_licenses::status.eq("ACTIVE"))
        .select(misp_licenses::valid_to)
        .first(conn)
        .optional()?;
    match live {
        None => board.attention.push(Attention {
            urgency: Urgency::Act,
            title: "No active license key".into(),
            detail: "Generate one once your organisation is approved.".into(),
            link: "/partner/license".into(),
        }),
        Some(to) if to <= board.soon => {
            board.expiring("License key expiring".into(), to, "/partner/license")
        }
        Some(_) => {}
    }
    Ok(())
}

/// Policy requests waiting for a decision.
pub(crate) struct PolicyRequestQueue;

impl Queue for PolicyRequestQueue {
    fn kind(&self) -> InboxKind {
        InboxKind::PolicyRequest
    }

    fn pending(
        &self,
        conn: &mut AnyConnection,
        f: &QueueFilters,
        take: i64,
    ) -> AppResult<(i64, Option<i64>, Vec<QueueRow>)> {
        pending_queue!(
            conn,
            f,
            take,
            policy_requests::table
                .inner_join(partners::table)
                .inner_join(policies::table),
            policy_requests::status,
            super::RequestStatus::Pending.as_str(),
            policy_requests::created_at,
            policy_requests::id,
            policy_requests::partner_id,
            (
                policy_requests::id,
                policy_requests::partner_id,
                partners::organisation,
                partners::partner_type,
                policies::name,
                policies::policy_type,
                policy_requests::created_at
            )
        )
    }

    fn title(&self, _organisation: &str, a: &str, b: &str) -> String {
        format!("Request for {b} policy \u{201c}{a}\u{201d}")
    }

    fn detail(&self, conn: &mut AnyConnection, id: &str) -> AppResult<QueueDetail> {
        let r = super::request::get(conn, id)?;
        let title = self.title("", &r.policy_name, &r.policy_type);
        let mut d = QueueDetail::new(r.partner_id.clone(), title, r.created_at);
        d.fact("Policy", r.policy_name.clone());
        d.fact("Policy type", r.policy_type.clone());
        d.fact("Policy group", r.group_name.clone());
        d.fact("Use case", r.use_case.clone());
        let doc: String = policies::table
            .find(&r.policy_id)
            .select(policies::document)
            .first(conn)?;
        d.document = Some(
            serde_json::from_str::<serde_json::Value>(&doc)
                .and_then(|v| serde_json::to_string_pretty(&v))
                .unwrap_or(doc),
        );
        Ok(d)
    }

    fn decide(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        id: &str,
        approve: bool,
        reason: Option<&str>,
    ) -> AppResult<()> {
        super::request::decide(conn, actor, id, approve, reason).map(|_| ())
    }
}
