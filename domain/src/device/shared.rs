//! What SBIs, devices and chips share: who the provider is, field checks, decisions and the
//! guarded status change.

use super::ItemStatus;
use crate::account::CurrentUser;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::notification::status::{News, Outcome, Subject};
use crate::partner::{Decision, PartnerStatus};
use crate::schema::partners;
use crate::PartnerType;
use diesel::prelude::*;

/// The signed-in provider: an approved partner of `partner_type`.
pub(crate) struct Provider {
    pub id: String,
    pub organisation: String,
}

pub(crate) fn provider(
    conn: &mut crate::db::AnyConnection,
    user: &CurrentUser,
    partner_type: PartnerType,
) -> AppResult<Provider> {
    let row: Option<(String, String, String, String)> = partners::table
        .filter(partners::account_id.eq(&user.id))
        .select((
            partners::id,
            partners::organisation,
            partners::partner_type,
            partners::status,
        ))
        .first(conn)
        .optional()?;
    let (id, organisation, kind, status) =
        row.ok_or_else(|| AppError::not_found("Your partner profile"))?;
    if kind != partner_type.as_str() {
        return Err(AppError::new(
            ErrorKind::Forbidden,
            "PMS_PARTNER_TYPE",
            format!("This is for partners of type {partner_type}."),
        ));
    }
    if PartnerStatus::parse(&status) != Some(PartnerStatus::Approved) {
        return Err(AppError::new(
            ErrorKind::Forbidden,
            "PMS_PARTNER_NOT_APPROVED",
            "Your organisation must be approved by a partner admin first.",
        ));
    }
    Ok(Provider { id, organisation })
}

/// When a provider acts on an item (`owner`), the item must be its own: another provider's
/// answers 404, as if it did not exist.
pub(crate) fn check_owner(
    conn: &mut crate::db::AnyConnection,
    owner: Option<&CurrentUser>,
    partner_type: PartnerType,
    item_partner_id: &str,
    what: &str,
) -> AppResult<()> {
    if let Some(user) = owner {
        if provider(conn, user, partner_type)?.id != item_partner_id {
            return Err(AppError::not_found(what));
        }
    }
    Ok(())
}

/// After a status change: the item's event for downstream services, and (when a partner admin
/// took it, not the provider itself) the news for the provider.
pub(crate) fn after_change(
    conn: &mut crate::db::AnyConnection,
    topic: &str,
    data: serde_json::Value,
    news: Option<crate::notification::status::News<'_>>,
) -> AppResult<()> {
    crate::outbox::enqueue(conn, topic, data)?;
    if let Some(news) = news {
        crate::notification::status::announce(conn, &news)?;
    }
    Ok(())
}

/// What a decided item's audit row, event and news name it by.
pub(crate) struct ItemKind {
    /// Prefix of the audit action (`SBI` makes `SBI_APPROVED`, see [`decided_action`]).
    pub action: &'static str,
    /// The audit row's entity type.
    pub entity: &'static str,
    /// What the provider's news is about.
    pub subject: Subject,
    /// The event's topic.
    pub topic: &'static str,
}

/// SBIs, as their decisions tell them.
pub(crate) const SBI: ItemKind = ItemKind {
    action: "SBI",
    entity: "sbi",
    subject: Subject::Sbi,
    topic: super::SBI_UPDATED,
};
/// Devices, likewise.
pub(crate) const DEVICE: ItemKind = ItemKind {
    action: "DEVICE",
    entity: "device",
    subject: Subject::Device,
    topic: super::DEVICE_UPDATED,
};
/// FTM chips, likewise.
pub(crate) const CHIP: ItemKind = ItemKind {
    action: "FTM_CHIP",
    entity: "ftm_chip",
    subject: Subject::Chip,
    topic: super::FTM_CHIP_UPDATED,
};

/// One item's status change, told the same way for the three kinds: its audit row, then its
/// event and (when a partner admin took it) the provider's news.
pub(crate) struct Decided<'a> {
    /// The item's kind.
    pub kind: &'a ItemKind,
    /// Its id.
    pub id: &'a str,
    /// (from, to).
    pub moved: (ItemStatus, ItemStatus),
    /// The reason given, if any.
    pub reason: Option<&'a str>,
}

impl Decided<'_> {
    /// The audit row's details: the move and its reason.
    pub fn details(&self) -> serde_json::Value {
        let (from, to) = self.moved;
        serde_json::json!({ "from": from.as_str(), "to": to.as_str(), "reason": self.reason })
    }

    /// The audit row of the decision, with `details`.
    pub fn audit(
        &self,
        conn: &mut crate::db::AnyConnection,
        actor: &crate::audit::Actor,
        details: serde_json::Value,
    ) -> AppResult<()> {
        let action = decided_action(self.kind.action, self.moved.1);
        crate::audit::record(conn, actor, &action, self.kind.entity, self.id, details)
    }

    /// The item's event and, unless the provider itself acted (`owner`), its news, naming the
    /// item by `name`.
    pub fn announce(
        &self,
        conn: &mut crate::db::AnyConnection,
        owner: Option<&CurrentUser>,
        (partner_id, name): (&str, &str),
        data: serde_json::Value,
    ) -> AppResult<()> {
        let news = owner.is_none().then_some(News {
            subject: self.kind.subject,
            outcome: Outcome::of_item(self.moved.1),
            partner_id,
            entity_id: self.id,
            name,
            reason: self.reason,
        });
        after_change(conn, self.kind.topic, data, news)
    }
}

/// Moves an item of `$table` (`sbis`, `devices`, `ftm_chips`) from `from` to `to` with the
/// reason, guarded on `from`: a change meanwhile is a conflict. The tables differ only by name.
macro_rules! set_status {
    ($conn:expr, $table:ident, $actor:expr, $id:expr, ($from:expr, $to:expr), $reason:expr, $now:expr) => {
        diesel::update(
            $table::table
                .filter($table::id.eq($id))
                .filter($table::status.eq($from.as_str())),
        )
        .set((
            $table::status.eq($to.as_str()),
            $table::reason.eq($reason),
            $table::updated_at.eq($now),
            $table::updated_by.eq($actor.id.as_deref()),
        ))
        .execute($conn)
        .map_err($crate::error::AppError::from)
        .and_then(|changed| match changed {
            0 => Err($crate::device::shared::changed_meanwhile()),
            _ => Ok(()),
        })
    };
}
pub(crate) use set_status;

/// A required, trimmed text of at most `max` characters.
pub(crate) fn text(field: &str, label: &str, value: &str, max: usize) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::validation(
            field,
            "PMS_REQUIRED",
            format!("{label} is required."),
        ));
    }
    if v.chars().count() > max {
        return Err(AppError::validation(
            field,
            "PMS_TOO_LONG",
            format!("{label} is at most {max} characters."),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(AppError::validation(
            field,
            "PMS_INVALID_CHARACTERS",
            format!("{label} cannot contain control characters."),
        ));
    }
    crate::text::refuse_invisible(field, label, v)?;
    Ok(crate::text::nfc(v))
}

/// A YYYY-MM-DD day as UTC ms at its start.
pub(crate) fn day(field: &str, label: &str, value: &str) -> AppResult<i64> {
    chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
        .ok_or_else(|| {
            AppError::validation(field, "PMS_DATE", format!("{label}: a date as YYYY-MM-DD."))
        })
}

/// The status `decision` leads to for an item in `from`, or why not.
pub(crate) fn transition(
    what: &str,
    from: ItemStatus,
    decision: Decision,
) -> AppResult<ItemStatus> {
    use Decision as D;
    use ItemStatus as S;
    let to = match (decision, from) {
        (D::Approve, S::PendingApproval) => S::Approved,
        (D::Reject, S::PendingApproval | S::PendingCertUpload) => S::Rejected,
        (D::Deactivate, S::Approved) => S::Deactivated,
        _ => {
            let verb = match decision {
                D::Approve => format!("Only a pending {what} can be approved"),
                D::Reject => format!("Only a pending {what} can be rejected"),
                D::Deactivate => format!("Only an approved {what} can be deactivated"),
                D::Reactivate | D::Resubmit => {
                    return Err(AppError::new(
                        ErrorKind::BadRequest,
                        "PMS_DECISION_INVALID",
                        "Decision must be approve, reject or deactivate.",
                    ))
                }
            };
            let hint = if from == S::PendingCertUpload && decision == D::Approve {
                " A chip can be approved only with its certificate."
            } else {
                ""
            };
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_ILLEGAL_TRANSITION",
                format!("{verb}; it is {}.{hint}", from.label().to_lowercase()),
            ));
        }
    };
    Ok(to)
}

/// The audit action of a decision: `SBI_APPROVED`, `DEVICE_REJECTED`, `FTM_CHIP_DEACTIVATED`...
pub(crate) fn decided_action(prefix: &str, to: ItemStatus) -> String {
    format!("{prefix}_{}", to.as_str())
}

/// A decision taken meanwhile by someone else.
pub(crate) fn changed_meanwhile() -> AppError {
    AppError::new(
        ErrorKind::Conflict,
        "PMS_CHANGED_MEANWHILE",
        "Someone else decided on this meanwhile; reload to see its state.",
    )
}

/// A duplicate on a unique index, as a conflict on `field`.
pub(crate) fn unique_or(
    e: diesel::result::Error,
    field: &str,
    code: &str,
    message: &str,
) -> AppError {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => AppError::new(ErrorKind::Conflict, code, message).with_field(field),
        other => other.into(),
    }
}

/// Page filters shared by the three lists.
pub(crate) fn status_filter(value: Option<&str>) -> AppResult<Option<ItemStatus>> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => ItemStatus::parse(s)
            .map(Some)
            .ok_or_else(|| AppError::validation("status", "PMS_STATUS", "Unknown status filter.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hint about the certificate goes to a chip still waiting for it that someone tries to
    /// approve, and to no other refused move (mutation testing found it unpinned).
    #[test]
    fn only_a_chip_waiting_for_its_certificate_is_told_it_needs_one() {
        let message = |from: ItemStatus, decision: Decision| {
            transition("chip", from, decision)
                .expect_err("an illegal move")
                .message
        };
        assert!(message(ItemStatus::PendingCertUpload, Decision::Approve)
            .ends_with(" A chip can be approved only with its certificate."),);
        for (from, decision) in [
            (ItemStatus::PendingCertUpload, Decision::Deactivate),
            (ItemStatus::Approved, Decision::Approve),
            (ItemStatus::Rejected, Decision::Approve),
        ] {
            let m = message(from, decision);
            assert!(
                !m.contains("only with its certificate"),
                "{from:?} {decision:?}: {m}"
            );
        }
    }
}
