//! Single sign-on: the ID token checks, the flow's state and which account a verified
//! identity signs in as, on a real database (SQLite by default, PostgreSQL when
//! TEST_DATABASE_URL is set). Every refusal is checked to change nothing.

use diesel::prelude::*;
use domain::account::{self, NewAccount};
use domain::audit::Actor;
use domain::auth::{self, ClientInfo};
use domain::db::AnyConnection;
use domain::schema::{account_roles, accounts, audit_log, sessions, sso_links, sso_states};
use domain::session::SessionPolicy;
use domain::sso::testkeys::{self, TestKey};
use domain::sso::token::{self, Expected, JwkSet, Rejected};
use domain::sso::{flow, sign_in, Identity, Refusal, SignedIn, SsoPolicy};
use domain::testing::TestDb;
use domain::throttle::ThrottlePolicy;
use domain::Role;
use serde_json::{json, Value};

const ISSUER: &str = "https://id.example.org/realms/mosip";
const CLIENT: &str = "pms";
const NONCE: &str = "n-0S6_WzA2Mj";
const PASSWORD: &str = "correct horse battery";

fn expected() -> Expected<'static> {
    Expected {
        issuer: ISSUER,
        client_id: CLIENT,
        nonce: NONCE,
    }
}

fn keyset(keys: &[&TestKey]) -> JwkSet {
    serde_json::from_value(testkeys::jwks(keys)).expect("jwks")
}

fn claims(email: &str) -> Value {
    testkeys::claims(ISSUER, CLIENT, NONCE, email)
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn refusal(token: &str, keys: &JwkSet) -> Rejected {
    token::verify(token, keys, expected()).expect_err("refused")
}

#[test]
fn a_valid_token_passes_with_es256_and_eddsa() {
    let (ec, ed) = (TestKey::es256("ec-1"), TestKey::ed25519("ed-1"));
    let keys = keyset(&[&ec, &ed]);
    for key in [&ec, &ed] {
        let got =
            token::verify(&key.sign(&claims("ana@example.org")), &keys, expected()).expect("valid");
        assert_eq!(got["email"], "ana@example.org");
    }
    // Several audiences are fine when `azp` names the portal.
    let several = with(claims("a@x.org"), "aud", json!([CLIENT, "other"]));
    let ok = with(several.clone(), "azp", json!(CLIENT));
    assert!(token::verify(&ec.sign(&ok), &keys, expected()).is_ok());
    assert_eq!(
        refusal(&ec.sign(&several), &keys),
        Rejected::Refused(Refusal::Audience)
    );
}

#[test]
fn tampered_misaddressed_expired_and_replayed_tokens_are_refused() {
    let key = TestKey::es256("k1");
    let keys = keyset(&[&key]);
    let good = key.sign(&claims("ana@example.org"));
    // Another payload under the same signature.
    let mut parts: Vec<&str> = good.split('.').collect();
    let forged = key.sign(&with(
        claims("ana@example.org"),
        "email",
        json!("eve@example.org"),
    ));
    parts[1] = forged.split('.').nth(1).expect("payload");
    let tampered = parts.join(".");
    let cases = [
        (tampered, Refusal::IdToken),
        (
            key.sign(&with(
                claims("a@x.org"),
                "iss",
                json!("https://evil.example.org"),
            )),
            Refusal::Issuer,
        ),
        (
            key.sign(&with(claims("a@x.org"), "aud", json!("another-client"))),
            Refusal::Audience,
        ),
        (
            key.sign(&with(claims("a@x.org"), "azp", json!("another-client"))),
            Refusal::Audience,
        ),
        (
            key.sign(&with(
                claims("a@x.org"),
                "exp",
                json!(testkeys::now() - 3600),
            )),
            Refusal::Expired,
        ),
        (
            key.sign(&with(
                claims("a@x.org"),
                "iat",
                json!(testkeys::now() + 3600),
            )),
            Refusal::IdToken,
        ),
        (
            key.sign(&with(claims("a@x.org"), "nonce", json!("another sign-in"))),
            Refusal::Nonce,
        ),
        (
            key.sign(&with(claims("a@x.org"), "nonce", Value::Null)),
            Refusal::Nonce,
        ),
        (
            key.sign(&with(claims("a@x.org"), "sub", json!(""))),
            Refusal::IdToken,
        ),
        ("not.a.jwt".to_string(), Refusal::IdToken),
    ];
    for (token, why) in cases {
        assert_eq!(refusal(&token, &keys), Rejected::Refused(why), "{why:?}");
    }
}

#[test]
fn symmetric_and_unsigned_tokens_are_refused_even_with_a_matching_key() {
    let key = TestKey::es256("k1");
    // A JWKS that (wrongly) also publishes a symmetric key under the token's kid.
    let mut doc = testkeys::jwks(&[&key]);
    doc["keys"]
        .as_array_mut()
        .expect("keys")
        .push(json!({ "kty": "oct", "kid": "hs", "k": "c2VjcmV0" }));
    let keys: JwkSet = serde_json::from_value(doc).expect("jwks");
    let c = claims("ana@example.org");
    for token in [
        testkeys::hs256(&c, b"secret", "hs"),
        testkeys::hs256(&c, b"secret", "k1"),
        testkeys::unsigned(&c, "k1"),
    ] {
        assert_eq!(refusal(&token, &keys), Rejected::Refused(Refusal::IdToken));
    }
}

#[test]
fn an_unknown_kid_asks_for_the_keys_again_and_keys_must_fit_the_algorithm() {
    let (old, new) = (TestKey::es256("old"), TestKey::es256("new"));
    let token = new.sign(&claims("ana@example.org"));
    assert_eq!(refusal(&token, &keyset(&[&old])), Rejected::UnknownKey);
    assert!(token::verify(&token, &keyset(&[&old, &new]), expected()).is_ok());
    assert_eq!(token::key_id(&token).as_deref(), Some("new"));
    // The key the kid names is an Ed25519 key: an ES256 signature cannot be checked with it.
    let mut doc = testkeys::jwks(&[&TestKey::ed25519("x")]);
    doc["keys"][0]["kid"] = json!("new");
    let mismatched: JwkSet = serde_json::from_value(doc).expect("jwks");
    assert_eq!(
        refusal(&token, &mismatched),
        Rejected::Refused(Refusal::IdToken)
    );
    // A key published for encryption signs nothing.
    let mut doc = testkeys::jwks(&[&new]);
    doc["keys"][0]["use"] = json!("enc");
    let enc: JwkSet = serde_json::from_value(doc).expect("jwks");
    assert_eq!(refusal(&token, &enc), Rejected::Refused(Refusal::IdToken));
}

// ---- the flow's state ----

#[test]
fn a_state_is_used_once_by_the_browser_that_started_it_within_ten_minutes() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let binder = flow::new_binder();
    let started = flow::begin(&mut conn, &binder, Some("/account"), None)
        .expect("db")
        .expect("begin");
    let resumed = flow::resume(&mut conn, &started.state, Some(&binder))
        .expect("db")
        .expect("resumed");
    assert_eq!(resumed.next.as_deref(), Some("/account"));
    assert_eq!(resumed.nonce, started.nonce);
    assert_eq!(flow::challenge(&resumed.verifier), started.challenge);
    // Replayed.
    let again = flow::resume(&mut conn, &started.state, Some(&binder)).expect("db");
    assert_eq!(again.expect_err("replay"), Refusal::State);
    // Another browser (login CSRF): refused, and the state is gone for its owner too.
    let other = flow::begin(&mut conn, &binder, None, None)
        .expect("db")
        .expect("begin");
    let stolen = flow::resume(&mut conn, &other.state, Some(&flow::new_binder())).expect("db");
    assert_eq!(stolen.expect_err("other browser"), Refusal::State);
    assert_eq!(
        flow::resume(&mut conn, &other.state, None)
            .expect("db")
            .expect_err("gone"),
        Refusal::State
    );
    // Unknown.
    assert_eq!(
        flow::resume(&mut conn, "made-up", Some(&binder))
            .expect("db")
            .expect_err("unknown"),
        Refusal::State
    );
    // Expired: the clock moves past the ten minutes.
    let now = domain::clock::now_ms();
    domain::clock::pin(Some(now));
    let late = flow::begin(&mut conn, &binder, None, None)
        .expect("db")
        .expect("begin");
    domain::clock::pin(Some(now + flow::STATE_TTL_MS + 1));
    let expired = flow::resume(&mut conn, &late.state, Some(&binder)).expect("db");
    domain::clock::pin(None);
    assert_eq!(expired.expect_err("expired"), Refusal::State);
    assert_eq!(flow::pending(&mut conn).expect("count"), 0);
    let rows: i64 = sso_states::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(rows, 0);
}

#[test]
fn one_address_may_start_a_hundred_sign_ins_in_ten_minutes() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let binder = flow::new_binder();
    for _ in 0..100 {
        flow::begin(&mut conn, &binder, None, Some("10.0.0.7"))
            .expect("db")
            .expect("admitted");
    }
    let refused = flow::begin(&mut conn, &binder, None, Some("10.0.0.7")).expect("db");
    assert_eq!(refused.expect_err("busy"), Refusal::Busy);
    assert_eq!(flow::pending(&mut conn).expect("count"), 100);
    // Another address is not held back.
    flow::begin(&mut conn, &binder, None, Some("10.0.0.8"))
        .expect("db")
        .expect("admitted");
}

// ---- which account signs in ----

fn policy(operators_sso_only: bool) -> SsoPolicy {
    SsoPolicy {
        issuer: ISSUER.into(),
        button: "Sign in with Keycloak".into(),
        role_claim: "realm_access.roles".into(),
        role_map: vec![
            ("pms-admin".into(), Role::PartnerAdmin),
            ("pms-policy".into(), Role::PolicyManager),
        ],
        operators_sso_only,
    }
}

fn identity(email: &str, verified: bool, roles: &[&str]) -> Identity {
    let claims = json!({ "sub": format!("sub-{}", email.to_lowercase()), "email": email, "email_verified": verified,
        "name": "Sam Single", "realm_access": { "roles": roles } });
    Identity::from_claims(ISSUER, claims.as_object().expect("object"), &policy(false))
}

fn client() -> ClientInfo {
    ClientInfo {
        ip: Some("10.0.0.9".into()),
        user_agent: Some("Firefox".into()),
        request_id: Some("req-1".into()),
    }
}

fn create(conn: &mut AnyConnection, email: &str, roles: &[Role]) -> String {
    account::create(
        conn,
        &Actor::system(),
        &NewAccount {
            email: email.into(),
            display_name: "Existing Person".into(),
            password: PASSWORD.into(),
            roles: roles.to_vec(),
        },
    )
    .expect("account")
    .id
}

/// Row counts of everything a sign-in may write.
fn snapshot(conn: &mut AnyConnection) -> [i64; 5] {
    [
        accounts::table.count().get_result(conn).expect("count"),
        account_roles::table
            .count()
            .get_result(conn)
            .expect("count"),
        sessions::table.count().get_result(conn).expect("count"),
        audit_log::table.count().get_result(conn).expect("count"),
        sso_links::table.count().get_result(conn).expect("count"),
    ]
}

fn actions(conn: &mut AnyConnection) -> Vec<String> {
    audit_log::table
        .filter(audit_log::request_id.eq("req-1"))
        .order(audit_log::id.asc())
        .select(audit_log::action)
        .load(conn)
        .expect("audit")
}

fn attempt(
    conn: &mut AnyConnection,
    who: &Identity,
) -> Result<domain::account::CurrentUser, Refusal> {
    sign_in(
        conn,
        who,
        &policy(false),
        &client(),
        &SessionPolicy::default(),
    )
    .expect("db")
    .map(|signed| match signed {
        SignedIn::Session(_, user) => user,
        SignedIn::SecondFactor(_) => panic!("a session was expected"),
    })
}

#[test]
fn refusals_change_nothing() {
    let db = TestDb::new();
    let mut conn = db.conn();
    create(&mut conn, "pm@example.org", &[Role::PolicyManager]);
    let gone = create(&mut conn, "gone@example.org", &[Role::PolicyManager]);
    let admin = Actor::account("x", "admin@example.org");
    account::deactivate_account(&mut conn, &admin, &gone).expect("deactivate");
    let mut no_email = identity("x@example.org", true, &["pms-admin"]);
    no_email.email = None;
    let cases = [
        (
            identity("pm@example.org", false, &["pms-policy"]),
            Refusal::EmailUnverified,
        ),
        (no_email, Refusal::NoEmail),
        (
            identity("nobody@example.org", true, &["someone-else"]),
            Refusal::NoAccount,
        ),
        (
            identity("gone@example.org", true, &["pms-policy"]),
            Refusal::Inactive,
        ),
        // An operator whose provider account no longer grants an operator role.
        (identity("pm@example.org", true, &[]), Refusal::NoRole),
    ];
    for (who, why) in cases {
        let before = snapshot(&mut conn);
        assert_eq!(attempt(&mut conn, &who).expect_err("refused"), why);
        assert_eq!(snapshot(&mut conn), before, "{why:?} changed something");
    }
}

#[test]
fn an_existing_account_signs_in_is_linked_once_and_gets_the_mapped_operator_roles() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let id = create(&mut conn, "pm@example.org", &[Role::PolicyManager]);
    let user = attempt(
        &mut conn,
        &identity("PM@Example.org", true, &["pms-policy", "other"]),
    )
    .expect("in");
    assert_eq!(
        (user.id.as_str(), user.roles.clone()),
        (id.as_str(), vec![Role::PolicyManager])
    );
    assert_eq!(
        domain::session::count_for_account(&mut conn, &id).expect("n"),
        1
    );
    assert_eq!(actions(&mut conn), ["SSO_LINKED", "LOGIN"]);
    // Again: no new link; then the provider makes them a partner admin instead.
    attempt(
        &mut conn,
        &identity("pm@example.org", true, &["pms-policy"]),
    )
    .expect("in");
    let user = attempt(&mut conn, &identity("pm@example.org", true, &["pms-admin"])).expect("in");
    assert_eq!(user.roles, vec![Role::PartnerAdmin]);
    assert_eq!(
        actions(&mut conn),
        [
            "SSO_LINKED",
            "LOGIN",
            "LOGIN",
            "ACCOUNT_ROLES_CHANGED",
            "LOGIN"
        ]
    );
    // A new subject for the same email at the provider: the link follows, audited.
    let mut moved = identity("pm@example.org", true, &["pms-admin"]);
    moved.subject = "another-subject".into();
    attempt(&mut conn, &moved).expect("in");
    assert_eq!(
        actions(&mut conn).iter().rev().take(2).collect::<Vec<_>>(),
        ["LOGIN", "SSO_LINKED"]
    );
}

#[test]
fn a_new_operator_is_created_without_a_password_and_partners_keep_their_roles() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let user = attempt(
        &mut conn,
        &identity("new-admin@example.org", true, &["pms-admin"]),
    )
    .expect("created");
    assert_eq!(
        (user.display_name.as_str(), user.roles.clone()),
        ("Sam Single", vec![Role::PartnerAdmin])
    );
    assert_eq!(
        actions(&mut conn),
        ["ACCOUNT_CREATED", "SSO_LINKED", "LOGIN"]
    );
    // No password opens it.
    let row = account::find_by_email(&mut conn, "new-admin@example.org")
        .expect("db")
        .expect("row");
    assert!(!account::verify_password(&row.password_hash, ""));
    assert!(!account::verify_password(&row.password_hash, "!sso"));
    // A partner account signs in with its own roles, whatever the claim says.
    let partner = create(&mut conn, "rp@example.org", &[Role::AuthPartner]);
    let user = attempt(&mut conn, &identity("rp@example.org", true, &[])).expect("in");
    assert_eq!((user.id, user.roles), (partner, vec![Role::AuthPartner]));
}

#[test]
fn with_sso_required_an_operator_password_is_refused_after_it_is_checked() {
    let db = TestDb::new();
    let mut conn = db.conn();
    create(&mut conn, "pm@example.org", &[Role::PolicyManager]);
    create(&mut conn, "rp@example.org", &[Role::AuthPartner]);
    let login = |conn: &mut AnyConnection, email: &str, password: &str| {
        let (sessions, limits) = (SessionPolicy::default(), ThrottlePolicy::default());
        auth::login_with(
            conn,
            email,
            password,
            &client(),
            &sessions,
            &limits,
            Some("Sign in with Keycloak"),
        )
        .result
        .map(|(_, u)| u.email)
        .map_err(|e| (e.code, e.message))
    };
    let before = snapshot(&mut conn)[2];
    let (code, message) = login(&mut conn, "pm@example.org", PASSWORD).expect_err("sso only");
    assert_eq!(code, "PMS_AUTH_SSO_ONLY");
    assert!(message.contains("Sign in with Keycloak"), "{message}");
    assert_eq!(snapshot(&mut conn)[2], before, "no session");
    // A wrong password says nothing about the account.
    let (code, _) = login(&mut conn, "pm@example.org", "wrong password").expect_err("wrong");
    assert_eq!(code, "PMS_AUTH_INVALID_CREDENTIALS");
    assert_eq!(
        login(&mut conn, "rp@example.org", PASSWORD).expect("partner"),
        "rp@example.org"
    );
}

#[test]
fn role_claims_are_read_by_name_path_or_as_a_string() {
    let p = policy(false);
    let read = |claims: Value| p.role_values(claims.as_object().expect("object"));
    assert_eq!(
        read(json!({ "realm_access": { "roles": ["a", "b"] } })),
        ["a", "b"]
    );
    assert_eq!(read(json!({ "realm_access.roles": "a b" })), ["a", "b"]);
    assert!(read(json!({ "roles": ["a"] })).is_empty());
    assert_eq!(
        p.mapped_roles(&["pms-policy".into(), "pms-admin".into(), "x".into()]),
        [Role::PartnerAdmin, Role::PolicyManager]
    );
}

#[test]
fn an_account_with_the_portals_second_factor_still_gives_its_code() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let id = create(&mut conn, "pm@example.org", &[Role::PolicyManager]);
    let user = account::load_user(&mut conn, &id)
        .expect("db")
        .expect("user");
    let key = domain::cert::seal::MasterKey::from_base64(
        &domain::cert::seal::MasterKey::generate_base64().expect("key"),
    )
    .expect("key");
    // A fixed time on a step boundary, so the codes are known.
    let t0: i64 = 1_800_000_000_000 + 5_000;
    domain::clock::pin(Some(t0));
    let actor = Actor::account(&user.id, &user.email);
    let enrolment = account::begin_two_factor(&mut conn, &key, &actor, &user).expect("begin");
    let code = |ms: i64| account::code_at(&enrolment.secret, (ms / 1000) as u64).expect("code");
    account::confirm_two_factor(&mut conn, &key, &actor, &user, &code(t0)).expect("confirm");
    let signed = sign_in(
        &mut conn,
        &identity("pm@example.org", true, &["pms-policy"]),
        &policy(false),
        &client(),
        &SessionPolicy::default(),
    )
    .expect("db")
    .expect("not refused");
    let SignedIn::SecondFactor(challenge) = signed else {
        panic!("the portal's own code was not asked");
    };
    // No session yet; the code step opens one, audited as any sign-in.
    assert_eq!(
        domain::session::count_for_account(&mut conn, &id).expect("n"),
        0
    );
    let out = auth::verify_second_factor(
        &mut conn,
        &key,
        &challenge,
        &code(t0 + 30_000),
        &client(),
        &SessionPolicy::default(),
        &ThrottlePolicy::default(),
    );
    domain::clock::pin(None);
    let (_, user) = out.result.expect("the code opens the session");
    assert_eq!(user.id, id);
    assert_eq!(
        domain::session::count_for_account(&mut conn, &id).expect("n"),
        1
    );
    assert_eq!(
        actions(&mut conn)
            .into_iter()
            .filter(|a| a != "TWO_FACTOR_SETUP_STARTED" && a != "TWO_FACTOR_ENABLED")
            .collect::<Vec<_>>(),
        ["SSO_LINKED", "LOGIN"]
    );
}
