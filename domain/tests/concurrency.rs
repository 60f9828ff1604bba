//! The README's "at once" promises under real concurrency: threads released together by a
//! barrier, each on its own pooled connection, against SQLite (writers serialised by
//! `BEGIN IMMEDIATE`) and PostgreSQL (read committed: guarded updates, partial unique indexes
//! and row locks decide). Each test shows one winner and a clean, specific refusal for the
//! others, and that nothing was written twice.

use diesel::prelude::*;
use domain::access::{license, request, AccessConfig, RequestInput};
use domain::audit::Actor;
use domain::db::AnyConnection;
use domain::device::{model, sbi, DeviceInput, ItemStatus, SbiInput, DEFAULT_SBI_MAX_YEARS};
use domain::notification::{self as note};
use domain::partner::{self, Decision};
use domain::policy::group as policy_group;
use domain::policy::{self, PolicyInput};
use domain::schema::{audit_log, device_sbis, devices, mail_queue, misp_licenses, sbis};
use domain::testing::TestDb;
use domain::{AppError, ErrorKind};
use std::sync::Barrier;

const DAY: i64 = 86_400_000;
const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
/// Racers per test: the test pool holds four connections.
const RACERS: usize = 4;

/// Runs `f` on `n` threads, each with its own connection taken before the start, released
/// together by a barrier so the calls overlap; results in thread order.
fn race<T: Send>(
    db: &TestDb,
    n: usize,
    f: impl Fn(usize, &mut AnyConnection) -> T + Sync,
) -> Vec<T> {
    let barrier = Barrier::new(n);
    let mut conns: Vec<_> = (0..n).map(|_| db.conn()).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = conns
            .iter_mut()
            .enumerate()
            .map(|(i, conn)| {
                let (barrier, f) = (&barrier, &f);
                s.spawn(move || {
                    barrier.wait();
                    f(i, conn)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("racer"))
            .collect()
    })
}

/// Exactly one `Ok`; every other result a conflict with one of `codes`. Returns the winner.
fn one_winner<T: std::fmt::Debug>(results: Vec<Result<T, AppError>>, codes: &[&str]) -> T {
    let mut winner = None;
    for r in results {
        match r {
            Ok(v) => {
                assert!(winner.is_none(), "two winners: {winner:?} and {v:?}");
                winner = Some(v);
            }
            Err(e) => {
                assert_eq!(e.kind, ErrorKind::Conflict, "{e:?}");
                assert!(codes.contains(&e.code.as_str()), "unexpected refusal {e:?}");
                assert!(!e.message.is_empty());
            }
        }
    }
    winner.expect("one racer wins")
}

fn admin(i: usize) -> Actor {
    Actor::account(&format!("admin-{i}"), &format!("admin{i}@example.org"))
}

fn manager() -> Actor {
    Actor::account("manager-id", "policy@example.org")
}

use domain::testing::{sign_up as signed_up, SignedUp as Partner};

fn approved_partner(
    conn: &mut AnyConnection,
    id: &str,
    kind: &str,
    group: Option<&str>,
) -> Partner {
    let p = signed_up(conn, id, kind, group);
    partner::decide(conn, &admin(0), id, Decision::Approve, None).expect("approve");
    domain::testing::fake_certificate(conn, id, domain::clock::now_ms() + 365 * DAY);
    p
}

fn audit_count(conn: &mut AnyConnection, action: &str, entity_id: &str) -> i64 {
    audit_log::table
        .filter(audit_log::action.eq(action))
        .filter(audit_log::entity_id.eq(entity_id))
        .count()
        .get_result(conn)
        .expect("audit")
}

fn day_str(offset_days: i64) -> String {
    domain::clock::rfc3339(domain::clock::now_ms() + offset_days * DAY)
        .chars()
        .take(10)
        .collect()
}

fn approved_sbi(conn: &mut AnyConnection, p: &Partner, version: &str) -> String {
    let s = sbi::create(
        conn,
        &p.actor,
        &p.user,
        &SbiInput {
            version: version.into(),
            binary_hash: HASH.into(),
            created_on: day_str(-30),
            expires_on: day_str(365),
        },
        DEFAULT_SBI_MAX_YEARS,
    )
    .expect("SBI");
    sbi::decide(conn, &admin(0), &s.id, Decision::Approve, None).expect("approve SBI");
    s.id
}

fn device_input(sbis: &[&str], model: &str) -> DeviceInput {
    DeviceInput {
        sbi_ids: sbis.iter().map(|s| s.to_string()).collect(),
        device_type: "Finger".into(),
        sub_type: "Slap".into(),
        make: "Acme".into(),
        model: model.into(),
    }
}

fn published_auth_policy(conn: &mut AnyConnection, group: &str) -> String {
    let id = policy::create(
        conn,
        &manager(),
        &PolicyInput {
            group_id: group.into(),
            name: "kyc".into(),
            description: String::new(),
            policy_type: "Auth".into(),
            document: r#"{"authTokenType":"partner","allowedAuthTypes":[{"authType":"otp","mandatory":false}],"allowedKycAttributes":[{"attributeName":"fullName"}]}"#.into(),
        },
    )
    .expect("draft")
    .summary
    .id;
    policy::publish(conn, &manager(), &id, domain::clock::now_ms() + 300 * DAY).expect("publish");
    id
}

/// README, Partners: "two admins deciding at once get one success and one 'changed
/// meanwhile'". Four admins, two approving and two rejecting, at the same instant.
#[test]
fn admins_deciding_a_registration_at_once_apply_one_decision() {
    let db = TestDb::new();
    signed_up(&mut db.conn(), "p1", "Device_Provider", None);
    let results = race(&db, RACERS, |i, conn| {
        let (decision, reason) = if i.is_multiple_of(2) {
            (Decision::Approve, None)
        } else {
            (Decision::Reject, Some("Documents missing"))
        };
        partner::decide(conn, &admin(i), "p1", decision, reason)
    });
    let winner = one_winner(
        results,
        &["PMS_PARTNER_CHANGED", "PMS_PARTNER_ILLEGAL_TRANSITION"],
    );
    let conn = &mut db.conn();
    let decided: i64 = audit_log::table
        .filter(audit_log::entity_id.eq("p1"))
        .filter(audit_log::action.eq_any(["PARTNER_APPROVED", "PARTNER_REJECTED"]))
        .count()
        .get_result(conn)
        .expect("audit");
    assert_eq!(decided, 1, "one decision audited");
    let stored = partner::detail(conn, "p1").expect("detail");
    assert_eq!(stored.history.len(), 2, "registration and one decision");
    assert_eq!(stored.partner.status, winner.status);
}

/// README, Approvals and Inbox: "a decision taken meanwhile by another admin is reported, not
/// applied twice". SBIs and devices, approve against reject, from four admins at once.
#[test]
fn admins_deciding_an_sbi_and_a_device_at_once_apply_one_decision_each() {
    let db = TestDb::new();
    let (sbi_id, pending_sbi, device_id) = {
        let conn = &mut db.conn();
        let p = approved_partner(conn, "dp", "Device_Provider", None);
        let live = approved_sbi(conn, &p, "1.0");
        let pending = sbi::create(
            conn,
            &p.actor,
            &p.user,
            &SbiInput {
                version: "2.0".into(),
                binary_hash: HASH.into(),
                created_on: day_str(-1),
                expires_on: day_str(200),
            },
            DEFAULT_SBI_MAX_YEARS,
        )
        .expect("SBI");
        let device =
            model::create(conn, &p.actor, &p.user, &device_input(&[&live], "M1")).expect("device");
        (live, pending.id, device.id)
    };
    let _ = sbi_id;
    let decide = |i: usize| {
        if i.is_multiple_of(2) {
            (Decision::Approve, None)
        } else {
            (Decision::Reject, Some("Hash does not match the binary"))
        }
    };
    let codes = &["PMS_CHANGED_MEANWHILE", "PMS_ILLEGAL_TRANSITION"];
    let sbi_results = race(&db, RACERS, |i, conn| {
        let (d, r) = decide(i);
        sbi::decide(conn, &admin(i), &pending_sbi, d, r).map(|(v, _)| v.status)
    });
    let sbi_status = one_winner(sbi_results, codes);
    let device_results = race(&db, RACERS, |i, conn| {
        let (d, r) = decide(i);
        model::decide(conn, &admin(i), &device_id, d, r).map(|v| v.status)
    });
    let device_status = one_winner(device_results, codes);

    let conn = &mut db.conn();
    let sbi_decisions = audit_count(conn, "SBI_APPROVED", &pending_sbi)
        + audit_count(conn, "SBI_REJECTED", &pending_sbi);
    assert_eq!(sbi_decisions, 1);
    assert_eq!(
        sbi::get(conn, &pending_sbi).expect("sbi").status,
        sbi_status
    );
    let device_decisions = audit_count(conn, "DEVICE_APPROVED", &device_id)
        + audit_count(conn, "DEVICE_REJECTED", &device_id);
    assert_eq!(device_decisions, 1);
    assert_eq!(
        model::get(conn, &device_id).expect("device").status,
        device_status
    );
}

/// README, Policy requests: a request decided by two admins at once is decided once; and
/// "no second request while one is pending or approved (a partial unique index backs the
/// check)": the same partner asking four times at once gets one request.
#[test]
fn one_request_per_partner_and_policy_and_one_decision_under_a_race() {
    let db = TestDb::new();
    let (p, policy_id) = {
        let conn = &mut db.conn();
        let group = policy_group::create(conn, &manager(), "banks", "")
            .expect("group")
            .id;
        let policy_id = published_auth_policy(conn, &group);
        let p = approved_partner(conn, "rp", "Auth_Partner", Some(&group));
        (p, policy_id)
    };
    let results = race(&db, RACERS, |_, conn| {
        request::create(
            conn,
            &p.actor,
            &p.user,
            &RequestInput {
                policy_id: policy_id.clone(),
                use_case: "Customer onboarding at branches".into(),
            },
        )
    });
    let refused: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| (e.code.clone(), e.field.clone()))
        .collect();
    let made = one_winner(results, &["PMS_REQUEST_EXISTS"]);
    assert!(
        refused
            .iter()
            .all(|(_, f)| f.as_deref() == Some("policy_id")),
        "the refusal names the field: {refused:?}"
    );
    let live: i64 = domain::schema::policy_requests::table
        .count()
        .get_result(&mut db.conn())
        .expect("count");
    assert_eq!(live, 1);

    let results = race(&db, RACERS, |i, conn| {
        if i.is_multiple_of(2) {
            request::decide(conn, &admin(i), &made.id, true, None)
        } else {
            request::decide(conn, &admin(i), &made.id, false, Some("Use case unclear"))
        }
    });
    let decided = one_winner(
        results,
        &["PMS_ILLEGAL_TRANSITION", "PMS_CHANGED_MEANWHILE"],
    );
    let conn = &mut db.conn();
    let audits = audit_count(conn, "POLICY_REQUEST_APPROVED", &made.id)
        + audit_count(conn, "POLICY_REQUEST_REJECTED", &made.id);
    assert_eq!(audits, 1);
    assert_eq!(
        request::get(conn, &made.id).expect("get").status,
        decided.status
    );
}

/// README, Devices: a model is unique among live rows (a partial unique index backs the
/// check). Four adds of the same model at once make one device; the others are told the
/// model is taken, on the model field, on both databases.
#[test]
fn the_same_device_model_added_at_once_is_stored_once() {
    let db = TestDb::new();
    let (p, sbi_id) = {
        let conn = &mut db.conn();
        let p = approved_partner(conn, "dp", "Device_Provider", None);
        let s = approved_sbi(conn, &p, "1.0");
        (p, s)
    };
    let results = race(&db, RACERS, |_, conn| {
        model::create(conn, &p.actor, &p.user, &device_input(&[&sbi_id], "Twin 9"))
    });
    let fields: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| e.field.clone())
        .collect();
    one_winner(results, &["PMS_DEVICE_TAKEN"]);
    assert!(
        fields.iter().all(|f| f.as_deref() == Some("model")),
        "{fields:?}"
    );
    let conn = &mut db.conn();
    let stored: i64 = devices::table.count().get_result(conn).expect("devices");
    let links: i64 = device_sbis::table.count().get_result(conn).expect("links");
    assert_eq!((stored, links), (1, 1), "no half-written device");
}

/// A policy group name is unique: four managers creating the same group at once get one
/// group; the others get the same answer a later duplicate gets (code and field), not a
/// generic conflict.
#[test]
fn the_same_policy_group_created_at_once_is_stored_once_with_the_specific_refusal() {
    let db = TestDb::new();
    let results = race(&db, RACERS, |_, conn| {
        policy_group::create(conn, &manager(), "telcos", "Mobile operators")
    });
    let refusals: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| (e.code.clone(), e.field.clone()))
        .collect();
    one_winner(results, &["PMS_POLICY_GROUP_NAME_TAKEN"]);
    assert!(
        refusals.iter().all(|(_, f)| f.as_deref() == Some("name")),
        "{refusals:?}"
    );
    let groups: i64 = domain::schema::policy_groups::table
        .count()
        .get_result(&mut db.conn())
        .expect("groups");
    assert_eq!(groups, 1);
}

/// README, MISP licenses: one live license at a time. Four generations at once give one.
#[test]
fn one_live_license_when_a_misp_partner_generates_four_at_once() {
    let db = TestDb::new();
    let p = approved_partner(&mut db.conn(), "misp", "MISP_Partner", None);
    let cfg = AccessConfig::default();
    let results = race(&db, RACERS, |_, conn| {
        license::generate(conn, &p.actor, &p.user, &cfg).map(|i| i.item.id)
    });
    one_winner(results, &["PMS_LICENSE_EXISTS"]);
    let live: i64 = misp_licenses::table
        .filter(misp_licenses::status.eq("ACTIVE"))
        .count()
        .get_result(&mut db.conn())
        .expect("licenses");
    assert_eq!(live, 1);
}

/// SBIs A and B of `p` (approved) and a pending device on A, for round `round`.
fn device_on_a_with_b_ready(db: &TestDb, p: &Partner, round: usize) -> (String, String, String) {
    let conn = &mut db.conn();
    let a = approved_sbi(conn, p, &format!("{round}.a"));
    let b = approved_sbi(conn, p, &format!("{round}.b"));
    let d = model::create(
        conn,
        &p.actor,
        &p.user,
        &device_input(&[&a], &format!("R{round}")),
    )
    .expect("device");
    (a, b, d.id)
}

/// Link `device` to `b` on one thread while an admin deactivates `sbi` on another: (link, deactivation).
fn link_against_deactivation(
    db: &TestDb,
    p: &Partner,
    device: &str,
    b: &str,
    sbi: &str,
) -> (Result<(), AppError>, Result<(), AppError>) {
    let mut results = race(db, 2, |i, conn| {
        if i == 0 {
            model::link_sbi(conn, &p.actor, &p.user, device, b).map(|_| ())
        } else {
            sbi::decide(conn, &admin(1), sbi, Decision::Deactivate, Some("Recalled")).map(|_| ())
        }
    });
    let deactivation = results.pop().expect("deactivation");
    (results.pop().expect("link"), deactivation)
}

/// README, Devices: "the SBI row is held until the link commits, so a concurrent
/// deactivation sees it". A pending device on SBI A is linked to SBI B while A is
/// deactivated: either the link lands first (the device keeps B and stays pending), or the
/// deactivation does (the device is rejected and the link refused). Never a rejected device
/// linked to B, nor a pending one left on a dead SBI alone. Several rounds, so both orders
/// occur.
#[test]
fn linking_a_device_while_its_sbi_is_deactivated_leaves_a_consistent_device() {
    let db = TestDb::new();
    let p = approved_partner(&mut db.conn(), "dp", "Device_Provider", None);
    for round in 0..6 {
        let (a, b, device) = device_on_a_with_b_ready(&db, &p, round);
        let (link, deactivation) = link_against_deactivation(&db, &p, &device, &b, &a);
        assert!(
            deactivation.is_ok(),
            "the deactivation succeeds: {deactivation:?}"
        );
        let conn = &mut db.conn();
        let d = model::get(conn, &device).expect("device");
        let linked: Vec<String> = d.sbis.iter().map(|s| s.id.clone()).collect();
        match &link {
            Ok(()) => {
                assert_eq!(d.status, ItemStatus::PendingApproval, "round {round}");
                assert!(linked.contains(&b), "round {round}: {linked:?}");
            }
            Err(e) => {
                assert_eq!(e.kind, ErrorKind::Conflict, "round {round}: {e:?}");
                assert_eq!(d.status, ItemStatus::Rejected, "round {round}");
                assert!(!linked.contains(&b), "round {round}: {linked:?}");
            }
        }
    }
}

/// The same race on the SBI being linked to: a pending device whose only SBI has expired is
/// linked to SBI B while B is deactivated. Either the link lands first, and the deactivation
/// sees it and rejects the device (no usable SBI is left), or the deactivation does, and the
/// link is refused. Never a live device linked to a deactivated SBI it was not taken with.
#[test]
fn a_link_racing_the_deactivation_of_its_sbi_is_seen_by_it_or_refused() {
    let db = TestDb::new();
    let p = approved_partner(&mut db.conn(), "dp", "Device_Provider", None);
    for round in 0..6 {
        let (a, b, device) = device_on_a_with_b_ready(&db, &p, round);
        diesel::update(sbis::table.find(&a))
            .set(sbis::expires_on.eq(domain::clock::now_ms() - DAY))
            .execute(&mut db.conn())
            .expect("expire A");
        let (link, deactivation) = link_against_deactivation(&db, &p, &device, &b, &b);
        assert!(deactivation.is_ok(), "{deactivation:?}");
        let conn = &mut db.conn();
        let d = model::get(conn, &device).expect("device");
        let linked = d.sbis.iter().any(|s| s.id == b);
        match &link {
            Ok(()) => {
                assert!(linked, "round {round}");
                assert_eq!(
                    d.status,
                    ItemStatus::Rejected,
                    "round {round}: taken with B"
                );
            }
            Err(e) => {
                assert!(
                    matches!(e.kind, ErrorKind::Conflict | ErrorKind::Validation),
                    "round {round}: {e:?}"
                );
                assert!(!linked, "round {round}");
                assert_eq!(d.status, ItemStatus::PendingApproval, "round {round}");
            }
        }
    }
}

/// README, Notifications: the daily check runs "by one instance at a time (a lease row in
/// the database; the others skip)". Four instances ticking at the same instant: one runs
/// it, with one set of notifications.
#[test]
fn the_daily_check_runs_once_when_four_instances_tick_together() {
    let db = TestDb::new();
    {
        let conn = &mut db.conn();
        signed_up(conn, "soon", "Device_Provider", None);
        partner::decide(conn, &admin(0), "soon", Decision::Approve, None).expect("approve");
        // A partner certificate 30 days from its end: one warning is due.
        domain::testing::fake_certificate(conn, "soon", domain::clock::now_ms() + 30 * DAY - 1000);
    }
    let now = domain::clock::now_ms();
    let results = race(&db, RACERS, |i, conn| {
        note::run_scheduled(conn, &format!("instance-{i}"), now, false)
    });
    let ran: Vec<_> = results
        .into_iter()
        .filter_map(|r| r.expect("no instance fails"))
        .collect();
    assert_eq!(ran.len(), 1, "one instance ran the check: {ran:?}");
    assert!(ran[0].created >= 1, "{:?}", ran[0]);
    // The approval's own news aside.
    let notes: i64 = domain::schema::notifications::table
        .filter(domain::schema::notifications::kind.ne("STATUS_CHANGE"))
        .count()
        .get_result(&mut db.conn())
        .expect("notifications");
    assert_eq!(notes as usize, ran[0].created, "created once");
}

/// README, Mail: "claiming each mail for 5 minutes so instances do not send twice". Four
/// senders claim at once: every mail is claimed by exactly one.
#[test]
fn senders_claiming_at_once_never_claim_a_mail_twice() {
    let db = TestDb::new();
    let now = domain::clock::now_ms();
    {
        let conn = &mut db.conn();
        for i in 0..40 {
            note::enqueue_mail(
                conn,
                None,
                &format!("r{i}@example.org"),
                "eng",
                "Subject",
                "Body",
                now - 1000,
            )
            .expect("enqueue");
        }
    }
    let results = race(&db, RACERS, |_, conn| {
        note::claim_due(conn, now, 100).expect("claim")
    });
    let mut ids: Vec<String> = results.into_iter().flatten().map(|m| m.id).collect();
    let claimed = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), claimed, "a mail was claimed twice");
    assert_eq!(claimed, 40, "every due mail claimed");
    let still_due: i64 = mail_queue::table
        .filter(mail_queue::next_attempt_at.le(now))
        .count()
        .get_result(&mut db.conn())
        .expect("due");
    assert_eq!(still_due, 0);
}
