//! Demo and benchmark data (server only): many realistic partners, written quickly.
//!
//! Each seeded partner gets what a registration creates: an account holding the role of its
//! type, the partner row and one status-history row. The data is pseudo-random from a fixed
//! seed, so a given database state always seeds the same partners: organisation names built
//! from word lists and matched to the type ("Nimbus Biometrics Pvt Ltd" makes devices), ids
//! `<slug>-<n>`, emails `<who>@<slug>-<n>.example.org`, phones, addresses and languages of a
//! handful of countries, types spread over the self-registrable portal types, statuses spread
//! about 20% pending, 60% approved, 10% rejected and 10% deactivated (with reasons), creation
//! times spread over the last two years in the order of the numbers (as real registrations).
//!
//! Unlike a registration, seeding writes no per-partner audit row and no `PARTNER_UPDATED`
//! event: these are demo partners, not real organisations, and downstream services must not
//! learn of them (nor should 100,000 rows bury the audit page). One `PARTNERS_SEEDED` audit row
//! records each run instead.

use super::*;
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::schema::{account_roles, accounts, partner_status_history, partners, policy_groups};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

mod data;
use data::*;

/// Partners written per transaction. On SQLite every commit writes each page the transaction
/// changed to the WAL, and rows with random keys (ids, emails, names) change pages all over
/// a dozen indexes: 10,000 rows per commit write far fewer pages than ten commits of 1,000.
/// Small enough that the progress callback runs often and a failure loses little.
const CHUNK: usize = 10_000;
/// Base of the pseudo-random seed (mixed with the first partner number of the run).
const SEED: u64 = 0x5EED_9A27_4E55;
/// Seeded partners were created over the last two years.
const HISTORY_MS: i64 = 730 * 86_400_000;

/// What a seeding run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Partners created.
    pub created: usize,
    /// Names of the policy groups the policy-bound partners were put in (created when absent).
    pub groups: Vec<String>,
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.gen_range(0..items.len())]
}

/// Index into `weights`, chosen in proportion to them (all positive).
fn weighted(rng: &mut StdRng, weights: impl Iterator<Item = u32> + Clone) -> usize {
    let total: u32 = weights.clone().sum();
    let mut roll = rng.gen_range(0..total);
    for (i, w) in weights.enumerate() {
        if roll < w {
            return i;
        }
        roll -= w;
    }
    0
}

fn digits(rng: &mut StdRng, pattern: &str) -> String {
    pattern
        .chars()
        .map(|c| {
            if c == '#' {
                char::from(b'0' + rng.gen_range(0..10u8))
            } else {
                c
            }
        })
        .collect()
}

fn slug(words: &str) -> String {
    let mut out = String::with_capacity(words.len());
    for c in words.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// `<slug>-<n>`, the slug shortened so the id fits [`MAX_PARTNER_ID_LEN`].
fn partner_id(base: &str, n: u64) -> String {
    let suffix = format!("-{n}");
    let room = MAX_PARTNER_ID_LEN.saturating_sub(suffix.len());
    let cut = base[..base.len().min(room)].trim_end_matches('-');
    format!("{cut}{suffix}")
}

/// Find the seed policy group called `name`, creating it when absent.
fn ensure_group(conn: &mut AnyConnection, name: &str) -> AppResult<String> {
    let find = |conn: &mut AnyConnection| -> AppResult<Option<String>> {
        Ok(policy_groups::table
            .filter(policy_groups::name.eq(name))
            .select(policy_groups::id)
            .first(conn)
            .optional()?)
    };
    if let Some(id) = find(conn)? {
        return Ok(id);
    }
    let description = "Demo data: partners created by `pms seed partners`.";
    match crate::policy::group::create(conn, &Actor::system(), name, description) {
        Ok(group) => Ok(group.id),
        // Someone created it meanwhile: use theirs.
        Err(e) if e.code == "PMS_POLICY_GROUP_NAME_TAKEN" => {
            find(conn)?.ok_or_else(AppError::internal)
        }
        Err(e) => Err(e),
    }
}

/// The self-registrable portal types, each with its role and (when policy-bound) seed group.
fn seed_types(conn: &mut AnyConnection) -> AppResult<(Vec<SeedType>, Vec<String>)> {
    let mut types = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    for info in partner_types(conn, false)? {
        let Some(role) = info.portal_role else {
            continue;
        };
        let group_id = if info.policy_required {
            let name = group_name(&info.code);
            if !groups.iter().any(|g| g == name) {
                groups.push(name.to_string());
            }
            Some(ensure_group(conn, name)?)
        } else {
            None
        };
        types.push(SeedType {
            weight: sector(&info.code).1,
            code: info.code,
            role: role.as_str(),
            group_id,
        });
    }
    if types.is_empty() {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_SEED_NO_TYPES",
            "No active self-registrable partner type exists to seed partners with.",
        ));
    }
    groups.sort();
    Ok((types, groups))
}

/// One generated partner, before its number is fixed.
struct Draft {
    organisation: String,
    base: String,
    local: &'static str,
    type_index: usize,
    phone: String,
    address: String,
    language: String,
    status: PartnerStatus,
    reason: Option<&'static str>,
    created_at: i64,
}

fn draft(rng: &mut StdRng, types: &[SeedType], created_at: i64) -> Draft {
    let type_index = weighted(rng, types.iter().map(|t| t.weight));
    let country = &COUNTRIES[weighted(rng, COUNTRIES.iter().map(|c| c.weight))];
    let words = format!(
        "{} {}",
        pick(rng, &PREFIXES),
        pick(rng, sector(&types[type_index].code).0)
    );
    let organisation = format!("{words} {}", pick(rng, country.suffixes));
    let (city, postcode) = pick(rng, country.cities);
    let street = format!("{} {}", rng.gen_range(1..400), pick(rng, country.streets));
    let address = if country.postcode_first {
        format!("{street}, {postcode} {city}, {}", country.name)
    } else {
        format!("{street}, {city} {postcode}, {}", country.name)
    };
    let roll = rng.gen_range(0..100);
    let (status, reason) = match roll {
        0..=19 => (PartnerStatus::Pending, None),
        20..=79 => (PartnerStatus::Approved, None),
        80..=89 => (PartnerStatus::Rejected, Some(pick(rng, &REJECT_REASONS))),
        _ => (
            PartnerStatus::Deactivated,
            Some(pick(rng, &DEACTIVATE_REASONS)),
        ),
    };
    let language = pick(rng, country.languages).to_string();
    debug_assert!(LANGUAGES.iter().any(|(code, _)| *code == language));
    Draft {
        base: slug(&words),
        organisation,
        local: pick(rng, &LOCAL_PARTS),
        type_index,
        phone: digits(rng, country.phone),
        address,
        language,
        status,
        reason,
        created_at,
    }
}

/// Whether a partner id, or the email as a partner's or an account's, is already used.
fn taken(conn: &mut AnyConnection, id: &str, email: &str) -> AppResult<bool> {
    let partner: i64 = partners::table
        .filter(partners::id.eq(id).or(partners::email.eq(email)))
        .count()
        .get_result(conn)?;
    if partner > 0 {
        return Ok(true);
    }
    let account: i64 = accounts::table
        .filter(accounts::email.eq(email))
        .count()
        .get_result(conn)?;
    Ok(account > 0)
}

fn insert_partner(
    conn: &mut AnyConnection,
    system: &Actor,
    t: &SeedType,
    d: &Draft,
    id: String,
    email: String,
    password_hash: &str,
) -> AppResult<()> {
    // Time-ordered (version 7) from the creation time: the account id, the role key and the
    // partner's account reference then grow at the end of their indexes instead of at random
    // places; with the creation times rising with the numbers (which does the same for the
    // created-at indexes) this saves about a third of a large seed's time on SQLite. The id
    // stays an opaque UUID like every other.
    let millis = u64::try_from(d.created_at).unwrap_or(0);
    let account_id = uuid::Builder::from_unix_timestamp_millis(millis, &rand::random())
        .into_uuid()
        .to_string();
    diesel::insert_into(accounts::table)
        .values((
            accounts::id.eq(&account_id),
            accounts::email.eq(&email),
            accounts::display_name.eq(&d.organisation),
            accounts::password_hash.eq(password_hash),
            accounts::active.eq(true),
            accounts::created_at.eq(d.created_at),
            accounts::updated_at.eq(d.created_at),
            accounts::created_by.eq(None::<&str>),
            accounts::updated_by.eq(None::<&str>),
        ))
        .execute(conn)?;
    diesel::insert_into(account_roles::table)
        .values((
            account_roles::account_id.eq(&account_id),
            account_roles::role.eq(t.role),
        ))
        .execute(conn)?;
    let row = PartnerRow {
        id,
        account_id,
        organisation: d.organisation.clone(),
        partner_type: t.code.clone(),
        policy_group_id: t.group_id.clone(),
        email,
        phone: d.phone.clone(),
        address: d.address.clone(),
        language: d.language.clone(),
        status: d.status.as_str().to_string(),
        status_reason: d.reason.map(str::to_string),
        created_at: d.created_at,
        updated_at: d.created_at,
        created_by: None,
        updated_by: None,
    };
    diesel::insert_into(partners::table)
        .values(&row)
        .execute(conn)?;
    diesel::insert_into(partner_status_history::table)
        .values((
            partner_status_history::partner_id.eq(&row.id),
            partner_status_history::from_status.eq(None::<&str>),
            partner_status_history::to_status.eq(d.status.as_str()),
            partner_status_history::reason.eq(d.reason),
            partner_status_history::actor_id.eq(system.id.as_deref()),
            partner_status_history::actor_email.eq(system.email.as_deref()),
            partner_status_history::at.eq(d.created_at),
        ))
        .execute(conn)?;
    Ok(())
}

fn record_run(conn: &mut AnyConnection, created: usize) -> AppResult<()> {
    audit::record(
        conn,
        &Actor::system(),
        "PARTNERS_SEEDED",
        "partner",
        "seed",
        json!({ "count": created }),
    )
}

/// Insert `count` demo partners (see the module doc), all signing in with `password_hash`
/// (hash the shared password once; hashing per account would take hours). Numbering starts
/// after the partners already stored and skips ids and emails in use, so a second run adds
/// more. Works in transactions of [`CHUNK`] partners and calls `progress` with the number
/// created so far after each; the run's one audit row commits with the last chunk (or, when a
/// chunk fails, records what the earlier chunks committed).
pub fn seed_partners(
    conn: &mut AnyConnection,
    count: usize,
    password_hash: &str,
    progress: impl FnMut(usize),
) -> AppResult<SeedReport> {
    seed_in_chunks(conn, count, password_hash, progress, CHUNK)
}

fn seed_in_chunks(
    conn: &mut AnyConnection,
    count: usize,
    password_hash: &str,
    mut progress: impl FnMut(usize),
    chunk: usize,
) -> AppResult<SeedReport> {
    let (types, groups) = seed_types(conn)?;
    if count == 0 {
        return Ok(SeedReport { created: 0, groups });
    }
    let existing: i64 = partners::table.count().get_result(conn)?;
    let mut n = u64::try_from(existing).unwrap_or(0) + 1;
    // Seeded from the first number, so a second run draws other partners than the first.
    let mut rng = StdRng::seed_from_u64(SEED ^ n);
    let system = Actor::system();
    let now = clock::now_ms();
    // The k-th partner of the run registered in the k-th slot of the last two years.
    let slot = (HISTORY_MS / i64::try_from(count).unwrap_or(i64::MAX)).max(1);
    let mut created = 0;
    while created < count {
        let size = chunk.max(1).min(count - created);
        let last = created + size == count;
        let result = crate::db::write_tx(conn, |conn| {
            for k in created..created + size {
                let k = i64::try_from(k).unwrap_or(i64::MAX);
                let at = (now - HISTORY_MS)
                    .saturating_add(k.saturating_mul(slot))
                    .saturating_add(rng.gen_range(0..slot))
                    .min(now);
                let d = draft(&mut rng, &types, at);
                let (id, email) = loop {
                    let id = partner_id(&d.base, n);
                    n += 1;
                    let email = format!("{}@{id}.example.org", d.local);
                    if !taken(conn, &id, &email)? {
                        break (id, email);
                    }
                };
                insert_partner(
                    conn,
                    &system,
                    &types[d.type_index],
                    &d,
                    id,
                    email,
                    password_hash,
                )?;
            }
            if last {
                record_run(conn, count)?;
            }
            Ok(())
        });
        if let Err(e) = result {
            if created > 0 {
                // Best effort: the committed chunks stay, and the log says so.
                let _ = record_run(conn, created);
            }
            return Err(e);
        }
        created += size;
        progress(created);
    }
    Ok(SeedReport { created, groups })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_fit_the_partner_id_rules() {
        let long = slug("Keystone Adjudication Services Verification Review");
        for n in [1, 42, 99_999, 123_456_789] {
            let id = partner_id(&long, n);
            assert!(id.len() <= MAX_PARTNER_ID_LEN, "{id}");
            assert_eq!(check_partner_id(&id).as_deref(), Ok(id.as_str()));
            assert!(id.ends_with(&format!("-{n}")));
            assert!(!id.contains("--"), "{id}");
        }
        assert_eq!(
            partner_id(&slug("Nimbus Biometrics"), 7),
            "nimbus-biometrics-7"
        );
    }

    #[test]
    fn commits_in_chunks_and_reports_progress_after_each() {
        let db = crate::testing::TestDb::new();
        let conn = &mut db.conn();
        let mut seen = Vec::new();
        let report = seed_in_chunks(conn, 250, "not-a-hash", |n| seen.push(n), 100).expect("seed");
        assert_eq!(report.created, 250);
        assert_eq!(seen, vec![100, 200, 250]);
        let stored: i64 = partners::table
            .count()
            .get_result(&mut **conn)
            .expect("count");
        assert_eq!(stored, 250);
    }

    #[test]
    fn generated_fields_pass_the_form_checks() {
        let types: Vec<SeedType> = ["Auth_Partner", "Device_Provider", "Print_Partner"]
            .iter()
            .map(|code| SeedType {
                code: code.to_string(),
                role: "AUTH_PARTNER",
                group_id: None,
                weight: sector(code).1,
            })
            .collect();
        let mut rng = StdRng::seed_from_u64(SEED);
        for n in 1..2000 {
            let d = draft(&mut rng, &types, 1_800_000_000_000);
            assert_eq!(d.created_at, 1_800_000_000_000);
            let id = partner_id(&d.base, n);
            let email = format!("{}@{id}.example.org", d.local);
            assert_eq!(
                check_organisation(&d.organisation),
                Ok(d.organisation.clone())
            );
            assert_eq!(check_phone("phone", &d.phone, true), Ok(d.phone.clone()));
            assert_eq!(check_address(&d.address), Ok(d.address.clone()));
            assert_eq!(check_language(&d.language), Ok(d.language.clone()));
            assert_eq!(
                crate::account::normalize_email("email", &email),
                Ok(email.clone())
            );
            assert_eq!(
                d.reason.is_some(),
                matches!(
                    d.status,
                    PartnerStatus::Rejected | PartnerStatus::Deactivated
                )
            );
        }
    }
}
