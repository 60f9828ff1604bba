//! Domain tests for two-factor sign-in on a real database (SQLite by default, PostgreSQL when
//! TEST_DATABASE_URL is set): set-up, the code step of a sign-in, single use of codes and
//! recovery codes, throttling, turning off and an admin's reset.

use diesel::prelude::*;
use domain::account::{self, CurrentUser, NewAccount};
use domain::audit::Actor;
use domain::auth::{self, ClientInfo, LoginOutcome};
use domain::cert::seal::MasterKey;
use domain::clock;
use domain::db::AnyConnection;
use domain::schema::{audit_log, sessions, two_factors};
use domain::session::SessionPolicy;
use domain::testing::TestDb;
use domain::throttle::ThrottlePolicy;
use domain::Role;

const PASSWORD: &str = "correct horse battery";
/// A fixed time (a step boundary plus 5 s) so codes are known and steps can be walked.
const T0: i64 = 1_800_000_000_000 + 5_000;

fn key() -> MasterKey {
    MasterKey::from_base64(&MasterKey::generate_base64().expect("key")).expect("key")
}

fn create(conn: &mut AnyConnection, email: &str, roles: &[Role]) -> CurrentUser {
    let id = account::create(
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
    .id;
    account::load_user(conn, &id).expect("load").expect("user")
}

fn client() -> ClientInfo {
    ClientInfo {
        ip: Some("10.0.0.9".into()),
        user_agent: Some("Firefox".into()),
        request_id: None,
    }
}

fn login(conn: &mut AnyConnection, email: &str) -> LoginOutcome {
    auth::login(
        conn,
        email,
        PASSWORD,
        &client(),
        &SessionPolicy::default(),
        &ThrottlePolicy::default(),
    )
}

fn verify(conn: &mut AnyConnection, key: &MasterKey, challenge: &str, code: &str) -> LoginOutcome {
    auth::verify_second_factor(
        conn,
        key,
        challenge,
        code,
        &client(),
        &SessionPolicy::default(),
        &ThrottlePolicy::default(),
    )
}

/// The code the account's app shows at `ms`.
fn code(secret: &str, ms: i64) -> String {
    account::code_at(secret, (ms / 1000) as u64).expect("code")
}

/// Set up and confirm a factor at T0; returns the secret and the recovery codes.
fn enrol(conn: &mut AnyConnection, key: &MasterKey, user: &CurrentUser) -> (String, Vec<String>) {
    clock::pin(Some(T0));
    let actor = Actor::account(&user.id, &user.email);
    let enrolment = account::begin_two_factor(conn, key, &actor, user).expect("begin");
    assert!(
        enrolment.qr_svg.starts_with("<svg"),
        "{}",
        &enrolment.qr_svg[..40]
    );
    assert!(
        enrolment.uri.starts_with("otpauth://totp/"),
        "{}",
        enrolment.uri
    );
    let codes = account::confirm_two_factor(conn, key, &actor, user, &code(&enrolment.secret, T0))
        .expect("confirm");
    (enrolment.secret, codes)
}

fn session_count(conn: &mut AnyConnection, account_id: &str) -> i64 {
    sessions::table
        .filter(sessions::account_id.eq(account_id))
        .count()
        .get_result(conn)
        .expect("count")
}

fn audited(conn: &mut AnyConnection, action: &str) -> i64 {
    audit_log::table
        .filter(audit_log::action.eq(action))
        .count()
        .get_result(conn)
        .expect("count")
}

#[test]
fn set_up_needs_a_right_code_and_gives_ten_single_use_recovery_codes() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let key = key();
    let user = create(conn, "ana@example.org", &[Role::PolicyManager]);
    let actor = Actor::account(&user.id, &user.email);
    clock::pin(Some(T0));
    // Confirming before starting, or with a wrong code, changes nothing.
    let err = account::confirm_two_factor(conn, &key, &actor, &user, "123456").expect_err("none");
    assert_eq!(err.code, "PMS_2FA_NOT_STARTED");
    let enrolment = account::begin_two_factor(conn, &key, &actor, &user).expect("begin");
    // The secret is sealed at rest: the stored bytes do not contain it.
    let sealed: Vec<u8> = two_factors::table
        .find(&user.id)
        .select(two_factors::secret_sealed)
        .first(conn)
        .expect("row");
    assert!(sealed.len() > 20);
    let wrong = if code(&enrolment.secret, T0) == "000000" {
        "111111"
    } else {
        "000000"
    };
    for bad in [wrong, "12345", "abcdef", ""] {
        let err = account::confirm_two_factor(conn, &key, &actor, &user, bad).expect_err(bad);
        assert_eq!(err.code, "PMS_2FA_CODE_INVALID");
        assert_eq!(err.field.as_deref(), Some("code"));
    }
    assert!(!account::two_factor_on(conn, &user.id).expect("on"));
    let codes =
        account::confirm_two_factor(conn, &key, &actor, &user, &code(&enrolment.secret, T0))
            .expect("confirm");
    assert_eq!(codes.len(), 10);
    assert!(codes
        .iter()
        .all(|c| c.len() == 19 && c.matches('-').count() == 3));
    assert!(account::two_factor_on(conn, &user.id).expect("on"));
    assert!(
        account::load_user(conn, &user.id)
            .expect("load")
            .expect("user")
            .two_factor
    );
    // A second set-up is refused while one is on.
    let err = account::begin_two_factor(conn, &key, &actor, &user).expect_err("on");
    assert_eq!(err.code, "PMS_2FA_ALREADY_ON");
    assert_eq!(audited(conn, "TWO_FACTOR_ENABLED"), 1);
    clock::pin(None);
}

#[test]
fn sign_in_asks_for_a_code_which_works_once() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let key = key();
    let user = create(conn, "ana@example.org", &[Role::PartnerAdmin]);
    let (secret, _) = enrol(conn, &key, &user);
    // Password right: no session yet, a challenge instead.
    clock::pin(Some(T0 + 30_000));
    let first = login(conn, "ana@example.org");
    assert_eq!(
        first.result.as_ref().expect_err("pending").code,
        "PMS_AUTH_SECOND_FACTOR"
    );
    let challenge = first.challenge.expect("challenge");
    assert_eq!(session_count(conn, &user.id), 0);
    // The code used to confirm the set-up (step of T0) is not accepted again.
    let reused = verify(conn, &key, &challenge, &code(&secret, T0));
    assert_eq!(
        reused.result.expect_err("reused").code,
        "PMS_2FA_CODE_INVALID"
    );
    // The current code signs in, once.
    let now_code = code(&secret, T0 + 30_000);
    let ok = verify(conn, &key, &challenge, &now_code);
    let (token, signed_in) = ok.result.expect("signed in");
    assert!(!token.is_empty());
    assert_eq!(signed_in.id, user.id);
    assert_eq!(session_count(conn, &user.id), 1);
    // The challenge is spent, and the same code fails on a new challenge too.
    let again = verify(conn, &key, &challenge, &now_code);
    assert_eq!(
        again.result.expect_err("spent").code,
        "PMS_2FA_CHALLENGE_EXPIRED"
    );
    let second = login(conn, "ana@example.org").challenge.expect("challenge");
    let replay = verify(conn, &key, &second, &now_code);
    assert_eq!(
        replay.result.expect_err("replay").code,
        "PMS_2FA_CODE_INVALID"
    );
    // A code from one step of drift still works; one from far away does not.
    let drift = verify(conn, &key, &second, &code(&secret, T0 + 60_000));
    assert!(drift.result.is_ok());
    let third = login(conn, "ana@example.org").challenge.expect("challenge");
    let far = verify(conn, &key, &third, &code(&secret, T0 + 10 * 60_000));
    assert_eq!(far.result.expect_err("far").code, "PMS_2FA_CODE_INVALID");
    clock::pin(None);
}

#[test]
fn challenges_expire_and_are_spent_after_five_wrong_codes() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let key = key();
    let user = create(conn, "ana@example.org", &[Role::PartnerAdmin]);
    let (secret, _) = enrol(conn, &key, &user);
    clock::pin(Some(T0 + 30_000));
    let challenge = login(conn, "ana@example.org").challenge.expect("challenge");
    for _ in 0..4 {
        let bad = verify(conn, &key, &challenge, "000000x");
        assert_eq!(bad.result.expect_err("bad").code, "PMS_2FA_CODE_INVALID");
    }
    // Five wrong codes also lock the account's sign-in, like five wrong passwords.
    let fifth = verify(conn, &key, &challenge, "000000x");
    assert_eq!(fifth.result.expect_err("locked").code, "PMS_AUTH_LOCKED");
    let right = verify(conn, &key, &challenge, &code(&secret, T0 + 30_000));
    assert_eq!(
        right.result.expect_err("spent").code,
        "PMS_2FA_CHALLENGE_EXPIRED"
    );
    assert_eq!(session_count(conn, &user.id), 0);
    // A fresh challenge left unused past five minutes is gone.
    clock::pin(Some(T0 + 20 * 60_000));
    domain::throttle::reset(conn, &domain::throttle::account_key("ana@example.org"))
        .expect("unlock");
    let late = login(conn, "ana@example.org").challenge.expect("challenge");
    clock::pin(Some(T0 + 26 * 60_000));
    let expired = verify(conn, &key, &late, &code(&secret, T0 + 26 * 60_000));
    assert_eq!(
        expired.result.expect_err("expired").code,
        "PMS_2FA_CHALLENGE_EXPIRED"
    );
    // Unknown, empty and oversized challenges say the same.
    for bogus in ["", "nope", &"x".repeat(500)] {
        let r = verify(conn, &key, bogus, "123456");
        assert_eq!(
            r.result.expect_err("bogus").code,
            "PMS_2FA_CHALLENGE_EXPIRED"
        );
    }
    clock::pin(None);
}

#[test]
fn a_recovery_code_signs_in_once_and_new_codes_replace_old_ones() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let key = key();
    let user = create(conn, "ana@example.org", &[Role::AuthPartner]);
    let (secret, codes) = enrol(conn, &key, &user);
    clock::pin(Some(T0 + 30_000));
    let challenge = login(conn, "ana@example.org").challenge.expect("challenge");
    // Typed in capitals without dashes still matches.
    let typed = codes[0].replace('-', "").to_uppercase();
    assert!(verify(conn, &key, &challenge, &typed).result.is_ok());
    let again = login(conn, "ana@example.org").challenge.expect("challenge");
    let spent = verify(conn, &key, &again, &codes[0]);
    assert_eq!(
        spent.result.expect_err("spent").code,
        "PMS_2FA_CODE_INVALID"
    );
    let status = account::two_factor_status(conn, &user, false).expect("status");
    assert!(status.enabled);
    assert_eq!(status.recovery_codes_left, 9);
    // New codes need a current app code; the old ones stop working.
    let actor = Actor::account(&user.id, &user.email);
    let err = account::renew_recovery_codes(conn, &key, &actor, &user, "12").expect_err("bad");
    assert_eq!(err.code, "PMS_2FA_CODE_INVALID");
    let fresh =
        account::renew_recovery_codes(conn, &key, &actor, &user, &code(&secret, T0 + 30_000))
            .expect("renew");
    assert_eq!(fresh.len(), 10);
    let old = verify(conn, &key, &again, &codes[1]);
    assert_eq!(old.result.expect_err("old").code, "PMS_2FA_CODE_INVALID");
    assert!(verify(conn, &key, &again, &fresh[3]).result.is_ok());
    clock::pin(None);
}

#[test]
fn turning_off_needs_the_password_and_is_refused_where_required() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let key = key();
    let user = create(conn, "ana@example.org", &[Role::AuthPartner]);
    enrol(conn, &key, &user);
    clock::pin(None);
    let actor = Actor::account(&user.id, &user.email);
    let err =
        account::disable_two_factor(conn, &actor, &user, PASSWORD, true).expect_err("required");
    assert_eq!(err.code, "PMS_2FA_REQUIRED");
    let err = account::disable_two_factor(conn, &actor, &user, "wrong password!!", false)
        .expect_err("password");
    assert_eq!(err.field.as_deref(), Some("password"));
    assert!(account::two_factor_on(conn, &user.id).expect("on"));
    account::disable_two_factor(conn, &actor, &user, PASSWORD, false).expect("off");
    assert!(!account::two_factor_on(conn, &user.id).expect("on"));
    // Sign-in is back to the password alone.
    assert!(login(conn, "ana@example.org").result.is_ok());
    assert_eq!(audited(conn, "TWO_FACTOR_DISABLED"), 1);
}

#[test]
fn an_admin_resets_a_lost_factor_and_the_sessions_end() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let key = key();
    let admin = create(conn, "admin@example.org", &[Role::PartnerAdmin]);
    let user = create(conn, "ana@example.org", &[Role::PolicyManager]);
    let (secret, _) = enrol(conn, &key, &user);
    clock::pin(Some(T0 + 30_000));
    let challenge = login(conn, "ana@example.org").challenge.expect("challenge");
    verify(conn, &key, &challenge, &code(&secret, T0 + 30_000))
        .result
        .expect("in");
    clock::pin(None);
    let admin_actor = Actor::account(&admin.id, &admin.email);
    // Not one's own, not an unknown account.
    let own = account::reset_two_factor(conn, &admin_actor, &admin.id).expect_err("self");
    assert_eq!(own.code, "PMS_ACCOUNT_SELF");
    let unknown = account::reset_two_factor(conn, &admin_actor, "nobody").expect_err("unknown");
    assert_eq!(unknown.kind, domain::ErrorKind::NotFound);
    account::reset_two_factor(conn, &admin_actor, &user.id).expect("reset");
    assert!(!account::two_factor_on(conn, &user.id).expect("on"));
    assert_eq!(session_count(conn, &user.id), 0);
    assert_eq!(audited(conn, "TWO_FACTOR_RESET"), 1);
    let err = account::reset_two_factor(conn, &admin_actor, &user.id).expect_err("again");
    assert_eq!(err.code, "PMS_2FA_NOT_ON");
    // The MOSIP password sign-in refuses an account with a second factor.
    let (_, _) = enrol(conn, &key, &user);
    clock::pin(None);
    let principal =
        domain::idp::users::sign_in(conn, "ana@example.org", PASSWORD).expect("sign in");
    assert!(principal.is_none());
}
