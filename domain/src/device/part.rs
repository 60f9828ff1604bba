//! Devices' part of the dashboards: a device provider's SBIs and devices, an FTM provider's
//! chips, the SBIs and chip certificates ending soon, and SBIs, devices and chips waiting
//! for approval (the inbox).

use crate::audit::Actor;
use crate::dashboard::{Attention, ExpiringItem, Urgency};
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::inbox::InboxKind;
use crate::notification::{Due, NotificationKind};
use crate::partner::Decision;
use crate::registry::{
    expiring_kind, pending_queue, Board, Expiring, Part, Queue, QueueDetail, QueueFilters, QueueRow,
};
use crate::schema::{devices, ftm_chips, sbis};
use crate::PartnerType;
use diesel::prelude::*;

/// The registry's entry for SBIs, devices and chips.
pub(crate) struct Devices;

/// (make, model, status, reason, certificate end)
type ChipRow = (String, String, String, Option<String>, Option<i64>);

impl Part for Devices {
    fn partner(&self, conn: &mut AnyConnection, board: &mut Board) -> AppResult<()> {
        match PartnerType::parse(&board.partner.partner_type) {
            Some(PartnerType::DeviceProvider) => {
                sbis_and_devices(conn, board)?;
                sbi_and_device_figures(conn, board)
            }
            Some(PartnerType::FtmProvider) => chips(conn, board),
            _ => Ok(()),
        }
    }

    fn expiring(&self, conn: &mut AnyConnection, out: &mut Expiring) -> AppResult<()> {
        expiring_kind!(
            out,
            conn,
            sbis::table.filter(sbis::status.eq("APPROVED")),
            sbis::expires_on,
            (sbis::partner_id, sbis::version, sbis::expires_on),
            |(p, version, due): (String, String, i64)| ExpiringItem {
                what: "SBI".into(),
                name: version,
                partner_id: Some(p),
                due_at: due,
                link: "/admin/devices".into(),
            }
        );
        expiring_kind!(
            out,
            conn,
            ftm_chips::table.filter(ftm_chips::status.eq("APPROVED")),
            ftm_chips::cert_not_after,
            (
                ftm_chips::partner_id,
                ftm_chips::make,
                ftm_chips::model,
                ftm_chips::cert_not_after
            ),
            |(p, make, model, due): (String, String, String, Option<i64>)| ExpiringItem {
                what: "FTM chip certificate".into(),
                name: format!("{make} {model}"),
                partner_id: Some(p),
                due_at: due.unwrap_or_default(),
                link: "/admin/devices".into(),
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
        let chips: Vec<(String, String, String, String, Option<i64>)> = ftm_chips::table
            .filter(ftm_chips::status.eq_any(["APPROVED", "PENDING_APPROVAL"]))
            .filter(ftm_chips::cert_not_after.gt(now))
            .filter(ftm_chips::cert_not_after.le(end))
            .select((
                ftm_chips::id,
                ftm_chips::partner_id,
                ftm_chips::make,
                ftm_chips::model,
                ftm_chips::cert_not_after,
            ))
            .load(conn)?;
        for (id, partner_id, make, model, not_after) in chips {
            out.push(Due {
                kind: NotificationKind::ChipCertExpiry,
                entity_type: "ftm_chip",
                entity_id: id,
                name: format!("{make} {model}"),
                due_at: not_after.unwrap_or(end),
                partner_id: Some(partner_id),
                link: "/provider/chips".into(),
            });
        }
        let sbi_rows: Vec<(String, String, String, i64)> = sbis::table
            .filter(sbis::status.eq("APPROVED"))
            .filter(sbis::expires_on.gt(now))
            .filter(sbis::expires_on.le(end))
            .select((sbis::id, sbis::partner_id, sbis::version, sbis::expires_on))
            .load(conn)?;
        for (id, partner_id, version, expires_on) in sbi_rows {
            out.push(Due {
                kind: NotificationKind::SbiExpiry,
                entity_type: "sbi",
                link: format!("/provider/sbis/{id}"),
                entity_id: id,
                name: version,
                due_at: expires_on,
                partner_id: Some(partner_id),
            });
        }
        Ok(())
    }
}

/// SBIs refused or ending soon, devices refused.
fn sbis_and_devices(conn: &mut AnyConnection, board: &mut Board) -> AppResult<()> {
    let id = board.id().to_string();
    let sbi_rows: Vec<(String, String, Option<String>, i64)> = sbis::table
        .filter(sbis::partner_id.eq(&id))
        .filter(
            sbis::status.eq("REJECTED").or(sbis::status
                .eq("APPROVED")
                .and(sbis::expires_on.le(board.soon))),
        )
        .order(sbis::updated_at.desc())
        .select((sbis::version, sbis::status, sbis::reason, sbis::expires_on))
        .limit(10)
        .load(conn)?;
    for (version, status, reason, expires) in sbi_rows {
        if status == "REJECTED" {
            board.rejected(format!("SBI {version} rejected"), reason, "/provider/sbis");
        } else {
            board.expiring(format!("SBI {version} expiring"), expires, "/provider/sbis");
        }
    }
    let device_rows: Vec<(String, String, Option<String>)> = devices::table
        .filter(devices::partner_id.eq(&id))
        .filter(devices::status.eq("REJECTED"))
        .order(devices::updated_at.desc())
        .select((devices::make, devices::model, devices::reason))
        .limit(10)
        .load(conn)?;
    for (make, model, reason) in device_rows {
        let title = format!("Device {make} {model} rejected");
        board.rejected(title, reason, "/provider/devices");
    }
    Ok(())
}

/// A device provider's SBIs and devices waiting and approved.
fn sbi_and_device_figures(conn: &mut AnyConnection, board: &mut Board) -> AppResult<()> {
    let id = board.id().to_string();
    for (label, status) in [
        ("Pending SBIs", "PENDING_APPROVAL"),
        ("Approved SBIs", "APPROVED"),
    ] {
        let n: i64 = sbis::table
            .filter(sbis::partner_id.eq(&id))
            .filter(sbis::status.eq(status))
            .count()
            .get_result(conn)?;
        board.figure(label, n, "/provider/sbis");
    }
    for (label, status) in [
        ("Pending devices", "PENDING_APPROVAL"),
        ("Approved devices", "APPROVED"),
    ] {
        let n: i64 = devices::table
            .filter(devices::partner_id.eq(&id))
            .filter(devices::status.eq(status))
            .count()
            .get_result(conn)?;
        board.figure(label, n, "/provider/devices");
    }
    Ok(())
}

/// An FTM provider's chips refused, waiting for their certificate or ending soon; counts.
fn chips(conn: &mut AnyConnection, board: &mut Board) -> AppResult<()> {
    let id = board.id().to_string();
    let rows: Vec<ChipRow> = ftm_chips::table
        .filter(ftm_chips::partner_id.eq(&id))
        .filter(
            ftm_chips::status
                .eq_any(["REJECTED", "PENDING_CERT_UPLOAD"])
                .or(ftm_chips::status
                    .eq("APPROVED")
                    .and(ftm_chips::cert_not_after.le(board.soon))),
        )
        .order(ftm_chips::updated_at.desc())
        .select((
            ftm_chips::make,
            ftm_chips::model,
            ftm_chips::status,
            ftm_chips::reason,
            ftm_chips::cert_not_after,
        ))
        .limit(10)
        .load(conn)?;
    for (make, model, status, reason, not_after) in rows {
        match status.as_str() {
            "REJECTED" => {
                let title = format!("Chip {make} {model} rejected");
                board.rejected(title, reason, "/provider/chips");
            }
            "PENDING_CERT_UPLOAD" => board.attention.push(Attention {
                urgency: Urgency::Act,
                title: format!("Chip {make} {model} needs its certificate"),
                detail: "Upload the chip model's certificate to send it for approval.".into(),
                link: "/provider/chips".into(),
            }),
            _ => {
                let title = format!("Chip {make} {model} certificate expiring");
                board.expiring(title, not_after.unwrap_or_default(), "/provider/chips");
            }
        }
    }
    for (label, status) in [
        ("Chips pending approval", "PENDING_APPROVAL"),
        ("Approved chips", "APPROVED"),
    ] {
        let n: i64 = ftm_chips::table
            .filter(ftm_chips::partner_id.eq(&id))
            .filter(ftm_chips::status.eq(status))
            .count()
            .get_result(conn)?;
        board.figure(label, n, "/provider/chips");
    }
    Ok(())
}

fn decision(approve: bool) -> Decision {
    if approve {
        Decision::Approve
    } else {
        Decision::Reject
    }
}

fn day(ms: i64) -> String {
    crate::registry::day(ms)
}

/// One of the three device queues: they differ only by their table, the two columns of the
/// title, the title's words, the facts of an item and the module that decides it.
macro_rules! item_queue {
    ($(#[$doc:meta])* $queue:ident, $kind:ident, $table:ident, ($a:ident, $b:ident),
     $module:ident, |$ta:ident, $tb:ident| $title:expr, $detail:ident) => {
        $(#[$doc])*
        pub(crate) struct $queue;

        impl Queue for $queue {
            fn kind(&self) -> InboxKind {
                InboxKind::$kind
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
                    $table::table.inner_join(partners::table),
                    $table::status,
                    super::ItemStatus::PendingApproval.as_str(),
                    $table::created_at,
                    $table::id,
                    $table::partner_id,
                    (
                        $table::id,
                        $table::partner_id,
                        partners::organisation,
                        partners::partner_type,
                        $table::$a,
                        $table::$b,
                        $table::created_at
                    )
                )
            }

            fn title(&self, _organisation: &str, $ta: &str, $tb: &str) -> String {
                $title
            }

            fn detail(&self, conn: &mut AnyConnection, id: &str) -> AppResult<QueueDetail> {
                $detail(self, conn, id)
            }

            fn decide(
                &self,
                conn: &mut AnyConnection,
                actor: &Actor,
                id: &str,
                approve: bool,
                reason: Option<&str>,
            ) -> AppResult<()> {
                super::$module::decide(conn, actor, id, decision(approve), reason).map(|_| ())
            }
        }
    };
}

item_queue!(
    /// SBIs waiting for approval.
    SbiQueue, Sbi, sbis, (version, binary_hash), sbi,
    |a, _b| format!("SBI version {a}"),
    sbi_detail
);
item_queue!(
    /// Device models waiting for approval.
    DeviceQueue, Device, devices, (make, model), model,
    |a, b| format!("Device {a} {b}"),
    device_detail
);
item_queue!(
    /// FTM chip models waiting for approval.
    ChipQueue, Chip, ftm_chips, (make, model), chip,
    |a, b| format!("FTM chip {a} {b}"),
    chip_detail
);

/// An SBI's facts for a decision.
fn sbi_detail(q: &SbiQueue, conn: &mut AnyConnection, id: &str) -> AppResult<QueueDetail> {
    let s = super::sbi::get(conn, id)?;
    let title = q.title("", &s.version, "");
    let mut d = QueueDetail::new(s.partner_id.clone(), title, s.created_at);
    d.fact("Version", s.version.clone());
    d.fact("Binary hash", s.binary_hash.clone());
    d.fact("Built on", day(s.created_on));
    d.fact("Expires on", day(s.expires_on));
    d.fact("Linked devices", s.devices.to_string());
    Ok(d)
}

/// A device model's facts for a decision, with the SBIs it is linked to.
fn device_detail(q: &DeviceQueue, conn: &mut AnyConnection, id: &str) -> AppResult<QueueDetail> {
    let m = super::model::get(conn, id)?;
    let title = q.title("", &m.make, &m.model);
    let mut d = QueueDetail::new(m.partner_id.clone(), title, m.created_at);
    d.fact("Type", format!("{} / {}", m.device_type, m.sub_type));
    d.fact("Make", m.make.clone());
    d.fact("Model", m.model.clone());
    for link in &m.sbis {
        d.sbis.push(super::sbi::get(conn, &link.id)?);
    }
    Ok(d)
}

/// A chip model's facts for a decision, with its certificate.
fn chip_detail(q: &ChipQueue, conn: &mut AnyConnection, id: &str) -> AppResult<QueueDetail> {
    let c = super::chip::get(conn, id)?;
    let title = q.title("", &c.make, &c.model);
    let mut d = QueueDetail::new(c.partner_id.clone(), title, c.created_at);
    d.fact("Make", c.make.clone());
    d.fact("Model", c.model.clone());
    let subject = c.cert_subject.clone();
    d.fact(
        "Chip certificate",
        subject.unwrap_or_else(|| "not uploaded".into()),
    );
    if let Some(t) = c.cert_not_after {
        d.fact("Certificate valid until", day(t));
    }
    Ok(d)
}
