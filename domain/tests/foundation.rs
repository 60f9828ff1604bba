//! Domain tests for accounts, sign-in, throttling, sessions, audit and outbox, on a real
//! database (SQLite by default, PostgreSQL when TEST_DATABASE_URL is set).

use diesel::prelude::*;
use domain::account::{self, AccountQuery, NewAccount};
use domain::audit::{self, Actor};
use domain::auth::{self, ClientInfo};
use domain::schema::{audit_log, login_throttle, outbox, sessions};
use domain::session::{self, SessionPolicy};
use domain::testing::TestDb;
use domain::throttle::ThrottlePolicy;
use domain::{ErrorKind, Role};

const PASSWORD: &str = "correct horse battery";

fn new_account(email: &str, roles: &[Role]) -> NewAccount {
    NewAccount {
        email: email.into(),
        display_name: "Test Person".into(),
        password: PASSWORD.into(),
        roles: roles.to_vec(),
    }
}

fn client(ip: &str) -> ClientInfo {
    ClientInfo {
        ip: Some(ip.into()),
        user_agent: Some("test".into()),
        request_id: None,
    }
}

fn login(
    conn: &mut domain::db::AnyConnection,
    email: &str,
    password: &str,
    ip: &str,
) -> auth::LoginOutcome {
    auth::login(
        conn,
        email,
        password,
        &client(ip),
        &SessionPolicy::default(),
        &ThrottlePolicy::default(),
    )
}

fn audit_actions(conn: &mut domain::db::AnyConnection) -> Vec<String> {
    audit_log::table
        .order(audit_log::id.asc())
        .select(audit_log::action)
        .load(conn)
        .expect("audit")
}

#[test]
fn create_account_normalises_validates_and_audits() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let view = account::create(
        &mut conn,
        &Actor::system(),
        &new_account(" Ana@Example.org ", &[Role::PolicyManager]),
    )
    .expect("created");
    assert_eq!(view.email, "ana@example.org");
    assert_eq!(view.roles, vec![Role::PolicyManager]);
    assert!(view.active);

    let dup = account::create(
        &mut conn,
        &Actor::system(),
        &new_account("ANA@example.org", &[Role::PartnerAdmin]),
    )
    .expect_err("duplicate");
    assert_eq!(dup.kind, ErrorKind::Conflict);
    assert_eq!(dup.field.as_deref(), Some("email"));

    let short = account::create(
        &mut conn,
        &Actor::system(),
        &NewAccount {
            password: "short".into(),
            ..new_account("b@example.org", &[Role::PolicyManager])
        },
    )
    .expect_err("short password");
    assert_eq!(short.field.as_deref(), Some("password"));

    let no_roles = account::create(
        &mut conn,
        &Actor::system(),
        &new_account("c@example.org", &[]),
    )
    .expect_err("no roles");
    assert_eq!(no_roles.field.as_deref(), Some("roles"));

    // Nothing of the refused attempts was written.
    assert_eq!(audit_actions(&mut conn), vec!["ACCOUNT_CREATED"]);
    let stored: i64 = domain::schema::accounts::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(stored, 1);
    // The hash is argon2id, never the password.
    let row = account::find_by_email(&mut conn, "ana@example.org")
        .expect("q")
        .expect("row");
    assert!(row.password_hash.starts_with("$argon2id$"));
    assert!(!row.password_hash.contains(PASSWORD));
}

#[test]
fn operator_creation_refuses_partner_roles() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let err = account::create_operator(
        &mut conn,
        &Actor::system(),
        &new_account("p@example.org", &[Role::AuthPartner]),
    )
    .expect_err("partner role");
    assert_eq!(err.code, "PMS_ROLE_NOT_OPERATOR");
    assert!(account::find_by_email(&mut conn, "p@example.org")
        .expect("q")
        .is_none());
}

#[test]
fn first_admin_can_be_created_once() {
    let db = TestDb::new();
    let mut conn = db.conn();
    assert!(!account::admin_exists(&mut conn).expect("q"));
    account::create_first_admin(&mut conn, "root@example.org", "Root", PASSWORD).expect("first");
    assert!(account::admin_exists(&mut conn).expect("q"));
    let again = account::create_first_admin(&mut conn, "other@example.org", "Other", PASSWORD)
        .expect_err("second");
    assert_eq!(again.code, "PMS_SETUP_DONE");
    assert!(account::find_by_email(&mut conn, "other@example.org")
        .expect("q")
        .is_none());
}

#[test]
fn login_succeeds_and_failures_never_reveal_whether_the_email_exists() {
    let db = TestDb::new();
    let mut conn = db.conn();
    account::create(
        &mut conn,
        &Actor::system(),
        &new_account("ana@example.org", &[Role::PartnerAdmin]),
    )
    .expect("created");

    let ok = login(&mut conn, "ANA@example.org", PASSWORD, "10.0.0.1");
    let (token, user) = ok.result.expect("login");
    assert_eq!(user.roles, vec![Role::PartnerAdmin]);
    let found = session::authenticate(&mut conn, &token, &SessionPolicy::default())
        .expect("q")
        .expect("session");
    assert_eq!(found.user.email, "ana@example.org");
    // Only the hash of the token is stored.
    let stored: Vec<String> = sessions::table
        .select(sessions::token_hash)
        .load(&mut conn)
        .expect("q");
    assert_eq!(stored, vec![session::hash_token(&token)]);
    assert!(!stored.contains(&token));

    let wrong = login(&mut conn, "ana@example.org", "wrong password!!", "10.0.0.1")
        .result
        .expect_err("wrong");
    let unknown = login(&mut conn, "nobody@example.org", PASSWORD, "10.0.0.1")
        .result
        .expect_err("unknown");
    assert_eq!(wrong.message, unknown.message);
    assert_eq!(wrong.code, "PMS_AUTH_INVALID_CREDENTIALS");
    assert_eq!(unknown.code, wrong.code);
    assert_eq!(wrong.kind, ErrorKind::Unauthenticated);

    let empty = login(&mut conn, "", "", "10.0.0.1")
        .result
        .expect_err("empty");
    assert_eq!(empty.code, "PMS_AUTH_INVALID_CREDENTIALS");
    assert_eq!(
        audit_actions(&mut conn),
        vec!["ACCOUNT_CREATED", "LOGIN", "LOGIN_FAILED", "LOGIN_FAILED"]
    );
}

#[test]
fn repeated_failures_slow_down_then_lock_the_account_even_for_the_right_password() {
    let db = TestDb::new();
    let mut conn = db.conn();
    account::create(
        &mut conn,
        &Actor::system(),
        &new_account("ana@example.org", &[Role::PolicyManager]),
    )
    .expect("created");
    let policy = ThrottlePolicy::default();
    let mut delays = vec![];
    for _ in 0..policy.account_max_failures - 1 {
        let outcome = login(&mut conn, "ana@example.org", "wrong password!!", "10.0.0.2");
        assert_eq!(
            outcome.result.expect_err("wrong").code,
            "PMS_AUTH_INVALID_CREDENTIALS"
        );
        delays.push(outcome.delay_ms);
    }
    assert_eq!(delays[0], 0, "first failures are not slowed");
    assert!(
        delays[delays.len() - 1] > 0,
        "later failures are slowed: {delays:?}"
    );

    let locking = login(&mut conn, "ana@example.org", "wrong password!!", "10.0.0.2");
    assert_eq!(locking.result.expect_err("locks").code, "PMS_AUTH_LOCKED");
    let locked = login(&mut conn, "ana@example.org", PASSWORD, "10.0.0.3");
    let err = locked.result.expect_err("still locked");
    assert_eq!(err.kind, ErrorKind::RateLimited);
    assert!(err.message.contains("minute"), "{}", err.message);

    // An unknown email locks just the same, so the lock says nothing about existence.
    for _ in 0..policy.account_max_failures {
        let _ = login(
            &mut conn,
            "ghost@example.org",
            "wrong password!!",
            "10.0.0.4",
        );
    }
    assert_eq!(
        login(&mut conn, "ghost@example.org", "x", "10.0.0.5")
            .result
            .expect_err("locked")
            .code,
        "PMS_AUTH_LOCKED"
    );

    // When the lock lapses, the right password works and resets the counter.
    diesel::update(login_throttle::table)
        .set(login_throttle::locked_until.eq(0i64))
        .execute(&mut conn)
        .expect("unlock");
    login(&mut conn, "ana@example.org", PASSWORD, "10.0.0.3")
        .result
        .expect("login after lock");
    let left: i64 = login_throttle::table
        .filter(login_throttle::key.eq("acct:ana@example.org"))
        .count()
        .get_result(&mut conn)
        .expect("q");
    assert_eq!(left, 0);
}

#[test]
fn one_address_trying_many_accounts_is_locked() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let policy = ThrottlePolicy::default();
    for i in 0..policy.address_max_failures {
        let _ = login(
            &mut conn,
            &format!("user{i}@example.org"),
            "wrong password!!",
            "10.9.9.9",
        );
    }
    let err = login(&mut conn, "fresh@example.org", "whatever", "10.9.9.9")
        .result
        .expect_err("address locked");
    assert_eq!(err.code, "PMS_AUTH_LOCKED");
    // Another address is not affected.
    let other = login(&mut conn, "fresh@example.org", "whatever", "10.9.9.8")
        .result
        .expect_err("wrong");
    assert_eq!(other.code, "PMS_AUTH_INVALID_CREDENTIALS");
}

#[test]
fn deactivated_accounts_cannot_sign_in_and_lose_their_sessions() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let admin = account::create(
        &mut conn,
        &Actor::system(),
        &new_account("admin@example.org", &[Role::PartnerAdmin]),
    )
    .expect("a");
    let pm = account::create(
        &mut conn,
        &Actor::system(),
        &new_account("pm@example.org", &[Role::PolicyManager]),
    )
    .expect("b");
    let (token, _) = login(&mut conn, "pm@example.org", PASSWORD, "10.0.0.1")
        .result
        .expect("login");
    let actor = Actor::account(&admin.id, &admin.email);

    let self_err = account::deactivate_account(&mut conn, &actor, &admin.id).expect_err("self");
    assert_eq!(self_err.code, "PMS_ACCOUNT_SELF");

    // Resolved once, so the deactivation must also drop the process's resolved session.
    assert!(
        session::authenticate(&mut conn, &token, &SessionPolicy::default())
            .expect("q")
            .is_some()
    );
    let done = account::deactivate_account(&mut conn, &actor, &pm.id).expect("deactivate");
    assert!(!done.active);
    assert!(
        session::authenticate(&mut conn, &token, &SessionPolicy::default())
            .expect("q")
            .is_none()
    );
    assert_eq!(session::count_for_account(&mut conn, &pm.id).expect("q"), 0);
    let err = login(&mut conn, "pm@example.org", PASSWORD, "10.0.0.1")
        .result
        .expect_err("inactive");
    assert_eq!(err.code, "PMS_AUTH_ACCOUNT_INACTIVE");
    let twice = account::deactivate_account(&mut conn, &actor, &pm.id).expect_err("twice");
    assert_eq!(twice.code, "PMS_ACCOUNT_INACTIVE");

    account::reactivate_account(&mut conn, &actor, &pm.id).expect("reactivate");
    login(&mut conn, "pm@example.org", PASSWORD, "10.0.0.1")
        .result
        .expect("login again");

    let trail = audit::for_entity(&mut conn, "account", &pm.id, 50).expect("audit");
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"ACCOUNT_DEACTIVATED") && actions.contains(&"ACCOUNT_REACTIVATED"),
        "{actions:?}"
    );
    let deact = trail
        .iter()
        .find(|e| e.action == "ACCOUNT_DEACTIVATED")
        .expect("row");
    assert_eq!(deact.actor_id.as_deref(), Some(admin.id.as_str()));

    // Partner accounts are locked and unlocked the same way; an unknown id is not found.
    let partner = account::create(
        &mut conn,
        &Actor::system(),
        &new_account("rp@example.org", &[Role::AuthPartner]),
    )
    .expect("p");
    let locked = account::deactivate_account(&mut conn, &actor, &partner.id).expect("lock");
    assert!(!locked.active);
    let refused = login(&mut conn, "rp@example.org", PASSWORD, "10.0.0.7");
    assert_eq!(
        refused.result.expect_err("locked").code,
        "PMS_AUTH_ACCOUNT_INACTIVE"
    );
    account::reactivate_account(&mut conn, &actor, &partner.id).expect("unlock");
    assert!(login(&mut conn, "rp@example.org", PASSWORD, "10.0.0.7")
        .result
        .is_ok());
    let err = account::deactivate_account(&mut conn, &actor, "nobody").expect_err("unknown");
    assert_eq!(err.kind, ErrorKind::NotFound);
}

#[test]
fn sessions_end_when_idle_or_past_their_absolute_expiry_and_on_logout() {
    let db = TestDb::new();
    let mut conn = db.conn();
    account::create(
        &mut conn,
        &Actor::system(),
        &new_account("ana@example.org", &[Role::PolicyManager]),
    )
    .expect("a");
    let policy = SessionPolicy::default();

    let (idle, _) = login(&mut conn, "ana@example.org", PASSWORD, "1.1.1.1")
        .result
        .expect("login");
    diesel::update(sessions::table.find(session::hash_token(&idle)))
        .set(sessions::last_seen_at.eq(domain::clock::now_ms() - policy.idle_ms - 1))
        .execute(&mut conn)
        .expect("age");
    assert!(session::authenticate(&mut conn, &idle, &policy)
        .expect("q")
        .is_none());

    let (old, _) = login(&mut conn, "ana@example.org", PASSWORD, "1.1.1.1")
        .result
        .expect("login");
    diesel::update(sessions::table.find(session::hash_token(&old)))
        .set(sessions::expires_at.eq(domain::clock::now_ms() - 1))
        .execute(&mut conn)
        .expect("expire");
    assert!(session::authenticate(&mut conn, &old, &policy)
        .expect("q")
        .is_none());

    let (live, _) = login(&mut conn, "ana@example.org", PASSWORD, "1.1.1.1")
        .result
        .expect("login");
    let s = session::authenticate(&mut conn, &live, &policy)
        .expect("q")
        .expect("live");
    auth::logout(&mut conn, &s, None).expect("logout");
    assert!(session::authenticate(&mut conn, &live, &policy)
        .expect("q")
        .is_none());
    assert!(session::authenticate(&mut conn, "not-a-token", &policy)
        .expect("q")
        .is_none());
    // Expired rows were removed as they were found.
    let left: i64 = sessions::table.count().get_result(&mut conn).expect("q");
    assert_eq!(left, 0);
}

#[test]
fn changing_the_password_checks_the_old_one_and_ends_other_sessions() {
    let db = TestDb::new();
    let mut conn = db.conn();
    account::create(
        &mut conn,
        &Actor::system(),
        &new_account("ana@example.org", &[Role::PolicyManager]),
    )
    .expect("a");
    let policy = SessionPolicy::default();
    let (mine, user) = login(&mut conn, "ana@example.org", PASSWORD, "1.1.1.1")
        .result
        .expect("login");
    let (other, _) = login(&mut conn, "ana@example.org", PASSWORD, "1.1.1.2")
        .result
        .expect("login");
    let keep = session::hash_token(&mine);
    assert!(session::authenticate(&mut conn, &other, &policy)
        .expect("q")
        .is_some());

    let err = account::change_password(
        &mut conn,
        &user,
        Some(&keep),
        "nope nope nope",
        "a brand new secret",
        None,
    )
    .expect_err("wrong current");
    assert_eq!(err.field.as_deref(), Some("current_password"));
    let err = account::change_password(
        &mut conn,
        &user,
        Some(&keep),
        PASSWORD,
        "ana@example.org!",
        None,
    )
    .expect_err("contains email");
    assert_eq!(err.code, "PMS_PASSWORD_CONTAINS_EMAIL");

    account::change_password(
        &mut conn,
        &user,
        Some(&keep),
        PASSWORD,
        "a brand new secret",
        None,
    )
    .expect("changed");
    assert!(session::authenticate(&mut conn, &mine, &policy)
        .expect("q")
        .is_some());
    assert!(session::authenticate(&mut conn, &other, &policy)
        .expect("q")
        .is_none());
    assert!(login(&mut conn, "ana@example.org", PASSWORD, "1.1.1.1")
        .result
        .is_err());
    login(
        &mut conn,
        "ana@example.org",
        "a brand new secret",
        "1.1.1.1",
    )
    .result
    .expect("new password");
}

#[test]
fn the_account_list_pages_filters_and_sorts_on_the_server() {
    let db = TestDb::new();
    let mut conn = db.conn();
    for i in 0..25 {
        let role = if i % 2 == 0 {
            Role::PolicyManager
        } else {
            Role::PartnerAdmin
        };
        account::create(
            &mut conn,
            &Actor::system(),
            &new_account(&format!("op{i:02}@example.org"), &[role]),
        )
        .expect("op");
    }
    account::create(
        &mut conn,
        &Actor::system(),
        &new_account("partner@example.org", &[Role::AuthPartner]),
    )
    .expect("p");

    let first = account::list_accounts(
        &mut conn,
        &AccountQuery {
            page_size: Some(10),
            sort: Some("email".into()),
            ..Default::default()
        },
    )
    .expect("list");
    assert_eq!(first.total, 26, "operators and partners");
    assert_eq!(first.items.len(), 10);
    assert_eq!(first.items[0].email, "op00@example.org");
    assert_eq!(first.page_count(), 3);
    let last = account::list_accounts(
        &mut conn,
        &AccountQuery {
            page: Some(3),
            page_size: Some(10),
            sort: Some("email".into()),
            ..Default::default()
        },
    )
    .expect("list");
    assert_eq!(last.items.len(), 6);
    assert_eq!(last.items[4].email, "op24@example.org");
    assert_eq!(last.items[5].email, "partner@example.org");

    let pms = account::list_accounts(
        &mut conn,
        &AccountQuery {
            role: Some(Role::PolicyManager),
            ..Default::default()
        },
    )
    .expect("list");
    assert_eq!(pms.total, 13);
    assert!(pms
        .items
        .iter()
        .all(|a| a.roles == vec![Role::PolicyManager]));

    let text = account::list_accounts(
        &mut conn,
        &AccountQuery {
            q: Some("OP1".into()),
            sort: Some("-email".into()),
            ..Default::default()
        },
    )
    .expect("list");
    assert_eq!(text.total, 10);
    assert_eq!(text.items[0].email, "op19@example.org");

    let none = account::list_accounts(
        &mut conn,
        &AccountQuery {
            role: Some(Role::AuthPartner),
            ..Default::default()
        },
    )
    .expect("list");
    assert_eq!(none.total, 1);
    assert_eq!(none.items[0].roles, vec![Role::AuthPartner]);
}

#[test]
fn outbox_events_carry_the_reference_envelope_and_are_delivered_in_order() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let first = domain::outbox::enqueue(
        &mut conn,
        "PARTNER_UPDATED",
        serde_json::json!({"partnerId": "p1"}),
    )
    .expect("e1");
    domain::outbox::enqueue(
        &mut conn,
        "POLICY_UPDATED",
        serde_json::json!({"policyId": "x"}),
    )
    .expect("e2");
    let pending = domain::outbox::pending(&mut conn, 10).expect("pending");
    assert_eq!(pending.len(), 2);
    assert_eq!(pending[0].event_id, first);
    let body: serde_json::Value = serde_json::from_str(&pending[0].payload).expect("json");
    assert_eq!(body["topic"], "PARTNER_UPDATED");
    assert_eq!(body["event"]["type"], "PARTNER_UPDATED");
    assert_eq!(body["event"]["data"]["partnerId"], "p1");
    assert_eq!(body["event"]["id"], first.as_str());
    domain::outbox::mark_delivered(&mut conn, pending[0].id).expect("mark");
    let left: i64 = outbox::table
        .filter(outbox::delivered_at.is_null())
        .count()
        .get_result(&mut conn)
        .expect("q");
    assert_eq!(left, 1);
}

#[test]
fn a_failed_transaction_leaves_neither_change_nor_audit_nor_event() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let result: Result<(), domain::AppError> = conn.transaction(|conn| {
        audit::record(
            conn,
            &Actor::system(),
            "SOMETHING",
            "thing",
            "1",
            serde_json::json!({}),
        )?;
        domain::outbox::enqueue(conn, "PARTNER_UPDATED", serde_json::json!({}))?;
        Err(domain::AppError::validation("x", "PMS_TEST", "refused"))
    });
    assert!(result.is_err());
    assert!(audit_actions(&mut conn).is_empty());
    assert!(domain::outbox::pending(&mut conn, 10)
        .expect("q")
        .is_empty());
    let _ = db.backend();
}

#[test]
fn a_resolved_session_is_reused_briefly_and_revocation_here_is_immediate() {
    let db = TestDb::new();
    let mut conn = db.conn();
    account::create(
        &mut conn,
        &Actor::system(),
        &new_account("ana@example.org", &[Role::PolicyManager]),
    )
    .expect("a");
    let policy = SessionPolicy::default();
    let (token, _) = login(&mut conn, "ana@example.org", PASSWORD, "1.1.1.1")
        .result
        .expect("login");
    let start = domain::clock::now_ms();
    domain::clock::pin(Some(start));
    let s = session::authenticate(&mut conn, &token, &policy)
        .expect("q")
        .expect("live");
    // Another process ends it in the database: this process notices within two seconds.
    diesel::delete(sessions::table.find(&s.token_hash))
        .execute(&mut conn)
        .expect("end elsewhere");
    domain::clock::pin(Some(start + 1_000));
    assert!(session::authenticate(&mut conn, &token, &policy)
        .expect("q")
        .is_some());
    domain::clock::pin(Some(start + 2_100));
    assert!(session::authenticate(&mut conn, &token, &policy)
        .expect("q")
        .is_none());

    // Ended on this process (sign-out): at once, even within the two seconds.
    domain::clock::pin(None);
    let (token, _) = login(&mut conn, "ana@example.org", PASSWORD, "1.1.1.1")
        .result
        .expect("login");
    let s = session::authenticate(&mut conn, &token, &policy)
        .expect("q")
        .expect("live");
    auth::logout(&mut conn, &s, None).expect("logout");
    assert!(session::authenticate(&mut conn, &token, &policy)
        .expect("q")
        .is_none());
}
