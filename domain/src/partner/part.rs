//! Partners' part of the cross-aggregate views: where the partner's registration stands (its
//! dashboard), and registrations waiting for a partner admin (the inbox).

use crate::audit::Actor;
use crate::dashboard::{Attention, Urgency};
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::inbox::InboxKind;
use crate::partner::PartnerStatus;
use crate::registry::{pending_queue, Board, Part, Queue, QueueDetail, QueueFilters, QueueRow};
use crate::schema::partners;
use diesel::prelude::*;

/// The registry's entry for partners.
pub(crate) struct Partners;

impl Part for Partners {
    fn partner(&self, _conn: &mut AnyConnection, board: &mut Board) -> AppResult<()> {
        let (urgency, title, detail) = match board.partner.status {
            PartnerStatus::Unverified => (
                Urgency::Act,
                "Verify your email",
                format!(
                    "Open the link mailed to {}; the registration goes to a partner admin after that.",
                    board.partner.email
                ),
            ),
            PartnerStatus::Pending => (
                Urgency::Soon,
                "Registration waiting for approval",
                "A partner admin reviews it; most features open once approved.".to_string(),
            ),
            PartnerStatus::Rejected => (
                Urgency::Act,
                "Registration rejected",
                board.partner.status_reason.clone().unwrap_or_default(),
            ),
            PartnerStatus::Deactivated => (
                Urgency::Act,
                "Organisation deactivated",
                board.partner.status_reason.clone().unwrap_or_default(),
            ),
            PartnerStatus::Approved => return Ok(()),
        };
        board.attention.push(Attention {
            urgency,
            title: title.into(),
            detail,
            link: "/partner".into(),
        });
        Ok(())
    }
}

/// Registrations waiting for approval.
pub(crate) struct Registrations;

impl Queue for Registrations {
    fn kind(&self) -> InboxKind {
        InboxKind::Partner
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
            partners::table,
            partners::status,
            PartnerStatus::Pending.as_str(),
            partners::created_at,
            partners::id,
            partners::id,
            (
                partners::id,
                partners::id,
                partners::organisation,
                partners::partner_type,
                partners::partner_type,
                partners::email,
                partners::created_at
            )
        )
    }

    fn title(&self, organisation: &str, a: &str, _b: &str) -> String {
        format!("Registration of {organisation} ({a})")
    }

    fn detail(&self, conn: &mut AnyConnection, id: &str) -> AppResult<QueueDetail> {
        let p = super::load_view(conn, id)?;
        let created: i64 = partners::table
            .find(id)
            .select(partners::created_at)
            .first(conn)?;
        let title = self.title(&p.organisation, &p.partner_type, "");
        let mut d = QueueDetail::new(p.id.clone(), title, created);
        // The registration is the partner itself: no second read by the inbox.
        d.partner = Some(p);
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
        let decision = if approve {
            super::Decision::Approve
        } else {
            super::Decision::Reject
        };
        super::decide(conn, actor, id, decision, reason).map(|_| ())
    }
}
