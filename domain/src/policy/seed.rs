//! Demo and benchmark data (server only): many policies spread over policy groups, of every
//! type and status, with a version row for each published or deactivated one. Like partner
//! seeding, it writes one `POLICIES_SEEDED` audit row per run and no events: demo policies
//! are not real, and downstream services must not learn of them.

use super::{PolicyStatus, PolicyType};
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::schema::{policies, policy_groups, policy_versions};
use diesel::prelude::*;
use serde_json::json;

/// Policies written per transaction.
const CHUNK: usize = 5_000;
/// Policy groups the seeded policies are spread over.
const GROUPS: usize = 50;

const SUBJECTS: [&str; 12] = [
    "KYC",
    "Authentication",
    "e-Signature",
    "Print",
    "Credential",
    "ABIS",
    "Adjudication",
    "Resident",
    "Digital card",
    "Mobile",
    "Verification",
    "Relay",
];

/// Seed `count` policies (groups `seed-policies-1..50` are created when absent); returns how
/// many were written.
pub fn seed_policies(
    conn: &mut AnyConnection,
    count: usize,
    mut progress: impl FnMut(usize),
) -> AppResult<usize> {
    let now = clock::now_ms();
    let groups = seed_groups(conn)?;
    let start: i64 = policies::table.count().get_result(conn)?;
    let mut done = 0;
    while done < count {
        let n = CHUNK.min(count - done);
        crate::db::write_tx(conn, |conn| {
            for i in done..done + n {
                insert_policy(conn, &groups, start as usize + i, now)?;
            }
            Ok(())
        })?;
        done += n;
        progress(done);
    }
    audit::record(
        conn,
        &Actor::system(),
        "POLICIES_SEEDED",
        "policy",
        "-",
        json!({ "count": count }),
    )?;
    Ok(count)
}

/// The ids of the groups `seed-policies-1..50`, each created when absent.
fn seed_groups(conn: &mut AnyConnection) -> AppResult<Vec<String>> {
    let mut groups = Vec::with_capacity(GROUPS);
    for k in 1..=GROUPS {
        let name = format!("seed-policies-{k}");
        let found: Option<String> = policy_groups::table
            .filter(policy_groups::name.eq(&name))
            .select(policy_groups::id)
            .first(conn)
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => crate::policy::group::create(conn, &Actor::system(), &name, "Seeded")?.id,
        };
        groups.push(id);
    }
    Ok(groups)
}

/// Seeded policy number `k`: its type, status, group and age follow from `k`; a published or
/// deactivated one gets its version row.
fn insert_policy(conn: &mut AnyConnection, groups: &[String], k: usize, now: i64) -> AppResult<()> {
    let kind = PolicyType::ALL[k % 3];
    let status = match k % 10 {
        0..=2 => PolicyStatus::Draft,
        3..=8 => PolicyStatus::Published,
        _ => PolicyStatus::Deactivated,
    };
    let published = status != PolicyStatus::Draft;
    let at = now - ((k as i64 * 7_919) % (730 * 86_400)) * 1000;
    let id = uuid::Uuid::new_v4().to_string();
    let document = kind.template();
    diesel::insert_into(policies::table)
        .values((
            policies::id.eq(&id),
            policies::policy_group_id.eq(&groups[k % GROUPS]),
            policies::name.eq(format!("{} policy {k}", SUBJECTS[k % SUBJECTS.len()])),
            policies::description.eq("Seeded"),
            policies::policy_type.eq(kind.as_str()),
            policies::status.eq(status.as_str()),
            policies::document.eq(document),
            policies::version.eq(i32::from(published)),
            policies::valid_from.eq(published.then_some(at)),
            policies::valid_to.eq(published.then_some(at + 365 * 86_400_000)),
            policies::created_at.eq(at),
            policies::updated_at.eq(at),
        ))
        .execute(conn)?;
    if published {
        diesel::insert_into(policy_versions::table)
            .values((
                policy_versions::policy_id.eq(&id),
                policy_versions::version.eq(1),
                policy_versions::document.eq(document),
                policy_versions::valid_from.eq(at),
                policy_versions::valid_to.eq(at + 365 * 86_400_000),
                policy_versions::published_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}
