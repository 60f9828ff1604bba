//! Benchmark data: many live API keys of a few approved partners (never on a production
//! database). The secrets are returned so that a load test can present them.

use super::shared::{hash_secret, new_secret, visible_prefix};
use super::{KeyStatus, RequestStatus};
use crate::audit::Actor;
use crate::clock;
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::partner::{Decision, PartnerInput};
use crate::schema::{api_keys, policy_requests};
use crate::PartnerType;
use diesel::prelude::*;

const PARTNERS: usize = 10;
const CHUNK: usize = 1000;
const DOC: &str = r#"{"authTokenType":"partner","allowedAuthTypes":[{"authType":"otp","mandatory":false},{"authType":"bio","authSubType":"FINGER","mandatory":false}],"allowedKycAttributes":[{"attributeName":"fullName"},{"attributeName":"email"},{"attributeName":"phone"}]}"#;

/// Add `count` live API keys spread over ten approved Auth partners of a new group with one
/// published Auth policy; returns their secrets.
pub fn seed_api_keys(
    conn: &mut AnyConnection,
    count: usize,
    password: &str,
    mut progress: impl FnMut(usize),
) -> AppResult<Vec<String>> {
    let system = Actor::system();
    let now = clock::now_ms();
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let (group, policy) = seed_policy(conn, &system, tag, now)?;
    let partners = seed_partners(conn, &system, tag, &group, &policy, password, now)?;
    let mut secrets = Vec::with_capacity(count);
    while secrets.len() < count {
        let n = CHUNK.min(count - secrets.len());
        let batch: Vec<String> = (0..n)
            .map(|_| new_secret(super::apikey::KEY_PREFIX, 40))
            .collect();
        crate::db::write_tx(conn, |conn| {
            insert_keys(conn, &partners, &policy, &batch, secrets.len(), now)
        })?;
        secrets.extend(batch);
        progress(secrets.len());
    }
    Ok(secrets)
}

/// The new group `seed-keys-<tag>` and its one Auth policy, published for a year: (group id,
/// policy id).
fn seed_policy(
    conn: &mut AnyConnection,
    system: &Actor,
    tag: &str,
    now: i64,
) -> AppResult<(String, String)> {
    let group =
        crate::policy::group::create(conn, system, &format!("seed-keys-{tag}"), "Seeded")?.id;
    let policy = crate::policy::create(
        conn,
        system,
        &crate::policy::PolicyInput {
            group_id: group.clone(),
            name: "Seeded KYC".into(),
            description: "Seeded".into(),
            policy_type: "Auth".into(),
            document: DOC.into(),
        },
    )?
    .summary
    .id;
    crate::policy::publish(conn, system, &policy, now + 365 * 86_400_000)?;
    Ok((group, policy))
}

/// Ten Auth partners of the group, signed up and approved, each with an approved request
/// for the policy; returns their ids.
fn seed_partners(
    conn: &mut AnyConnection,
    system: &Actor,
    tag: &str,
    group: &str,
    policy: &str,
    password: &str,
    now: i64,
) -> AppResult<Vec<String>> {
    let mut partners = Vec::with_capacity(PARTNERS);
    for k in 0..PARTNERS {
        let id = format!("seed-{tag}-{k}");
        crate::partner::sign_up(
            conn,
            &PartnerInput {
                partner_id: id.clone(),
                organisation: format!("Seeded relying party {k}"),
                partner_type: PartnerType::AuthPartner.as_str().into(),
                email: format!("{id}@example.org"),
                phone: "+91 80 1234 5678".into(),
                address: "Seeded".into(),
                language: "eng".into(),
                policy_group_id: Some(group.to_string()),
            },
            password,
            &crate::account::PortalMail::off(),
        )?;
        crate::partner::decide(conn, system, &id, Decision::Approve, None)?;
        diesel::insert_into(policy_requests::table)
            .values((
                policy_requests::id.eq(uuid::Uuid::new_v4().to_string()),
                policy_requests::partner_id.eq(&id),
                policy_requests::policy_id.eq(policy),
                policy_requests::use_case.eq("Seeded"),
                policy_requests::status.eq(RequestStatus::Approved.as_str()),
                policy_requests::created_at.eq(now),
                policy_requests::updated_at.eq(now),
            ))
            .execute(conn)?;
        partners.push(id);
    }
    Ok(partners)
}

/// One batch of live keys for the policy, key `first + i` going to partner
/// `(first + i) % 10`, each stored by its hash and visible prefix.
fn insert_keys(
    conn: &mut AnyConnection,
    partners: &[String],
    policy: &str,
    batch: &[String],
    first: usize,
    now: i64,
) -> AppResult<()> {
    for (i, secret) in batch.iter().enumerate() {
        let k = first + i;
        diesel::insert_into(api_keys::table)
            .values((
                api_keys::id.eq(uuid::Uuid::new_v4().to_string()),
                api_keys::partner_id.eq(&partners[k % PARTNERS]),
                api_keys::policy_id.eq(policy),
                api_keys::label.eq(format!("seeded {k}")),
                api_keys::prefix.eq(visible_prefix(secret, 10)),
                api_keys::key_hash.eq(hash_secret(secret)),
                api_keys::valid_from.eq(now),
                api_keys::valid_to.eq(now + 365 * 86_400_000),
                api_keys::status.eq(KeyStatus::Active.as_str()),
                api_keys::created_at.eq(now),
                api_keys::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}
