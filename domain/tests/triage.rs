//! Domain tests for the triage inbox, dashboards, notifications (thresholds with a controlled
//! clock, lease, purge) and the mail queue. Real database: SQLite, or PostgreSQL when
//! TEST_DATABASE_URL is set.

use diesel::prelude::*;
use domain::account::{self, CurrentUser, NewAccount};
use domain::audit::Actor;
use domain::db::AnyConnection;
use domain::device::{model, sbi, DeviceInput, ItemStatus, SbiInput, DEFAULT_SBI_MAX_YEARS};
use domain::inbox::{self, InboxKind, InboxQuery, ItemRef};
use domain::notification::{self as note, NotificationKind, NotificationQuery};
use domain::partner::{self, Decision, PartnerInput, PartnerStatus};
use domain::schema::{
    audit_log, ca_certificates, devices, ftm_chips, notifications, partners, policy_requests, sbis,
};
use domain::testing::TestDb;
use domain::{AppError, Role};

const PASSWORD: &str = "correct horse battery";
const DAY: i64 = 86_400_000;
const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

struct Partner {
    user: CurrentUser,
    actor: Actor,
}

fn admin_account(conn: &mut AnyConnection, email: &str) -> Actor {
    let a = account::create(
        conn,
        &Actor::system(),
        &NewAccount {
            email: email.into(),
            display_name: "Admin".into(),
            password: PASSWORD.into(),
            roles: vec![Role::PartnerAdmin],
        },
    )
    .expect("admin");
    Actor::account(&a.id, email)
}

fn signed_up(conn: &mut AnyConnection, id: &str, kind: &str, language: &str) -> Partner {
    let input = PartnerInput {
        partner_id: id.into(),
        organisation: format!("{id} Ltd"),
        partner_type: kind.into(),
        email: format!("{id}@example.org"),
        phone: "+91 80 1234 5678".into(),
        address: "1 Main Street".into(),
        language: language.into(),
        policy_group_id: None,
    };
    partner::sign_up(conn, &input, PASSWORD, &domain::account::PortalMail::off()).expect("sign up");
    let row = account::find_by_email(conn, &input.email)
        .expect("q")
        .expect("account");
    let user = account::load_user(conn, &row.id)
        .expect("load")
        .expect("user");
    Partner {
        actor: Actor::account(&user.id, &user.email),
        user,
    }
}

fn day_str(offset_days: i64) -> String {
    domain::clock::rfc3339(domain::clock::now_ms() + offset_days * DAY)
        .chars()
        .take(10)
        .collect()
}

fn add_sbi(conn: &mut AnyConnection, p: &Partner, version: &str) -> String {
    sbi::create(
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
    .expect("sbi")
    .id
}

fn code(r: Result<impl std::fmt::Debug, AppError>) -> String {
    r.expect_err("must fail").code
}

fn refs(items: &[(&str, &str)]) -> Vec<ItemRef> {
    items
        .iter()
        .map(|(k, id)| ItemRef {
            kind: k.to_string(),
            id: id.to_string(),
        })
        .collect()
}

const AUTH_DOC: &str = r#"{"authTokenType":"partner","allowedAuthTypes":[{"authType":"otp","mandatory":false}],"allowedKycAttributes":[{"attributeName":"fullName"}]}"#;

fn certificate(conn: &mut AnyConnection, partner_id: &str, not_after: i64) {
    domain::testing::fake_certificate(conn, partner_id, not_after);
}

fn ca(conn: &mut AnyConnection, subject: &str, not_after: i64) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(ca_certificates::table)
        .values((
            ca_certificates::id.eq(&id),
            ca_certificates::cert_domain.eq("AUTH"),
            ca_certificates::kind.eq("ROOT"),
            ca_certificates::subject.eq(subject),
            ca_certificates::issuer.eq(subject),
            ca_certificates::serial.eq("01"),
            ca_certificates::not_before.eq(0i64),
            ca_certificates::not_after.eq(not_after),
            ca_certificates::key_type.eq("EC P-256"),
            ca_certificates::sig_alg.eq("ecdsa-with-SHA256"),
            ca_certificates::thumbprint.eq(uuid::Uuid::new_v4().to_string()),
            ca_certificates::der.eq(vec![0u8]),
            ca_certificates::active.eq(true),
            ca_certificates::created_at.eq(0i64),
            ca_certificates::updated_at.eq(0i64),
        ))
        .execute(conn)
        .expect("ca");
    id
}

fn approve(conn: &mut AnyConnection, admin: &Actor, id: &str) {
    partner::decide(conn, admin, id, Decision::Approve, None).expect("approve");
}

/// Ids of one item of each kind, submitted 5, 4, 3, 2 and 1 days ago.
struct Queue {
    registration: String,
    request: String,
    sbi: String,
    device: String,
    chip: String,
}

fn queue(conn: &mut AnyConnection, admin: &Actor) -> Queue {
    let now = domain::clock::now_ms();
    let manager = Actor::account("manager-id", "policy@example.org");
    let group = domain::policy::group::create(conn, &manager, "banks", "")
        .expect("group")
        .id;
    let policy_id = domain::policy::create(
        conn,
        &manager,
        &domain::policy::PolicyInput {
            group_id: group.clone(),
            name: "kyc".into(),
            description: "kyc".into(),
            policy_type: "Auth".into(),
            document: AUTH_DOC.into(),
        },
    )
    .expect("policy")
    .summary
    .id;
    domain::policy::publish(conn, &manager, &policy_id, now + 300 * DAY).expect("publish");
    signed_up(conn, "reg-a", "MISP_Partner", "eng");
    let auth = {
        let input = PartnerInput {
            partner_id: "auth-a".into(),
            organisation: "auth-a Ltd".into(),
            partner_type: "Auth_Partner".into(),
            email: "auth-a@example.org".into(),
            phone: "+91 80 1234 5678".into(),
            address: "1 Main Street".into(),
            language: "eng".into(),
            policy_group_id: Some(group),
        };
        partner::sign_up(conn, &input, PASSWORD, &domain::account::PortalMail::off())
            .expect("sign up");
        let row = account::find_by_email(conn, &input.email)
            .expect("q")
            .expect("a");
        let user = account::load_user(conn, &row.id).expect("l").expect("u");
        Partner {
            actor: Actor::account(&user.id, &user.email),
            user,
        }
    };
    approve(conn, admin, "auth-a");
    certificate(conn, "auth-a", now + 365 * DAY);
    let request = domain::access::request::create(
        conn,
        &auth.actor,
        &auth.user,
        &domain::access::RequestInput {
            policy_id,
            use_case: "Onboarding".into(),
        },
    )
    .expect("request")
    .id;
    let dev = signed_up(conn, "dev-a", "Device_Provider", "eng");
    approve(conn, admin, "dev-a");
    let pending_sbi = add_sbi(conn, &dev, "1.0.0");
    let live_sbi = add_sbi(conn, &dev, "2.0.0");
    sbi::decide(conn, admin, &live_sbi, Decision::Approve, None).expect("sbi");
    let device = model::create(
        conn,
        &dev.actor,
        &dev.user,
        &DeviceInput {
            sbi_ids: vec![live_sbi],
            device_type: "Finger".into(),
            sub_type: "Slap".into(),
            make: "Acme".into(),
            model: "S1".into(),
        },
    )
    .expect("device")
    .id;
    let ftm = signed_up(conn, "ftm-a", "FTM_Provider", "eng");
    approve(conn, admin, "ftm-a");
    let chip = domain::device::chip::create(conn, &ftm.actor, &ftm.user, "Chipco", "C1")
        .expect("chip")
        .id;
    // The certificate upload is tested in devices.rs; here the chip only has to wait.
    diesel::update(ftm_chips::table.find(&chip))
        .set(ftm_chips::status.eq(ItemStatus::PendingApproval.as_str()))
        .execute(conn)
        .expect("chip pending");
    diesel::update(partners::table.find("reg-a"))
        .set(partners::created_at.eq(now - 5 * DAY))
        .execute(conn)
        .expect("age");
    diesel::update(policy_requests::table.find(&request))
        .set(policy_requests::created_at.eq(now - 4 * DAY))
        .execute(conn)
        .expect("age");
    diesel::update(sbis::table.find(&pending_sbi))
        .set(sbis::created_at.eq(now - 3 * DAY))
        .execute(conn)
        .expect("age");
    diesel::update(devices::table.find(&device))
        .set(devices::created_at.eq(now - 2 * DAY))
        .execute(conn)
        .expect("age");
    diesel::update(ftm_chips::table.find(&chip))
        .set(ftm_chips::created_at.eq(now - DAY))
        .execute(conn)
        .expect("age");
    Queue {
        registration: "reg-a".into(),
        request,
        sbi: pending_sbi,
        device,
        chip,
    }
}

fn ids(page: &domain::inbox::InboxPage) -> Vec<&String> {
    page.page.items.iter().map(|i| &i.id).collect()
}

fn query() -> InboxQuery {
    InboxQuery::default()
}

#[test]
fn inbox_lists_every_kind_with_filters_sort_and_paging() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let admin = admin_account(conn, "triage@example.org");
    let q = queue(conn, &admin);
    let all = inbox::list(conn, &query()).expect("inbox");
    assert_eq!(all.page.total, 5);
    assert_eq!(
        ids(&all),
        vec![&q.registration, &q.request, &q.sbi, &q.device, &q.chip]
    );
    for c in &all.counts {
        assert_eq!(c.count, 1, "{:?}", c.kind);
        assert!(c.oldest.is_some());
    }
    let kinds: Vec<InboxKind> = all.page.items.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, InboxKind::ALL.to_vec());
    assert!(all.page.items[1].title.contains("kyc"));
    assert_eq!(all.page.items[3].organisation, "dev-a Ltd");

    let only = |k: &str| InboxQuery {
        kind: Some(k.into()),
        ..query()
    };
    assert_eq!(
        ids(&inbox::list(conn, &only("sbi")).expect("sbi")),
        vec![&q.sbi]
    );
    let by_partner = inbox::list(
        conn,
        &InboxQuery {
            partner: Some("dev-a".into()),
            ..query()
        },
    )
    .expect("partner");
    assert_eq!(ids(&by_partner), vec![&q.sbi, &q.device]);
    // Counts follow the filters other than the kind.
    let counted: i64 = by_partner.counts.iter().map(|c| c.count).sum();
    assert_eq!(counted, 2);
    let by_type = inbox::list(
        conn,
        &InboxQuery {
            partner_type: Some("FTM_Provider".into()),
            ..query()
        },
    )
    .expect("type");
    assert_eq!(ids(&by_type), vec![&q.chip]);
    let old = inbox::list(
        conn,
        &InboxQuery {
            min_age_days: Some(3),
            ..query()
        },
    )
    .expect("age");
    assert_eq!(ids(&old), vec![&q.registration, &q.request, &q.sbi]);
    let newest = inbox::list(
        conn,
        &InboxQuery {
            sort: Some("newest".into()),
            ..query()
        },
    )
    .expect("newest");
    assert_eq!(ids(&newest)[0], &q.chip);
    let second = inbox::list(
        conn,
        &InboxQuery {
            page: Some(2),
            page_size: Some(2),
            ..query()
        },
    )
    .expect("page 2");
    assert_eq!(ids(&second), vec![&q.sbi, &q.device]);
    assert_eq!(second.page.total, 5);

    for (bad, field) in [
        (only("widget"), "kind"),
        (
            InboxQuery {
                sort: Some("sideways".into()),
                ..query()
            },
            "sort",
        ),
        (
            InboxQuery {
                min_age_days: Some(-1),
                ..query()
            },
            "min_age_days",
        ),
    ] {
        let e = inbox::list(conn, &bad).expect_err("bad filter");
        assert_eq!(e.field.as_deref(), Some(field));
    }

    // Details carry what each decision needs.
    let d = inbox::detail(conn, "policy_request", &q.request).expect("detail");
    assert!(d
        .document
        .as_deref()
        .unwrap_or_default()
        .contains("allowedKycAttributes"));
    assert!(d.certificate.is_some());
    assert!(d
        .facts
        .iter()
        .any(|(k, v)| k == "Use case" && v == "Onboarding"));
    let d = inbox::detail(conn, "device", &q.device).expect("detail");
    assert_eq!(d.sbis.len(), 1);
    assert_eq!(d.sbis[0].version, "2.0.0");
    let d = inbox::detail(conn, "partner", &q.registration).expect("detail");
    assert_eq!(d.partner.status, PartnerStatus::Pending);
    assert!(d.certificate.is_none());
    assert_eq!(code(inbox::detail(conn, "sbi", &q.device)), "PMS_NOT_FOUND");
}

#[test]
fn decisions_apply_once_with_per_item_results() {
    // The chart's "today" is read at the end: a run crossing UTC midnight split the day's
    // decisions over two bars (seen as a flake). Noon on a fixed day keeps them on one.
    domain::clock::pin(Some(T0));
    let db = TestDb::new();
    let conn = &mut db.conn();
    let admin = admin_account(conn, "triage@example.org");
    let other = admin_account(conn, "other@example.org");
    let q = queue(conn, &admin);

    // A rejection needs a reason, whatever the kind; the error names the reason field.
    for (kind, id) in [("partner", &q.registration), ("policy_request", &q.request)] {
        let e = inbox::decide(conn, &admin, kind, id, false, Some("  ")).expect_err("reason");
        assert_eq!(
            (e.code.as_str(), e.field.as_deref()),
            ("PMS_REASON_REQUIRED", Some("reason"))
        );
    }
    let e = inbox::decide_many(conn, &admin, &refs(&[("chip", &q.chip)]), false, None)
        .expect_err("bulk reason");
    assert_eq!(e.field.as_deref(), Some("reason"));
    assert_eq!(inbox::list(conn, &query()).expect("inbox").page.total, 5);

    // Another admin approves the device first: this admin's rejection is refused, not applied.
    inbox::decide(conn, &other, "device", &q.device, true, None).expect("other admin");
    let e =
        inbox::decide(conn, &admin, "device", &q.device, false, Some("late")).expect_err("stale");
    assert_eq!(e.code, "PMS_ILLEGAL_TRANSITION");
    let device_status: String = devices::table
        .find(&q.device)
        .select(devices::status)
        .first(conn)
        .expect("status");
    assert_eq!(device_status, "APPROVED");

    let out = inbox::decide_many(
        conn,
        &admin,
        &refs(&[
            ("partner", &q.registration),
            ("sbi", &q.sbi),
            ("sbi", &q.device),
            ("chip", "no-such-chip"),
            ("partner", &q.registration),
            ("widget", "x"),
            ("device", &q.device),
        ]),
        true,
        None,
    )
    .expect("bulk");
    let summary: Vec<(bool, Option<&str>)> =
        out.iter().map(|o| (o.applied, o.code.as_deref())).collect();
    assert_eq!(
        summary,
        vec![
            (true, None),
            (true, None),
            (false, Some("PMS_NOT_FOUND")),
            (false, Some("PMS_NOT_FOUND")),
            (false, Some("PMS_BULK_DUPLICATE")),
            (false, Some("PMS_INBOX_KIND")),
            (false, Some("PMS_ILLEGAL_TRANSITION")),
        ]
    );
    let approvals: i64 = audit_log::table
        .filter(audit_log::action.eq("PARTNER_APPROVED"))
        .filter(audit_log::entity_id.eq(&q.registration))
        .count()
        .get_result(conn)
        .expect("audit");
    assert_eq!(approvals, 1, "approved once although named twice");

    let out = inbox::decide_many(
        conn,
        &admin,
        &refs(&[("policy_request", &q.request), ("chip", &q.chip)]),
        false,
        Some("Certificate chain incomplete"),
    )
    .expect("bulk reject");
    assert!(out.iter().all(|o| o.applied));
    let left = inbox::list(conn, &query()).expect("inbox");
    assert_eq!(left.page.total, 0);
    assert!(left
        .counts
        .iter()
        .all(|c| c.count == 0 && c.oldest.is_none()));
    assert_eq!(
        code(inbox::decide_many(conn, &admin, &[], true, None)),
        "PMS_BULK_EMPTY"
    );

    // Every decision counts in the dashboard chart (a trigger on the audit log).
    let board = domain::dashboard::admin(conn, domain::clock::now_ms()).expect("dashboard");
    assert!(
        domain::clock::now_ms() - T0 < DAY,
        "the pinned clock stayed on its day"
    );
    let today = board.decisions.last().expect("today");
    assert_eq!(board.decisions.len(), 90);
    // Approved: 4 partners (queue set-up + bulk), 2 SBIs, 1 device; rejected: request + chip.
    assert_eq!((today.approved, today.rejected), (7, 2));
    assert!(board.recent.len() <= 10 && !board.recent.is_empty());
    assert_eq!(board.partners, 4);
}

/// 2027-01-06 12:00 UTC, a Wednesday: the tests' clock.
const T0: i64 = 1_799_236_800_000;

/// The account's expiry warnings and summaries (its status news aside).
fn notes(conn: &mut AnyConnection, account: &str) -> Vec<(String, String)> {
    notifications::table
        .filter(notifications::account_id.eq(account))
        .filter(notifications::kind.ne("STATUS_CHANGE"))
        .order((notifications::created_at.asc(), notifications::id.asc()))
        .select((notifications::kind, notifications::title))
        .load(conn)
        .expect("notifications")
}

#[test]
fn expiry_warnings_follow_the_thresholds_once_each_in_the_recipients_language() {
    assert_eq!(note::iso_week(T0), "2027-W01");
    let db = TestDb::new();
    let conn = &mut db.conn();
    let admin = admin_account(conn, "watch@example.org");
    let misp = signed_up(conn, "misp-n", "MISP_Partner", "fra");
    approve(conn, &admin, "misp-n");
    certificate(conn, "misp-n", T0 + 30 * DAY);
    let root = ca(conn, "CN=Root", T0 + 12 * DAY);

    let mut created = Vec::new();
    for d in 0..=31 {
        let r = note::run_daily(conn, T0 + d * DAY, true).expect("daily");
        // Twice the same day notifies nothing more.
        let again = note::run_daily(conn, T0 + d * DAY, true).expect("again");
        assert_eq!(again.created, 0);
        created.push(r.created);
    }
    let partner_notes = notes(conn, &misp.user.id);
    // 30, 15, 10 and each of the last 9 days.
    assert_eq!(partner_notes.len(), 12, "{partner_notes:?}");
    assert!(partner_notes
        .iter()
        .all(|(k, _)| k == NotificationKind::PartnerCertExpiry.as_str()));
    assert_eq!(partner_notes[0].1, "Votre certificat expire dans 30 jours");
    assert_eq!(partner_notes[1].1, "Votre certificat expire dans 15 jours");
    assert_eq!(partner_notes[11].1, "Votre certificat expire dans 1 jour");
    // The CA (12 days left at T0) warns admins at 15 (caught up at once), 10, then daily.
    let admin_id = admin.id.clone().expect("id");
    let admin_notes = notes(conn, &admin_id);
    assert_eq!(admin_notes.len(), 11, "{admin_notes:?}");
    assert_eq!(admin_notes[0].1, "CA certificate expires in 12 days");
    assert!(created[0] == 2 && created[1] == 0 && created[2] == 1);
    // Mails: one per notification, in the recipient's language.
    let mails: Vec<(String, String)> = domain::schema::mail_queue::table
        .select((
            domain::schema::mail_queue::recipient,
            domain::schema::mail_queue::language,
        ))
        .load(conn)
        .expect("mails");
    assert_eq!(mails.len(), 23);
    assert_eq!(
        mails
            .iter()
            .filter(|(to, l)| to == "misp-n@example.org" && l == "fra")
            .count(),
        12
    );
    let _ = root;
    // Purge after 60 days.
    let r = note::run_daily(conn, T0 + 91 * DAY, false).expect("purge");
    assert_eq!(r.purged, 23);
    assert!(notes(conn, &misp.user.id).is_empty());
}

#[test]
fn scheduler_runs_once_per_day_under_a_lease_with_a_weekly_summary() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let admin = admin_account(conn, "watch@example.org");
    let admin_id = admin.id.clone().expect("id");
    let dev = signed_up(conn, "dev-n", "Device_Provider", "eng");
    approve(conn, &admin, "dev-n");
    let s = add_sbi(conn, &dev, "3.1");
    sbi::decide(conn, &admin, &s, Decision::Approve, None).expect("approve");
    diesel::update(sbis::table.find(&s))
        .set(sbis::expires_on.eq(T0 + 5 * DAY))
        .execute(conn)
        .expect("expiry");
    // The approvals' news aside: the bell below counts the job's warnings.
    diesel::delete(notifications::table.filter(notifications::kind.eq("STATUS_CHANGE")))
        .execute(conn)
        .expect("news");

    // The lease: one holder at a time; the holder renews; a lapsed lease can be taken.
    assert!(note::acquire_lease(conn, "t", "a", T0, 1000).expect("a"));
    assert!(!note::acquire_lease(conn, "t", "b", T0 + 10, 1000).expect("b"));
    assert!(note::acquire_lease(conn, "t", "a", T0 + 20, 1000).expect("a again"));
    assert!(note::acquire_lease(conn, "t", "b", T0 + 2000, 1000).expect("b later"));
    // While another instance holds the daily lease, nothing runs.
    assert!(note::acquire_lease(conn, note::DAILY_JOB, "other", T0, 60_000).expect("other"));
    assert_eq!(
        note::run_scheduled(conn, "me", T0, false).expect("blocked"),
        None
    );
    note::release_lease(conn, note::DAILY_JOB, "other").expect("release");

    let first = note::run_scheduled(conn, "me", T0, false)
        .expect("run")
        .expect("ran");
    assert_eq!((first.created, first.summaries), (1, 1));
    assert_eq!(
        note::run_scheduled(conn, "other", T0 + 3_600_000, false).expect("same day"),
        None
    );
    let next = note::run_scheduled(conn, "other", T0 + DAY, false)
        .expect("run")
        .expect("next day");
    assert_eq!(
        (next.created, next.summaries),
        (1, 0),
        "4 days left, same week"
    );
    let admin_notes = notes(conn, &admin_id);
    assert_eq!(admin_notes.len(), 1);
    assert_eq!(admin_notes[0].0, "WEEKLY_SUMMARY");
    assert!(admin_notes[0].1.contains("2027-W01"));
    let partner_notes = notes(conn, &dev.user.id);
    assert_eq!(partner_notes[0].1, "SBI expires in 5 days");

    // The bell, the page, read and dismiss, and ownership.
    let bell = note::bell(conn, &dev.user.id).expect("bell");
    assert_eq!(bell.unread, 2);
    let id = bell.latest[0].id.clone();
    assert_eq!(
        code(note::mark_read(conn, &admin_id, Some(&id))),
        "PMS_NOT_FOUND"
    );
    assert_eq!(
        code(note::dismiss(conn, &admin, &admin_id, &id)),
        "PMS_NOT_FOUND"
    );
    assert_eq!(
        note::mark_read(conn, &dev.user.id, Some(&id)).expect("read"),
        1
    );
    assert_eq!(note::bell(conn, &dev.user.id).expect("bell").unread, 1);
    let unread = note::list(
        conn,
        &dev.user.id,
        &NotificationQuery {
            state: Some("unread".into()),
            ..NotificationQuery::default()
        },
    )
    .expect("unread");
    assert_eq!(unread.total, 1);
    note::dismiss(conn, &dev.actor, &dev.user.id, &id).expect("dismiss");
    let all = note::list(conn, &dev.user.id, &NotificationQuery::default()).expect("all");
    assert_eq!(all.total, 1);
    let e = note::list(
        conn,
        &dev.user.id,
        &NotificationQuery {
            kind: Some("NOPE".into()),
            ..NotificationQuery::default()
        },
    )
    .expect_err("kind");
    assert_eq!(e.field.as_deref(), Some("kind"));
}

#[test]
fn the_mail_queue_claims_retries_with_backoff_and_gives_up() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let id = note::enqueue_mail(conn, None, "a@example.org", "eng", "Hi", "Body", T0).expect("q");
    let claimed = note::claim_due(conn, T0, 10).expect("claim");
    assert_eq!(claimed.len(), 1);
    assert!(
        note::claim_due(conn, T0, 10).expect("again").is_empty(),
        "claimed once"
    );
    note::mark_failed(conn, &claimed[0], T0, "connection refused").expect("fail");
    assert!(note::claim_due(conn, T0 + 30_000, 10)
        .expect("early")
        .is_empty());
    let retry = note::claim_due(conn, T0 + 60_000, 10).expect("retry");
    assert_eq!((retry.len(), retry[0].attempts), (1, 1));
    note::mark_sent(conn, &id, T0 + 61_000).expect("sent");
    assert_eq!(
        note::mail_counts(conn).expect("counts"),
        vec![("SENT".to_string(), 1)]
    );
    assert_eq!(note::backoff_ms(0), 60_000);
    assert_eq!(note::backoff_ms(3), 480_000);
    assert_eq!(note::backoff_ms(15), 6 * 3_600_000);
    // A mail that keeps failing is given up after the last attempt.
    note::enqueue_mail(conn, None, "b@example.org", "eng", "Hi", "Body", T0).expect("q");
    let mut now = T0;
    for _ in 0..note::MAX_MAIL_ATTEMPTS {
        now += 7 * 3_600_000;
        let m = note::claim_due(conn, now, 10).expect("claim");
        assert_eq!(m.len(), 1);
        note::mark_failed(conn, &m[0], now, "down").expect("fail");
    }
    assert!(note::claim_due(conn, now + 100 * DAY, 10)
        .expect("none")
        .is_empty());
    let failed: Vec<(String, i64)> = note::mail_counts(conn).expect("counts");
    assert!(failed.contains(&("FAILED".to_string(), 1)));
}

#[test]
fn a_resigned_certificate_ending_first_is_warned_of_shown_and_listed() {
    use domain::schema::partner_certificates as pc;
    let db = TestDb::new();
    let conn = &mut db.conn();
    let admin = admin_account(conn, "watch@example.org");
    let p = signed_up(conn, "dev-r", "Device_Provider", "eng");
    approve(conn, &admin, "dev-r");
    // The uploaded certificate runs 400 days; the portal's re-signed one ends in 20.
    certificate(conn, "dev-r", T0 + 400 * DAY);
    diesel::update(pc::table.filter(pc::partner_id.eq("dev-r")))
        .set(pc::resigned_not_after.eq(T0 + 20 * DAY))
        .execute(conn)
        .expect("re-signed end");

    let r = note::run_daily(conn, T0, false).expect("daily");
    assert_eq!(r.created, 1);
    let (kind, title, body): (String, String, String) = notifications::table
        .filter(notifications::account_id.eq(&p.user.id))
        .filter(notifications::kind.ne("STATUS_CHANGE"))
        .select((
            notifications::kind,
            notifications::title,
            notifications::body,
        ))
        .first(conn)
        .expect("one notification");
    assert_eq!(kind, NotificationKind::PartnerCertExpiry.as_str());
    assert_eq!(title, "Your certificate expires in 20 days");
    assert!(body.contains("re-signed by the portal"), "{body}");
    // Its own dedup key: the next threshold warns again, the same day does not.
    assert_eq!(note::run_daily(conn, T0, false).expect("again").created, 0);
    assert_eq!(
        note::run_daily(conn, T0 + 5 * DAY, false)
            .expect("15 days")
            .created,
        1
    );

    let board = domain::dashboard::partner(conn, &p.user, T0)
        .expect("dashboard")
        .expect("a partner");
    let titles: Vec<&str> = board.attention.iter().map(|a| a.title.as_str()).collect();
    assert!(
        titles.contains(&"Re-signed certificate expiring"),
        "{titles:?}"
    );
    let board = domain::dashboard::partner(conn, &p.user, T0 + 21 * DAY)
        .expect("dashboard")
        .expect("a partner");
    let titles: Vec<&str> = board.attention.iter().map(|a| a.title.as_str()).collect();
    assert!(
        titles.contains(&"Re-signed certificate expired"),
        "{titles:?}"
    );

    let (items, total) = domain::dashboard::expiring(conn, T0, 30, 20).expect("expiring");
    assert_eq!(total, 1, "{items:?}");
    assert_eq!(items[0].what, "Re-signed partner certificate");
    assert_eq!(items[0].partner_id.as_deref(), Some("dev-r"));

    // Both end soon: the partner is told to renew, with the earlier date.
    diesel::update(pc::table.filter(pc::partner_id.eq("dev-r")))
        .set(pc::not_after.eq(T0 + 25 * DAY))
        .execute(conn)
        .expect("uploaded end");
    let board = domain::dashboard::partner(conn, &p.user, T0)
        .expect("dashboard")
        .expect("a partner");
    let expiring = board
        .attention
        .iter()
        .find(|a| a.title == "Certificate expiring")
        .expect("expiring item");
    assert!(
        expiring.detail.contains("re-signed certificate already on"),
        "{}",
        expiring.detail
    );
}
