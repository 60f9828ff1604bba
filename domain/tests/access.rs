//! Domain tests for access: policy requests, API keys and their verification, OIDC clients,
//! MISP licenses and service tokens. On a real database (SQLite by default, PostgreSQL when
//! TEST_DATABASE_URL is set).

use base64::Engine;
use diesel::prelude::*;
use domain::access::{
    apikey, license, oidc, request, token, AccessConfig, ApiKeyInput, ClientInput, ClientUpdate,
    KeyQuery, KeyStatus, RequestInput, RequestQuery, RequestStatus,
};
use domain::audit::Actor;
use domain::db::AnyConnection;
use domain::partner::{self, Decision};
use domain::policy::group as policy_group;
use domain::policy::{self, PolicyInput};
use domain::schema::{
    api_keys, audit_log, mail_queue, misp_licenses, notifications, oidc_clients, outbox,
    policy_requests,
};
use domain::testing::TestDb;
use domain::testing::{sign_up as signed_up, SignedUp as Partner};
use domain::AppError;
use ring::signature::KeyPair;

const DAY: i64 = 86_400_000;

fn admin() -> Actor {
    Actor::account("admin-id", "admin@example.org")
}

fn manager() -> Actor {
    Actor::account("manager-id", "policy@example.org")
}

fn code<T: std::fmt::Debug>(r: Result<T, AppError>) -> String {
    r.expect_err("must fail").code
}

fn field<T: std::fmt::Debug>(r: Result<T, AppError>) -> (String, Option<String>) {
    let e = r.expect_err("must fail");
    (e.code, e.field)
}

/// Policies used by the tests: published Auth, DataShare and MISP policies of the partner's
/// group, one draft, one Auth policy with a mandatory auth type, one of another group.
struct World {
    group: String,
    auth: String,
    datashare: String,
    misp: String,
    draft: String,
    mandatory: String,
    other_group: String,
}

const AUTH_DOC: &str = r#"{"authTokenType":"partner","allowedAuthTypes":[{"authType":"otp","mandatory":false},{"authType":"bio","authSubType":"FINGER","mandatory":false}],"allowedKycAttributes":[{"attributeName":"fullName"},{"attributeName":"email"},{"attributeName":"unmappedThing"}]}"#;
const MANDATORY_DOC: &str = r#"{"authTokenType":"partner","allowedAuthTypes":[{"authType":"otp","mandatory":true}],"allowedKycAttributes":[{"attributeName":"fullName"}]}"#;

fn published(conn: &mut AnyConnection, group: &str, name: &str, kind: &str, doc: &str) -> String {
    let id = policy::create(
        conn,
        &manager(),
        &PolicyInput {
            group_id: group.into(),
            name: name.into(),
            description: format!("{name} for tests"),
            policy_type: kind.into(),
            document: doc.into(),
        },
    )
    .expect("draft")
    .summary
    .id;
    policy::publish(conn, &manager(), &id, domain::clock::now_ms() + 300 * DAY).expect("publish");
    id
}

fn world(conn: &mut AnyConnection) -> World {
    let group = policy_group::create(conn, &manager(), "banks", "")
        .expect("group")
        .id;
    let other = policy_group::create(conn, &manager(), "telcos", "")
        .expect("group")
        .id;
    let auth = published(conn, &group, "kyc", "Auth", AUTH_DOC);
    let datashare = published(
        conn,
        &group,
        "share",
        "DataShare",
        domain::policy::PolicyType::DataShare.template(),
    );
    let misp = published(
        conn,
        &group,
        "misp",
        "MISP",
        domain::policy::PolicyType::Misp.template(),
    );
    let mandatory = published(conn, &group, "strict", "Auth", MANDATORY_DOC);
    let other_group = published(conn, &other, "kyc-telco", "Auth", AUTH_DOC);
    let draft = policy::create(
        conn,
        &manager(),
        &PolicyInput {
            group_id: group.clone(),
            name: "draft".into(),
            description: String::new(),
            policy_type: "Auth".into(),
            document: AUTH_DOC.into(),
        },
    )
    .expect("draft")
    .summary
    .id;
    World {
        group,
        auth,
        datashare,
        misp,
        draft,
        mandatory,
        other_group,
    }
}

fn certificate(conn: &mut AnyConnection, partner_id: &str, not_after: i64) {
    domain::testing::fake_certificate(conn, partner_id, not_after);
}

/// An approved partner with a valid certificate.
fn ready(conn: &mut AnyConnection, id: &str, kind: &str, group: Option<&str>) -> Partner {
    let p = signed_up(conn, id, kind, group);
    partner::decide(conn, &admin(), id, Decision::Approve, None).expect("approve");
    certificate(conn, id, domain::clock::now_ms() + 365 * DAY);
    p
}

fn ask(
    conn: &mut AnyConnection,
    p: &Partner,
    policy: &str,
) -> Result<domain::access::RequestView, AppError> {
    request::create(
        conn,
        &p.actor,
        &p.user,
        &RequestInput {
            policy_id: policy.into(),
            use_case: "Customer onboarding at branches".into(),
        },
    )
}

/// Request and approve `policy` for `p`.
fn approved(conn: &mut AnyConnection, p: &Partner, policy: &str) {
    let r = ask(conn, p, policy).expect("request");
    request::decide(conn, &admin(), &r.id, true, None).expect("approve");
}

macro_rules! count {
    ($conn:expr, $table:expr) => {
        $table.count().get_result::<i64>($conn).expect("count")
    };
}

fn events(conn: &mut AnyConnection, topic: &str) -> Vec<String> {
    outbox::table
        .filter(outbox::topic.eq(topic))
        .order(outbox::id.asc())
        .select(outbox::payload)
        .load(conn)
        .expect("events")
}

/// The world, and relying party "rp" of its group, ready, with its request for the Auth
/// policy approved.
fn relying_party(conn: &mut AnyConnection) -> (World, Partner) {
    let w = world(conn);
    let p = ready(conn, "rp", "Auth_Partner", Some(&w.group));
    approved(conn, &p, &w.auth);
    (w, p)
}

fn key_input(policy: &str, label: &str) -> ApiKeyInput {
    ApiKeyInput {
        policy_id: policy.into(),
        label: label.into(),
        valid_to: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Policy requests
// ---------------------------------------------------------------------------------------------

#[test]
fn a_request_needs_an_approved_partner_with_a_valid_certificate() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let w = world(conn);
    let pending = signed_up(conn, "pending-rp", "Auth_Partner", Some(&w.group));
    assert_eq!(
        code(ask(conn, &pending, &w.auth)),
        "PMS_PARTNER_NOT_APPROVED"
    );
    partner::decide(conn, &admin(), "pending-rp", Decision::Approve, None).expect("approve");
    assert_eq!(code(ask(conn, &pending, &w.auth)), "PMS_CERT_REQUIRED");
    certificate(conn, "pending-rp", domain::clock::now_ms() - DAY);
    assert_eq!(code(ask(conn, &pending, &w.auth)), "PMS_CERT_EXPIRED");
    let misp = ready(conn, "misp-no-group", "MISP_Partner", None);
    assert_eq!(code(ask(conn, &misp, &w.auth)), "PMS_NO_POLICY_GROUP");
    assert_eq!(count!(conn, policy_requests::table), 0);
}

#[test]
fn only_published_policies_of_the_own_group_and_a_bounded_use_case() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let w = world(conn);
    let p = ready(conn, "rp", "Auth_Partner", Some(&w.group));
    for other in [&w.other_group, &w.draft, &"no-such-policy".to_string()] {
        assert_eq!(
            field(ask(conn, &p, other)),
            (
                "PMS_POLICY_NOT_REQUESTABLE".into(),
                Some("policy_id".into())
            )
        );
    }
    let with = |use_case: String| RequestInput {
        policy_id: w.auth.clone(),
        use_case,
    };
    let r = request::create(conn, &p.actor, &p.user, &with("  ".into()));
    assert_eq!(field(r), ("PMS_REQUIRED".into(), Some("use_case".into())));
    let r = request::create(conn, &p.actor, &p.user, &with("x".repeat(4001)));
    assert_eq!(field(r), ("PMS_TOO_LONG".into(), Some("use_case".into())));
    let r = request::create(conn, &p.actor, &p.user, &with("a\u{0}b".into()));
    assert_eq!(code(r), "PMS_INVALID_CHARACTERS");
    assert_eq!(count!(conn, policy_requests::table), 0);
    let ok = request::create(
        conn,
        &p.actor,
        &p.user,
        &with(format!("line one\nline two{}", "x".repeat(3980))),
    )
    .expect("4000 characters with a line break");
    assert_eq!(ok.status, RequestStatus::Pending);
    assert!(ok.use_case.contains('\n'));
    // The request form lists the group's published policies with the latest request.
    let options = request::requestable(conn, &p.user).expect("options");
    let names: Vec<&str> = options.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["kyc", "misp", "share", "strict"]);
    assert_eq!(options[0].request, Some(RequestStatus::Pending));
    assert_eq!(options[1].request, None);
}

#[test]
fn no_second_request_while_one_is_pending_or_approved_and_a_rejection_allows_another() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let w = world(conn);
    let p = ready(conn, "rp", "Auth_Partner", Some(&w.group));
    let first = ask(conn, &p, &w.auth).expect("first");
    assert_eq!(
        field(ask(conn, &p, &w.auth)),
        ("PMS_REQUEST_EXISTS".into(), Some("policy_id".into()))
    );
    // Rejecting needs a comment; the partner sees it.
    let r = request::decide(conn, &admin(), &first.id, false, Some("  "));
    assert_eq!(
        field(r),
        ("PMS_REASON_REQUIRED".into(), Some("comment".into()))
    );
    let rejected = request::decide(
        conn,
        &admin(),
        &first.id,
        false,
        Some("Describe the branches"),
    )
    .expect("reject");
    assert_eq!(rejected.status, RequestStatus::Rejected);
    let mine = request::list_own(conn, &p.user, &RequestQuery::default()).expect("mine");
    assert_eq!(
        mine.items[0].comment.as_deref(),
        Some("Describe the branches")
    );
    // Decided already: a second decision is refused, not applied twice.
    assert_eq!(
        code(request::decide(conn, &admin(), &first.id, true, None)),
        "PMS_ILLEGAL_TRANSITION"
    );
    let second = ask(conn, &p, &w.auth).expect("after a rejection");
    request::decide(conn, &admin(), &second.id, true, Some("ok")).expect("approve");
    assert_eq!(code(ask(conn, &p, &w.auth)), "PMS_REQUEST_EXISTS");
    let actions: Vec<String> = audit_log::table
        .filter(audit_log::entity_type.eq("policy_request"))
        .select(audit_log::action)
        .load(conn)
        .expect("audit");
    assert_eq!(
        actions,
        [
            "POLICY_REQUESTED",
            "POLICY_REQUEST_REJECTED",
            "POLICY_REQUESTED",
            "POLICY_REQUEST_APPROVED"
        ]
    );
}

#[test]
fn the_admin_queue_filters_sorts_and_pages_and_partners_see_only_their_own() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let w = world(conn);
    let a = ready(conn, "rp-a", "Auth_Partner", Some(&w.group));
    let b = ready(conn, "rp-b", "Credential_Partner", Some(&w.group));
    ask(conn, &a, &w.auth).expect("a auth");
    ask(conn, &a, &w.datashare).expect("a share");
    let b_auth = ask(conn, &b, &w.auth).expect("b auth");
    request::decide(conn, &admin(), &b_auth.id, true, None).expect("approve");
    let q = |f: fn(&mut RequestQuery)| {
        let mut q = RequestQuery::default();
        f(&mut q);
        q
    };
    let all = request::list(conn, &RequestQuery::default(), None).expect("all");
    assert_eq!(all.total, 3);
    // Oldest first by default; newest first on request.
    assert!(all
        .items
        .windows(2)
        .all(|w| w[0].created_at <= w[1].created_at));
    let newest =
        request::list(conn, &q(|q| q.sort = Some("-created".into())), None).expect("newest");
    assert_eq!(newest.items[0].partner_id, "rp-b");
    let pending =
        request::list(conn, &q(|q| q.status = Some("PENDING".into())), None).expect("pending");
    assert_eq!(pending.total, 2);
    let of_b = request::list(conn, &q(|q| q.partner = Some("rp-b".into())), None).expect("b");
    assert_eq!(of_b.total, 1);
    let share =
        request::list(conn, &q(|q| q.policy_type = Some("DataShare".into())), None).expect("type");
    assert_eq!(share.total, 1);
    let by_policy = request::list(
        conn,
        &RequestQuery {
            policy: Some(w.auth.clone()),
            ..Default::default()
        },
        None,
    )
    .expect("policy");
    assert_eq!(by_policy.total, 2);
    let paged = request::list(
        conn,
        &q(|q| {
            q.page_size = Some(2);
            q.page = Some(2)
        }),
        None,
    )
    .expect("page 2");
    assert_eq!((paged.items.len(), paged.total), (1, 3));
    assert_eq!(
        code(request::list(
            conn,
            &q(|q| q.status = Some("NOPE".into())),
            None
        )),
        "PMS_STATUS"
    );
    // A partner's own list never shows another's, whatever filter it sends.
    let mine =
        request::list_own(conn, &b.user, &q(|q| q.partner = Some("rp-a".into()))).expect("mine");
    assert_eq!(mine.total, 1);
    assert!(mine.items.iter().all(|r| r.partner_id == "rp-b"));
}

#[test]
fn a_policy_partners_depend_on_cannot_be_deactivated() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let w = world(conn);
    let p = ready(conn, "rp", "Auth_Partner", Some(&w.group));
    ask(conn, &p, &w.auth).expect("request");
    assert_eq!(
        code(policy::deactivate(conn, &manager(), &w.auth)),
        "PMS_POLICY_IN_USE"
    );
    policy::deactivate(conn, &manager(), &w.datashare).expect("nobody uses it");
}

// ---------------------------------------------------------------------------------------------
// API keys
// ---------------------------------------------------------------------------------------------

#[test]
fn a_key_needs_an_approved_request_for_a_published_auth_or_datashare_policy() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let w = world(conn);
    let p = ready(conn, "rp", "Auth_Partner", Some(&w.group));
    let cfg = AccessConfig::default();
    let create = |conn: &mut AnyConnection, policy: &str| {
        apikey::create(conn, &p.actor, &p.user, &key_input(policy, "web"), &cfg)
    };
    assert_eq!(
        field(create(conn, &w.auth)),
        ("PMS_POLICY_NOT_APPROVED".into(), Some("policy_id".into()))
    );
    let r = ask(conn, &p, &w.auth).expect("request");
    let e = create(conn, &w.auth).expect_err("pending");
    assert!(e.message.contains("pending"), "{}", e.message);
    request::decide(conn, &admin(), &r.id, false, Some("no")).expect("reject");
    let e = create(conn, &w.auth).expect_err("rejected");
    assert!(e.message.contains("rejected"), "{}", e.message);
    approved(conn, &p, &w.misp);
    assert_eq!(code(create(conn, &w.misp)), "PMS_POLICY_TYPE");
    assert_eq!(count!(conn, api_keys::table), 0);
    approved(conn, &p, &w.datashare);
    create(conn, &w.datashare).expect("data-share key");
}

#[test]
fn the_secret_is_returned_once_and_only_its_hash_and_prefix_are_stored() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let (w, p) = relying_party(conn);
    let cfg = AccessConfig::default();
    let issued = apikey::create(
        conn,
        &p.actor,
        &p.user,
        &key_input(&w.auth, "Branch app"),
        &cfg,
    )
    .expect("key");
    let secret = issued.secret.clone();
    assert!(secret.starts_with("pms_") && secret.len() == 44, "{secret}");
    assert!(secret[4..].chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(issued.item.prefix, &secret[..10]);
    assert_eq!(issued.item.status, KeyStatus::Active);
    let days = (issued.item.valid_to - issued.item.valid_from) / DAY;
    assert_eq!(days, cfg.api_key_days);
    let (hash, prefix): (String, String) = api_keys::table
        .select((api_keys::key_hash, api_keys::prefix))
        .first(conn)
        .expect("row");
    assert_eq!(hash, domain::access::token::hash(&secret));
    assert!(!prefix.contains(&secret));
    // Nowhere else: not in the audit log, not in the event, not in later answers.
    let audit: Vec<String> = audit_log::table
        .select(audit_log::details)
        .load(conn)
        .expect("audit");
    assert!(audit.iter().all(|d| !d.contains(&secret[4..])));
    let approved_events = events(conn, apikey::APIKEY_APPROVED);
    assert_eq!(approved_events.len(), 1);
    assert!(!approved_events[0].contains(&secret[4..]));
    let event: serde_json::Value = serde_json::from_str(&approved_events[0]).expect("json");
    let data = &event["event"]["data"];
    assert_eq!(data["apiKeyData"]["apiKeyHash"], hash.as_str());
    assert_eq!(data["partnerData"]["partnerId"], "rp");
    assert_eq!(data["policyData"]["policy"]["authTokenType"], "partner");
    let listed = apikey::list_own(conn, &p.user, &KeyQuery::default()).expect("list");
    let text = serde_json::to_string(&listed).expect("json");
    assert!(!text.contains(&secret[4..]));
}

#[test]
fn labels_are_unique_per_partner_and_policy_and_validity_is_bounded() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let (w, p) = relying_party(conn);
    approved(conn, &p, &w.datashare);
    let cfg = AccessConfig {
        api_key_days: 30,
        license_days: 30,
    };
    let mk = |conn: &mut AnyConnection, policy: &str, label: &str, to: Option<String>| {
        apikey::create(
            conn,
            &p.actor,
            &p.user,
            &ApiKeyInput {
                policy_id: policy.into(),
                label: label.into(),
                valid_to: to,
            },
            &cfg,
        )
    };
    mk(conn, &w.auth, "Web", None).expect("first");
    assert_eq!(
        field(mk(conn, &w.auth, " web ", None)),
        ("PMS_APIKEY_LABEL_TAKEN".into(), Some("label".into()))
    );
    mk(conn, &w.datashare, "Web", None).expect("same label, other policy");
    assert_eq!(
        field(mk(conn, &w.auth, "", None)),
        ("PMS_REQUIRED".into(), Some("label".into()))
    );
    assert_eq!(
        code(mk(conn, &w.auth, &"l".repeat(65), None)),
        "PMS_TOO_LONG"
    );
    let day = |offset: i64| {
        chrono::DateTime::from_timestamp_millis(domain::clock::now_ms() + offset * DAY)
            .expect("date")
            .format("%Y-%m-%d")
            .to_string()
    };
    assert_eq!(
        code(mk(conn, &w.auth, "past", Some(day(-1)))),
        "PMS_APIKEY_EXPIRY_PAST"
    );
    assert_eq!(
        code(mk(conn, &w.auth, "far", Some(day(32)))),
        "PMS_APIKEY_EXPIRY_TOO_FAR"
    );
    assert_eq!(
        code(mk(conn, &w.auth, "bad", Some("31/12/2030".into()))),
        "PMS_DATE"
    );
    let short = mk(conn, &w.auth, "short", Some(day(7))).expect("a week");
    assert!(short.item.valid_to < domain::clock::now_ms() + 8 * DAY);
    assert_eq!(count!(conn, api_keys::table), 3);
}

#[test]
fn verification_answers_live_deactivated_expired_and_unknown_keys() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let w = world(conn);
    let p = ready(conn, "rp", "Auth_Partner", Some(&w.group));
    let other = ready(conn, "rp-2", "Auth_Partner", Some(&w.group));
    approved(conn, &p, &w.auth);
    let cfg = AccessConfig::default();
    let key =
        apikey::create(conn, &p.actor, &p.user, &key_input(&w.auth, "web"), &cfg).expect("key");
    let now = domain::clock::now_ms();
    let v = apikey::verify(conn, &key.secret, None, now)
        .expect("ok")
        .expect("known");
    assert!(v.valid);
    assert_eq!(
        (v.status, v.partner_id.as_str(), v.policy_id.as_str()),
        ("ACTIVE", "rp", w.auth.as_str())
    );
    let doc: serde_json::Value = serde_json::from_str(v.policy.get()).expect("document");
    assert_eq!(doc["allowedAuthTypes"][0]["authType"], "otp");
    assert!(apikey::verify(conn, &key.secret, Some("rp"), now)
        .expect("ok")
        .is_some());
    assert!(apikey::verify(conn, &key.secret, Some("rp-2"), now)
        .expect("ok")
        .is_none());
    assert!(apikey::verify(conn, "pms_unknown", None, now)
        .expect("ok")
        .is_none());
    assert!(apikey::verify(conn, "", None, now).expect("ok").is_none());
    assert!(apikey::verify(conn, &"x".repeat(10_000), None, now)
        .expect("ok")
        .is_none());
    // Another partner cannot deactivate it; its owner can, once.
    assert_eq!(
        code(apikey::deactivate(
            conn,
            &other.actor,
            &key.item.id,
            Some(&other.user)
        )),
        "PMS_NOT_FOUND"
    );
    let off = apikey::deactivate(conn, &p.actor, &key.item.id, Some(&p.user)).expect("deactivate");
    assert_eq!(off.status, KeyStatus::Deactivated);
    assert_eq!(
        code(apikey::deactivate(conn, &admin(), &key.item.id, None)),
        "PMS_ILLEGAL_TRANSITION"
    );
    let v = apikey::verify(conn, &key.secret, None, now)
        .expect("ok")
        .expect("known");
    assert!(!v.valid);
    assert_eq!(v.status, "DEACTIVATED");
    assert_eq!(events(conn, apikey::APIKEY_UPDATED).len(), 1);
    // A partner deactivated by an admin makes its keys invalid at once: the deactivation
    // takes its live keys with it.
    let key2 =
        apikey::create(conn, &p.actor, &p.user, &key_input(&w.auth, "web-2"), &cfg).expect("key");
    partner::decide(conn, &admin(), "rp", Decision::Deactivate, Some("audit"))
        .expect("deactivate partner");
    let v = apikey::verify(conn, &key2.secret, None, domain::clock::now_ms())
        .expect("ok")
        .expect("known");
    assert_eq!((v.valid, v.status), (false, "DEACTIVATED"));
}

/// Titles of the partner's notifications, oldest first.
fn news_titles(conn: &mut AnyConnection, partner_id: &str) -> Vec<String> {
    notifications::table
        .filter(notifications::partner_id.eq(partner_id))
        .order((notifications::created_at.asc(), notifications::id.asc()))
        .select(notifications::title)
        .load(conn)
        .expect("notifications")
}

#[test]
fn decisions_by_others_are_news_for_the_partner_and_mailed_when_smtp_is_on() {
    // Every test of this file runs with mail on; none counts mails but this one.
    domain::notification::status::set_mail_enabled(true);
    let db = TestDb::new();
    let conn = &mut db.conn();
    let cfg = AccessConfig::default();
    let (w, p) = relying_party(conn);
    assert_eq!(
        news_titles(conn, "rp"),
        ["Registration approved", "Policy request approved"]
    );
    // A rejected request carries its comment.
    let r = ask(conn, &p, &w.datashare).expect("request");
    request::decide(conn, &admin(), &r.id, false, Some("Not for banks")).expect("reject");
    let body: String = notifications::table
        .filter(notifications::entity_id.eq(&r.id))
        .select(notifications::body)
        .first(conn)
        .expect("news of the rejection");
    assert!(
        body.contains("Not for banks") && body.contains("share"),
        "{body}"
    );

    // The partner's own deactivation is no news; an admin's is.
    let own =
        apikey::create(conn, &p.actor, &p.user, &key_input(&w.auth, "own"), &cfg).expect("key");
    apikey::deactivate(conn, &p.actor, &own.item.id, Some(&p.user)).expect("own deactivation");
    let by_admin =
        apikey::create(conn, &p.actor, &p.user, &key_input(&w.auth, "web"), &cfg).expect("key");
    apikey::deactivate(conn, &admin(), &by_admin.item.id, None).expect("admin deactivation");
    assert_eq!(news_titles(conn, "rp").len(), 4);
    assert_eq!(news_titles(conn, "rp")[3], "API key deactivated");

    // The partner's deactivation takes its live key with it: one piece of news, which says so.
    apikey::create(conn, &p.actor, &p.user, &key_input(&w.auth, "live"), &cfg).expect("key");
    partner::decide(
        conn,
        &admin(),
        "rp",
        Decision::Deactivate,
        Some("Audit finding"),
    )
    .expect("deactivate");
    partner::decide(conn, &admin(), "rp", Decision::Reactivate, None).expect("reactivate");
    let titles = news_titles(conn, "rp");
    assert_eq!(
        titles[4..],
        ["Registration deactivated", "Registration reactivated"]
    );
    let bodies: Vec<String> = notifications::table
        .filter(notifications::partner_id.eq("rp"))
        .filter(notifications::entity_type.eq("partner"))
        .order((notifications::created_at.asc(), notifications::id.asc()))
        .select(notifications::body)
        .load(conn)
        .expect("bodies");
    assert!(
        bodies[1].contains("Audit finding") && bodies[1].contains("API keys"),
        "{bodies:?}"
    );
    assert!(bodies[2].contains("not restored"), "{bodies:?}");

    // Each piece of news is one mail to the partner's address, in its language.
    let mails: Vec<(String, String, String)> = mail_queue::table
        .order(mail_queue::created_at.asc())
        .select((
            mail_queue::recipient,
            mail_queue::language,
            mail_queue::subject,
        ))
        .load(conn)
        .expect("mails");
    assert_eq!(mails.len(), titles.len(), "{mails:?}");
    assert!(mails
        .iter()
        .all(|(to, lang, _)| to == "rp@example.org" && lang == "eng"));
    // A refused decision writes neither news nor mail.
    let before = (news_titles(conn, "rp").len(), mails.len());
    assert_eq!(
        code(request::decide(conn, &admin(), &r.id, true, None)),
        "PMS_ILLEGAL_TRANSITION"
    );
    let mails_now: i64 = count!(conn, mail_queue::table);
    assert_eq!((news_titles(conn, "rp").len(), mails_now as usize), before);
}

#[test]
fn expired_keys_are_marked_by_the_job_once_with_an_event() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let (w, p) = relying_party(conn);
    let cfg = AccessConfig::default();
    let old =
        apikey::create(conn, &p.actor, &p.user, &key_input(&w.auth, "old"), &cfg).expect("key");
    let live =
        apikey::create(conn, &p.actor, &p.user, &key_input(&w.auth, "live"), &cfg).expect("key");
    diesel::update(api_keys::table.filter(api_keys::id.eq(&old.item.id)))
        .set(api_keys::valid_to.eq(domain::clock::now_ms() - 1000))
        .execute(conn)
        .expect("age it");
    let now = domain::clock::now_ms();
    let v = apikey::verify(conn, &old.secret, None, now)
        .expect("ok")
        .expect("known");
    assert_eq!(
        (v.valid, v.status),
        (false, "EXPIRED"),
        "expired before the job runs too"
    );
    assert_eq!(apikey::expire_due(conn, now).expect("job"), 1);
    assert_eq!(apikey::expire_due(conn, now).expect("again"), 0);
    assert_eq!(
        apikey::get(conn, &old.item.id).expect("old").status,
        KeyStatus::Expired
    );
    assert_eq!(
        apikey::get(conn, &live.item.id).expect("live").status,
        KeyStatus::Active
    );
    assert_eq!(events(conn, apikey::APIKEY_UPDATED).len(), 1);
    let expired = apikey::list(
        conn,
        &KeyQuery {
            status: Some("EXPIRED".into()),
            ..Default::default()
        },
        None,
    )
    .expect("list");
    assert_eq!(expired.total, 1);
}

// ---------------------------------------------------------------------------------------------
// MISP licenses
// ---------------------------------------------------------------------------------------------

#[test]
fn one_live_license_per_misp_partner_and_a_new_one_after_deactivation_or_expiry() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let cfg = AccessConfig::default();
    let group = policy_group::create(conn, &manager(), "banks", "")
        .expect("group")
        .id;
    let rp = ready(conn, "rp", "Auth_Partner", Some(&group));
    assert_eq!(
        code(license::generate(conn, &rp.actor, &rp.user, &cfg)),
        "PMS_PARTNER_TYPE"
    );
    let m = signed_up(conn, "misp", "MISP_Partner", None);
    assert_eq!(
        code(license::generate(conn, &m.actor, &m.user, &cfg)),
        "PMS_PARTNER_NOT_APPROVED"
    );
    partner::decide(conn, &admin(), "misp", Decision::Approve, None).expect("approve");
    assert_eq!(
        code(license::generate(conn, &m.actor, &m.user, &cfg)),
        "PMS_CERT_REQUIRED"
    );
    certificate(conn, "misp", domain::clock::now_ms() + 365 * DAY);
    let first = license::generate(conn, &m.actor, &m.user, &cfg).expect("license");
    assert_eq!(first.secret.len(), 50);
    assert!(first.secret.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(first.item.prefix, &first.secret[..6]);
    assert_eq!(
        code(license::generate(conn, &m.actor, &m.user, &cfg)),
        "PMS_LICENSE_EXISTS"
    );
    license::deactivate(conn, &m.actor, &first.item.id, Some(&m.user)).expect("deactivate");
    let second = license::generate(conn, &m.actor, &m.user, &cfg).expect("after deactivation");
    diesel::update(misp_licenses::table.filter(misp_licenses::id.eq(&second.item.id)))
        .set(misp_licenses::valid_to.eq(domain::clock::now_ms() - 1))
        .execute(conn)
        .expect("age it");
    let third = license::generate(conn, &m.actor, &m.user, &cfg).expect("after expiry");
    assert_eq!(
        license::get(conn, &second.item.id).expect("second").status,
        KeyStatus::Expired
    );
    assert_eq!(
        license::get(conn, &third.item.id).expect("third").status,
        KeyStatus::Active
    );
    let hashes: Vec<String> = misp_licenses::table
        .select(misp_licenses::key_hash)
        .load(conn)
        .expect("rows");
    assert!(hashes.iter().all(|h| !h.contains(&third.secret)));
    assert_eq!(events(conn, license::MISP_LICENSE_GENERATED).len(), 3);
    assert_eq!(events(conn, license::MISP_LICENSE_UPDATED).len(), 2);
    assert!(events(conn, license::MISP_LICENSE_GENERATED)
        .iter()
        .all(|e| !e.contains(&third.secret)));
    // Only its own: another MISP partner cannot deactivate it.
    let m2 = ready(conn, "misp-2", "MISP_Partner", None);
    assert_eq!(
        code(license::deactivate(
            conn,
            &m2.actor,
            &third.item.id,
            Some(&m2.user)
        )),
        "PMS_NOT_FOUND"
    );
    assert_eq!(
        license::list_own(conn, &m2.user, &KeyQuery::default())
            .expect("own")
            .total,
        0
    );
    assert_eq!(
        license::list(conn, &KeyQuery::default(), None)
            .expect("all")
            .total,
        3
    );
}

// ---------------------------------------------------------------------------------------------
// OIDC clients
// ---------------------------------------------------------------------------------------------

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A fresh EC P-256 public JWK (generated with ring).
fn ec_jwk() -> String {
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &rng,
    )
    .expect("keygen");
    let pair = ring::signature::EcdsaKeyPair::from_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        pkcs8.as_ref(),
        &rng,
    )
    .expect("pair");
    let point = pair.public_key().as_ref();
    serde_json::json!({ "kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65]) })
        .to_string()
}

fn client_input(policy: &str, jwk: &str) -> ClientInput {
    ClientInput {
        policy_id: policy.into(),
        name: "Bank portal".into(),
        logo_uri: "https://bank.example/logo.png".into(),
        redirect_uris: vec![
            "https://bank.example/cb".into(),
            "io.bank.app:/callback".into(),
        ],
        grant_types: vec![],
        auth_methods: vec![],
        public_key: jwk.into(),
    }
}

#[test]
fn a_client_is_behind_in_esignet_until_its_newest_version_is_accepted() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let (w, p) = relying_party(conn);
    let c =
        oidc::create(conn, &p.actor, &p.user, &client_input(&w.auth, &ec_jwk())).expect("client");
    // The client's newest event is the version eSignet must have; it is behind until told.
    let ids = vec![c.id.clone()];
    let state = |conn: &mut _| domain::events::store::esignet_states(conn, &ids).expect("state");
    assert!(!state(conn)[&c.id].in_sync);
    let latest: i64 = {
        use diesel::prelude::*;
        use domain::schema::outbox;
        outbox::table
            .select(diesel::dsl::max(outbox::id))
            .first::<Option<i64>>(conn)
            .expect("max")
            .expect("an event")
    };
    domain::events::store::record_esignet(conn, &c.id, latest, None, 1).expect("record");
    assert!(state(conn)[&c.id].in_sync);
    oidc::deactivate(conn, &admin(), &c.id, None).expect("deactivate");
    assert!(
        !state(conn)[&c.id].in_sync,
        "a new version is not in eSignet yet"
    );
}

#[test]
fn a_client_gets_its_id_from_the_key_and_claims_and_acrs_from_the_policy() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let (w, p) = relying_party(conn);
    let jwk = ec_jwk();
    let c = oidc::create(conn, &p.actor, &p.user, &client_input(&w.auth, &jwk)).expect("client");
    assert_eq!(
        c.id,
        domain::access::jwk::parse(&jwk).expect("jwk").thumbprint
    );
    assert_eq!(c.claims, ["email", "name"]);
    assert_eq!(
        c.acr_values,
        ["mosip:idp:acr:biometrics", "mosip:idp:acr:generated-code"]
    );
    assert_eq!(c.grant_types, ["authorization_code"]);
    assert_eq!(c.auth_methods, ["private_key_jwt"]);
    assert_eq!(c.status, KeyStatus::Active);
    // The same key cannot back a second client.
    let again = oidc::create(conn, &p.actor, &p.user, &client_input(&w.auth, &jwk));
    assert_eq!(
        field(again),
        ("PMS_OIDC_KEY_TAKEN".into(), Some("public_key".into()))
    );
    let created = events(conn, oidc::OIDC_CLIENT_CREATED);
    assert_eq!(created.len(), 1);
    assert!(created[0].contains("mosip:idp:acr:generated-code"));
    // Operators change the mapping; new clients follow it.
    oidc::set_mapping(
        conn,
        &admin(),
        oidc::MappingKind::Claim,
        "unmappedThing",
        "nickname",
    )
    .expect("set");
    oidc::delete_mapping(conn, &admin(), oidc::MappingKind::Acr, "bio").expect("delete");
    let c2 =
        oidc::create(conn, &p.actor, &p.user, &client_input(&w.auth, &ec_jwk())).expect("second");
    assert_eq!(c2.claims, ["email", "name", "nickname"]);
    assert_eq!(c2.acr_values, ["mosip:idp:acr:generated-code"]);
    assert_eq!(
        code(oidc::set_mapping(
            conn,
            &admin(),
            oidc::MappingKind::Claim,
            "a b",
            "x"
        )),
        "PMS_MAPPING_SPACES"
    );
    assert_eq!(
        code(oidc::delete_mapping(
            conn,
            &admin(),
            oidc::MappingKind::Acr,
            "bio"
        )),
        "PMS_NOT_FOUND"
    );
}

#[test]
fn policies_that_cannot_back_a_client_are_refused_with_their_reason() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let w = world(conn);
    let p = ready(conn, "rp", "Auth_Partner", Some(&w.group));
    let create = |conn: &mut AnyConnection, policy: &str| {
        oidc::create(conn, &p.actor, &p.user, &client_input(policy, &ec_jwk()))
    };
    assert_eq!(code(create(conn, &w.auth)), "PMS_POLICY_NOT_APPROVED");
    approved(conn, &p, &w.mandatory);
    assert_eq!(
        code(create(conn, &w.mandatory)),
        "PMS_OIDC_POLICY_MANDATORY"
    );
    approved(conn, &p, &w.datashare);
    assert_eq!(code(create(conn, &w.datashare)), "PMS_POLICY_TYPE");
    approved(conn, &p, &w.auth);
    for kyc in ["fullName", "email"] {
        oidc::delete_mapping(conn, &admin(), oidc::MappingKind::Claim, kyc).expect("unmap");
    }
    assert_eq!(code(create(conn, &w.auth)), "PMS_OIDC_POLICY_NO_CLAIMS");
    oidc::set_mapping(conn, &admin(), oidc::MappingKind::Claim, "email", "email").expect("map");
    for t in ["otp", "bio"] {
        oidc::delete_mapping(conn, &admin(), oidc::MappingKind::Acr, t).expect("unmap");
    }
    assert_eq!(code(create(conn, &w.auth)), "PMS_OIDC_POLICY_NO_ACRS");
    assert_eq!(count!(conn, oidc_clients::table), 0);
}

#[test]
fn client_fields_are_checked_each_with_its_own_message() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let (w, p) = relying_party(conn);
    let try_with = |conn: &mut AnyConnection, f: &dyn Fn(&mut ClientInput)| {
        let mut input = client_input(&w.auth, &ec_jwk());
        f(&mut input);
        field(oidc::create(conn, &p.actor, &p.user, &input))
    };
    let redirect = |uris: &[&str]| {
        let v: Vec<String> = uris.iter().map(|s| s.to_string()).collect();
        move |i: &mut ClientInput| i.redirect_uris = v.clone()
    };
    let redirect_error = Some("redirect_uris".to_string());
    for bad in [
        &["http://bank.example/cb"][..],
        &["https://bank.example/cb#frag"],
        &["https://*.bank.example/cb"],
        &["javascript:alert(1)"],
        &["not a url"],
        &[],
        &[
            "https://a.example/1",
            "https://a.example/2",
            "https://a.example/3",
            "https://a.example/4",
            "https://a.example/5",
            "https://a.example/6",
        ],
        &["https://a.example/1", "https://a.example/1"],
        // Found by a hostile tester: each was stored as typed.
        &["https://e.org/cb\r\nX: y"],
        &["https:///cb"],
        &["https://e.org/c b"],
        &["https://evil.org@e.org/cb"],
        &["https://user:pw@e.org/cb"],
        &["https://e.org/cb\u{0}"],
        &["https:\\\\e.org\\cb"],
        // One address in two spellings is one address.
        &["https://A.example/1", "https://a.example:443/1"],
    ] {
        let (c, f) = try_with(conn, &redirect(bad));
        assert_eq!(
            (c.as_str(), &f),
            ("PMS_OIDC_REDIRECT_URI", &redirect_error),
            "{bad:?}"
        );
    }
    assert_eq!(
        try_with(conn, &|i| i.logo_uri =
            "http://bank.example/logo.png".into())
        .0,
        "PMS_OIDC_LOGO_URI"
    );
    assert_eq!(
        try_with(conn, &|i| i.logo_uri =
            format!("https://bank.example/{}", "l".repeat(2048)))
        .0,
        "PMS_OIDC_LOGO_URI"
    );
    assert_eq!(
        try_with(conn, &|i| i.logo_uri =
            "https://evil.org@bank.example/l.png".into())
        .0,
        "PMS_OIDC_LOGO_URI"
    );
    assert_eq!(
        try_with(conn, &|i| i.name = "n".repeat(257)).0,
        "PMS_TOO_LONG"
    );
    assert_eq!(
        try_with(conn, &|i| i.grant_types = vec!["password".into()]).1,
        Some("grant_types".into())
    );
    assert_eq!(
        try_with(conn, &|i| i.auth_methods =
            vec!["client_secret_basic".into()])
        .1,
        Some("auth_methods".into())
    );
    assert_eq!(
        try_with(conn, &|i| i.public_key = "{not json".into()).1,
        Some("public_key".into())
    );
    let private = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}"#;
    assert_eq!(
        try_with(conn, &|i| i.public_key = private.into()).0,
        "PMS_JWK_PRIVATE"
    );
    assert_eq!(count!(conn, oidc_clients::table), 0);
    // Five URIs, custom schemes and every grant type are fine.
    let ok = oidc::create(
        conn,
        &p.actor,
        &p.user,
        &ClientInput {
            redirect_uris: vec![
                "https://a.example/1".into(),
                "https://a.example/2".into(),
                "com.bank:/cb".into(),
                "https://a.example/4?x=1".into(),
                "https://a.example/5".into(),
            ],
            grant_types: domain::access::GRANT_TYPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            ..client_input(&w.auth, &ec_jwk())
        },
    );
    assert_eq!(ok.expect("five").redirect_uris.len(), 5);
    // What is stored is the parsed, normalised form.
    let p2 = ready(conn, "rp-norm", "Auth_Partner", Some(&w.group));
    approved(conn, &p2, &w.auth);
    let normal = oidc::create(
        conn,
        &p2.actor,
        &p2.user,
        &ClientInput {
            redirect_uris: vec!["https://Bank.EXAMPLE:443/cb".into()],
            ..client_input(&w.auth, &ec_jwk())
        },
    )
    .expect("normalised");
    assert_eq!(normal.redirect_uris, ["https://bank.example/cb"]);
}

#[test]
fn clients_are_edited_by_their_owner_while_active_and_not_over_a_concurrent_edit() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let w = world(conn);
    let p = ready(conn, "rp", "Auth_Partner", Some(&w.group));
    let other = ready(conn, "rp-2", "Auth_Partner", Some(&w.group));
    approved(conn, &p, &w.auth);
    let c =
        oidc::create(conn, &p.actor, &p.user, &client_input(&w.auth, &ec_jwk())).expect("client");
    let edit = |c: &domain::access::ClientView, name: &str| ClientUpdate {
        name: name.into(),
        logo_uri: c.logo_uri.clone(),
        redirect_uris: vec!["https://bank.example/new".into()],
        grant_types: c.grant_types.clone(),
        auth_methods: vec!["private_key_jwt".into(), "tls_client_auth".into()],
        updated_at: c.updated_at,
    };
    assert_eq!(
        code(oidc::update(
            conn,
            &other.actor,
            &other.user,
            &c.id,
            &edit(&c, "Mine now")
        )),
        "PMS_NOT_FOUND"
    );
    assert_eq!(
        code(oidc::get_own(conn, &other.user, &c.id)),
        "PMS_NOT_FOUND"
    );
    assert_eq!(
        oidc::list_own(conn, &other.user, &KeyQuery::default())
            .expect("list")
            .total,
        0
    );
    let edited =
        oidc::update(conn, &p.actor, &p.user, &c.id, &edit(&c, "Bank portal 2")).expect("edit");
    assert_eq!(edited.name, "Bank portal 2");
    assert_eq!(edited.redirect_uris, ["https://bank.example/new"]);
    // An editor holding the old version does not overwrite the newer one.
    assert_eq!(
        code(oidc::update(
            conn,
            &p.actor,
            &p.user,
            &c.id,
            &edit(&c, "stale")
        )),
        "PMS_CHANGED_MEANWHILE"
    );
    let bad = ClientUpdate {
        redirect_uris: vec!["http://x.example".into()],
        ..edit(&edited, "x")
    };
    assert_eq!(
        code(oidc::update(conn, &p.actor, &p.user, &c.id, &bad)),
        "PMS_OIDC_REDIRECT_URI"
    );
    assert_eq!(oidc::get(conn, &c.id).expect("get").name, "Bank portal 2");
    let off = oidc::deactivate(conn, &admin(), &c.id, None).expect("admin deactivates");
    assert_eq!(off.status, KeyStatus::Deactivated);
    assert_eq!(
        code(oidc::update(
            conn,
            &p.actor,
            &p.user,
            &c.id,
            &edit(&off, "again")
        )),
        "PMS_OIDC_INACTIVE"
    );
    assert_eq!(
        code(oidc::deactivate(conn, &p.actor, &c.id, Some(&p.user))),
        "PMS_ILLEGAL_TRANSITION"
    );
    assert_eq!(events(conn, oidc::OIDC_CLIENT_UPDATED).len(), 2);
    assert_eq!(
        oidc::list(
            conn,
            &KeyQuery {
                status: Some("DEACTIVATED".into()),
                ..Default::default()
            },
            None
        )
        .expect("all")
        .total,
        1
    );
}

// ---------------------------------------------------------------------------------------------
// Service tokens
// ---------------------------------------------------------------------------------------------

#[test]
fn service_tokens_are_issued_once_and_revoked() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let t = token::issue(conn, &admin(), "ID authentication", &[]).expect("issue");
    assert!(t.secret.starts_with("pst_"));
    assert_eq!(code(token::issue(conn, &admin(), " ", &[])), "PMS_REQUIRED");
    let hash = token::hash(&t.secret);
    assert_eq!(
        token::active_by_hash(conn, &hash).expect("q"),
        Some(t.item.id.clone())
    );
    assert!(token::active_by_hash(conn, &token::hash("pst_guess"))
        .expect("q")
        .is_none());
    token::revoke(conn, &admin(), &t.item.id).expect("revoke");
    assert!(token::active_by_hash(conn, &hash).expect("q").is_none());
    assert_eq!(
        code(token::revoke(conn, &admin(), &t.item.id)),
        "PMS_ILLEGAL_TRANSITION"
    );
    let listed = serde_json::to_string(&token::list(conn).expect("list")).expect("json");
    assert!(!listed.contains(&t.secret[4..]));
}

/// Deactivating a partner stops its live API keys and OIDC clients in the same transaction,
/// each with its audit row and event; reactivation restores the partner only.
#[test]
fn a_partners_deactivation_stops_its_keys_and_clients_and_reactivation_does_not_restore_them() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let w = world(conn);
    let p = ready(conn, "rp-off", "Auth_Partner", Some(&w.group));
    approved(conn, &p, &w.auth);
    let key = apikey::create(
        conn,
        &p.actor,
        &p.user,
        &key_input(&w.auth, "main"),
        &AccessConfig::default(),
    )
    .expect("key")
    .item;
    let client =
        oidc::create(conn, &p.actor, &p.user, &client_input(&w.auth, &ec_jwk())).expect("client");
    let impact = domain::access::cascade::impact(conn, "rp-off").expect("impact");
    assert_eq!(
        (impact.api_keys, impact.licenses, impact.oidc_clients),
        (1, 0, 1)
    );
    assert_eq!(impact.describe(), "1 API key, 1 OIDC client");
    let (updated0, clients0) = (
        events(conn, "APIKEY_UPDATED").len(),
        events(conn, "OIDC_CLIENT_UPDATED").len(),
    );
    partner::decide(
        conn,
        &admin(),
        "rp-off",
        Decision::Deactivate,
        Some("contract ended"),
    )
    .expect("deactivate");
    let status = |conn: &mut AnyConnection| -> (String, String) {
        (
            api_keys::table
                .find(&key.id)
                .select(api_keys::status)
                .first(conn)
                .expect("key"),
            oidc_clients::table
                .find(&client.id)
                .select(oidc_clients::status)
                .first(conn)
                .expect("client"),
        )
    };
    assert_eq!(
        status(conn),
        ("DEACTIVATED".to_string(), "DEACTIVATED".to_string())
    );
    assert_eq!(events(conn, "APIKEY_UPDATED").len(), updated0 + 1);
    assert_eq!(events(conn, "OIDC_CLIENT_UPDATED").len(), clients0 + 1);
    assert!(domain::access::cascade::impact(conn, "rp-off")
        .expect("impact")
        .is_empty());
    partner::decide(conn, &admin(), "rp-off", Decision::Reactivate, None).expect("reactivate");
    assert_eq!(
        status(conn),
        ("DEACTIVATED".to_string(), "DEACTIVATED".to_string())
    );
}

/// README, Verification: `status` is `ACTIVE`, `DEACTIVATED`, `EXPIRED`, `NOT_YET_VALID`,
/// `PARTNER_INACTIVE` or `POLICY_INACTIVE`. The last three, each with `valid` false. (A live
/// key's partner or policy cannot normally leave its state, since the deactivations take
/// the keys with them; rows set directly stand for data changed outside the portal.)
#[test]
fn verification_says_not_yet_valid_partner_inactive_and_policy_inactive() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let (w, p) = relying_party(conn);
    let cfg = AccessConfig::default();
    let key =
        apikey::create(conn, &p.actor, &p.user, &key_input(&w.auth, "web"), &cfg).expect("key");
    let status = |conn: &mut AnyConnection, now: i64| {
        let v = apikey::verify(conn, &key.secret, None, now)
            .expect("ok")
            .expect("known");
        (v.valid, v.status)
    };
    let now = domain::clock::now_ms();
    assert_eq!(status(conn, now), (true, "ACTIVE"));
    assert_eq!(
        status(conn, key.item.valid_from - 1),
        (false, "NOT_YET_VALID")
    );
    diesel::update(domain::schema::policies::table.find(&w.auth))
        .set(domain::schema::policies::status.eq("DEACTIVATED"))
        .execute(conn)
        .expect("policy");
    assert_eq!(status(conn, now), (false, "POLICY_INACTIVE"));
    diesel::update(domain::schema::partners::table.find("rp"))
        .set(domain::schema::partners::status.eq("DEACTIVATED"))
        .execute(conn)
        .expect("partner");
    assert_eq!(status(conn, now), (false, "PARTNER_INACTIVE"));
}
