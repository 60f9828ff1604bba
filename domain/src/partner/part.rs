//! Partners' part of the dashboards: where the partner's registration stands.

use crate::dashboard::{Attention, Urgency};
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::partner::PartnerStatus;
use crate::registry::{Board, Part};

/// The registry's entry for partners.
pub(crate) struct Partners;

impl Part for Partners {
    fn partner(&self, _conn: &mut AnyConnection, board: &mut Board) -> AppResult<()> {
        let (urgency, title, detail) = match board.partner.status {
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
