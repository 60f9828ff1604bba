//! Certificates' part of the dashboards: a partner's own certificate (missing, expired,
//! ending), and the trust store's and partners' certificates ending soon.

use crate::dashboard::{Attention, ExpiringItem, Urgency};
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::notification::{Due, NotificationKind};
use crate::registry::{day, expiring_kind, Board, Expiring, Part};
use crate::schema::{ca_certificates, partner_certificates};
use diesel::prelude::*;

/// The registry's entry for certificates.
pub(crate) struct Certificates;

const LINK: &str = "/partner/certificate";

impl Part for Certificates {
    fn partner(&self, conn: &mut AnyConnection, board: &mut Board) -> AppResult<()> {
        let (now, soon) = (board.now, board.soon);
        let act = |title: &str, detail: String| Attention {
            urgency: Urgency::Act,
            title: title.into(),
            detail,
            link: LINK.into(),
        };
        let item = match crate::inbox::current_certificate(conn, board.id(), now)? {
            None => act(
                "Certificate missing",
                format!(
                    "Upload your organisation's {} certificate.",
                    board.partner.cert_domain
                ),
            ),
            Some(c) if c.expired => act(
                "Certificate expired",
                format!("It expired on {}; upload a renewed one.", day(c.not_after)),
            ),
            // The re-signed certificate lasts a year at most, so it often ends first; uploading
            // the same certificate again re-signs it.
            Some(c) if c.resigned_not_after <= now => act(
                "Re-signed certificate expired",
                format!(
                    "The portal's re-signed certificate ended on {}; upload your certificate again to have it re-signed.",
                    day(c.resigned_not_after)
                ),
            ),
            Some(c) if c.not_after <= soon => Attention {
                urgency: Urgency::Soon,
                title: "Certificate expiring".into(),
                // Both end soon: a renewed certificate fixes both, and the earlier date is said.
                detail: if c.resigned_not_after < c.not_after {
                    format!(
                        "It expires on {}, and the portal's re-signed certificate already on {}; upload a renewed one.",
                        day(c.not_after),
                        day(c.resigned_not_after)
                    )
                } else {
                    format!("It expires on {}.", day(c.not_after))
                },
                link: LINK.into(),
            },
            Some(c) if c.resigned_not_after <= soon => Attention {
                urgency: Urgency::Soon,
                title: "Re-signed certificate expiring".into(),
                detail: format!(
                    "The portal's re-signed certificate ends on {}; upload your certificate again before then to have it re-signed.",
                    day(c.resigned_not_after)
                ),
                link: LINK.into(),
            },
            Some(_) => return Ok(()),
        };
        board.attention.push(item);
        Ok(())
    }

    fn expiring(&self, conn: &mut AnyConnection, out: &mut Expiring) -> AppResult<()> {
        expiring_kind!(
            out,
            conn,
            ca_certificates::table.filter(ca_certificates::active.eq(true)),
            ca_certificates::not_after,
            (
                ca_certificates::id,
                ca_certificates::subject,
                ca_certificates::not_after
            ),
            |(id, subject, due): (String, String, i64)| ExpiringItem {
                what: "CA certificate".into(),
                name: subject,
                partner_id: None,
                due_at: due,
                link: format!("/admin/certificates/{id}"),
            }
        );
        expiring_kind!(
            out,
            conn,
            partner_certificates::table.filter(partner_certificates::is_current.eq(true)),
            partner_certificates::not_after,
            (
                partner_certificates::partner_id,
                partner_certificates::not_after
            ),
            |(p, due): (String, i64)| partner_item("Partner certificate", p, due)
        );
        // A re-signed certificate that ends before the uploaded one (capped at a year).
        expiring_kind!(
            out,
            conn,
            partner_certificates::table
                .filter(partner_certificates::is_current.eq(true))
                .filter(
                    partner_certificates::resigned_not_after.lt(partner_certificates::not_after)
                ),
            partner_certificates::resigned_not_after,
            (
                partner_certificates::partner_id,
                partner_certificates::resigned_not_after
            ),
            |(p, due): (String, i64)| partner_item("Re-signed partner certificate", p, due)
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
        let cas: Vec<(String, String, String, i64)> = ca_certificates::table
            .filter(ca_certificates::active.eq(true))
            .filter(ca_certificates::not_after.gt(now))
            .filter(ca_certificates::not_after.le(end))
            .select((
                ca_certificates::id,
                ca_certificates::kind,
                ca_certificates::subject,
                ca_certificates::not_after,
            ))
            .load(conn)?;
        for (id, kind, subject, not_after) in cas {
            out.push(Due {
                kind: NotificationKind::CaCertExpiry,
                entity_type: "ca_certificate",
                link: format!("/admin/certificates/{id}"),
                entity_id: id,
                name: format!("{subject} ({})", kind.to_lowercase()),
                due_at: not_after,
                partner_id: None,
            });
        }
        let certs: Vec<(String, String, i64)> = partner_certificates::table
            .filter(partner_certificates::is_current.eq(true))
            .filter(partner_certificates::not_after.gt(now))
            .filter(partner_certificates::not_after.le(end))
            .select((
                partner_certificates::id,
                partner_certificates::partner_id,
                partner_certificates::not_after,
            ))
            .load(conn)?;
        for (id, partner_id, not_after) in certs {
            out.push(partner_notice(
                "partner_certificate",
                id,
                partner_id.clone(),
                partner_id,
                not_after,
            ));
        }
        // The re-signed certificate ends first when the uploaded one outlives its one year;
        // downstream trusts the re-signed one, so its end is warned of too.
        let resigned: Vec<(String, String, i64)> = partner_certificates::table
            .filter(partner_certificates::is_current.eq(true))
            .filter(partner_certificates::resigned_not_after.gt(now))
            .filter(partner_certificates::resigned_not_after.le(end))
            .filter(partner_certificates::resigned_not_after.lt(partner_certificates::not_after))
            .select((
                partner_certificates::id,
                partner_certificates::partner_id,
                partner_certificates::resigned_not_after,
            ))
            .load(conn)?;
        for (id, partner_id, due) in resigned {
            let name = format!("{partner_id} (re-signed by the portal)");
            out.push(partner_notice(
                "partner_certificate_resigned",
                id,
                name,
                partner_id,
                due,
            ));
        }
        Ok(())
    }
}

fn partner_item(what: &str, p: String, due: i64) -> ExpiringItem {
    ExpiringItem {
        what: what.into(),
        name: p.clone(),
        link: format!("/admin/partners/{p}"),
        partner_id: Some(p),
        due_at: due,
    }
}

/// A partner's certificate ending: the partner hears of it.
fn partner_notice(
    entity_type: &'static str,
    id: String,
    name: String,
    partner_id: String,
    due_at: i64,
) -> Due {
    Due {
        kind: NotificationKind::PartnerCertExpiry,
        entity_type,
        entity_id: id,
        name,
        due_at,
        partner_id: Some(partner_id),
        link: LINK.into(),
    }
}
