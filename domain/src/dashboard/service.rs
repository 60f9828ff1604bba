//! Dashboard queries.

use super::*;
use crate::account::CurrentUser;
use crate::clock;
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::history::AuditEntry;
use crate::inbox::{self, InboxQuery};
use crate::schema::{
    api_keys, audit_log, ca_certificates, decision_days, devices, ftm_chips, misp_licenses,
    oidc_clients, partner_certificates, partner_counts, policies, policy_counts, policy_groups,
    policy_requests, sbis,
};
use diesel::dsl::{exists, not};
use diesel::prelude::*;

const DAY_MS: i64 = 86_400_000;

/// (make, model, status, reason, certificate end)
type ChipRow = (String, String, String, Option<String>, Option<i64>);
/// Days of the decisions chart.
pub const CHART_DAYS: i64 = 90;

/// The partner admin's dashboard at `now`.
pub fn admin(conn: &mut AnyConnection, now: i64) -> AppResult<AdminDashboard> {
    let pending = inbox::list_at(
        conn,
        &InboxQuery {
            page_size: Some(1),
            ..InboxQuery::default()
        },
        now,
    )?
    .counts;
    let today = now.div_euclid(DAY_MS);
    let first = today - (CHART_DAYS - 1);
    let rows: Vec<(i64, String, i64)> = decision_days::table
        .filter(decision_days::day.ge(first))
        .select((decision_days::day, decision_days::action, decision_days::n))
        .load(conn)?;
    let mut decisions: Vec<DayDecisions> = (first..=today)
        .map(|d| DayDecisions {
            day: d * DAY_MS,
            approved: 0,
            rejected: 0,
        })
        .collect();
    for (d, action, n) in rows {
        if let Some(slot) = decisions.get_mut((d - first) as usize) {
            if action.ends_with("_APPROVED") {
                slot.approved += n;
            } else {
                slot.rejected += n;
            }
        }
    }
    let (expiring, expiring_total) = expiring(conn, now, 30, 20)?;
    let recent: Vec<AuditEntry> = audit_log::table
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(10)
        .load(conn)?;
    // At most statuses x types rows, kept by a trigger; summing them avoids a count(*).
    let partners: i64 = partner_counts::table
        .select(partner_counts::n)
        .load::<i64>(conn)?
        .into_iter()
        .sum();
    Ok(AdminDashboard {
        pending,
        decisions,
        expiring,
        expiring_total,
        recent,
        partners,
        now,
    })
}

/// Certificates, keys, SBIs, chips and licenses expiring within `days`: the soonest `limit`
/// and the total.
pub fn expiring(
    conn: &mut AnyConnection,
    now: i64,
    days: i64,
    limit: i64,
) -> AppResult<(Vec<ExpiringItem>, i64)> {
    let end = now + days * DAY_MS;
    let mut out = Vec::new();
    let mut total = 0;
    macro_rules! kind {
        ($table:expr, $due:expr, $select:expr, $map:expr) => {{
            let q = || $table.filter($due.gt(now)).filter($due.le(end));
            total += q().count().get_result::<i64>(conn)?;
            let rows: Vec<_> = q()
                .order($due.asc())
                .select($select)
                .limit(limit)
                .load(conn)?;
            out.extend(rows.into_iter().map($map));
        }};
    }
    kind!(
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
    kind!(
        partner_certificates::table.filter(partner_certificates::is_current.eq(true)),
        partner_certificates::not_after,
        (
            partner_certificates::partner_id,
            partner_certificates::not_after
        ),
        |(p, due): (String, i64)| ExpiringItem {
            what: "Partner certificate".into(),
            name: p.clone(),
            link: format!("/admin/partners/{p}"),
            partner_id: Some(p),
            due_at: due,
        }
    );
    // A re-signed certificate that ends before the uploaded one (capped at a year).
    kind!(
        partner_certificates::table
            .filter(partner_certificates::is_current.eq(true))
            .filter(partner_certificates::resigned_not_after.lt(partner_certificates::not_after)),
        partner_certificates::resigned_not_after,
        (
            partner_certificates::partner_id,
            partner_certificates::resigned_not_after
        ),
        |(p, due): (String, i64)| ExpiringItem {
            what: "Re-signed partner certificate".into(),
            name: p.clone(),
            link: format!("/admin/partners/{p}"),
            partner_id: Some(p),
            due_at: due,
        }
    );
    kind!(
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
    kind!(
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
    kind!(
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
    kind!(
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
    out.sort_by_key(|i| i.due_at);
    out.truncate(limit as usize);
    Ok((out, total))
}

/// The policy manager's dashboard.
pub fn policy(conn: &mut AnyConnection) -> AppResult<PolicyDashboard> {
    let counts = policy_counts::table
        .filter(policy_counts::n.gt(0))
        .select((
            policy_counts::status,
            policy_counts::policy_type,
            policy_counts::n,
        ))
        .order((
            policy_counts::status.asc(),
            policy_counts::policy_type.asc(),
        ))
        .load::<(String, String, i64)>(conn)?
        .into_iter()
        .map(|(status, policy_type, count)| PolicyCount {
            status,
            policy_type,
            count,
        })
        .collect();
    let recently_published = policies::table
        .inner_join(policy_groups::table)
        .filter(policies::status.eq("PUBLISHED"))
        .order((policies::updated_at.desc(), policies::id.desc()))
        .select((
            policies::id,
            policies::name,
            policies::policy_type,
            policy_groups::name,
            policies::updated_at,
        ))
        .limit(8)
        .load::<(String, String, String, String, i64)>(conn)?
        .into_iter()
        .map(|(id, name, policy_type, group_name, at)| PolicyLine {
            id,
            name,
            policy_type,
            group_name,
            at,
        })
        .collect();
    let empty_groups = policy_groups::table
        .filter(policy_groups::active.eq(true))
        .filter(not(exists(
            policies::table.filter(policies::policy_group_id.eq(policy_groups::id)),
        )))
        .order(policy_groups::name.asc())
        .select((policy_groups::id, policy_groups::name))
        .limit(20)
        .load(conn)?;
    let active_groups = policy_groups::table
        .filter(policy_groups::active.eq(true))
        .count()
        .get_result(conn)?;
    Ok(PolicyDashboard {
        counts,
        recently_published,
        empty_groups,
        active_groups,
    })
}

fn day(ms: i64) -> String {
    clock::rfc3339(ms).chars().take(10).collect()
}

/// What needs the signed-in partner's attention; `None` for an account without a partner.
pub fn partner(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    now: i64,
) -> AppResult<Option<PartnerDashboard>> {
    let Some(id) = crate::partner::id_for_account(conn, &user.id)? else {
        return Ok(None);
    };
    let p = crate::partner::load_view(conn, &id)?;
    let soon = now + 30 * DAY_MS;
    let mut attention = Vec::new();
    let mut figures = Vec::new();
    use crate::partner::PartnerStatus as S;
    match p.status {
        S::Pending => attention.push(Attention {
            urgency: Urgency::Soon,
            title: "Registration waiting for approval".into(),
            detail: "A partner admin reviews it; most features open once approved.".into(),
            link: "/partner".into(),
        }),
        S::Rejected => attention.push(Attention {
            urgency: Urgency::Act,
            title: "Registration rejected".into(),
            detail: p.status_reason.clone().unwrap_or_default(),
            link: "/partner".into(),
        }),
        S::Deactivated => attention.push(Attention {
            urgency: Urgency::Act,
            title: "Organisation deactivated".into(),
            detail: p.status_reason.clone().unwrap_or_default(),
            link: "/partner".into(),
        }),
        S::Approved => {}
    }
    match inbox::current_certificate(conn, &id, now)? {
        None => attention.push(Attention {
            urgency: Urgency::Act,
            title: "Certificate missing".into(),
            detail: format!("Upload your organisation's {} certificate.", p.cert_domain),
            link: "/partner/certificate".into(),
        }),
        Some(c) if c.expired => attention.push(Attention {
            urgency: Urgency::Act,
            title: "Certificate expired".into(),
            detail: format!("It expired on {}; upload a renewed one.", day(c.not_after)),
            link: "/partner/certificate".into(),
        }),
        // The re-signed certificate lasts a year at most, so it often ends first; uploading
        // the same certificate again re-signs it.
        Some(c) if c.resigned_not_after <= now => attention.push(Attention {
            urgency: Urgency::Act,
            title: "Re-signed certificate expired".into(),
            detail: format!(
                "The portal's re-signed certificate ended on {}; upload your certificate again to have it re-signed.",
                day(c.resigned_not_after)
            ),
            link: "/partner/certificate".into(),
        }),
        Some(c) if c.not_after <= soon => attention.push(Attention {
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
            link: "/partner/certificate".into(),
        }),
        Some(c) if c.resigned_not_after <= soon => attention.push(Attention {
            urgency: Urgency::Soon,
            title: "Re-signed certificate expiring".into(),
            detail: format!(
                "The portal's re-signed certificate ends on {}; upload your certificate again before then to have it re-signed.",
                day(c.resigned_not_after)
            ),
            link: "/partner/certificate".into(),
        }),
        Some(_) => {}
    }
    let rejected = |title: String, reason: Option<String>, link: &str| Attention {
        urgency: Urgency::Act,
        title,
        detail: reason.unwrap_or_default(),
        link: link.into(),
    };
    if p.policy_required {
        let pending: i64 = policy_requests::table
            .filter(policy_requests::partner_id.eq(&id))
            .filter(policy_requests::status.eq("PENDING"))
            .count()
            .get_result(conn)?;
        if pending > 0 {
            attention.push(Attention {
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
            .filter(policy_requests::updated_at.gt(now - 30 * DAY_MS))
            .order(policy_requests::updated_at.desc())
            .select((policies::name, policy_requests::comment))
            .limit(5)
            .load(conn)?;
        for (name, reason) in refused {
            attention.push(rejected(
                format!("Request for \u{201c}{name}\u{201d} rejected"),
                reason,
                "/partner/policy-requests",
            ));
        }
        let keys: Vec<(String, i64)> = api_keys::table
            .filter(api_keys::partner_id.eq(&id))
            .filter(api_keys::status.eq("ACTIVE"))
            .filter(api_keys::valid_to.le(soon))
            .order(api_keys::valid_to.asc())
            .select((api_keys::label, api_keys::valid_to))
            .limit(10)
            .load(conn)?;
        for (label, to) in keys {
            attention.push(Attention {
                urgency: Urgency::Soon,
                title: format!("API key \u{201c}{label}\u{201d} expiring"),
                detail: format!("It expires on {}.", day(to)),
                link: "/partner/api-keys".into(),
            });
        }
        let active_keys: i64 = api_keys::table
            .filter(api_keys::partner_id.eq(&id))
            .filter(api_keys::status.eq("ACTIVE"))
            .count()
            .get_result(conn)?;
        figures.push((
            "Active API keys".into(),
            active_keys,
            "/partner/api-keys".into(),
        ));
        figures.push((
            "Pending requests".into(),
            pending,
            "/partner/policy-requests".into(),
        ));
        if p.partner_type == "Auth_Partner" {
            let clients: i64 = oidc_clients::table
                .filter(oidc_clients::partner_id.eq(&id))
                .filter(oidc_clients::status.eq("ACTIVE"))
                .count()
                .get_result(conn)?;
            figures.push((
                "Active OIDC clients".into(),
                clients,
                "/partner/oidc-clients".into(),
            ));
        }
    }
    match p.partner_type.as_str() {
        "Device_Provider" => {
            let sbi_rows: Vec<(String, String, Option<String>, i64)> = sbis::table
                .filter(sbis::partner_id.eq(&id))
                .filter(
                    sbis::status
                        .eq("REJECTED")
                        .or(sbis::status.eq("APPROVED").and(sbis::expires_on.le(soon))),
                )
                .order(sbis::updated_at.desc())
                .select((sbis::version, sbis::status, sbis::reason, sbis::expires_on))
                .limit(10)
                .load(conn)?;
            for (version, status, reason, expires) in sbi_rows {
                attention.push(if status == "REJECTED" {
                    rejected(format!("SBI {version} rejected"), reason, "/provider/sbis")
                } else {
                    Attention {
                        urgency: Urgency::Soon,
                        title: format!("SBI {version} expiring"),
                        detail: format!("It expires on {}.", day(expires)),
                        link: "/provider/sbis".into(),
                    }
                });
            }
            let device_rows: Vec<(String, String, Option<String>)> = devices::table
                .filter(devices::partner_id.eq(&id))
                .filter(devices::status.eq("REJECTED"))
                .order(devices::updated_at.desc())
                .select((devices::make, devices::model, devices::reason))
                .limit(10)
                .load(conn)?;
            for (make, model, reason) in device_rows {
                attention.push(rejected(
                    format!("Device {make} {model} rejected"),
                    reason,
                    "/provider/devices",
                ));
            }
            for (label, table_status, link) in [
                ("Pending SBIs", "PENDING_APPROVAL", "/provider/sbis"),
                ("Approved SBIs", "APPROVED", "/provider/sbis"),
            ] {
                let n: i64 = sbis::table
                    .filter(sbis::partner_id.eq(&id))
                    .filter(sbis::status.eq(table_status))
                    .count()
                    .get_result(conn)?;
                figures.push((label.into(), n, link.into()));
            }
            for (label, table_status) in [
                ("Pending devices", "PENDING_APPROVAL"),
                ("Approved devices", "APPROVED"),
            ] {
                let n: i64 = devices::table
                    .filter(devices::partner_id.eq(&id))
                    .filter(devices::status.eq(table_status))
                    .count()
                    .get_result(conn)?;
                figures.push((label.into(), n, "/provider/devices".into()));
            }
        }
        "FTM_Provider" => {
            let chips: Vec<ChipRow> = ftm_chips::table
                .filter(ftm_chips::partner_id.eq(&id))
                .filter(
                    ftm_chips::status
                        .eq_any(["REJECTED", "PENDING_CERT_UPLOAD"])
                        .or(ftm_chips::status
                            .eq("APPROVED")
                            .and(ftm_chips::cert_not_after.le(soon))),
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
            for (make, model, status, reason, not_after) in chips {
                attention.push(match status.as_str() {
                    "REJECTED" => rejected(
                        format!("Chip {make} {model} rejected"),
                        reason,
                        "/provider/chips",
                    ),
                    "PENDING_CERT_UPLOAD" => Attention {
                        urgency: Urgency::Act,
                        title: format!("Chip {make} {model} needs its certificate"),
                        detail: "Upload the chip model's certificate to send it for approval."
                            .into(),
                        link: "/provider/chips".into(),
                    },
                    _ => Attention {
                        urgency: Urgency::Soon,
                        title: format!("Chip {make} {model} certificate expiring"),
                        detail: format!("It expires on {}.", day(not_after.unwrap_or_default())),
                        link: "/provider/chips".into(),
                    },
                });
            }
            for (label, table_status) in [
                ("Chips pending approval", "PENDING_APPROVAL"),
                ("Approved chips", "APPROVED"),
            ] {
                let n: i64 = ftm_chips::table
                    .filter(ftm_chips::partner_id.eq(&id))
                    .filter(ftm_chips::status.eq(table_status))
                    .count()
                    .get_result(conn)?;
                figures.push((label.into(), n, "/provider/chips".into()));
            }
        }
        "MISP_Partner" => {
            let live: Option<i64> = misp_licenses::table
                .filter(misp_licenses::partner_id.eq(&id))
                .filter(misp_licenses::status.eq("ACTIVE"))
                .select(misp_licenses::valid_to)
                .first(conn)
                .optional()?;
            match live {
                None => attention.push(Attention {
                    urgency: Urgency::Act,
                    title: "No active license key".into(),
                    detail: "Generate one once your organisation is approved.".into(),
                    link: "/partner/license".into(),
                }),
                Some(to) if to <= soon => attention.push(Attention {
                    urgency: Urgency::Soon,
                    title: "License key expiring".into(),
                    detail: format!("It expires on {}.", day(to)),
                    link: "/partner/license".into(),
                }),
                Some(_) => {}
            }
        }
        _ => {}
    }
    attention.sort_by_key(|a| match a.urgency {
        Urgency::Act => 0,
        Urgency::Soon => 1,
        Urgency::Info => 2,
    });
    Ok(Some(PartnerDashboard {
        partner_type: p.partner_type,
        attention,
        figures,
    }))
}
