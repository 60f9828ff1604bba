//! Domain tests for password reset, terms of use and the account's own sessions, on a real
//! database (SQLite by default, PostgreSQL when TEST_DATABASE_URL is set).

use diesel::prelude::*;
use domain::account::{self, NewAccount, PortalMail};
use domain::audit::Actor;
use domain::auth::{self, ClientInfo};
use domain::db::AnyConnection;
use domain::schema::{audit_log, mail_queue, password_resets};
use domain::session::{self, SessionPolicy};
use domain::testing::TestDb;
use domain::throttle::ThrottlePolicy;
use domain::{ErrorKind, Role};

const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "a brand new passphrase";

fn mail() -> PortalMail {
    PortalMail {
        base_url: "https://partners.example.org/".into(),
        enabled: true,
    }
}

fn create(conn: &mut AnyConnection, email: &str, roles: &[Role]) -> String {
    account::create(
        conn,
        &Actor::system(),
        &NewAccount {
            email: email.into(),
            display_name: "Test Person".into(),
            password: PASSWORD.into(),
            roles: roles.to_vec(),
        },
    )
    .expect("account")
    .id
}

fn sign_in(conn: &mut AnyConnection, email: &str, password: &str) -> Result<String, ErrorKind> {
    let client = ClientInfo {
        ip: Some("10.0.0.1".into()),
        user_agent: Some("Firefox".into()),
        request_id: None,
    };
    auth::login(
        conn,
        email,
        password,
        &client,
        &SessionPolicy::default(),
        &ThrottlePolicy::default(),
    )
    .result
    .map(|(token, _)| token)
    .map_err(|e| e.kind)
}

/// The tokens mailed so far, oldest first, read from the links in the queued mails.
fn mailed_tokens(conn: &mut AnyConnection, to: &str) -> Vec<String> {
    let bodies: Vec<String> = mail_queue::table
        .filter(mail_queue::recipient.eq(to))
        .order(mail_queue::created_at.asc())
        .select(mail_queue::body)
        .load(conn)
        .expect("mails");
    bodies
        .iter()
        .map(|b| {
            let at = b.find("reset-password?token=").expect("a link") + 21;
            b[at..]
                .split_whitespace()
                .next()
                .expect("token")
                .to_string()
        })
        .collect()
}

fn actions(conn: &mut AnyConnection) -> Vec<String> {
    audit_log::table
        .order(audit_log::id.asc())
        .select(audit_log::action)
        .load(conn)
        .expect("audit")
}

#[test]
fn a_reset_link_is_mailed_works_once_and_ends_every_session() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let id = create(conn, "ada@example.org", &[Role::AuthPartner]);
    let before = sign_in(conn, "ada@example.org", PASSWORD).expect("signed in");
    account::request_reset(conn, " Ada@Example.org ", Some("10.0.0.9"), &mail()).expect("asked");
    let tokens = mailed_tokens(conn, "ada@example.org");
    assert_eq!(tokens.len(), 1);
    // Only the hash is stored.
    let stored: Vec<String> = password_resets::table
        .select(password_resets::token_hash)
        .load(conn)
        .expect("rows");
    assert_eq!(stored, vec![session::hash_token(&tokens[0])]);
    assert!(account::token_usable(conn, &tokens[0]).expect("read"));

    let weak = account::complete_reset(conn, &tokens[0], "short", None).expect_err("weak");
    assert_eq!(weak.field.as_deref(), Some("new_password"));
    assert!(account::token_usable(conn, &tokens[0]).expect("still usable after a refusal"));

    account::complete_reset(conn, &tokens[0], NEW_PASSWORD, None).expect("reset");
    assert_eq!(session::count_for_account(conn, &id).expect("count"), 0);
    assert!(
        session::authenticate(conn, &before, &SessionPolicy::default())
            .expect("auth")
            .is_none()
    );
    assert_eq!(
        sign_in(conn, "ada@example.org", PASSWORD),
        Err(ErrorKind::Unauthenticated)
    );
    sign_in(conn, "ada@example.org", NEW_PASSWORD).expect("the new password works");

    let again = account::complete_reset(conn, &tokens[0], "another good passphrase", None)
        .expect_err("single use");
    assert_eq!(again.code, "PMS_RESET_TOKEN_INVALID");
    assert!(!account::token_usable(conn, &tokens[0]).expect("read"));
    let acts = actions(conn);
    assert!(acts.contains(&"PASSWORD_RESET_REQUESTED".to_string()));
    assert!(acts.contains(&"PASSWORD_RESET".to_string()));
}

#[test]
fn unknown_or_inactive_emails_get_the_same_answer_and_no_mail() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    account::request_reset(conn, "nobody@example.org", None, &mail()).expect("same answer");
    let count: i64 = mail_queue::table.count().get_result(conn).expect("count");
    assert_eq!(count, 0);
    let bad = account::request_reset(conn, "not an email", None, &mail()).expect_err("invalid");
    assert_eq!(bad.field.as_deref(), Some("email"));
    let off = PortalMail {
        enabled: false,
        ..mail()
    };
    let err = account::request_reset(conn, "nobody@example.org", None, &off).expect_err("off");
    assert_eq!(err.code, "PMS_RESET_UNAVAILABLE");
}

#[test]
fn reset_tokens_expire_and_cannot_be_guessed() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    create(conn, "bo@example.org", &[Role::AuthPartner]);
    let t0 = 1_900_000_000_000;
    domain::clock::pin(Some(t0));
    account::request_reset(conn, "bo@example.org", None, &mail()).expect("asked");
    let token = mailed_tokens(conn, "bo@example.org").remove(0);
    for guess in [
        "",
        "x",
        &token[..token.len() - 1],
        &"A".repeat(43),
        &"z".repeat(500),
    ] {
        let err = account::complete_reset(conn, guess, NEW_PASSWORD, None).expect_err("guess");
        assert_eq!(err.code, "PMS_RESET_TOKEN_INVALID");
    }
    domain::clock::pin(Some(t0 + account::RESET_TTL_MS + 1));
    let late = account::complete_reset(conn, &token, NEW_PASSWORD, None).expect_err("expired");
    assert_eq!(late.code, "PMS_RESET_TOKEN_INVALID");
    domain::clock::pin(None);
}

#[test]
fn resets_are_throttled_per_account_and_per_address() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    create(conn, "cy@example.org", &[Role::AuthPartner]);
    for _ in 0..5 {
        account::request_reset(conn, "cy@example.org", None, &mail()).expect("same answer");
    }
    let sent = mailed_tokens(conn, "cy@example.org").len() as i64;
    assert_eq!(sent, account::RESETS_PER_HOUR);
    // One address asking for many emails is stopped (and said so: it reveals no account).
    let mut refused = None;
    for i in 0..12 {
        if let Err(e) = account::request_reset(
            conn,
            &format!("p{i}@example.org"),
            Some("10.9.9.9"),
            &mail(),
        ) {
            refused = Some((i, e));
            break;
        }
    }
    let (at, err) = refused.expect("throttled");
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert_eq!(at, 10);
    account::request_reset(conn, "p0@example.org", Some("10.9.9.8"), &mail())
        .expect("another address is not affected");
}

#[test]
fn an_admin_forces_a_reset_and_the_cli_link_works() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let admin = create(conn, "admin@example.org", &[Role::PartnerAdmin]);
    let target = create(conn, "dee@example.org", &[Role::PolicyManager]);
    sign_in(conn, "dee@example.org", PASSWORD).expect("signed in");
    let actor = Actor::account(&admin, "admin@example.org");
    account::force_reset(conn, &actor, &target, &mail()).expect("forced");
    assert_eq!(session::count_for_account(conn, &target).expect("count"), 0);
    assert_eq!(
        sign_in(conn, "dee@example.org", PASSWORD),
        Err(ErrorKind::Unauthenticated),
        "the old password stops working at once"
    );
    let token = mailed_tokens(conn, "dee@example.org").remove(0);
    account::complete_reset(conn, &token, NEW_PASSWORD, None).expect("reset");
    sign_in(conn, "dee@example.org", NEW_PASSWORD).expect("signed in");
    let own = account::force_reset(conn, &actor, &admin, &mail()).expect_err("self");
    assert_eq!(own.code, "PMS_ACCOUNT_SELF");
    assert!(actions(conn).contains(&"PASSWORD_RESET_FORCED".to_string()));

    let link = account::reset_link(conn, "DEE@example.org", "http://127.0.0.1:3000").expect("link");
    let token = link
        .strip_prefix("http://127.0.0.1:3000/reset-password?token=")
        .expect("a link to the reset page");
    account::complete_reset(conn, token, "a third good passphrase", None).expect("reset");
    let missing = account::reset_link(conn, "x@example.org", "http://h").expect_err("none");
    assert_eq!(missing.kind, ErrorKind::NotFound);
}

#[test]
fn terms_are_accepted_once_per_version_before_use() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let admin = create(conn, "admin@example.org", &[Role::PartnerAdmin]);
    let partner = create(conn, "rp@example.org", &[Role::AuthPartner]);
    let user = |conn: &mut AnyConnection, id: &str| {
        account::load_user(conn, id).expect("load").expect("active")
    };
    assert_eq!(
        user(conn, &partner).terms_to_accept,
        None,
        "nothing published"
    );
    let actor = Actor::account(&admin, "admin@example.org");
    let short = account::publish_terms(conn, &actor, "  too short ").expect_err("short");
    assert_eq!(short.field.as_deref(), Some("body"));
    let v1 = account::publish_terms(
        conn,
        &actor,
        "You will keep your keys safe and tell us of any breach.",
    )
    .expect("published");
    assert_eq!(v1.version, 1);
    assert_eq!(
        user(conn, &admin).terms_to_accept,
        None,
        "the publisher accepted"
    );
    let rp = user(conn, &partner);
    assert_eq!(rp.terms_to_accept, Some(1));
    account::accept_terms(conn, &rp, 1, None).expect("accepted");
    account::accept_terms(conn, &rp, 1, None).expect("twice is harmless");
    assert_eq!(user(conn, &partner).terms_to_accept, None);
    let v2 = account::publish_terms(
        conn,
        &actor,
        "Version two: you will also rotate your keys yearly.",
    )
    .expect("published");
    assert_eq!(v2.version, 2);
    let rp = user(conn, &partner);
    assert_eq!(rp.terms_to_accept, Some(2));
    let stale = account::accept_terms(conn, &rp, 1, None).expect_err("old version");
    assert_eq!(stale.code, "PMS_TERMS_OUTDATED");
    let status = account::terms_status(conn, &partner).expect("status");
    assert_eq!(status.current.map(|t| t.version), Some(2));
    assert_eq!(status.accepted.map(|a| a.0), Some(1));
    let acts = actions(conn);
    assert_eq!(acts.iter().filter(|a| *a == "TERMS_ACCEPTED").count(), 1);
    assert_eq!(acts.iter().filter(|a| *a == "TERMS_PUBLISHED").count(), 2);
}

#[test]
fn an_account_lists_and_ends_its_own_sessions_only() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let a = create(conn, "a@example.org", &[Role::AuthPartner]);
    let b = create(conn, "b@example.org", &[Role::AuthPartner]);
    let first = sign_in(conn, "a@example.org", PASSWORD).expect("one");
    let second = sign_in(conn, "a@example.org", PASSWORD).expect("two");
    let theirs = sign_in(conn, "b@example.org", PASSWORD).expect("b");
    let policy = SessionPolicy::default();
    let here = session::hash_token(&second);
    let list = session::list_for_account(conn, &a, &here, &policy).expect("list");
    assert_eq!(list.len(), 2);
    assert_eq!(list.iter().filter(|s| s.current).count(), 1);
    assert_eq!(list[0].user_agent.as_deref(), Some("Firefox"));
    assert!(list
        .iter()
        .all(|s| !s.id.contains(&here) && s.id.len() == 20));
    let b_list = session::list_for_account(conn, &b, "", &policy).expect("b list");
    let actor = Actor::account(&a, "a@example.org");
    let other = session::end_own(conn, &actor, &a, &b_list[0].id).expect_err("not mine");
    assert_eq!(other.kind, ErrorKind::NotFound);
    assert!(session::authenticate(conn, &theirs, &policy)
        .expect("auth")
        .is_some());
    let old = list.iter().find(|s| !s.current).expect("the other one");
    session::end_own(conn, &actor, &a, &old.id).expect("ended");
    assert!(session::authenticate(conn, &first, &policy)
        .expect("auth")
        .is_none());
    assert!(session::authenticate(conn, &second, &policy)
        .expect("auth")
        .is_some());
    assert!(actions(conn).contains(&"SESSION_ENDED".to_string()));
}

#[test]
fn a_partners_reset_mail_is_in_its_organisations_language() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let input = domain::partner::PartnerInput {
        partner_id: "lumiere".into(),
        organisation: "Lumière SA".into(),
        partner_type: "Device_Provider".into(),
        email: "contact@lumiere.example".into(),
        phone: "+33 1 23 45 67 89".into(),
        address: "1 rue de la Paix, Paris".into(),
        language: "fra".into(),
        policy_group_id: None,
    };
    domain::partner::sign_up(conn, &input, PASSWORD, &PortalMail::off()).expect("sign up");
    account::request_reset(conn, "contact@lumiere.example", None, &mail()).expect("asked");
    create(conn, "ops@example.org", &[Role::PolicyManager]);
    account::request_reset(conn, "ops@example.org", None, &mail()).expect("asked");
    let subjects: Vec<(String, String)> = mail_queue::table
        .order(mail_queue::created_at.asc())
        .select((mail_queue::recipient, mail_queue::subject))
        .load(conn)
        .expect("mails");
    assert_eq!(
        subjects,
        [
            (
                "contact@lumiere.example".to_string(),
                "Réinitialisez votre mot de passe du portail des partenaires".to_string()
            ),
            (
                "ops@example.org".to_string(),
                "Reset your partner portal password".to_string()
            ),
        ]
    );
}
