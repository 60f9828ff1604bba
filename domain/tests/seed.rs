//! Domain tests for the demo-data seeder (`pms seed partners`), on a real database (SQLite by
//! default, PostgreSQL when TEST_DATABASE_URL is set).

use diesel::prelude::*;
use domain::account;
use domain::db::AnyConnection;
use domain::partner::{self, PartnerQuery, PartnerStatus};
use domain::schema::{
    account_roles, accounts, audit_log, outbox, partner_status_history, partner_types, partners,
    policy_groups,
};
use domain::testing::TestDb;
use std::collections::{HashMap, HashSet};

const PASSWORD: &str = "correct horse battery";
const TWO_YEARS_MS: i64 = 731 * 86_400_000;

type Row = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
);

fn rows(conn: &mut AnyConnection) -> Vec<Row> {
    partners::table
        .order(partners::id.asc())
        .select((
            partners::id,
            partners::account_id,
            partners::organisation,
            partners::policy_group_id,
            partners::partner_type,
            partners::email,
            partners::phone,
            partners::address,
            partners::status,
            partners::status_reason,
            partners::created_at,
            partners::updated_at,
        ))
        .load(conn)
        .expect("partners")
}

/// The list's free-text total equals a substring count over every row's id, organisation and
/// email (case-insensitive): the index finds exactly what a scan would.
fn assert_search_counts(conn: &mut AnyConnection, text: &str) {
    let needle = text.trim().to_lowercase();
    let expected = rows(conn)
        .iter()
        .filter(|r| {
            [&r.0, &r.2, &r.5]
                .iter()
                .any(|c| c.to_lowercase().contains(&needle))
        })
        .count() as i64;
    let found = partner::list(
        conn,
        &PartnerQuery {
            q: Some(text.to_string()),
            ..Default::default()
        },
    )
    .expect("search");
    assert_eq!(found.page.total, expected, "search {text:?}");
    assert!(found.page.items.len() as i64 <= expected);
    // MOSIP's one-column filters, through the same index restricted to the column.
    for column in 0..3 {
        let expected = rows(conn)
            .iter()
            .filter(|r| [&r.0, &r.2, &r.5][column].to_lowercase().contains(&needle))
            .count() as i64;
        let text = Some(text.to_string());
        let query = match column {
            0 => PartnerQuery {
                id_contains: text,
                ..Default::default()
            },
            1 => PartnerQuery {
                organisation_contains: text,
                ..Default::default()
            },
            _ => PartnerQuery {
                email_contains: text,
                ..Default::default()
            },
        };
        let found = partner::list(conn, &query).expect("column filter");
        assert_eq!(found.page.total, expected, "column {column} {needle:?}");
    }
}

fn count(conn: &mut AnyConnection, status: PartnerStatus) -> i64 {
    partners::table
        .filter(partners::status.eq(status.as_str()))
        .count()
        .get_result(conn)
        .expect("count")
}

fn number_of(id: &str) -> u64 {
    id.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{id} ends with a number"))
}

#[test]
fn seeding_creates_complete_realistic_partners_and_a_second_run_adds_more() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let hash = account::hash_password(PASSWORD).expect("hash");
    let mut progress = Vec::new();
    let started = domain::clock::now_ms();
    let report = partner::seed_partners(conn, 300, &hash, |n| progress.push(n)).expect("seed");
    assert_eq!(report.created, 300);
    assert_eq!(progress, vec![300]);
    assert_eq!(
        report.groups,
        [
            "seed-abis",
            "seed-adjudication",
            "seed-auth",
            "seed-credential",
            "seed-print"
        ]
    );

    // One account per partner, signing in with the shared password.
    let all = rows(conn);
    assert_eq!(all.len(), 300);
    let n_accounts: i64 = accounts::table.count().get_result(conn).expect("accounts");
    assert_eq!(n_accounts, 300);
    let hashes: Vec<String> = accounts::table
        .select(accounts::password_hash)
        .distinct()
        .load(conn)
        .expect("hashes");
    assert_eq!(hashes, vec![hash.clone()]);
    assert!(account::verify_password(&hashes[0], PASSWORD));

    // Each account holds exactly the role of its partner's type.
    let type_roles: HashMap<String, (Option<String>, bool, bool)> = partner_types::table
        .select((
            partner_types::code,
            partner_types::portal_role,
            partner_types::policy_required,
            partner_types::self_registrable,
        ))
        .load::<(String, Option<String>, bool, bool)>(conn)
        .expect("types")
        .into_iter()
        .map(|(code, role, policy, own)| (code, (role, policy, own)))
        .collect();
    let mut roles: HashMap<String, Vec<String>> = HashMap::new();
    for (account_id, role) in account_roles::table
        .select((account_roles::account_id, account_roles::role))
        .load::<(String, String)>(conn)
        .expect("roles")
    {
        roles.entry(account_id).or_default().push(role);
    }
    let groups: HashMap<String, String> = policy_groups::table
        .select((policy_groups::id, policy_groups::name))
        .load::<(String, String)>(conn)
        .expect("groups")
        .into_iter()
        .collect();
    let mut used_types = HashSet::new();
    for (
        id,
        account_id,
        organisation,
        group,
        kind,
        email,
        phone,
        address,
        status,
        reason,
        at,
        up,
    ) in &all
    {
        let (role, policy_required, self_registrable) = &type_roles[kind];
        assert!(self_registrable, "{id}: {kind} is self-registrable");
        assert_eq!(
            roles[account_id],
            vec![role.clone().expect("portal role")],
            "{id}"
        );
        used_types.insert(kind.clone());
        match group {
            Some(g) => {
                assert!(policy_required, "{id}: {kind} has no group");
                assert!(groups[g].starts_with("seed-"), "{id}");
            }
            None => assert!(!policy_required, "{id}: {kind} needs a group"),
        }
        // The same rules as the sign-up form.
        assert_eq!(partner::check_partner_id(id).as_deref(), Ok(id.as_str()));
        assert_eq!(
            account::normalize_email("email", email).as_deref(),
            Ok(email.as_str())
        );
        assert!(email.ends_with(".example.org"), "{email}");
        assert_eq!(
            partner::check_organisation(organisation).as_deref(),
            Ok(organisation.as_str())
        );
        assert_eq!(
            partner::check_phone("phone", phone, true).as_deref(),
            Ok(phone.as_str())
        );
        assert_eq!(
            partner::check_address(address).as_deref(),
            Ok(address.as_str())
        );
        let status = PartnerStatus::parse(status).expect("status");
        assert_eq!(
            reason.is_some(),
            matches!(status, PartnerStatus::Rejected | PartnerStatus::Deactivated),
            "{id}: {status:?} {reason:?}"
        );
        assert!(*at <= started && *at > started - TWO_YEARS_MS, "{id}: {at}");
        assert_eq!(at, up);
    }
    assert!(used_types.len() >= 6, "types spread: {used_types:?}");

    // Unique ids and emails, numbered from 1.
    let ids: HashSet<&String> = all.iter().map(|r| &r.0).collect();
    let emails: HashSet<&String> = all.iter().map(|r| &r.5).collect();
    assert_eq!((ids.len(), emails.len()), (300, 300));
    let numbers: HashSet<u64> = all.iter().map(|r| number_of(&r.0)).collect();
    assert_eq!(numbers, (1..=300).collect());

    // Registered in the order of their numbers, over the last two years.
    let mut by_number: Vec<(u64, i64)> = all.iter().map(|r| (number_of(&r.0), r.10)).collect();
    by_number.sort();
    assert!(
        by_number.windows(2).all(|w| w[0].1 < w[1].1),
        "times rise with numbers"
    );
    assert!(
        by_number[0].1 < started - 700 * 86_400_000,
        "the first is about two years old"
    );

    // A status mix close to 20/60/10/10.
    let pending = count(conn, PartnerStatus::Pending);
    let approved = count(conn, PartnerStatus::Approved);
    let rejected = count(conn, PartnerStatus::Rejected);
    let deactivated = count(conn, PartnerStatus::Deactivated);
    assert!((30..=90).contains(&pending), "pending {pending}");
    assert!((140..=220).contains(&approved), "approved {approved}");
    assert!((10..=60).contains(&rejected), "rejected {rejected}");
    assert!(
        (10..=60).contains(&deactivated),
        "deactivated {deactivated}"
    );

    // One history row per partner, at creation, in the partner's status.
    type HistoryRow = (String, Option<String>, String, Option<String>, i64);
    let history: Vec<HistoryRow> = partner_status_history::table
        .select((
            partner_status_history::partner_id,
            partner_status_history::from_status,
            partner_status_history::to_status,
            partner_status_history::reason,
            partner_status_history::at,
        ))
        .load(conn)
        .expect("history");
    assert_eq!(history.len(), 300);
    let by_id: HashMap<&String, &Row> = all.iter().map(|r| (&r.0, r)).collect();
    for (id, from, to, reason, at) in &history {
        let row = by_id[id];
        assert_eq!(
            (from, to, reason, at),
            (&None, &row.8, &row.9, &row.10),
            "{id}"
        );
    }

    // One audit row for the run, no events for demo data.
    let seeded: Vec<(String, String, Option<String>, String)> = audit_log::table
        .filter(audit_log::action.eq("PARTNERS_SEEDED"))
        .select((
            audit_log::entity_type,
            audit_log::entity_id,
            audit_log::actor_email,
            audit_log::details,
        ))
        .load(conn)
        .expect("audit");
    assert_eq!(seeded.len(), 1);
    assert_eq!(
        (&seeded[0].0[..], &seeded[0].1[..], seeded[0].2.as_deref()),
        ("partner", "seed", Some("system"))
    );
    let details: serde_json::Value = serde_json::from_str(&seeded[0].3).expect("json");
    assert_eq!(details["count"], 300);
    let partner_audit: i64 = audit_log::table
        .filter(audit_log::entity_type.eq("partner"))
        .count()
        .get_result(conn)
        .expect("audit");
    assert_eq!(partner_audit, 1);
    let events: i64 = outbox::table.count().get_result(conn).expect("outbox");
    assert_eq!(events, 0);

    // The admin list works on it: counts, filters, sorting, text search, detail.
    let list = partner::list(conn, &PartnerQuery::default()).expect("list");
    assert_eq!(list.page.total, 300);
    assert_eq!(
        list.counts,
        vec![
            (PartnerStatus::Unverified, 0),
            (PartnerStatus::Pending, pending),
            (PartnerStatus::Approved, approved),
            (PartnerStatus::Rejected, rejected),
            (PartnerStatus::Deactivated, deactivated),
        ]
    );
    let newest = all.iter().map(|r| r.10).max().expect("rows");
    assert_eq!(
        list.page.items[0].created_at,
        domain::clock::rfc3339(newest)
    );
    let auth = partner::list(
        conn,
        &PartnerQuery {
            status: Some(PartnerStatus::Approved),
            partner_type: Some("Auth_Partner".into()),
            sort: Some("organisation".into()),
            page_size: Some(50),
            ..Default::default()
        },
    )
    .expect("filtered");
    let expected = all
        .iter()
        .filter(|r| r.8 == "APPROVED" && r.4 == "Auth_Partner")
        .count();
    assert!(expected > 0);
    assert_eq!(auth.page.total, expected as i64);
    assert!(auth
        .page
        .items
        .iter()
        .all(|p| p.policy_group_name.as_deref() == Some("seed-auth")));
    let names: Vec<&String> = auth.page.items.iter().map(|p| &p.organisation).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let word = all[0].2.split(' ').next().expect("word").to_lowercase();
    let found = partner::list(
        conn,
        &PartnerQuery {
            q: Some(word.clone()),
            ..Default::default()
        },
    )
    .expect("search");
    assert!(found.page.total > 0, "{word}");
    assert_search_counts(conn, &word);

    // The trigram index follows updates (triggers), and a short text still works.
    let renamed = &all[4].0;
    diesel::update(partners::table.filter(partners::id.eq(renamed)))
        .set(partners::organisation.eq("Quokka Trading \"Ltd\" 100%"))
        .execute(conn)
        .expect("rename");
    for text in [
        word.clone(),
        "QUOKKA".into(),
        "\"ltd\" 100%".into(),
        all[4].2.clone(),
        all[9].0[2..8].to_uppercase(),
        all[3].5.split('@').next().expect("local part").to_string(),
        "@".into(),
        "zz".into(),
        "nothing-like-this".into(),
    ] {
        assert_search_counts(conn, &text);
    }
    let rejected_one = all.iter().find(|r| r.8 == "REJECTED").expect("rejected");
    let detail = partner::detail(conn, &rejected_one.0).expect("detail");
    assert_eq!(detail.partner.status_reason, rejected_one.9);
    assert_eq!(detail.history.len(), 1);
    assert_eq!(detail.partner.account_email, rejected_one.5);

    // A second run adds 300 more, numbered after the first, reusing the groups.
    let again = partner::seed_partners(conn, 300, &hash, |_| {}).expect("second run");
    assert_eq!(again.created, 300);
    assert_eq!(again.groups, report.groups);
    let all = rows(conn);
    assert_eq!(all.len(), 600);
    let numbers: HashSet<u64> = all.iter().map(|r| number_of(&r.0)).collect();
    assert_eq!(numbers, (1..=600).collect());
    let emails: HashSet<&String> = all.iter().map(|r| &r.5).collect();
    assert_eq!(emails.len(), 600);
    let n_groups: i64 = policy_groups::table
        .count()
        .get_result(conn)
        .expect("groups");
    assert_eq!(n_groups, 5);
    let runs: i64 = audit_log::table
        .filter(audit_log::action.eq("PARTNERS_SEEDED"))
        .count()
        .get_result(conn)
        .expect("runs");
    assert_eq!(runs, 2);
    assert_eq!(
        partner::list(conn, &PartnerQuery::default())
            .expect("list")
            .page
            .total,
        600
    );
}

#[test]
fn seeding_skips_ids_and_emails_already_in_use() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let hash = account::hash_password(PASSWORD).expect("hash");
    partner::seed_partners(conn, 5, &hash, |_| {}).expect("first");
    let before: Vec<String> = partners::table
        .select(partners::id)
        .load(conn)
        .expect("ids");
    // Remove the partners but keep their accounts: the next run starts from the same number
    // with the same seed, so it draws the same partners, whose emails are now accounts'.
    diesel::delete(partner_status_history::table)
        .execute(conn)
        .expect("history");
    diesel::delete(partners::table)
        .execute(conn)
        .expect("partners");
    let again = partner::seed_partners(conn, 5, &hash, |_| {}).expect("skips what is taken");
    assert_eq!(again.created, 5);
    let after: Vec<String> = partners::table
        .select(partners::id)
        .load(conn)
        .expect("ids");
    assert_eq!(after.len(), 5);
    assert!(
        after.iter().all(|id| !before.contains(id)),
        "{before:?} {after:?}"
    );
    let n_accounts: i64 = accounts::table.count().get_result(conn).expect("accounts");
    assert_eq!(n_accounts, 10);

    // A larger run on top (one transaction of up to 10,000, progress after it).
    let mut progress = Vec::new();
    let report = partner::seed_partners(conn, 1500, &hash, |n| progress.push(n)).expect("more");
    assert_eq!(report.created, 1500);
    assert_eq!(progress, vec![1500]);
    let ids: Vec<String> = partners::table
        .select(partners::id)
        .load(conn)
        .expect("ids");
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 1505);
    let list = partner::list(conn, &PartnerQuery::default()).expect("list");
    assert_eq!(list.page.total, 1505);
}
