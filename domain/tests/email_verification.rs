//! Verified email on a real database (SQLite by default, PostgreSQL when TEST_DATABASE_URL is
//! set): a self-registration reaches a partner admin only after its address is verified; a
//! changed contact email is used only after the new address is; links are single use, expire,
//! cannot be guessed, and their mails are throttled.

use diesel::prelude::*;
use domain::account::{self, CurrentUser, PortalMail};
use domain::audit::Actor;
use domain::db::AnyConnection;
use domain::partner::{
    self, Decision, PartnerInput, PartnerQuery, PartnerStatus, ProfileUpdate, VerifyPurpose,
};
use domain::schema::{audit_log, email_verifications, mail_queue, outbox, partners};
use domain::testing::TestDb;
use domain::ErrorKind;

const PASSWORD: &str = "correct horse battery";

fn mail() -> PortalMail {
    PortalMail {
        base_url: "https://partners.example.org/".into(),
        enabled: true,
    }
}

fn input(id: &str, language: &str) -> PartnerInput {
    PartnerInput {
        partner_id: id.into(),
        organisation: format!("{id} Ltd"),
        partner_type: "Device_Provider".into(),
        email: format!("{id}@example.org"),
        phone: "+91 80 1234 5678".into(),
        address: "1 Main Street, Bengaluru".into(),
        language: language.into(),
        policy_group_id: None,
    }
}

fn user_of(conn: &mut AnyConnection, email: &str) -> CurrentUser {
    let row = account::find_by_email(conn, email)
        .expect("q")
        .expect("account");
    account::load_user(conn, &row.id)
        .expect("load")
        .expect("active")
}

/// The mails to `to`, oldest first: (subject, body).
fn mails(conn: &mut AnyConnection, to: &str) -> Vec<(String, String)> {
    mail_queue::table
        .filter(mail_queue::recipient.eq(to))
        .order(mail_queue::created_at.asc())
        .select((mail_queue::subject, mail_queue::body))
        .load(conn)
        .expect("mails")
}

/// The token in the newest verification mail to `to`.
fn token_mailed_to(conn: &mut AnyConnection, to: &str) -> String {
    let (_, body) = mails(conn, to).pop().expect("a mail");
    let at = body
        .find("https://partners.example.org/verify-email?token=")
        .expect("the link, on the public address");
    body[at..]
        .split_whitespace()
        .next()
        .and_then(|l| l.split("token=").nth(1))
        .expect("token")
        .to_string()
}

fn status(conn: &mut AnyConnection, id: &str) -> String {
    partners::table
        .find(id)
        .select(partners::status)
        .first(conn)
        .expect("status")
}

fn pending_ids(conn: &mut AnyConnection) -> Vec<String> {
    let list = partner::list(
        conn,
        &PartnerQuery {
            status: Some(PartnerStatus::Pending),
            ..Default::default()
        },
    )
    .expect("list");
    list.page.items.into_iter().map(|r| r.id).collect()
}

fn audited(conn: &mut AnyConnection, action: &str) -> i64 {
    audit_log::table
        .filter(audit_log::action.eq(action))
        .count()
        .get_result(conn)
        .expect("count")
}

#[test]
fn a_registration_reaches_the_queue_only_after_its_email_is_verified() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = partner::sign_up(conn, &input("acme", "eng"), PASSWORD, &mail()).expect("sign up");
    assert_eq!(p.status, PartnerStatus::Unverified);
    assert!(pending_ids(conn).is_empty(), "not in the admin's queue yet");
    let sent = mails(conn, "acme@example.org");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "Verify your email address");
    assert!(sent[0].1.contains("within 24 hours"), "{}", sent[0].1);
    // The stored row holds the token's hash, never the token.
    let token = token_mailed_to(conn, "acme@example.org");
    let stored: Vec<String> = email_verifications::table
        .select(email_verifications::token_hash)
        .load(conn)
        .expect("rows");
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    // An admin cannot decide it yet, and says why.
    let err = partner::decide(
        conn,
        &Actor::account("admin-id", "admin@example.org"),
        "acme",
        Decision::Approve,
        None,
    )
    .expect_err("not yet");
    assert_eq!(err.code, "PMS_PARTNER_ILLEGAL_TRANSITION");
    assert!(err.message.contains("not verified"), "{}", err.message);
    // The page shows what the link verifies without spending it.
    let link = partner::verification_link(conn, &token)
        .expect("db")
        .expect("usable");
    assert_eq!(
        (link.email.as_str(), link.purpose),
        ("acme@example.org", VerifyPurpose::Registration)
    );
    let events_before: i64 = outbox::table.count().get_result(conn).expect("n");
    partner::verify_email(conn, &token, None).expect("verified");
    assert_eq!(status(conn, "acme"), "PENDING");
    assert_eq!(pending_ids(conn), ["acme"]);
    assert_eq!(audited(conn, "PARTNER_EMAIL_VERIFIED"), 1);
    let events_after: i64 = outbox::table.count().get_result(conn).expect("n");
    assert_eq!(
        events_after,
        events_before + 1,
        "PARTNER_UPDATED for downstream"
    );
    // The same link again: refused on its field, nothing changes.
    let again = partner::verify_email(conn, &token, None).expect_err("used");
    assert_eq!(
        (again.kind, again.code.as_str()),
        (ErrorKind::Validation, "PMS_VERIFY_LINK_INVALID")
    );
    assert!(partner::verification_link(conn, &token)
        .expect("db")
        .is_none());
    assert_eq!(audited(conn, "PARTNER_EMAIL_VERIFIED"), 1);
}

#[test]
fn unknown_empty_oversized_and_expired_links_change_nothing() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    partner::sign_up(conn, &input("acme", "eng"), PASSWORD, &mail()).expect("sign up");
    let token = token_mailed_to(conn, "acme@example.org");
    for bad in [
        String::new(),
        "x".repeat(200),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
        format!("{token}x"),
    ] {
        let err = partner::verify_email(conn, &bad, None).expect_err("refused");
        assert_eq!(err.code, "PMS_VERIFY_LINK_INVALID", "{bad}");
    }
    // 24 hours later the link no longer works.
    diesel::update(email_verifications::table)
        .set(email_verifications::expires_at.eq(domain::clock::now_ms() - 1))
        .execute(conn)
        .expect("age");
    let err = partner::verify_email(conn, &token, None).expect_err("expired");
    assert_eq!(err.code, "PMS_VERIFY_LINK_INVALID");
    assert_eq!(status(conn, "acme"), "UNVERIFIED");
    // A new link (asked from the organisation page) works.
    let user = user_of(conn, "acme@example.org");
    let pending = partner::resend_verification(conn, &user, None, &mail()).expect("resend");
    assert_eq!(pending.purpose, VerifyPurpose::Registration);
    let fresh = token_mailed_to(conn, "acme@example.org");
    partner::verify_email(conn, &fresh, None).expect("verified");
    assert_eq!(status(conn, "acme"), "PENDING");
}

#[test]
fn resending_spends_the_old_link_and_is_throttled_to_three_mails_an_hour() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    partner::sign_up(conn, &input("acme", "fra"), PASSWORD, &mail()).expect("sign up");
    let first = token_mailed_to(conn, "acme@example.org");
    let user = user_of(conn, "acme@example.org");
    partner::resend_verification(conn, &user, None, &mail()).expect("second mail");
    let second = token_mailed_to(conn, "acme@example.org");
    assert_ne!(first, second);
    assert!(
        partner::verification_link(conn, &first)
            .expect("db")
            .is_none(),
        "only the newest link works"
    );
    partner::resend_verification(conn, &user, None, &mail()).expect("third mail");
    let err = partner::resend_verification(conn, &user, None, &mail()).expect_err("fourth");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::RateLimited, "PMS_VERIFY_THROTTLED")
    );
    let sent = mails(conn, "acme@example.org");
    assert_eq!(sent.len(), 3, "the refused request mailed nothing");
    // In the partner's language.
    assert_eq!(sent[0].0, "Confirmez votre adresse e-mail");
    // Without a mail server there is nothing to send.
    let err =
        partner::resend_verification(conn, &user, None, &PortalMail::off()).expect_err("no mail");
    assert_eq!(err.code, "PMS_VERIFY_UNAVAILABLE");
}

#[test]
fn without_a_mail_server_a_registration_goes_straight_to_the_queue() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = partner::sign_up(conn, &input("acme", "eng"), PASSWORD, &PortalMail::off())
        .expect("sign up");
    assert_eq!(p.status, PartnerStatus::Pending);
    assert_eq!(pending_ids(conn), ["acme"]);
    let n: i64 = mail_queue::table.count().get_result(conn).expect("n");
    assert_eq!(n, 0);
}

#[test]
fn a_new_contact_email_is_used_only_once_verified() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    partner::sign_up(conn, &input("acme", "eng"), PASSWORD, &mail()).expect("sign up");
    let token = token_mailed_to(conn, "acme@example.org");
    partner::verify_email(conn, &token, None).expect("verified");
    let user = user_of(conn, "acme@example.org");
    let change = ProfileUpdate {
        email: "ops@acme.example".into(),
        phone: "+91 80 1234 5678".into(),
        address: "2 New Road, Bengaluru".into(),
        language: "eng".into(),
        policy_group_id: None,
    };
    let view = partner::update_own_profile(conn, &user, None, &change, &mail()).expect("saved");
    // The other fields change now; the address waits for its link.
    assert_eq!(view.email, "acme@example.org");
    assert_eq!(view.address, "2 New Road, Bengaluru");
    let mine = partner::my_partner(conn, &user).expect("db").expect("mine");
    let pending = mine.pending_email.expect("waiting");
    assert_eq!(
        (pending.email.as_str(), pending.purpose),
        ("ops@acme.example", VerifyPurpose::ContactChange)
    );
    let (subject, _) = mails(conn, "ops@acme.example").pop().expect("mailed");
    assert_eq!(subject, "Verify your new contact email");
    let link = token_mailed_to(conn, "ops@acme.example");
    // Withdrawn, the link stops working; asked again, the new link changes the address.
    partner::cancel_email_change(conn, &user, None).expect("cancel");
    assert!(partner::verification_link(conn, &link)
        .expect("db")
        .is_none());
    let err = partner::cancel_email_change(conn, &user, None).expect_err("nothing left");
    assert_eq!(err.code, "PMS_VERIFY_NOTHING_PENDING");
    partner::update_own_profile(conn, &user, None, &change, &mail()).expect("again");
    let link = token_mailed_to(conn, "ops@acme.example");
    let done = partner::verify_email(conn, &link, None).expect("verified");
    assert_eq!(done.purpose, VerifyPurpose::ContactChange);
    let email: String = partners::table
        .find("acme")
        .select(partners::email)
        .first(conn)
        .expect("email");
    assert_eq!(email, "ops@acme.example");
    assert_eq!(status(conn, "acme"), "PENDING", "the status is untouched");
    assert!(partner::my_partner(conn, &user)
        .expect("db")
        .expect("mine")
        .pending_email
        .is_none());
}

#[test]
fn a_contact_email_taken_meanwhile_is_refused_at_verification() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    partner::sign_up(conn, &input("acme", "eng"), PASSWORD, &PortalMail::off()).expect("acme");
    let user = user_of(conn, "acme@example.org");
    let change = ProfileUpdate {
        email: "shared@example.org".into(),
        phone: "+91 80 1234 5678".into(),
        address: "1 Main Street, Bengaluru".into(),
        language: "eng".into(),
        policy_group_id: None,
    };
    partner::update_own_profile(conn, &user, None, &change, &mail()).expect("asked");
    let link = token_mailed_to(conn, "shared@example.org");
    // Another partner registers with that address before the link is opened.
    let mut other = input("beta", "eng");
    other.email = "shared@example.org".into();
    partner::sign_up(conn, &other, PASSWORD, &PortalMail::off()).expect("beta");
    let err = partner::verify_email(conn, &link, None).expect_err("taken");
    assert_eq!(err.code, "PMS_PARTNER_EMAIL_TAKEN");
    let email: String = partners::table
        .find("acme")
        .select(partners::email)
        .first(conn)
        .expect("email");
    assert_eq!(email, "acme@example.org", "nothing changed");
    assert!(
        partner::verification_link(conn, &link)
            .expect("db")
            .is_some(),
        "the refused attempt did not spend the link"
    );
}

#[test]
fn an_unverified_registration_changing_its_address_gets_a_new_registration_link() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    partner::sign_up(conn, &input("acme", "eng"), PASSWORD, &mail()).expect("sign up");
    let old = token_mailed_to(conn, "acme@example.org");
    let user = user_of(conn, "acme@example.org");
    let change = ProfileUpdate {
        email: "right@acme.example".into(),
        phone: "+91 80 1234 5678".into(),
        address: "1 Main Street, Bengaluru".into(),
        language: "eng".into(),
        policy_group_id: None,
    };
    let view = partner::update_own_profile(conn, &user, None, &change, &mail()).expect("saved");
    assert_eq!(
        view.email, "right@acme.example",
        "nothing verified yet to keep"
    );
    assert!(partner::verification_link(conn, &old)
        .expect("db")
        .is_none());
    let link = token_mailed_to(conn, "right@acme.example");
    let done = partner::verify_email(conn, &link, None).expect("verified");
    assert_eq!(done.purpose, VerifyPurpose::Registration);
    assert_eq!(status(conn, "acme"), "PENDING");
}
