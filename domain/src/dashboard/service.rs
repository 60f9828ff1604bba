//! Dashboard queries.

use super::*;
use crate::account::CurrentUser;
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::history::AuditEntry;
use crate::inbox::{self, InboxQuery};
use crate::registry::{Board, Expiring, DAY_MS, PARTS};
use crate::schema::{
    audit_log, decision_days, partner_counts, policies, policy_counts, policy_groups,
};
use diesel::dsl::{exists, not};
use diesel::prelude::*;

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
/// and the total. Each aggregate adds its own kinds (the registry's `Part::expiring`).
pub fn expiring(
    conn: &mut AnyConnection,
    now: i64,
    days: i64,
    limit: i64,
) -> AppResult<(Vec<ExpiringItem>, i64)> {
    let mut out = Expiring {
        now,
        end: now + days * DAY_MS,
        limit,
        items: Vec::new(),
        total: 0,
    };
    for part in PARTS {
        part.expiring(conn, &mut out)?;
    }
    out.items.sort_by_key(|i| i.due_at);
    out.items.truncate(limit as usize);
    Ok((out.items, out.total))
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

/// What needs the signed-in partner's attention; `None` for an account without a partner.
/// Each aggregate adds its own items and figures (the registry's `Part::partner`).
pub fn partner(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    now: i64,
) -> AppResult<Option<PartnerDashboard>> {
    let Some(id) = crate::partner::id_for_account(conn, &user.id)? else {
        return Ok(None);
    };
    let p = crate::partner::load_view(conn, &id)?;
    let mut board = Board {
        partner: &p,
        now,
        soon: now + 30 * DAY_MS,
        attention: Vec::new(),
        figures: Vec::new(),
    };
    for part in PARTS {
        part.partner(conn, &mut board)?;
    }
    let (mut attention, figures) = (board.attention, board.figures);
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
