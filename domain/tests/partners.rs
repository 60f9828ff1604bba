//! Domain tests for partner onboarding and administration, on a real database (SQLite by
//! default, PostgreSQL when TEST_DATABASE_URL is set).

use diesel::prelude::*;
use domain::account::{self, CurrentUser};
use domain::audit::{self, Actor, AuditQuery};
use domain::db::AnyConnection;
use domain::partner::{self, Decision, PartnerInput, PartnerQuery, PartnerStatus, ProfileUpdate};
use domain::schema::{accounts, audit_log, outbox, partners};
use domain::testing::TestDb;
use domain::{ErrorKind, Role};

const PASSWORD: &str = "correct horse battery";

fn input(id: &str, partner_type: &str, group: Option<&str>) -> PartnerInput {
    PartnerInput {
        partner_id: id.into(),
        organisation: format!("{id} Ltd"),
        partner_type: partner_type.into(),
        email: format!("{id}@example.org"),
        phone: "+91 80 1234 5678".into(),
        address: "1 Main Street, Bengaluru".into(),
        language: "eng".into(),
        policy_group_id: group.map(str::to_string),
    }
}

fn admin() -> Actor {
    Actor::account("admin-id", "admin@example.org")
}

fn group(conn: &mut AnyConnection, name: &str) -> String {
    domain::policy::group::create(conn, &Actor::system(), name, "for tests")
        .expect("group")
        .id
}

fn user_of(conn: &mut AnyConnection, email: &str) -> CurrentUser {
    let row = account::find_by_email(conn, email)
        .expect("q")
        .expect("account");
    account::load_user(conn, &row.id)
        .expect("load")
        .expect("active")
}

fn counts(conn: &mut AnyConnection) -> (i64, i64, i64) {
    (
        accounts::table.count().get_result(conn).expect("accounts"),
        partners::table.count().get_result(conn).expect("partners"),
        outbox::table.count().get_result(conn).expect("outbox"),
    )
}

#[test]
fn the_partner_types_table_agrees_with_the_partner_type_kind() {
    use domain::schema::partner_types as t;
    let db = TestDb::new();
    let conn = &mut db.conn();
    let rows: Vec<(String, bool, bool, Option<String>, String)> = t::table
        .select((
            t::code,
            t::policy_required,
            t::self_registrable,
            t::portal_role,
            t::cert_domain,
        ))
        .load(conn)
        .expect("types");
    assert_eq!(rows.len(), domain::PartnerType::ALL.len());
    for (code, policy, own, role, cert) in rows {
        let kind = domain::PartnerType::parse(&code).expect("every stored code is a kind");
        assert_eq!(kind.has_policy_group(), policy, "{code}: policy group");
        assert_eq!(kind.self_registrable(), own, "{code}: self-registrable");
        assert_eq!(
            kind.role().map(|r| r.as_str().to_string()),
            role,
            "{code}: role"
        );
        assert_eq!(
            kind.cert_domain().as_str(),
            cert,
            "{code}: certificate domain"
        );
    }
}

#[test]
fn sign_up_creates_account_role_pending_partner_audit_and_event_together() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let g = group(conn, "default-auth");
    let p = partner::sign_up(
        conn,
        &input("acme-auth", "Auth_Partner", Some(&g)),
        PASSWORD,
        &domain::account::PortalMail::off(),
    )
    .expect("sign up");
    assert_eq!(p.status, PartnerStatus::Pending);
    assert_eq!(p.policy_group_name.as_deref(), Some("default-auth"));
    assert_eq!(p.cert_domain, "AUTH");
    let user = user_of(conn, "acme-auth@example.org");
    assert_eq!(user.roles, vec![Role::AuthPartner]);
    let device = partner::sign_up(
        conn,
        &input("acme-dev", "Device_Provider", None),
        PASSWORD,
        &domain::account::PortalMail::off(),
    )
    .expect("device provider needs no group");
    assert_eq!(device.cert_domain, "DEVICE");
    assert_eq!(
        user_of(conn, "acme-dev@example.org").roles,
        vec![Role::DeviceProvider]
    );
    let ftm = partner::sign_up(
        conn,
        &input("acme-ftm", "FTM_Provider", None),
        PASSWORD,
        &domain::account::PortalMail::off(),
    )
    .expect("ftm");
    assert_eq!(ftm.cert_domain, "FTM");

    let actions: Vec<String> = audit_log::table
        .filter(audit_log::entity_id.eq("acme-auth"))
        .select(audit_log::action)
        .load(conn)
        .expect("audit");
    assert_eq!(actions, vec!["PARTNER_CREATED"]);
    let payloads: Vec<String> = outbox::table
        .filter(outbox::topic.eq("PARTNER_UPDATED"))
        .order(outbox::id.asc())
        .select(outbox::payload)
        .load(conn)
        .expect("events");
    assert_eq!(payloads.len(), 3);
    let event: serde_json::Value = serde_json::from_str(&payloads[0]).expect("json");
    assert_eq!(event["topic"], "PARTNER_UPDATED");
    assert_eq!(event["event"]["data"]["partnerId"], "acme-auth");
    assert_eq!(event["event"]["data"]["partnerStatus"], "PENDING");
    assert_eq!(event["event"]["data"]["partnerName"], "acme-auth Ltd");
    let detail = partner::detail(conn, "acme-auth").expect("detail");
    assert_eq!(detail.history.len(), 1);
    assert_eq!(detail.history[0].to, PartnerStatus::Pending);
    assert_eq!(detail.history[0].from, None);
}

#[test]
fn every_sign_up_rule_gives_its_field_and_code_and_writes_nothing() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let g = group(conn, "default-auth");
    let before = counts(conn);
    let cases: Vec<(PartnerInput, &str, &str, &str)> = vec![
        (
            {
                let mut i = input("a", "Auth_Partner", Some(&g));
                i.partner_id = "has space".into();
                i
            },
            PASSWORD,
            "partner_id",
            "PMS_PARTNER_ID_SPACES",
        ),
        (
            {
                let mut i = input("a", "Auth_Partner", Some(&g));
                i.partner_id = "x".repeat(37);
                i
            },
            PASSWORD,
            "partner_id",
            "PMS_PARTNER_ID_TOO_LONG",
        ),
        (
            {
                let mut i = input("a", "Auth_Partner", Some(&g));
                i.organisation = " ".into();
                i
            },
            PASSWORD,
            "organisation",
            "PMS_ORGANISATION_REQUIRED",
        ),
        (
            {
                let mut i = input("a", "Auth_Partner", Some(&g));
                i.email = "not-an-email".into();
                i
            },
            PASSWORD,
            "email",
            "PMS_EMAIL_INVALID",
        ),
        (
            {
                let mut i = input("a", "Auth_Partner", Some(&g));
                i.phone = "12345678901234567".into();
                i
            },
            PASSWORD,
            "phone",
            "PMS_PHONE_TOO_LONG",
        ),
        (
            {
                let mut i = input("a", "Auth_Partner", Some(&g));
                i.phone = format!("+33 {}", "1 ".repeat(15));
                i
            },
            PASSWORD,
            "phone",
            "PMS_PHONE_TOO_LONG",
        ),
        // Found by a hostile tester: these read as another name.
        (
            {
                let mut i = input("a", "Auth_Partner", Some(&g));
                i.organisation = "Acme \u{202E}gnp.exe\u{202C} Ltd".into();
                i
            },
            PASSWORD,
            "organisation",
            "PMS_TEXT_INVISIBLE",
        ),
        (
            {
                let mut i = input("a", "Auth_Partner", Some(&g));
                i.organisation = "a Ltd\u{200B}".into();
                i
            },
            PASSWORD,
            "organisation",
            "PMS_TEXT_INVISIBLE",
        ),
        (
            {
                let mut i = input("a", "Auth_Partner", Some(&g));
                i.address = "1 Main St\n\u{2067}x".into();
                i
            },
            PASSWORD,
            "address",
            "PMS_TEXT_INVISIBLE",
        ),
        (
            {
                let mut i = input("a", "Auth_Partner", Some(&g));
                i.address = String::new();
                i
            },
            PASSWORD,
            "address",
            "PMS_ADDRESS_REQUIRED",
        ),
        (
            {
                let mut i = input("a", "Auth_Partner", Some(&g));
                i.language = "klingon".into();
                i
            },
            PASSWORD,
            "language",
            "PMS_LANGUAGE_UNKNOWN",
        ),
        (
            input("a", "Auth_Partner", Some(&g)),
            "short",
            "password",
            "PMS_PASSWORD_TOO_SHORT",
        ),
        (
            input("a", "No_Such_Type", None),
            PASSWORD,
            "partner_type",
            "PMS_PARTNER_TYPE_UNKNOWN",
        ),
        (
            input("a", "Online_Verification_Partner", Some(&g)),
            PASSWORD,
            "partner_type",
            "PMS_PARTNER_TYPE_ADMIN_ONLY",
        ),
        (
            input("a", "Internal_Partner", Some(&g)),
            PASSWORD,
            "partner_type",
            "PMS_PARTNER_TYPE_ADMIN_ONLY",
        ),
        (
            input("a", "SDK_Partner", None),
            PASSWORD,
            "partner_type",
            "PMS_PARTNER_TYPE_NO_PORTAL",
        ),
        (
            input("a", "Auth_Partner", None),
            PASSWORD,
            "policy_group_id",
            "PMS_POLICY_GROUP_REQUIRED",
        ),
        (
            input("a", "Auth_Partner", Some("nope")),
            PASSWORD,
            "policy_group_id",
            "PMS_POLICY_GROUP_UNKNOWN",
        ),
        (
            input("a", "Device_Provider", Some(&g)),
            PASSWORD,
            "policy_group_id",
            "PMS_POLICY_GROUP_NOT_USED",
        ),
    ];
    for (i, password, field, code) in cases {
        let err = partner::sign_up(conn, &i, password, &domain::account::PortalMail::off())
            .expect_err(code);
        assert_eq!(
            (err.field.as_deref(), err.code.as_str()),
            (Some(field), code)
        );
        assert_eq!(err.kind, ErrorKind::Validation, "{code}");
    }
    // An inactive group is refused with its own reason.
    diesel::update(domain::schema::policy_groups::table)
        .set(domain::schema::policy_groups::active.eq(false))
        .execute(conn)
        .expect("deactivate");
    let err = partner::sign_up(
        conn,
        &input("a", "Auth_Partner", Some(&g)),
        PASSWORD,
        &domain::account::PortalMail::off(),
    )
    .expect_err("inactive");
    assert_eq!(err.code, "PMS_POLICY_GROUP_INACTIVE");
    assert_eq!(counts(conn), before, "a refused sign-up writes nothing");
}

#[test]
fn a_sign_up_with_several_bad_fields_reports_every_one_at_once() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let g = group(conn, "default-auth");
    let mut bad = input("acme", "Auth_Partner", Some(&g));
    bad.email = "not-an-email".into();
    bad.organisation = "   ".into();
    bad.phone = "12".into();
    bad.language = "xx".into();
    let before = counts(conn);
    let err = partner::sign_up(conn, &bad, "short", &domain::account::PortalMail::off())
        .expect_err("refused");
    assert_eq!(counts(conn), before, "nothing written");
    // The first problem is the error itself, as a single one would be...
    assert_eq!(err.field.as_deref(), Some("email"));
    // ...and every field's problem is there, each with its own message.
    let paths: Vec<&str> = err.details.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/email",
            "/organisation",
            "/phone",
            "/language",
            "/password"
        ]
    );
    for field in ["email", "organisation", "phone", "language", "password"] {
        let message = err.message_for(field).unwrap_or_default();
        assert!(!message.is_empty(), "{field}");
    }
    assert!(err
        .message_for("password")
        .is_some_and(|m| m.contains("at least")));
    assert_eq!(err.message_for("address"), None);
}

#[test]
fn duplicates_are_reported_as_conflicts_on_their_field() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    partner::sign_up(
        conn,
        &input("acme", "Device_Provider", None),
        PASSWORD,
        &domain::account::PortalMail::off(),
    )
    .expect("first");
    let before = counts(conn);
    let mut same_id = input("acme", "Device_Provider", None);
    same_id.email = "other@example.org".into();
    let err = partner::sign_up(
        conn,
        &same_id,
        PASSWORD,
        &domain::account::PortalMail::off(),
    )
    .expect_err("id");
    assert_eq!(
        (err.kind, err.code.as_str(), err.field.as_deref()),
        (
            ErrorKind::Conflict,
            "PMS_PARTNER_ID_TAKEN",
            Some("partner_id")
        )
    );
    let mut same_email = input("acme2", "Device_Provider", None);
    same_email.email = "ACME@example.org".into();
    let err = partner::sign_up(
        conn,
        &same_email,
        PASSWORD,
        &domain::account::PortalMail::off(),
    )
    .expect_err("email");
    assert_eq!(
        (err.code.as_str(), err.field.as_deref()),
        ("PMS_PARTNER_EMAIL_TAKEN", Some("email"))
    );
    // An operator account's email is taken too.
    account::create(
        conn,
        &Actor::system(),
        &account::NewAccount {
            email: "ops@example.org".into(),
            display_name: "Ops".into(),
            password: PASSWORD.into(),
            roles: vec![Role::PolicyManager],
        },
    )
    .expect("operator");
    let mut ops = input("acme3", "Device_Provider", None);
    ops.email = "ops@example.org".into();
    assert_eq!(
        partner::sign_up(conn, &ops, PASSWORD, &domain::account::PortalMail::off())
            .expect_err("ops")
            .code,
        "PMS_PARTNER_EMAIL_TAKEN"
    );
    assert_eq!(counts(conn).1, before.1);
}

#[test]
fn admins_create_admin_only_types_which_start_approved() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let g = group(conn, "ekyc");
    let p = partner::admin_create(
        conn,
        &admin(),
        &input("ekyc-1", "Online_Verification_Partner", Some(&g)),
        PASSWORD,
    )
    .expect("admin create");
    assert_eq!(p.status, PartnerStatus::Approved);
    assert_eq!(
        user_of(conn, "ekyc-1@example.org").roles,
        vec![Role::AuthPartner]
    );
    let detail = partner::detail(conn, "ekyc-1").expect("detail");
    assert_eq!(
        detail.audit[0].actor_email.as_deref(),
        Some("admin@example.org")
    );
    let types: Vec<String> = partner::partner_types(conn, false)
        .expect("t")
        .into_iter()
        .map(|t| t.code)
        .collect();
    assert!(types.contains(&"Auth_Partner".to_string()));
    assert!(!types.contains(&"Online_Verification_Partner".to_string()));
    assert!(!types.contains(&"SDK_Partner".to_string()));
    let admin_types: Vec<String> = partner::partner_types(conn, true)
        .expect("t")
        .into_iter()
        .map(|t| t.code)
        .collect();
    assert!(admin_types.contains(&"Online_Verification_Partner".to_string()));
    assert!(!admin_types.contains(&"SDK_Partner".to_string()));
    assert_eq!(
        types.len(),
        8,
        "the eight self-registrable types: {types:?}"
    );
}

#[test]
fn decisions_follow_the_lifecycle_with_reasons_history_audit_and_events() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    partner::sign_up(
        conn,
        &input("p1", "Device_Provider", None),
        PASSWORD,
        &domain::account::PortalMail::off(),
    )
    .expect("p1");
    let events =
        |conn: &mut AnyConnection| -> i64 { outbox::table.count().get_result(conn).expect("n") };
    let e0 = events(conn);

    // Illegal moves are refused and change nothing.
    let err = partner::decide(conn, &admin(), "p1", Decision::Deactivate, Some("why"))
        .expect_err("pending");
    assert_eq!(err.code, "PMS_PARTNER_ILLEGAL_TRANSITION");
    assert!(
        err.message.contains("Reject a pending partner instead"),
        "{}",
        err.message
    );
    let err =
        partner::decide(conn, &admin(), "p1", Decision::Reject, Some("  ")).expect_err("reason");
    assert_eq!(
        (err.code.as_str(), err.field.as_deref()),
        ("PMS_REASON_REQUIRED", Some("reason"))
    );
    assert_eq!(
        partner::decide(conn, &admin(), "p1", Decision::Resubmit, None)
            .expect_err("r")
            .kind,
        ErrorKind::BadRequest
    );
    assert_eq!(
        partner::decide(conn, &admin(), "nobody", Decision::Approve, None)
            .expect_err("404")
            .kind,
        ErrorKind::NotFound
    );
    assert_eq!(events(conn), e0);

    // Reject, then the partner resubmits, then approve, deactivate, reactivate.
    let p = partner::decide(
        conn,
        &admin(),
        "p1",
        Decision::Reject,
        Some("Address is incomplete"),
    )
    .expect("reject");
    assert_eq!(
        (p.status, p.status_reason.as_deref()),
        (PartnerStatus::Rejected, Some("Address is incomplete"))
    );
    let err = partner::decide(conn, &admin(), "p1", Decision::Approve, None).expect_err("rejected");
    assert!(err.message.contains("resubmit"), "{}", err.message);
    let user = user_of(conn, "p1@example.org");
    let p = partner::resubmit_own(conn, &user, None).expect("resubmit");
    assert_eq!(p.status, PartnerStatus::Pending);
    assert_eq!(
        partner::resubmit_own(conn, &user, None)
            .expect_err("twice")
            .code,
        "PMS_PARTNER_ILLEGAL_TRANSITION"
    );
    let p = partner::decide(conn, &admin(), "p1", Decision::Approve, None).expect("approve");
    assert_eq!((p.status, p.status_reason), (PartnerStatus::Approved, None));
    assert_eq!(
        partner::decide(conn, &admin(), "p1", Decision::Approve, None)
            .expect_err("twice")
            .code,
        "PMS_PARTNER_ILLEGAL_TRANSITION"
    );
    let p = partner::decide(
        conn,
        &admin(),
        "p1",
        Decision::Deactivate,
        Some("Contract ended"),
    )
    .expect("deactivate");
    assert_eq!(p.status, PartnerStatus::Deactivated);
    let err =
        partner::decide(conn, &admin(), "p1", Decision::Approve, None).expect_err("deactivated");
    assert!(err.message.contains("reactivate"), "{}", err.message);
    let p = partner::decide(conn, &admin(), "p1", Decision::Reactivate, None).expect("reactivate");
    assert_eq!(p.status, PartnerStatus::Approved);

    assert_eq!(events(conn), e0 + 5, "one event per change");
    let detail = partner::detail(conn, "p1").expect("detail");
    let tos: Vec<PartnerStatus> = detail.history.iter().map(|h| h.to).collect();
    use PartnerStatus::*;
    assert_eq!(
        tos,
        vec![Approved, Deactivated, Approved, Pending, Rejected, Pending]
    );
    assert_eq!(detail.history[1].reason.as_deref(), Some("Contract ended"));
    let actions: Vec<&str> = detail.audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "PARTNER_REACTIVATED",
            "PARTNER_DEACTIVATED",
            "PARTNER_APPROVED",
            "PARTNER_RESUBMITTED",
            "PARTNER_REJECTED",
            "PARTNER_CREATED"
        ]
    );
    let details: serde_json::Value = serde_json::from_str(&detail.audit[1].details).expect("json");
    assert_eq!(details["before"]["status"], "APPROVED");
    assert_eq!(details["after"]["status"], "DEACTIVATED");
    assert_eq!(details["reason"], "Contract ended");
}

#[test]
fn profile_edits_check_fields_uniqueness_and_the_group_lock() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let g1 = group(conn, "g1");
    let g2 = group(conn, "g2");
    partner::sign_up(
        conn,
        &input("p1", "Auth_Partner", Some(&g1)),
        PASSWORD,
        &domain::account::PortalMail::off(),
    )
    .expect("p1");
    partner::sign_up(
        conn,
        &input("p2", "Auth_Partner", Some(&g1)),
        PASSWORD,
        &domain::account::PortalMail::off(),
    )
    .expect("p2");
    let user = user_of(conn, "p1@example.org");
    let update = ProfileUpdate {
        email: "contact@p1.example.org".into(),
        phone: "+1 555 0100".into(),
        address: "2 New Road".into(),
        language: "fra".into(),
        policy_group_id: Some(g2.clone()),
    };
    let p = partner::update_own_profile(
        conn,
        &user,
        None,
        &update,
        &domain::account::PortalMail::off(),
    )
    .expect("edit while pending");
    assert_eq!(
        (
            p.email.as_str(),
            p.language.as_str(),
            p.policy_group_name.as_deref()
        ),
        ("contact@p1.example.org", "fra", Some("g2"))
    );
    assert_eq!(
        p.account_email, "p1@example.org",
        "the sign-in email is not changed"
    );
    let audit = partner::detail(conn, "p1").expect("d").audit;
    let details: serde_json::Value = serde_json::from_str(&audit[0].details).expect("json");
    assert_eq!(details["before"]["language"], "eng");
    assert_eq!(details["after"]["language"], "fra");

    let err = partner::update_own_profile(
        conn,
        &user,
        None,
        &ProfileUpdate {
            email: "p2@example.org".into(),
            ..update.clone()
        },
        &domain::account::PortalMail::off(),
    )
    .expect_err("dup");
    assert_eq!(
        (err.code.as_str(), err.field.as_deref()),
        ("PMS_PARTNER_EMAIL_TAKEN", Some("email"))
    );
    let err = partner::update_own_profile(
        conn,
        &user,
        None,
        &ProfileUpdate {
            phone: "abc".into(),
            ..update.clone()
        },
        &domain::account::PortalMail::off(),
    )
    .expect_err("phone");
    assert_eq!(err.field.as_deref(), Some("phone"));

    partner::decide(conn, &admin(), "p1", Decision::Approve, None).expect("approve");
    let err = partner::update_own_profile(
        conn,
        &user,
        None,
        &ProfileUpdate {
            policy_group_id: Some(g1.clone()),
            ..update.clone()
        },
        &domain::account::PortalMail::off(),
    )
    .expect_err("locked");
    assert_eq!(
        (err.code.as_str(), err.field.as_deref()),
        ("PMS_POLICY_GROUP_LOCKED", Some("policy_group_id"))
    );
    // Contact details still change while active, keeping the group.
    let p = partner::update_own_profile(
        conn,
        &user,
        None,
        &ProfileUpdate {
            address: "3 Other Road".into(),
            ..update.clone()
        },
        &domain::account::PortalMail::off(),
    )
    .expect("edit active");
    assert_eq!(
        (p.address.as_str(), p.policy_group_id.as_deref()),
        ("3 Other Road", Some(g2.as_str()))
    );
}

#[test]
fn contacts_are_unique_per_partner_and_only_the_owner_removes_them() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    partner::sign_up(
        conn,
        &input("p1", "Device_Provider", None),
        PASSWORD,
        &domain::account::PortalMail::off(),
    )
    .expect("p1");
    partner::sign_up(
        conn,
        &input("p2", "Device_Provider", None),
        PASSWORD,
        &domain::account::PortalMail::off(),
    )
    .expect("p2");
    let u1 = user_of(conn, "p1@example.org");
    let u2 = user_of(conn, "p2@example.org");
    let c = partner::add_contact(conn, &u1, None, "Ops@P1.example.org", "").expect("add");
    assert_eq!(c.email, "ops@p1.example.org");
    assert_eq!(
        partner::add_contact(conn, &u1, None, "ops@p1.example.org", "")
            .expect_err("dup")
            .code,
        "PMS_CONTACT_DUPLICATE"
    );
    assert_eq!(
        partner::add_contact(conn, &u1, None, "p1@example.org", "")
            .expect_err("main")
            .code,
        "PMS_CONTACT_DUPLICATE"
    );
    assert_eq!(
        partner::add_contact(conn, &u1, None, "x", "")
            .expect_err("bad")
            .field
            .as_deref(),
        Some("contact_email")
    );
    assert_eq!(
        partner::add_contact(conn, &u1, None, "a@b.org", "phone!")
            .expect_err("bad")
            .field
            .as_deref(),
        Some("contact_phone")
    );
    // Another partner may list the same address.
    partner::add_contact(conn, &u2, None, "ops@p1.example.org", "+44 20 7946 0000")
        .expect("other partner");
    // p2 cannot remove p1's contact: it does not exist for p2.
    assert_eq!(
        partner::remove_contact(conn, &u2, None, c.id)
            .expect_err("not owner")
            .kind,
        ErrorKind::NotFound
    );
    partner::remove_contact(conn, &u1, None, c.id).expect("remove");
    assert!(partner::detail(conn, "p1").expect("d").contacts.is_empty());
    assert_eq!(partner::detail(conn, "p2").expect("d").contacts.len(), 1);
}

#[test]
fn the_list_pages_filters_sorts_and_counts_on_the_server() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let g = group(conn, "auth-group");
    for i in 0..7 {
        partner::sign_up(
            conn,
            &input(&format!("dev-{i}"), "Device_Provider", None),
            PASSWORD,
            &domain::account::PortalMail::off(),
        )
        .expect("dev");
    }
    for i in 0..3 {
        partner::sign_up(
            conn,
            &input(&format!("auth-{i}"), "Auth_Partner", Some(&g)),
            PASSWORD,
            &domain::account::PortalMail::off(),
        )
        .expect("auth");
    }
    partner::decide(conn, &admin(), "dev-1", Decision::Approve, None).expect("a");
    partner::decide(conn, &admin(), "auth-2", Decision::Reject, Some("no")).expect("r");

    let all = partner::list(
        conn,
        &PartnerQuery {
            page_size: Some(4),
            sort: Some("id".into()),
            ..Default::default()
        },
    )
    .expect("list");
    assert_eq!(
        (all.page.total, all.page.items.len(), all.page.page_count()),
        (10, 4, 3)
    );
    assert_eq!(all.page.items[0].id, "auth-0");
    assert_eq!(
        all.counts,
        vec![
            (PartnerStatus::Unverified, 0),
            (PartnerStatus::Pending, 8),
            (PartnerStatus::Approved, 1),
            (PartnerStatus::Rejected, 1),
            (PartnerStatus::Deactivated, 0)
        ]
    );
    let page3 = partner::list(
        conn,
        &PartnerQuery {
            page: Some(3),
            page_size: Some(4),
            sort: Some("id".into()),
            ..Default::default()
        },
    )
    .expect("p3");
    assert_eq!(
        page3
            .page
            .items
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        vec!["dev-5", "dev-6"]
    );
    let desc = partner::list(
        conn,
        &PartnerQuery {
            sort: Some("-id".into()),
            ..Default::default()
        },
    )
    .expect("desc");
    assert_eq!(desc.page.items[0].id, "dev-6");

    let by_status = partner::list(
        conn,
        &PartnerQuery {
            status: Some(PartnerStatus::Pending),
            partner_type: Some("Device_Provider".into()),
            ..Default::default()
        },
    )
    .expect("f");
    assert_eq!(by_status.page.total, 6);
    let by_group = partner::list(
        conn,
        &PartnerQuery {
            policy_group: Some(g.clone()),
            ..Default::default()
        },
    )
    .expect("g");
    assert_eq!(by_group.page.total, 3);
    assert!(by_group
        .page
        .items
        .iter()
        .all(|p| p.policy_group_name.as_deref() == Some("auth-group")));
    let text = partner::list(
        conn,
        &PartnerQuery {
            q: Some("AUTH-1".into()),
            ..Default::default()
        },
    )
    .expect("q");
    assert_eq!(
        text.page
            .items
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        vec!["auth-1"]
    );
    let by_org = partner::list(
        conn,
        &PartnerQuery {
            q: Some("dev-3 ltd".into()),
            ..Default::default()
        },
    )
    .expect("org");
    assert_eq!(by_org.page.total, 1);
    let wildcard = partner::list(
        conn,
        &PartnerQuery {
            q: Some("%".into()),
            ..Default::default()
        },
    )
    .expect("wild");
    assert_eq!(
        wildcard.page.total, 0,
        "a typed wildcard is matched literally"
    );
    partner::sign_up(
        conn,
        &input("under_score", "Device_Provider", None),
        PASSWORD,
        &domain::account::PortalMail::off(),
    )
    .expect("u");
    let underscore = partner::list(
        conn,
        &PartnerQuery {
            q: Some("UNDER_S".into()),
            ..Default::default()
        },
    )
    .expect("underscore");
    assert_eq!(underscore.page.total, 1);
    let literal = partner::list(
        conn,
        &PartnerQuery {
            q: Some("dev_1".into()),
            ..Default::default()
        },
    )
    .expect("literal");
    assert_eq!(literal.page.total, 0, "'_' is not a one-character wildcard");
    let by_type = partner::list(
        conn,
        &PartnerQuery {
            sort: Some("-type".into()),
            page_size: Some(1),
            ..Default::default()
        },
    )
    .expect("t");
    assert_eq!(by_type.page.items[0].partner_type, "Device_Provider");
    let by_status_sort = partner::list(
        conn,
        &PartnerQuery {
            sort: Some("status".into()),
            page_size: Some(1),
            ..Default::default()
        },
    )
    .expect("s");
    assert_eq!(by_status_sort.page.items[0].status, PartnerStatus::Approved);
}

#[test]
fn the_audit_list_filters_by_actor_entity_type_and_time() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let start = domain::clock::now_ms();
    partner::sign_up(
        conn,
        &input("p1", "Device_Provider", None),
        PASSWORD,
        &domain::account::PortalMail::off(),
    )
    .expect("p1");
    partner::decide(conn, &admin(), "p1", Decision::Approve, None).expect("approve");
    let all = audit::list(conn, &AuditQuery::default()).expect("all");
    assert_eq!(all.items[0].action, "PARTNER_APPROVED", "newest first");
    let by_admin = audit::list(
        conn,
        &AuditQuery {
            actor: Some("ADMIN@example.org".into()),
            ..Default::default()
        },
    )
    .expect("actor");
    assert_eq!(by_admin.total, 1);
    let accounts_only = audit::list(
        conn,
        &AuditQuery {
            entity_type: Some("account".into()),
            ..Default::default()
        },
    )
    .expect("type");
    assert!(accounts_only
        .items
        .iter()
        .all(|a| a.entity_type == "account"));
    assert_eq!(accounts_only.total, 1);
    let future = audit::list(
        conn,
        &AuditQuery {
            from: Some(domain::clock::now_ms() + 60_000),
            ..Default::default()
        },
    )
    .expect("future");
    assert_eq!(future.total, 0);
    let window = audit::list(
        conn,
        &AuditQuery {
            from: Some(start),
            to: Some(domain::clock::now_ms() + 1),
            ..Default::default()
        },
    )
    .expect("window");
    assert_eq!(window.total, all.total);
}

#[test]
fn a_concurrent_decision_is_reported_not_applied_twice() {
    let db = TestDb::new();
    let mut a = db.conn();
    partner::sign_up(
        &mut a,
        &input("p1", "Device_Provider", None),
        PASSWORD,
        &domain::account::PortalMail::off(),
    )
    .expect("p1");
    // Two admins decide at once from two connections: exactly one wins.
    let pool = db.pool.clone();
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                let mut conn = pool.get().expect("conn");
                let decision = if i == 0 {
                    Decision::Approve
                } else {
                    Decision::Reject
                };
                partner::decide(&mut conn, &admin(), "p1", decision, Some("reason"))
            })
        })
        .collect();
    let results: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1, "{results:?}");
    let err = results
        .into_iter()
        .find_map(Result::err)
        .expect("one refused");
    assert_eq!(err.kind, ErrorKind::Conflict);
    let history = partner::detail(&mut a, "p1").expect("d").history;
    assert_eq!(history.len(), 2);
}

#[test]
fn a_phone_with_spaces_is_kept_whole_and_names_are_stored_in_nfc() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let mut i = input("fr", "Device_Provider", None);
    // 17 characters as typed, 12 without separators: accepted, never cut.
    i.phone = "+33 1 23 45 67 89".into();
    // "Société" with combining accents (NFD), as some keyboards and pastes give it.
    i.organisation = "Socie\u{301}te\u{301} Ge\u{301}ne\u{301}rale".into();
    let p =
        partner::sign_up(conn, &i, PASSWORD, &domain::account::PortalMail::off()).expect("sign up");
    assert_eq!(p.phone, "+33 1 23 45 67 89");
    assert_eq!(p.organisation, "Société Générale");
}

/// Found by a hostile tester: after a deactivation the partner's old cookie still read and
/// wrote. Deactivation ends its sessions; a new sign-in reads but changes nothing.
#[test]
fn deactivation_ends_the_partners_sessions_and_its_writes() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    partner::sign_up(
        conn,
        &input("gone", "Device_Provider", None),
        PASSWORD,
        &domain::account::PortalMail::off(),
    )
    .expect("sign up");
    partner::decide(conn, &admin(), "gone", Decision::Approve, None).expect("approve");
    let user = user_of(conn, "gone@example.org");
    let policy = domain::session::SessionPolicy::default();
    let token = domain::session::create(conn, &user.id, None, None, &policy).expect("session");
    assert!(domain::session::authenticate(conn, &token, &policy)
        .expect("auth")
        .is_some());
    partner::decide(
        conn,
        &admin(),
        "gone",
        Decision::Deactivate,
        Some("contract ended"),
    )
    .expect("deactivate");
    assert!(
        domain::session::authenticate(conn, &token, &policy)
            .expect("auth")
            .is_none(),
        "the old session ended with the deactivation"
    );
    assert_eq!(
        domain::session::count_for_account(conn, &user.id).expect("count"),
        0
    );
    let before = counts(conn);
    let update = ProfileUpdate {
        email: "gone@example.org".into(),
        phone: "+91 80 1234 5678".into(),
        address: "Elsewhere 2".into(),
        language: "eng".into(),
        policy_group_id: None,
    };
    let err = partner::update_own_profile(
        conn,
        &user,
        None,
        &update,
        &domain::account::PortalMail::off(),
    )
    .expect_err("refused");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Forbidden, "PMS_PARTNER_DEACTIVATED")
    );
    let err = partner::add_contact(conn, &user, None, "ops@example.org", "").expect_err("refused");
    assert_eq!(err.code, "PMS_PARTNER_DEACTIVATED");
    assert_eq!(counts(conn), before, "a refused write writes nothing");
    // It still reads its own profile, with the reason.
    let mine = partner::my_partner(conn, &user)
        .expect("read")
        .expect("partner");
    assert_eq!(mine.partner.status, PartnerStatus::Deactivated);
}

/// Paging through rows whose sort key is equal (same type, same status) shows each row
/// exactly once, in both directions: the id is the last sort key of every order.
#[test]
fn paging_across_equal_sort_keys_shows_every_row_once() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    for i in 0..11 {
        partner::sign_up(
            conn,
            &input(&format!("same-{i:02}"), "Device_Provider", None),
            PASSWORD,
            &domain::account::PortalMail::off(),
        )
        .expect("sign up");
    }
    for sort in ["type", "-type", "status", "-status", "created", "-created"] {
        let mut seen: Vec<String> = Vec::new();
        for page in 1..=4 {
            let q = PartnerQuery {
                page: Some(page),
                page_size: Some(3),
                sort: Some(sort.into()),
                ..PartnerQuery::default()
            };
            let list = partner::list(conn, &q).expect("list");
            seen.extend(list.page.items.into_iter().map(|p| p.id));
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!((seen.len(), unique.len()), (11, 11), "{sort}: {seen:?}");
    }
    // Created in one burst, "newest first" is still the order they were made in.
    let newest = partner::list(
        conn,
        &PartnerQuery {
            sort: Some("-created".into()),
            page_size: Some(2),
            ..PartnerQuery::default()
        },
    )
    .expect("newest");
    let ids: Vec<&str> = newest.page.items.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["same-10", "same-09"]);
}

/// MOSIP's search engine over partners: each kind of condition, the sort, the page and the
/// total in the database, typed JSON rows, and values that are only ever bound.
#[test]
fn named_column_searches_filter_sort_page_and_bind_their_values() {
    use domain::mosip_search::PARTNER;
    use domain::query::{page, Filter, Op, Value};
    let db = TestDb::new();
    let mut conn = db.conn();
    let g = group(&mut conn, "banks");
    for id in ["acme-bank", "zeta-bank", "kilo-telco"] {
        partner::sign_up(
            &mut conn,
            &input(id, "Auth_Partner", Some(&g)),
            PASSWORD,
            &domain::account::PortalMail::off(),
        )
        .expect("signed up");
    }
    partner::decide(&mut conn, &admin(), "zeta-bank", Decision::Approve, None).expect("approved");
    let field = |name: &str| PARTNER.filter_field(name).expect("field");
    let run = |conn: &mut AnyConnection, filters: Vec<Filter>, desc: bool, offset: i64| {
        page(
            conn,
            &PARTNER,
            &filters,
            &[],
            &[(PARTNER.sort_field("name").expect("sortable"), desc)],
            offset,
            2,
        )
        .expect("search")
    };
    let names = |rows: &[serde_json::Value]| -> Vec<String> {
        rows.iter()
            .map(|r| r["name"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let (rows, total) = run(
        &mut conn,
        vec![Filter {
            field: field("id"),
            op: Op::Like("%bank".into()),
        }],
        true,
        0,
    );
    assert_eq!(
        (names(&rows), total),
        (
            vec!["zeta-bank Ltd".to_string(), "acme-bank Ltd".to_string()],
            2
        )
    );
    let (rows, total) = run(&mut conn, vec![], false, 2);
    assert_eq!(
        (names(&rows), total),
        (vec!["zeta-bank Ltd".to_string()], 3),
        "the third of three, by name"
    );
    let active = Filter {
        field: field("isActive"),
        op: Op::Equals(Value::Bool(true)),
    };
    let (rows, _) = run(&mut conn, vec![active], false, 0);
    assert_eq!(names(&rows), vec!["zeta-bank Ltd".to_string()]);
    assert_eq!(
        (
            &rows[0]["isActive"],
            &rows[0]["isDeleted"],
            &rows[0]["approvalStatus"]
        ),
        (
            &serde_json::json!(true),
            &serde_json::json!(false),
            &serde_json::json!("approved")
        )
    );
    assert!(
        rows[0]["crDtimes"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{}",
        rows[0]
    );
    assert_eq!(rows[0]["emailId"], "zeta-bank@example.org");
    let listed = Filter {
        field: field("partnerTypeCode"),
        op: Op::In(vec![
            Value::Text("Auth_Partner".into()),
            Value::Text("Device_Provider".into()),
        ]),
    };
    assert_eq!(run(&mut conn, vec![listed], false, 0).1, 3);
    let text = Filter {
        field: field("name"),
        op: Op::Equals(Value::Text("ACME-BANK LTD".into())),
    };
    assert_eq!(run(&mut conn, vec![text], false, 0).1, 1);
    let now = domain::clock::now_ms();
    let recent = Filter {
        field: field("crDtimes"),
        op: Op::Between(Value::Int(now - 60_000), Value::Int(now + 60_000)),
    };
    assert_eq!(run(&mut conn, vec![recent], false, 0).1, 3);
    // A value is data, never SQL.
    let hostile = Filter {
        field: field("name"),
        op: Op::Equals(Value::Text("x' OR '1'='1".into())),
    };
    assert_eq!(run(&mut conn, vec![hostile], false, 0).1, 0);
}
