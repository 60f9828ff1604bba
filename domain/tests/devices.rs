//! Domain tests for devices: SBIs, device models and FTM chips, their approval by partner
//! admins, the SBI deactivation cascade and the chips' certificates. On a real database
//! (SQLite by default, PostgreSQL when TEST_DATABASE_URL is set).

use diesel::prelude::*;
use domain::account::{self, CurrentUser};
use domain::audit::Actor;
use domain::cert::seal::MasterKey;
use domain::cert::signing::{self, CertConfig};
use domain::cert::{trust, CertDomain};
use domain::db::AnyConnection;
use domain::device::{
    chip, model, sbi, ChipView, DeviceInput, DeviceView, ItemQuery, ItemStatus, SbiImpact,
    SbiInput, SbiView, DEFAULT_SBI_MAX_YEARS,
};
use domain::partner::{self, Decision, PartnerInput};
use domain::schema::{audit_log, device_sbis, devices, ftm_chips, notifications, outbox, sbis};
use domain::testing::TestDb;
use domain::{AppError, ErrorKind};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
};
use time::{Duration, OffsetDateTime};

const PASSWORD: &str = "correct horse battery";
/// A SHA-256 in hex.
const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

// ---------------------------------------------------------------------------------------------
// Set-up
// ---------------------------------------------------------------------------------------------

/// A database with the portal's signing CAs, and the certificate settings.
struct Env {
    db: TestDb,
    config: CertConfig,
}

fn env() -> Env {
    let db = TestDb::new();
    let key = MasterKey::from_base64(&MasterKey::generate_base64().expect("rng")).expect("key");
    let config = CertConfig::new(key);
    signing::ensure_signing_cas(&mut db.conn(), &config.master_key).expect("signing CAs");
    Env { db, config }
}

fn admin() -> Actor {
    Actor::account("admin-id", "admin@example.org")
}

/// A signed-up partner: its id, its account (as signed in), an actor for it, its organisation.
struct Partner {
    id: String,
    user: CurrentUser,
    actor: Actor,
    org: String,
}

fn partner_with_org(conn: &mut AnyConnection, id: &str, partner_type: &str, org: &str) -> Partner {
    let input = PartnerInput {
        partner_id: id.into(),
        organisation: org.into(),
        partner_type: partner_type.into(),
        email: format!("{id}@example.org"),
        phone: "+91 80 1234 5678".into(),
        address: "1 Main Street, Bengaluru".into(),
        language: "eng".into(),
        policy_group_id: None,
    };
    partner::sign_up(conn, &input, PASSWORD, &domain::account::PortalMail::off()).expect("sign up");
    let row = account::find_by_email(conn, &input.email)
        .expect("query")
        .expect("account");
    let user = account::load_user(conn, &row.id)
        .expect("load")
        .expect("active account");
    Partner {
        id: id.into(),
        actor: Actor::account(&user.id, &user.email),
        user,
        org: org.into(),
    }
}

/// A signed-up partner still waiting for approval.
fn pending_partner(conn: &mut AnyConnection, id: &str, partner_type: &str) -> Partner {
    partner_with_org(conn, id, partner_type, &format!("{id} Ltd"))
}

/// An approved partner of `partner_type`.
fn provider(conn: &mut AnyConnection, id: &str, partner_type: &str) -> Partner {
    let p = pending_partner(conn, id, partner_type);
    partner::decide(conn, &admin(), id, Decision::Approve, None).expect("approve partner");
    p
}

fn device_provider(conn: &mut AnyConnection, id: &str) -> Partner {
    provider(conn, id, "Device_Provider")
}

fn ftm_provider(conn: &mut AnyConnection, id: &str) -> Partner {
    provider(conn, id, "FTM_Provider")
}

/// Rows in the tables device operations write to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Counts {
    sbis: i64,
    devices: i64,
    links: i64,
    chips: i64,
    audit: i64,
}

fn counts(conn: &mut AnyConnection) -> Counts {
    Counts {
        sbis: sbis::table.count().get_result(conn).expect("sbis"),
        devices: devices::table.count().get_result(conn).expect("devices"),
        links: device_sbis::table
            .count()
            .get_result(conn)
            .expect("device_sbis"),
        chips: ftm_chips::table.count().get_result(conn).expect("chips"),
        audit: audit_log::table.count().get_result(conn).expect("audit"),
    }
}

/// Audit actions recorded on one entity, oldest first.
fn audit_actions(conn: &mut AnyConnection, entity_type: &str, entity_id: &str) -> Vec<String> {
    audit_log::table
        .filter(audit_log::entity_type.eq(entity_type))
        .filter(audit_log::entity_id.eq(entity_id))
        .order(audit_log::id.asc())
        .select(audit_log::action)
        .load(conn)
        .expect("audit rows")
}

/// (kind, code, field) of an error, for one assertion.
fn what(err: &AppError) -> (ErrorKind, &str, Option<&str>) {
    (err.kind, err.code.as_str(), err.field.as_deref())
}

fn validation<'a>(code: &'a str, field: &'a str) -> (ErrorKind, &'a str, Option<&'a str>) {
    (ErrorKind::Validation, code, Some(field))
}

// ---------------------------------------------------------------------------------------------
// Dates and inputs
// ---------------------------------------------------------------------------------------------

fn today() -> time::Date {
    OffsetDateTime::now_utc().date()
}

fn ymd(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Today plus `days` (negative: in the past), as YYYY-MM-DD.
fn day(days: i64) -> String {
    ymd(today() + Duration::days(days))
}

/// The same day `years` later (28 February for a 29 February).
fn years_later(d: time::Date, years: i32) -> time::Date {
    d.replace_year(d.year() + years)
        .or_else(|_| {
            d.replace_day(28)
                .and_then(|x| x.replace_year(d.year() + years))
        })
        .expect("date")
}

fn sbi_input(version: &str) -> SbiInput {
    SbiInput {
        version: version.into(),
        binary_hash: HASH.into(),
        created_on: day(-30),
        expires_on: day(365),
    }
}

fn add_sbi_with(conn: &mut AnyConnection, p: &Partner, input: &SbiInput) -> SbiView {
    sbi::create(conn, &p.actor, &p.user, input, DEFAULT_SBI_MAX_YEARS).expect("SBI added")
}

fn add_sbi(conn: &mut AnyConnection, p: &Partner, version: &str) -> SbiView {
    add_sbi_with(conn, p, &sbi_input(version))
}

fn approved_sbi(conn: &mut AnyConnection, p: &Partner, version: &str) -> SbiView {
    let s = add_sbi(conn, p, version);
    let (view, _) =
        sbi::decide(conn, &admin(), &s.id, Decision::Approve, None).expect("SBI approved");
    assert_eq!(view.status, ItemStatus::Approved);
    view
}

/// The SBI refused, and nothing written.
fn sbi_refused(conn: &mut AnyConnection, p: &Partner, input: &SbiInput, max: i64) -> AppError {
    let before = counts(conn);
    let err = sbi::create(conn, &p.actor, &p.user, input, max).expect_err("refused");
    assert_eq!(counts(conn), before, "nothing written on {err:?}");
    err
}

fn device_input(sbi_ids: &[&str], make: &str, model_name: &str) -> DeviceInput {
    DeviceInput {
        sbi_ids: sbi_ids.iter().map(|s| s.to_string()).collect(),
        device_type: "Finger".into(),
        sub_type: "Slap".into(),
        make: make.into(),
        model: model_name.into(),
    }
}

fn add_device(conn: &mut AnyConnection, p: &Partner, input: &DeviceInput) -> DeviceView {
    model::create(conn, &p.actor, &p.user, input).expect("device added")
}

fn device_refused(conn: &mut AnyConnection, p: &Partner, input: &DeviceInput) -> AppError {
    let before = counts(conn);
    let err = model::create(conn, &p.actor, &p.user, input).expect_err("refused");
    assert_eq!(counts(conn), before, "nothing written on {err:?}");
    err
}

fn set_sbi_expires_on(conn: &mut AnyConnection, id: &str, ms: i64) {
    diesel::update(sbis::table.filter(sbis::id.eq(id)))
        .set(sbis::expires_on.eq(ms))
        .execute(conn)
        .expect("expire SBI");
}

fn set_sbi_status(conn: &mut AnyConnection, id: &str, status: ItemStatus) {
    diesel::update(sbis::table.filter(sbis::id.eq(id)))
        .set(sbis::status.eq(status.as_str()))
        .execute(conn)
        .expect("SBI status");
}

// ---------------------------------------------------------------------------------------------
// Certificate factory (rcgen)
// ---------------------------------------------------------------------------------------------

type Ca = CertifiedIssuer<'static, KeyPair>;

fn random_serial() -> SerialNumber {
    let mut s: [u8; 16] = rand::random();
    s[0] &= 0x7f;
    s[0] |= 0x01;
    SerialNumber::from_slice(&s)
}

fn params(org: &str, cn: &str, days_left: i64) -> CertificateParams {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, org);
    dn.push(DnType::CommonName, cn);
    let mut p = CertificateParams::default();
    p.distinguished_name = dn;
    p.not_before = OffsetDateTime::now_utc() - Duration::days(1);
    p.not_after = OffsetDateTime::now_utc() + Duration::days(days_left);
    p.serial_number = Some(random_serial());
    p
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut p = params("Test CA Org", cn, 5 * 365);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p
}

fn key() -> KeyPair {
    KeyPair::generate().expect("P-256 key")
}

fn issuer(ca: &Ca) -> &Issuer<'static, KeyPair> {
    ca
}

/// A root and an intermediate, both stored in `domain`; returns the intermediate.
fn trusted_chain(conn: &mut AnyConnection, env: &Env, domain: &str) -> Ca {
    let root = CertifiedIssuer::self_signed(ca_params(&format!("{domain} Test Root")), key())
        .expect("root");
    let int = CertifiedIssuer::signed_by(
        ca_params(&format!("{domain} Issuing CA")),
        key(),
        issuer(&root),
    )
    .expect("intermediate");
    for ca in [&root, &int] {
        let report = trust::upload(
            conn,
            &admin(),
            &env.config,
            domain,
            ca.pem().as_bytes(),
            false,
        )
        .expect("CA upload");
        assert_eq!(report.accepted(), 1, "{report:#?}");
    }
    int
}

/// A chip-model certificate (end entity) for `org`, PEM.
fn leaf(org: &str, by: &Ca) -> String {
    let mut p = params(org, "chip model", 730);
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    p.signed_by(&key(), issuer(by)).expect("leaf").pem()
}

fn pem_der(text: &str) -> Vec<u8> {
    pem::parse(text).expect("PEM").into_contents()
}

fn add_chip(conn: &mut AnyConnection, p: &Partner, make: &str, model_name: &str) -> ChipView {
    chip::create(conn, &p.actor, &p.user, make, model_name).expect("chip added")
}

fn upload(
    conn: &mut AnyConnection,
    env: &Env,
    p: &Partner,
    id: &str,
    pem: &str,
) -> domain::AppResult<ChipView> {
    chip::upload_certificate(conn, &p.actor, &p.user, &env.config, id, pem.as_bytes())
}

fn violation_paths(err: &AppError) -> Vec<&str> {
    err.details.iter().map(|v| v.path.as_str()).collect()
}

// ---------------------------------------------------------------------------------------------
// SBIs
// ---------------------------------------------------------------------------------------------

#[test]
fn sbi_is_created_pending_approval_with_an_audit_row() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let before = counts(conn);
    let input = SbiInput {
        version: "  1.0.0 ".into(),
        ..sbi_input("")
    };
    let s = add_sbi_with(conn, &p, &input);
    assert_eq!(s.status, ItemStatus::PendingApproval);
    assert_eq!(s.version, "1.0.0");
    assert_eq!(s.binary_hash, HASH);
    assert_eq!(s.partner_id, p.id);
    assert_eq!(s.organisation, p.org);
    assert_eq!(s.reason, None);
    assert_eq!(s.devices, 0);
    assert!(s.created_on < s.expires_on);
    let after = counts(conn);
    assert_eq!(after.sbis, before.sbis + 1);
    assert_eq!(after.audit, before.audit + 1);
    assert_eq!(audit_actions(conn, "sbi", &s.id), ["SBI_ADDED"]);
    let again = sbi::get(conn, &s.id).expect("get");
    assert_eq!(again, s);
}

#[test]
fn sbi_version_reused_is_a_conflict_but_another_provider_may_reuse_it() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let a = device_provider(conn, "dev-a");
    let b = device_provider(conn, "dev-b");
    add_sbi(conn, &a, "1.0");
    let err = sbi_refused(conn, &a, &sbi_input("1.0"), DEFAULT_SBI_MAX_YEARS);
    assert_eq!(
        what(&err),
        (
            ErrorKind::Conflict,
            "PMS_SBI_VERSION_TAKEN",
            Some("version")
        )
    );
    let other = add_sbi(conn, &b, "1.0");
    assert_eq!(other.partner_id, b.id);
}

#[test]
fn sbi_hash_neither_hex_nor_base64_is_refused_on_binary_hash() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    for hash in [
        "not a hash at all!",
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "9f86d081 884c7d65 9a2feaa0 c55ad015 a3bf4f1b 2b0b822c d15d6c15 b0f00a08",
        "",
    ] {
        let input = SbiInput {
            binary_hash: hash.into(),
            ..sbi_input("1.0")
        };
        let err = sbi_refused(conn, &p, &input, DEFAULT_SBI_MAX_YEARS);
        assert_eq!(
            what(&err),
            validation("PMS_SBI_HASH", "binary_hash"),
            "{hash:?}"
        );
    }
    // Base64 of 32 bytes is accepted.
    let input = SbiInput {
        binary_hash: "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=".into(),
        ..sbi_input("1.0")
    };
    add_sbi_with(conn, &p, &input);
}

#[test]
fn sbi_hash_too_short_is_refused_on_binary_hash() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    for hash in ["abcd", "0123456789abcdef0123456789abcd", "AAAA"] {
        let input = SbiInput {
            binary_hash: hash.into(),
            ..sbi_input("1.0")
        };
        let err = sbi_refused(conn, &p, &input, DEFAULT_SBI_MAX_YEARS);
        assert_eq!(
            what(&err),
            validation("PMS_SBI_HASH", "binary_hash"),
            "{hash:?}"
        );
        assert!(err.message.contains("16 to 64 bytes"), "{}", err.message);
    }
}

#[test]
fn sbi_creation_date_in_the_future_is_refused() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let input = SbiInput {
        created_on: day(1),
        ..sbi_input("1.0")
    };
    let err = sbi_refused(conn, &p, &input, DEFAULT_SBI_MAX_YEARS);
    assert_eq!(
        what(&err),
        validation("PMS_SBI_CREATED_FUTURE", "created_on")
    );
    // Today is fine.
    let input = SbiInput {
        created_on: day(0),
        ..sbi_input("1.0")
    };
    add_sbi_with(conn, &p, &input);
}

#[test]
fn sbi_expiry_today_or_in_the_past_is_refused() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    for expires in [day(0), day(-1), day(-400)] {
        let input = SbiInput {
            expires_on: expires.clone(),
            ..sbi_input("1.0")
        };
        let err = sbi_refused(conn, &p, &input, DEFAULT_SBI_MAX_YEARS);
        assert_eq!(
            what(&err),
            validation("PMS_SBI_EXPIRY_PAST", "expires_on"),
            "{expires}"
        );
    }
    // Tomorrow is fine.
    let input = SbiInput {
        expires_on: day(1),
        ..sbi_input("1.0")
    };
    add_sbi_with(conn, &p, &input);
}

#[test]
fn sbi_expiry_before_creation_is_refused_on_expires_on() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    // Creation is never after today and expiry always after it, so an expiry before the
    // creation date is caught as an expiry in the past.
    let input = SbiInput {
        created_on: day(-10),
        expires_on: day(-20),
        ..sbi_input("1.0")
    };
    let err = sbi_refused(conn, &p, &input, DEFAULT_SBI_MAX_YEARS);
    assert_eq!(err.kind, ErrorKind::Validation);
    assert_eq!(err.field.as_deref(), Some("expires_on"), "{err:?}");
    assert!(
        ["PMS_SBI_EXPIRY_PAST", "PMS_SBI_EXPIRY_BEFORE_CREATION"].contains(&err.code.as_str()),
        "{err:?}"
    );
}

#[test]
fn sbi_expiry_beyond_max_years_is_refused() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let input = SbiInput {
        expires_on: ymd(years_later(today(), 3) + Duration::days(10)),
        ..sbi_input("1.0")
    };
    let err = sbi_refused(conn, &p, &input, 3);
    assert_eq!(
        what(&err),
        validation("PMS_SBI_EXPIRY_TOO_FAR", "expires_on")
    );
    assert!(err.message.contains("3 years"), "{}", err.message);
    // Exactly max years from today is fine.
    let input = SbiInput {
        expires_on: ymd(years_later(today(), 3)),
        ..sbi_input("1.0")
    };
    sbi::create(conn, &p.actor, &p.user, &input, 3).expect("exactly 3 years");
}

#[test]
fn sbi_expiry_one_day_beyond_max_years_is_refused() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let input = SbiInput {
        expires_on: ymd(years_later(today(), 5) + Duration::days(1)),
        ..sbi_input("1.0")
    };
    let err = sbi_refused(conn, &p, &input, 5);
    assert_eq!(
        what(&err),
        validation("PMS_SBI_EXPIRY_TOO_FAR", "expires_on")
    );
}

#[test]
fn sbi_empty_or_bad_fields_are_refused() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let err = sbi_refused(conn, &p, &sbi_input("   "), DEFAULT_SBI_MAX_YEARS);
    assert_eq!(what(&err), validation("PMS_REQUIRED", "version"));
    let long = "v".repeat(domain::device::MAX_VERSION_LEN + 1);
    let err = sbi_refused(conn, &p, &sbi_input(&long), DEFAULT_SBI_MAX_YEARS);
    assert_eq!(what(&err), validation("PMS_TOO_LONG", "version"));
    let input = SbiInput {
        created_on: "28/11/2026".into(),
        ..sbi_input("1.0")
    };
    let err = sbi_refused(conn, &p, &input, DEFAULT_SBI_MAX_YEARS);
    assert_eq!(what(&err), validation("PMS_DATE", "created_on"));
    let input = SbiInput {
        expires_on: String::new(),
        ..sbi_input("1.0")
    };
    let err = sbi_refused(conn, &p, &input, DEFAULT_SBI_MAX_YEARS);
    assert_eq!(what(&err), validation("PMS_DATE", "expires_on"));
}

#[test]
fn sbi_by_a_pending_partner_or_a_partner_of_another_type_is_forbidden() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let pending = pending_partner(conn, "dev-pending", "Device_Provider");
    let err = sbi_refused(conn, &pending, &sbi_input("1.0"), DEFAULT_SBI_MAX_YEARS);
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Forbidden, "PMS_PARTNER_NOT_APPROVED")
    );
    let ftm = ftm_provider(conn, "ftm-a");
    let err = sbi_refused(conn, &ftm, &sbi_input("1.0"), DEFAULT_SBI_MAX_YEARS);
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Forbidden, "PMS_PARTNER_TYPE")
    );
    for user in [&pending.user, &ftm.user] {
        let err = sbi::list_own(conn, user, &ItemQuery::default()).expect_err("forbidden");
        assert_eq!(err.kind, ErrorKind::Forbidden);
        let err = sbi::usable(conn, user).expect_err("forbidden");
        assert_eq!(err.kind, ErrorKind::Forbidden);
    }
}

#[test]
fn sbi_lists_filter_by_status_and_partner_and_page_oldest_first() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let a = device_provider(conn, "dev-a");
    let b = device_provider(conn, "dev-b");
    let a1 = add_sbi(conn, &a, "a1");
    let b1 = add_sbi(conn, &b, "b1");
    let a2 = approved_sbi(conn, &a, "a2");
    let a3 = add_sbi(conn, &a, "a3");
    let b2 = approved_sbi(conn, &b, "b2");

    let ids = |items: &[SbiView]| items.iter().map(|s| s.id.clone()).collect::<Vec<_>>();

    let all = sbi::list(conn, &ItemQuery::default(), None).expect("all");
    assert_eq!(all.total, 5);
    assert_eq!(
        ids(&all.items),
        [&a1.id, &b1.id, &a2.id, &a3.id, &b2.id].map(|s| s.clone())
    );
    let newest = ItemQuery {
        sort: Some("-created".into()),
        ..ItemQuery::default()
    };
    let desc = sbi::list(conn, &newest, None).expect("newest first");
    assert_eq!(
        ids(&desc.items),
        [&b2.id, &a3.id, &a2.id, &b1.id, &a1.id].map(|s| s.clone())
    );

    let pending = ItemQuery {
        status: Some("PENDING_APPROVAL".into()),
        ..ItemQuery::default()
    };
    let page = sbi::list(conn, &pending, None).expect("pending");
    assert_eq!(
        ids(&page.items),
        [&a1.id, &b1.id, &a3.id].map(|s| s.clone())
    );
    assert_eq!(page.total, 3);

    let of_a = ItemQuery {
        partner: Some("dev-a".into()),
        ..ItemQuery::default()
    };
    let page = sbi::list(conn, &of_a, None).expect("of a");
    assert_eq!(
        ids(&page.items),
        [&a1.id, &a2.id, &a3.id].map(|s| s.clone())
    );

    let approved_of_b = ItemQuery {
        status: Some("APPROVED".into()),
        partner: Some("dev-b".into()),
        ..ItemQuery::default()
    };
    let page = sbi::list(conn, &approved_of_b, None).expect("approved of b");
    assert_eq!(ids(&page.items), vec![b2.id.clone()]);

    let paged = ItemQuery {
        page: Some(2),
        page_size: Some(2),
        ..ItemQuery::default()
    };
    let page = sbi::list(conn, &paged, None).expect("page 2");
    assert_eq!((page.total, page.page, page.page_size), (5, 2, 2));
    assert_eq!(ids(&page.items), [&a2.id, &a3.id].map(|s| s.clone()));
    let last = ItemQuery {
        page: Some(3),
        page_size: Some(2),
        ..ItemQuery::default()
    };
    let page = sbi::list(conn, &last, None).expect("page 3");
    assert_eq!(ids(&page.items), vec![b2.id.clone()]);

    // The provider's own list ignores a partner filter naming someone else.
    let own_pending = ItemQuery {
        status: Some("PENDING_APPROVAL".into()),
        partner: Some("dev-b".into()),
        ..ItemQuery::default()
    };
    let own = sbi::list_own(conn, &a.user, &own_pending).expect("own pending");
    assert_eq!(ids(&own.items), [&a1.id, &a3.id].map(|s| s.clone()));
    let own = sbi::list_own(conn, &b.user, &ItemQuery::default()).expect("own of b");
    assert_eq!(ids(&own.items), [&b1.id, &b2.id].map(|s| s.clone()));

    let bad = ItemQuery {
        status: Some("LOST".into()),
        ..ItemQuery::default()
    };
    let err = sbi::list(conn, &bad, None).expect_err("unknown status");
    assert_eq!(what(&err), validation("PMS_STATUS", "status"));
}

#[test]
fn sbi_get_own_of_another_providers_sbi_is_not_found() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let a = device_provider(conn, "dev-a");
    let b = device_provider(conn, "dev-b");
    let s = add_sbi(conn, &a, "1.0");
    assert_eq!(sbi::get_own(conn, &a.user, &s.id).expect("own").id, s.id);
    let err = sbi::get_own(conn, &b.user, &s.id).expect_err("not b's");
    assert_eq!(err.kind, ErrorKind::NotFound);
    let err = sbi::get_own(conn, &a.user, "no-such-sbi").expect_err("unknown");
    assert_eq!(err.kind, ErrorKind::NotFound);
}

#[test]
fn sbi_usable_returns_only_approved_unexpired_sbis_of_the_provider() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let a = device_provider(conn, "dev-a");
    let b = device_provider(conn, "dev-b");
    let ok = approved_sbi(conn, &a, "2.0");
    let ok2 = approved_sbi(conn, &a, "1.0");
    add_sbi(conn, &a, "pending");
    let rejected = add_sbi(conn, &a, "rejected");
    sbi::decide(conn, &admin(), &rejected.id, Decision::Reject, Some("no")).expect("reject");
    let deactivated = approved_sbi(conn, &a, "deactivated");
    sbi::decide(
        conn,
        &admin(),
        &deactivated.id,
        Decision::Deactivate,
        Some("gone"),
    )
    .expect("deactivate");
    let expired = approved_sbi(conn, &a, "expired");
    set_sbi_expires_on(conn, &expired.id, domain::clock::now_ms() - 1_000);
    approved_sbi(conn, &b, "b-approved");

    let usable = sbi::usable(conn, &a.user).expect("usable");
    let ids: Vec<&str> = usable.iter().map(|s| s.id.as_str()).collect();
    // Ordered by version.
    assert_eq!(ids, [ok2.id.as_str(), ok.id.as_str()]);
}

// ---------------------------------------------------------------------------------------------
// SBI decisions
// ---------------------------------------------------------------------------------------------

#[test]
fn sbi_approve_pending_then_approving_again_is_an_illegal_transition() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let s = add_sbi(conn, &p, "1.0");
    let before = counts(conn);
    let (view, impact) =
        sbi::decide(conn, &admin(), &s.id, Decision::Approve, None).expect("approve");
    assert_eq!(view.status, ItemStatus::Approved);
    assert_eq!(view.reason, None);
    assert_eq!(impact, SbiImpact::default());
    assert_eq!(counts(conn).audit, before.audit + 1);
    assert_eq!(
        audit_actions(conn, "sbi", &s.id),
        ["SBI_ADDED", "SBI_APPROVED"]
    );

    let before = counts(conn);
    let err = sbi::decide(conn, &admin(), &s.id, Decision::Approve, None).expect_err("twice");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Conflict, "PMS_ILLEGAL_TRANSITION")
    );
    assert_eq!(counts(conn), before);
    assert_eq!(
        sbi::get(conn, &s.id).expect("get").status,
        ItemStatus::Approved
    );

    let err =
        sbi::decide(conn, &admin(), "no-such-sbi", Decision::Approve, None).expect_err("unknown");
    assert_eq!(err.kind, ErrorKind::NotFound);
}

#[test]
fn sbi_reject_needs_a_reason_and_shows_it() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let s = add_sbi(conn, &p, "1.0");
    for reason in [None, Some("   ")] {
        let before = counts(conn);
        let err = sbi::decide(conn, &admin(), &s.id, Decision::Reject, reason)
            .expect_err("reason needed");
        assert_eq!(what(&err), validation("PMS_REASON_REQUIRED", "reason"));
        assert_eq!(counts(conn), before);
    }
    assert_eq!(
        sbi::get(conn, &s.id).expect("get").status,
        ItemStatus::PendingApproval
    );
    let (view, _) = sbi::decide(
        conn,
        &admin(),
        &s.id,
        Decision::Reject,
        Some("  Hash does not match  "),
    )
    .expect("reject");
    assert_eq!(view.status, ItemStatus::Rejected);
    assert_eq!(view.reason.as_deref(), Some("Hash does not match"));
    let own = sbi::get_own(conn, &p.user, &s.id).expect("own");
    assert_eq!(own.reason.as_deref(), Some("Hash does not match"));
    assert_eq!(
        audit_actions(conn, "sbi", &s.id),
        ["SBI_ADDED", "SBI_REJECTED"]
    );
    // A rejected SBI cannot be approved any more.
    let err = sbi::decide(conn, &admin(), &s.id, Decision::Approve, None).expect_err("rejected");
    assert_eq!(err.code, "PMS_ILLEGAL_TRANSITION");
}

#[test]
fn sbi_deactivate_only_an_approved_one() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let pending = add_sbi(conn, &p, "1.0");
    let before = counts(conn);
    let err = sbi::decide(
        conn,
        &admin(),
        &pending.id,
        Decision::Deactivate,
        Some("old"),
    )
    .expect_err("pending");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Conflict, "PMS_ILLEGAL_TRANSITION")
    );
    assert_eq!(counts(conn), before);

    let approved = approved_sbi(conn, &p, "2.0");
    let err = sbi::decide(conn, &admin(), &approved.id, Decision::Deactivate, None)
        .expect_err("reason needed");
    assert_eq!(what(&err), validation("PMS_REASON_REQUIRED", "reason"));
    let (view, impact) = sbi::decide(
        conn,
        &admin(),
        &approved.id,
        Decision::Deactivate,
        Some("Vulnerable"),
    )
    .expect("deactivate");
    assert_eq!(view.status, ItemStatus::Deactivated);
    assert_eq!(view.reason.as_deref(), Some("Vulnerable"));
    assert_eq!(impact, SbiImpact::default());
    let err = sbi::decide(
        conn,
        &admin(),
        &approved.id,
        Decision::Deactivate,
        Some("again"),
    )
    .expect_err("twice");
    assert_eq!(err.code, "PMS_ILLEGAL_TRANSITION");
}

#[test]
fn sbi_reactivate_and_resubmit_decisions_are_refused() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let pending = add_sbi(conn, &p, "1.0");
    let deactivated = approved_sbi(conn, &p, "2.0");
    sbi::decide(
        conn,
        &admin(),
        &deactivated.id,
        Decision::Deactivate,
        Some("old"),
    )
    .expect("deactivate");
    for id in [&pending.id, &deactivated.id] {
        for decision in [Decision::Reactivate, Decision::Resubmit] {
            let before = counts(conn);
            let err = sbi::decide(conn, &admin(), id, decision, Some("why")).expect_err("refused");
            assert_eq!(
                (err.kind, err.code.as_str()),
                (ErrorKind::BadRequest, "PMS_DECISION_INVALID"),
                "{decision:?}"
            );
            assert_eq!(counts(conn), before);
        }
    }
    assert_eq!(
        sbi::get(conn, &deactivated.id).expect("get").status,
        ItemStatus::Deactivated
    );
}

// ---------------------------------------------------------------------------------------------
// SBI deactivation cascade
// ---------------------------------------------------------------------------------------------

#[test]
fn sbi_deactivation_deactivates_approved_and_rejects_pending_devices_that_depend_on_it() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let s = approved_sbi(conn, &p, "1.0");
    let other = approved_sbi(conn, &p, "2.0");
    let approved = add_device(conn, &p, &device_input(&[&s.id], "Acme", "F1"));
    model::decide(conn, &admin(), &approved.id, Decision::Approve, None).expect("approve");
    let pending = add_device(conn, &p, &device_input(&[&s.id], "Acme", "F2"));
    let shared = add_device(conn, &p, &device_input(&[&s.id, &other.id], "Acme", "F3"));
    model::decide(conn, &admin(), &shared.id, Decision::Approve, None).expect("approve");
    let shared_pending = add_device(conn, &p, &device_input(&[&s.id, &other.id], "Acme", "F4"));
    assert_eq!(sbi::get(conn, &s.id).expect("get").devices, 4);

    let impact = sbi::impact(conn, &s.id).expect("impact");
    assert_eq!(
        impact,
        SbiImpact {
            devices_deactivated: 1,
            devices_rejected: 1
        }
    );
    // Asking changes nothing.
    assert_eq!(
        model::get(conn, &approved.id).expect("get").status,
        ItemStatus::Approved
    );

    let before = counts(conn);
    let (view, done) = sbi::decide(
        conn,
        &admin(),
        &s.id,
        Decision::Deactivate,
        Some("Vulnerable build"),
    )
    .expect("deactivate");
    assert_eq!(view.status, ItemStatus::Deactivated);
    assert_eq!(done, impact);
    // One row for the SBI and one per device changed.
    assert_eq!(counts(conn).audit, before.audit + 3);
    assert_eq!(counts(conn).devices, before.devices);

    let d = model::get(conn, &approved.id).expect("approved device");
    assert_eq!(d.status, ItemStatus::Deactivated);
    let reason = d.reason.expect("reason");
    assert!(reason.contains("SBI"), "{reason}");
    assert!(reason.contains("Vulnerable build"), "{reason}");
    assert_eq!(
        audit_actions(conn, "device", &approved.id),
        ["DEVICE_ADDED", "DEVICE_APPROVED", "DEVICE_DEACTIVATED"]
    );

    let d = model::get(conn, &pending.id).expect("pending device");
    assert_eq!(d.status, ItemStatus::Rejected);
    let reason = d.reason.expect("reason");
    assert!(reason.contains("SBI"), "{reason}");
    assert!(reason.contains("Vulnerable build"), "{reason}");
    assert_eq!(
        audit_actions(conn, "device", &pending.id),
        ["DEVICE_ADDED", "DEVICE_REJECTED"]
    );

    // Devices that also work with another approved SBI are not affected.
    let d = model::get(conn, &shared.id).expect("shared");
    assert_eq!((d.status, d.reason), (ItemStatus::Approved, None));
    assert_eq!(
        audit_actions(conn, "device", &shared.id),
        ["DEVICE_ADDED", "DEVICE_APPROVED"]
    );
    let d = model::get(conn, &shared_pending.id).expect("shared pending");
    assert_eq!((d.status, d.reason), (ItemStatus::PendingApproval, None));
    let link = d.sbis.iter().find(|l| l.id == s.id).expect("still linked");
    assert_eq!(link.status, ItemStatus::Deactivated);

    let actions = audit_actions(conn, "sbi", &s.id);
    assert_eq!(actions.last().map(String::as_str), Some("SBI_DEACTIVATED"));
}

/// Event payloads of `topic`, oldest first.
fn events(conn: &mut AnyConnection, topic: &str) -> Vec<serde_json::Value> {
    outbox::table
        .filter(outbox::topic.eq(topic))
        .order(outbox::id.asc())
        .select(outbox::payload)
        .load::<String>(conn)
        .expect("outbox")
        .iter()
        .map(|p| {
            serde_json::from_str::<serde_json::Value>(p).expect("json")["event"]["data"].clone()
        })
        .collect()
}

/// (kind, title, body) of the notifications of a partner, oldest first.
fn news_of(conn: &mut AnyConnection, partner_id: &str) -> Vec<(String, String, String)> {
    notifications::table
        .filter(notifications::partner_id.eq(partner_id))
        .order((notifications::created_at.asc(), notifications::id.asc()))
        .select((
            notifications::kind,
            notifications::title,
            notifications::body,
        ))
        .load(conn)
        .expect("notifications")
}

// ---------------------------------------------------------------------------------------------
// Providers retire their own items
// ---------------------------------------------------------------------------------------------

#[test]
fn provider_retiring_its_sbi_cascades_like_an_admin_with_events_and_no_news_to_itself() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let s = approved_sbi(conn, &p, "1.0");
    let approved = add_device(conn, &p, &device_input(&[&s.id], "Acme", "F1"));
    model::decide(conn, &admin(), &approved.id, Decision::Approve, None).expect("approve");
    let pending = add_device(conn, &p, &device_input(&[&s.id], "Acme", "F2"));
    let news_before = news_of(conn, &p.id).len();

    // A reason is required, and nothing changes without one.
    let before = counts(conn);
    let err = sbi::retire_own(conn, &p.actor, &p.user, &s.id, Some("  ")).expect_err("no reason");
    assert_eq!(err.field.as_deref(), Some("reason"), "{err:?}");
    assert_eq!(counts(conn), before);

    let (view, impact) =
        sbi::retire_own(conn, &p.actor, &p.user, &s.id, Some("End of support")).expect("retired");
    assert_eq!(view.status, ItemStatus::Deactivated);
    assert_eq!(view.reason.as_deref(), Some("End of support"));
    assert_eq!(
        impact,
        SbiImpact {
            devices_deactivated: 1,
            devices_rejected: 1
        }
    );
    assert_eq!(
        model::get(conn, &approved.id).expect("get").status,
        ItemStatus::Deactivated
    );
    assert_eq!(
        model::get(conn, &pending.id).expect("get").status,
        ItemStatus::Rejected
    );
    // Audited as the provider's own act.
    let (action, actor): (String, Option<String>) = audit_log::table
        .filter(audit_log::entity_type.eq("sbi"))
        .filter(audit_log::entity_id.eq(&s.id))
        .order(audit_log::id.desc())
        .select((audit_log::action, audit_log::actor_id))
        .first(conn)
        .expect("audit");
    assert_eq!(
        (action.as_str(), actor),
        ("SBI_DEACTIVATED", Some(p.user.id.clone()))
    );
    // Downstream hears of the SBI and of both devices.
    let sbi_events = events(conn, "SBI_UPDATED");
    let last = sbi_events.last().expect("SBI event");
    assert_eq!(last["id"], s.id.as_str());
    assert_eq!(last["status"], "DEACTIVATED");
    assert_eq!(last["reason"], "End of support");
    let device_events = events(conn, "DEVICE_UPDATED");
    for (id, status) in [(&approved.id, "DEACTIVATED"), (&pending.id, "REJECTED")] {
        assert!(
            device_events
                .iter()
                .any(|e| e["id"] == id.as_str() && e["status"] == status),
            "{id} {status}: {device_events:?}"
        );
    }
    // The provider did it: it gets no news of its own act.
    assert_eq!(news_of(conn, &p.id).len(), news_before);
}

#[test]
fn provider_cannot_retire_another_providers_or_a_pending_item() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let a = device_provider(conn, "dev-a");
    let b = device_provider(conn, "dev-b");
    let s = approved_sbi(conn, &a, "1.0");
    let d = add_device(conn, &a, &device_input(&[&s.id], "Acme", "F1"));
    let f = ftm_provider(conn, "ftm-a");
    let before = counts(conn);
    // Another provider's: as if it did not exist.
    let err = sbi::retire_own(conn, &b.actor, &b.user, &s.id, Some("x")).expect_err("foreign");
    assert_eq!(err.kind, ErrorKind::NotFound, "{err:?}");
    let err = model::retire_own(conn, &b.actor, &b.user, &d.id, Some("x")).expect_err("foreign");
    assert_eq!(err.kind, ErrorKind::NotFound, "{err:?}");
    // A pending device is not retired: the admin rejects it.
    let err = model::retire_own(conn, &a.actor, &a.user, &d.id, Some("x")).expect_err("pending");
    assert_eq!(err.code, "PMS_ILLEGAL_TRANSITION", "{err:?}");
    // An FTM provider is not a device provider.
    let err = sbi::retire_own(conn, &f.actor, &f.user, &s.id, Some("x")).expect_err("type");
    assert_eq!(err.kind, ErrorKind::Forbidden, "{err:?}");
    assert_eq!(counts(conn), before);

    model::decide(conn, &admin(), &d.id, Decision::Approve, None).expect("approve");
    let view =
        model::retire_own(conn, &a.actor, &a.user, &d.id, Some("Discontinued")).expect("retired");
    assert_eq!(view.status, ItemStatus::Deactivated);
    assert_eq!(
        audit_actions(conn, "device", &d.id)
            .last()
            .map(String::as_str),
        Some("DEVICE_DEACTIVATED")
    );
    let last = events(conn, "DEVICE_UPDATED").pop().expect("event");
    assert_eq!(
        (last["id"].as_str(), last["status"].as_str()),
        (Some(d.id.as_str()), Some("DEACTIVATED"))
    );
    // The SBI stays approved.
    assert_eq!(
        sbi::get(conn, &s.id).expect("get").status,
        ItemStatus::Approved
    );
}

#[test]
fn admin_decisions_on_items_are_news_for_the_provider_in_its_language() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    diesel::update(domain::schema::partners::table.filter(domain::schema::partners::id.eq(&p.id)))
        .set(domain::schema::partners::language.eq("fra"))
        .execute(conn)
        .expect("language");
    let before = news_of(conn, &p.id).len();
    let s = add_sbi(conn, &p, "1.0");
    sbi::decide(
        conn,
        &admin(),
        &s.id,
        Decision::Reject,
        Some("Hash mismatch"),
    )
    .expect("reject");
    let news = news_of(conn, &p.id);
    assert_eq!(news.len(), before + 1, "{news:?}");
    let (kind, title, body) = news.last().expect("news");
    assert_eq!(kind, "STATUS_CHANGE");
    assert_eq!(title, "SBI rejeté");
    assert!(
        body.contains("« 1.0 »") && body.contains("Motif : Hash mismatch"),
        "{body}"
    );
    let last = events(conn, "SBI_UPDATED").pop().expect("event");
    assert_eq!(last["status"], "REJECTED");
    // Without SMTP (nothing in this test binary turns mail on), news is not mailed.
    let mails: i64 = domain::schema::mail_queue::table
        .count()
        .get_result(conn)
        .expect("mails");
    assert_eq!(mails, 0);
}

#[test]
fn ftm_provider_retires_its_own_approved_chip() {
    let env = env();
    let conn = &mut env.db.conn();
    let p = ftm_provider(conn, "ftm-a");
    let ca = trusted_chain(conn, &env, "FTM");
    let c = add_chip(conn, &p, "Acme", "Secure 1");
    upload(conn, &env, &p, &c.id, &leaf(&p.org, &ca)).expect("certificate");
    let err = chip::retire_own(conn, &p.actor, &p.user, &c.id, Some("x")).expect_err("pending");
    assert_eq!(err.code, "PMS_ILLEGAL_TRANSITION", "{err:?}");
    chip::decide(conn, &admin(), &c.id, Decision::Approve, None).expect("approve");
    let news = news_of(conn, &p.id);
    assert_eq!(news.last().map(|n| n.1.as_str()), Some("FTM chip approved"));
    let other = ftm_provider(conn, "ftm-b");
    let err =
        chip::retire_own(conn, &other.actor, &other.user, &c.id, Some("x")).expect_err("foreign");
    assert_eq!(err.kind, ErrorKind::NotFound);
    let view = chip::retire_own(conn, &p.actor, &p.user, &c.id, Some("Recalled")).expect("retired");
    assert_eq!(
        (view.status, view.reason.as_deref()),
        (ItemStatus::Deactivated, Some("Recalled"))
    );
    let last = events(conn, "FTM_CHIP_UPDATED").pop().expect("event");
    assert_eq!(
        (last["id"].as_str(), last["status"].as_str()),
        (Some(c.id.as_str()), Some("DEACTIVATED"))
    );
    assert_eq!(
        news_of(conn, &p.id).len(),
        news.len(),
        "no news of its own act"
    );
}

// ---------------------------------------------------------------------------------------------
// Devices
// ---------------------------------------------------------------------------------------------

#[test]
fn device_added_to_an_approved_sbi_is_pending_with_its_link() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let s = approved_sbi(conn, &p, "1.0");
    let before = counts(conn);
    let input = DeviceInput {
        sbi_ids: vec![format!(" {} ", s.id), s.id.clone()],
        device_type: "Iris".into(),
        sub_type: "Double".into(),
        make: "  Acme ".into(),
        model: "Eye 2".into(),
    };
    let d = add_device(conn, &p, &input);
    assert_eq!(d.status, ItemStatus::PendingApproval);
    assert_eq!(
        (
            d.device_type.as_str(),
            d.sub_type.as_str(),
            d.make.as_str(),
            d.model.as_str()
        ),
        ("Iris", "Double", "Acme", "Eye 2")
    );
    assert_eq!(
        (d.partner_id.as_str(), d.organisation.as_str()),
        ("dev-a", p.org.as_str())
    );
    assert_eq!(d.sbis.len(), 1);
    assert_eq!(
        (
            d.sbis[0].id.as_str(),
            d.sbis[0].version.as_str(),
            d.sbis[0].status
        ),
        (s.id.as_str(), "1.0", ItemStatus::Approved)
    );
    let after = counts(conn);
    assert_eq!(
        (after.devices, after.links, after.audit),
        (before.devices + 1, before.links + 1, before.audit + 1)
    );
    assert_eq!(audit_actions(conn, "device", &d.id), ["DEVICE_ADDED"]);
    assert_eq!(sbi::get(conn, &s.id).expect("sbi").devices, 1);

    let approved = model::decide(conn, &admin(), &d.id, Decision::Approve, None).expect("ok");
    assert_eq!(approved.status, ItemStatus::Approved);
}

#[test]
fn device_on_a_pending_sbi_is_refused() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let s = add_sbi(conn, &p, "1.0");
    let err = device_refused(conn, &p, &device_input(&[&s.id], "Acme", "F1"));
    assert_eq!(
        what(&err),
        validation("PMS_DEVICE_SBI_NOT_APPROVED", "sbi_ids")
    );
}

#[test]
fn device_on_an_expired_sbi_is_refused() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let s = approved_sbi(conn, &p, "1.0");
    set_sbi_expires_on(conn, &s.id, domain::clock::now_ms() - 60_000);
    let err = device_refused(conn, &p, &device_input(&[&s.id], "Acme", "F1"));
    assert_eq!(what(&err), validation("PMS_DEVICE_SBI_EXPIRED", "sbi_ids"));
}

#[test]
fn device_on_another_providers_or_an_unknown_sbi_is_refused() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let a = device_provider(conn, "dev-a");
    let b = device_provider(conn, "dev-b");
    let mine = approved_sbi(conn, &a, "1.0");
    let theirs = approved_sbi(conn, &b, "1.0");
    for ids in [vec![&theirs.id], vec![&mine.id, &theirs.id]] {
        let ids: Vec<&str> = ids.iter().map(|s| s.as_str()).collect();
        let err = device_refused(conn, &a, &device_input(&ids, "Acme", "F1"));
        assert_eq!(what(&err), validation("PMS_DEVICE_SBI_UNKNOWN", "sbi_ids"));
    }
    let err = device_refused(conn, &a, &device_input(&["nope"], "Acme", "F1"));
    assert_eq!(what(&err), validation("PMS_DEVICE_SBI_UNKNOWN", "sbi_ids"));
}

#[test]
fn device_without_sbi_is_refused() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    for ids in [vec![], vec!["  ", ""]] {
        let err = device_refused(conn, &p, &device_input(&ids, "Acme", "F1"));
        assert_eq!(what(&err), validation("PMS_DEVICE_SBI_REQUIRED", "sbi_ids"));
    }
}

#[test]
fn device_of_an_unknown_type_and_sub_type_pair_is_refused() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let s = approved_sbi(conn, &p, "1.0");
    for (t, st) in [("Iris", "Slap"), ("Palm", "Slap"), ("Finger", "")] {
        let input = DeviceInput {
            device_type: t.into(),
            sub_type: st.into(),
            ..device_input(&[&s.id], "Acme", "F1")
        };
        let err = device_refused(conn, &p, &input);
        assert_eq!(
            what(&err),
            validation("PMS_DEVICE_TYPE", "sub_type"),
            "{t}/{st}"
        );
    }
    let types = model::types(conn).expect("types");
    let iris = types
        .iter()
        .find(|t| t.device_type == "Iris")
        .expect("Iris");
    assert_eq!(iris.sub_types, ["Double", "Single"]);
}

#[test]
fn device_make_or_model_of_37_characters_is_refused() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let s = approved_sbi(conn, &p, "1.0");
    let long = "m".repeat(37);
    let err = device_refused(conn, &p, &device_input(&[&s.id], &long, "F1"));
    assert_eq!(what(&err), validation("PMS_TOO_LONG", "make"));
    let err = device_refused(conn, &p, &device_input(&[&s.id], "Acme", &long));
    assert_eq!(what(&err), validation("PMS_TOO_LONG", "model"));
    let err = device_refused(conn, &p, &device_input(&[&s.id], " ", "F1"));
    assert_eq!(what(&err), validation("PMS_REQUIRED", "make"));
    // 36 is fine.
    let ok = "m".repeat(36);
    add_device(conn, &p, &device_input(&[&s.id], &ok, &ok));
}

#[test]
fn device_duplicate_while_live_is_a_conflict_and_allowed_once_rejected() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let other = device_provider(conn, "dev-b");
    let s = approved_sbi(conn, &p, "1.0");
    let first = add_device(conn, &p, &device_input(&[&s.id], "Acme", "F1"));

    let err = device_refused(conn, &p, &device_input(&[&s.id], "ACME", "f1"));
    assert_eq!(
        what(&err),
        (ErrorKind::Conflict, "PMS_DEVICE_TAKEN", Some("model"))
    );
    model::decide(conn, &admin(), &first.id, Decision::Approve, None).expect("approve");
    let err = device_refused(conn, &p, &device_input(&[&s.id], " acme ", "F1"));
    assert_eq!(
        what(&err),
        (ErrorKind::Conflict, "PMS_DEVICE_TAKEN", Some("model"))
    );

    // Another sub-type, or another provider, is not a duplicate.
    let single = DeviceInput {
        sub_type: "Single".into(),
        ..device_input(&[&s.id], "Acme", "F1")
    };
    add_device(conn, &p, &single);
    let s2 = approved_sbi(conn, &other, "1.0");
    add_device(conn, &other, &device_input(&[&s2.id], "Acme", "F1"));

    // Deactivated: allowed again.
    model::decide(conn, &admin(), &first.id, Decision::Deactivate, Some("old")).expect("off");
    let second = add_device(conn, &p, &device_input(&[&s.id], "acme", "f1"));
    let err = device_refused(conn, &p, &device_input(&[&s.id], "Acme", "F1"));
    assert_eq!(err.code, "PMS_DEVICE_TAKEN");
    // Rejected: allowed again.
    model::decide(conn, &admin(), &second.id, Decision::Reject, Some("typo")).expect("reject");
    let third = add_device(conn, &p, &device_input(&[&s.id], "Acme", "F1"));
    assert_eq!(third.status, ItemStatus::PendingApproval);
}

#[test]
fn device_linked_to_two_sbis() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let s1 = approved_sbi(conn, &p, "1.0");
    let s2 = approved_sbi(conn, &p, "2.0");
    let before = counts(conn);
    let d = add_device(conn, &p, &device_input(&[&s2.id, &s1.id], "Acme", "F1"));
    let versions: Vec<&str> = d.sbis.iter().map(|l| l.version.as_str()).collect();
    assert_eq!(versions, ["1.0", "2.0"]);
    assert_eq!(counts(conn).links, before.links + 2);
    for s in [&s1, &s2] {
        assert_eq!(sbi::get(conn, &s.id).expect("sbi").devices, 1);
        let page = model::list(conn, &ItemQuery::default(), None, Some(&s.id)).expect("of sbi");
        assert_eq!(page.total, 1);
        assert_eq!(page.items[0].id, d.id);
        let own =
            model::list_own(conn, &p.user, &ItemQuery::default(), Some(&s.id)).expect("own of sbi");
        assert_eq!(own.total, 1);
    }
}

#[test]
fn device_whose_sbis_are_all_deactivated_cannot_be_approved_but_can_be_rejected() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let s1 = approved_sbi(conn, &p, "1.0");
    let s2 = approved_sbi(conn, &p, "2.0");
    let d = add_device(conn, &p, &device_input(&[&s1.id, &s2.id], "Acme", "F1"));
    // Withdrawn behind the cascade's back (as an operator would with SQL).
    set_sbi_status(conn, &s1.id, ItemStatus::Deactivated);
    set_sbi_status(conn, &s2.id, ItemStatus::Deactivated);
    let before = counts(conn);
    let err = model::decide(conn, &admin(), &d.id, Decision::Approve, None).expect_err("no SBI");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Conflict, "PMS_DEVICE_NO_SBI")
    );
    assert_eq!(counts(conn), before);
    assert_eq!(
        model::get(conn, &d.id).expect("get").status,
        ItemStatus::PendingApproval
    );
    let view = model::decide(conn, &admin(), &d.id, Decision::Reject, Some("No SBI left"))
        .expect("reject");
    assert_eq!(view.status, ItemStatus::Rejected);
    assert_eq!(view.reason.as_deref(), Some("No SBI left"));
    assert_eq!(
        audit_actions(conn, "device", &d.id),
        ["DEVICE_ADDED", "DEVICE_REJECTED"]
    );
}

#[test]
fn device_decisions_follow_the_transitions() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let s = approved_sbi(conn, &p, "1.0");
    let d = add_device(conn, &p, &device_input(&[&s.id], "Acme", "F1"));
    let err = model::decide(conn, &admin(), &d.id, Decision::Reject, None).expect_err("reason");
    assert_eq!(what(&err), validation("PMS_REASON_REQUIRED", "reason"));
    let err =
        model::decide(conn, &admin(), &d.id, Decision::Deactivate, Some("x")).expect_err("pending");
    assert_eq!(err.code, "PMS_ILLEGAL_TRANSITION");
    let err =
        model::decide(conn, &admin(), &d.id, Decision::Reactivate, None).expect_err("reactivate");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::BadRequest, "PMS_DECISION_INVALID")
    );
    model::decide(conn, &admin(), &d.id, Decision::Approve, None).expect("approve");
    let err = model::decide(conn, &admin(), &d.id, Decision::Approve, None).expect_err("approved");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Conflict, "PMS_ILLEGAL_TRANSITION")
    );
    let view = model::decide(
        conn,
        &admin(),
        &d.id,
        Decision::Deactivate,
        Some("Recalled"),
    )
    .expect("deactivate");
    assert_eq!(
        (view.status, view.reason.as_deref()),
        (ItemStatus::Deactivated, Some("Recalled"))
    );
}

// ---------------------------------------------------------------------------------------------
// FTM chips
// ---------------------------------------------------------------------------------------------

#[test]
fn chip_is_created_waiting_for_its_certificate_and_cannot_be_approved_without_it() {
    let env = env();
    let conn = &mut env.db.conn();
    let p = ftm_provider(conn, "ftm-a");
    let before = counts(conn);
    let c = add_chip(conn, &p, " Acme ", "Chip 1");
    assert_eq!(c.status, ItemStatus::PendingCertUpload);
    assert_eq!((c.make.as_str(), c.model.as_str()), ("Acme", "Chip 1"));
    assert_eq!((c.cert_subject, c.cert_not_after), (None, None));
    let after = counts(conn);
    assert_eq!(
        (after.chips, after.audit),
        (before.chips + 1, before.audit + 1)
    );
    assert_eq!(audit_actions(conn, "ftm_chip", &c.id), ["FTM_CHIP_ADDED"]);

    let before = counts(conn);
    let err = chip::decide(conn, &admin(), &c.id, Decision::Approve, None).expect_err("no cert");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Conflict, "PMS_ILLEGAL_TRANSITION")
    );
    assert!(err.message.contains("certificate"), "{}", err.message);
    assert_eq!(counts(conn), before);
    let err = chip::certificates(conn, &c.id, None).expect_err("no certificate yet");
    assert_eq!(err.kind, ErrorKind::NotFound);

    // A chip waiting for its certificate can be rejected.
    let view = chip::decide(
        conn,
        &admin(),
        &c.id,
        Decision::Reject,
        Some("Unknown chip"),
    )
    .expect("reject");
    assert_eq!(view.status, ItemStatus::Rejected);
}

#[test]
fn chip_certificate_upload_resigns_it_and_the_chip_can_then_be_approved() {
    let env = env();
    let conn = &mut env.db.conn();
    let int = trusted_chain(conn, &env, "FTM");
    let p = ftm_provider(conn, "ftm-a");
    let c = add_chip(conn, &p, "Acme", "Chip 1");
    let pem = leaf(&p.org, &int);
    let before = counts(conn);
    let view = upload(conn, &env, &p, &c.id, &pem).expect("upload");
    assert_eq!(view.status, ItemStatus::PendingApproval);
    let subject = view.cert_subject.clone().expect("subject");
    assert!(subject.contains(&p.org), "{subject}");
    assert!(view.cert_not_after.is_some());
    assert_eq!(counts(conn).audit, before.audit + 1);
    assert_eq!(counts(conn).chips, before.chips);
    assert_eq!(
        audit_actions(conn, "ftm_chip", &c.id),
        ["FTM_CHIP_ADDED", "FTM_CHIP_CERTIFICATE_UPLOADED"]
    );

    for owner in [None, Some(&p.user)] {
        let certs = chip::certificates(conn, &c.id, owner).expect("certificates");
        assert!(!certs.expired);
        assert_eq!(pem_der(&certs.pem), pem_der(&pem));
        let resigned_der = pem_der(&certs.resigned_pem);
        let (_, resigned) =
            x509_parser::parse_x509_certificate(&resigned_der).expect("re-signed parses");
        let ca = signing::signing_cas(conn)
            .expect("signing CAs")
            .into_iter()
            .find(|c| c.domain == CertDomain::Ftm)
            .expect("FTM signing CA");
        let ca_der = pem_der(&ca.pem);
        let (_, ca) = x509_parser::parse_x509_certificate(&ca_der).expect("CA parses");
        assert_eq!(resigned.issuer().as_raw(), ca.subject().as_raw());
        resigned
            .verify_signature(Some(ca.public_key()))
            .expect("signed by the FTM signing CA");
        let uploaded_der = pem_der(&pem);
        let (_, uploaded) = x509_parser::parse_x509_certificate(&uploaded_der).expect("parse");
        assert_eq!(resigned.subject().as_raw(), uploaded.subject().as_raw());
        assert_eq!(resigned.public_key().raw, uploaded.public_key().raw);
    }

    // Replacing it while pending approval is allowed.
    let pem2 = leaf(&p.org, &int);
    upload(conn, &env, &p, &c.id, &pem2).expect("replace");
    let certs = chip::certificates(conn, &c.id, None).expect("certificates");
    assert_eq!(pem_der(&certs.pem), pem_der(&pem2));

    let approved = chip::decide(conn, &admin(), &c.id, Decision::Approve, None).expect("approve");
    assert_eq!(approved.status, ItemStatus::Approved);

    let before = counts(conn);
    let err = upload(conn, &env, &p, &c.id, &leaf(&p.org, &int)).expect_err("decided");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Conflict, "PMS_CHIP_DECIDED")
    );
    assert_eq!(counts(conn), before);
    let certs = chip::certificates(conn, &c.id, None).expect("certificates");
    assert_eq!(pem_der(&certs.pem), pem_der(&pem2));
}

#[test]
fn chip_certificate_of_another_organisation_is_refused_on_organisation() {
    let env = env();
    let conn = &mut env.db.conn();
    let int = trusted_chain(conn, &env, "FTM");
    let p = ftm_provider(conn, "ftm-a");
    let c = add_chip(conn, &p, "Acme", "Chip 1");
    let before = counts(conn);
    let err = upload(conn, &env, &p, &c.id, &leaf("Someone Else Ltd", &int)).expect_err("org");
    assert_eq!(
        what(&err),
        validation("PMS_CERT_REFUSED", "certificate"),
        "{err:#?}"
    );
    assert!(
        violation_paths(&err).contains(&"organisation"),
        "{:?}",
        err.details
    );
    assert_eq!(counts(conn), before);
    let view = chip::get(conn, &c.id).expect("get");
    assert_eq!(view.status, ItemStatus::PendingCertUpload);
    assert_eq!(view.cert_subject, None);
}

#[test]
fn chip_certificate_chaining_only_to_an_auth_root_is_refused_on_chain() {
    let env = env();
    let conn = &mut env.db.conn();
    trusted_chain(conn, &env, "FTM");
    let auth = trusted_chain(conn, &env, "AUTH");
    let p = ftm_provider(conn, "ftm-a");
    let c = add_chip(conn, &p, "Acme", "Chip 1");
    let before = counts(conn);
    let err = upload(conn, &env, &p, &c.id, &leaf(&p.org, &auth)).expect_err("chain");
    assert_eq!(
        what(&err),
        validation("PMS_CERT_REFUSED", "certificate"),
        "{err:#?}"
    );
    assert!(
        violation_paths(&err).contains(&"chain"),
        "{:?}",
        err.details
    );
    assert_eq!(counts(conn), before);
    assert_eq!(
        chip::get(conn, &c.id).expect("get").status,
        ItemStatus::PendingCertUpload
    );
}

#[test]
fn chip_of_another_provider_is_not_found_for_upload_and_download() {
    let env = env();
    let conn = &mut env.db.conn();
    let int = trusted_chain(conn, &env, "FTM");
    let a = ftm_provider(conn, "ftm-a");
    let b = ftm_provider(conn, "ftm-b");
    let c = add_chip(conn, &a, "Acme", "Chip 1");
    let before = counts(conn);
    let err = upload(conn, &env, &b, &c.id, &leaf(&b.org, &int)).expect_err("not b's");
    assert_eq!(err.kind, ErrorKind::NotFound, "{err:?}");
    assert_eq!(counts(conn), before);
    assert_eq!(
        chip::get(conn, &c.id).expect("get").status,
        ItemStatus::PendingCertUpload
    );

    upload(conn, &env, &a, &c.id, &leaf(&a.org, &int)).expect("upload");
    chip::certificates(conn, &c.id, Some(&a.user)).expect("own");
    let err = chip::certificates(conn, &c.id, Some(&b.user)).expect_err("not b's");
    assert_eq!(err.kind, ErrorKind::NotFound);
    let err = chip::certificates(conn, "no-such-chip", None).expect_err("unknown");
    assert_eq!(err.kind, ErrorKind::NotFound);
}

#[test]
fn chip_duplicate_make_and_model_while_live_is_taken() {
    let env = env();
    let conn = &mut env.db.conn();
    let a = ftm_provider(conn, "ftm-a");
    let b = ftm_provider(conn, "ftm-b");
    let first = add_chip(conn, &a, "Acme", "Chip 1");
    let before = counts(conn);
    let err = chip::create(conn, &a.actor, &a.user, "ACME", " chip 1 ").expect_err("taken");
    assert_eq!(
        what(&err),
        (ErrorKind::Conflict, "PMS_CHIP_TAKEN", Some("model"))
    );
    assert_eq!(counts(conn), before);
    // Another provider may use it.
    add_chip(conn, &b, "Acme", "Chip 1");
    // Once rejected, it can be declared again.
    chip::decide(conn, &admin(), &first.id, Decision::Reject, Some("dup")).expect("reject");
    add_chip(conn, &a, "acme", "CHIP 1");

    let long = "c".repeat(37);
    let err = chip::create(conn, &a.actor, &a.user, &long, "x").expect_err("long");
    assert_eq!(what(&err), validation("PMS_TOO_LONG", "make"));
    let err = chip::create(conn, &a.actor, &a.user, "x", &long).expect_err("long");
    assert_eq!(what(&err), validation("PMS_TOO_LONG", "model"));
}

#[test]
fn chip_by_a_device_provider_or_a_pending_partner_is_forbidden() {
    let env = env();
    let conn = &mut env.db.conn();
    let dev = device_provider(conn, "dev-a");
    let pending = pending_partner(conn, "ftm-pending", "FTM_Provider");
    let before = counts(conn);
    let err = chip::create(conn, &dev.actor, &dev.user, "Acme", "C1").expect_err("type");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Forbidden, "PMS_PARTNER_TYPE")
    );
    let err = chip::create(conn, &pending.actor, &pending.user, "Acme", "C1").expect_err("pending");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Forbidden, "PMS_PARTNER_NOT_APPROVED")
    );
    assert_eq!(counts(conn), before);
}

// ---------------------------------------------------------------------------------------------
// Ownership
// ---------------------------------------------------------------------------------------------

#[test]
fn list_own_never_shows_another_providers_items() {
    let env = env();
    let conn = &mut env.db.conn();
    let a = device_provider(conn, "dev-a");
    let b = device_provider(conn, "dev-b");
    let fa = ftm_provider(conn, "ftm-a");
    let fb = ftm_provider(conn, "ftm-b");
    let sa = approved_sbi(conn, &a, "1.0");
    let sb = approved_sbi(conn, &b, "1.0");
    add_sbi(conn, &b, "2.0");
    add_device(conn, &a, &device_input(&[&sa.id], "Acme", "A1"));
    add_device(conn, &b, &device_input(&[&sb.id], "Acme", "B1"));
    add_device(conn, &b, &device_input(&[&sb.id], "Acme", "B2"));
    add_chip(conn, &fa, "Acme", "FA1");
    add_chip(conn, &fb, "Acme", "FB1");
    add_chip(conn, &fb, "Acme", "FB2");

    let everyone = ItemQuery {
        partner: Some("dev-b".into()),
        ..ItemQuery::default()
    };
    let own = sbi::list_own(conn, &a.user, &everyone).expect("sbis");
    assert_eq!(own.total, 1);
    assert!(own.items.iter().all(|s| s.partner_id == "dev-a"));
    let own = model::list_own(conn, &a.user, &everyone, None).expect("devices");
    assert_eq!(own.total, 1);
    assert!(own.items.iter().all(|d| d.partner_id == "dev-a"));
    // Another provider's SBI as the filter shows nothing.
    let own = model::list_own(conn, &a.user, &ItemQuery::default(), Some(&sb.id)).expect("sbi");
    assert_eq!(own.total, 0);
    assert!(own.items.is_empty());
    let own = model::list_own(conn, &b.user, &ItemQuery::default(), None).expect("devices");
    assert_eq!(own.total, 2);
    assert!(own.items.iter().all(|d| d.partner_id == "dev-b"));

    let other_ftm = ItemQuery {
        partner: Some("ftm-b".into()),
        ..ItemQuery::default()
    };
    let own = chip::list_own(conn, &fa.user, &other_ftm).expect("chips");
    assert_eq!(own.total, 1);
    assert!(own.items.iter().all(|c| c.partner_id == "ftm-a"));
    let all = chip::list(conn, &ItemQuery::default(), None).expect("all chips");
    assert_eq!(all.total, 3);
    let all = model::list(conn, &ItemQuery::default(), None, None).expect("all devices");
    assert_eq!(all.total, 3);
    let finger = ItemQuery {
        device_type: Some("Iris".into()),
        ..ItemQuery::default()
    };
    assert_eq!(
        model::list(conn, &finger, None, None)
            .expect("iris devices")
            .total,
        0
    );
}

// ---------------------------------------------------------------------------------------------
// Linking a device to another SBI, chip decisions, lists
// ---------------------------------------------------------------------------------------------

#[test]
fn device_is_linked_to_a_newer_sbi_once_with_an_audit_row() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let s1 = approved_sbi(conn, &p, "1.0");
    let d = add_device(conn, &p, &device_input(&[&s1.id], "Acme", "F1"));
    let d = model::decide(conn, &admin(), &d.id, Decision::Approve, None).expect("approve");
    let s2 = approved_sbi(conn, &p, "2.0");
    let before = counts(conn);
    let linked = model::link_sbi(conn, &p.actor, &p.user, &d.id, &s2.id).expect("link");
    let versions: Vec<&str> = linked.sbis.iter().map(|l| l.version.as_str()).collect();
    assert_eq!(versions, ["1.0", "2.0"]);
    // An approved device stays approved: the SBI it joins is approved too.
    assert_eq!(linked.status, ItemStatus::Approved);
    let after = counts(conn);
    assert_eq!(
        (after.links, after.audit),
        (before.links + 1, before.audit + 1)
    );
    assert_eq!(
        audit_actions(conn, "device", &d.id),
        ["DEVICE_ADDED", "DEVICE_APPROVED", "DEVICE_SBI_LINKED"]
    );
    assert_eq!(sbi::get(conn, &s2.id).expect("sbi").devices, 1);
    let of_s2 = ItemQuery {
        sbi: Some(s2.id.clone()),
        ..ItemQuery::default()
    };
    let page = model::list(conn, &of_s2, None, None).expect("devices of SBI 2.0");
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].id, d.id);

    // Twice is a conflict on the SBI field, and writes nothing.
    let before = counts(conn);
    let err = model::link_sbi(conn, &p.actor, &p.user, &d.id, &s2.id).expect_err("twice");
    assert_eq!(
        what(&err),
        (
            ErrorKind::Conflict,
            "PMS_DEVICE_SBI_LINKED",
            Some("sbi_ids")
        )
    );
    assert_eq!(counts(conn), before);

    // With the old SBI deactivated, the device lives on through the new one.
    let (_, impact) = sbi::decide(conn, &admin(), &s1.id, Decision::Deactivate, Some("old"))
        .expect("deactivate 1.0");
    assert_eq!(impact, SbiImpact::default());
    assert_eq!(
        model::get(conn, &d.id).expect("device").status,
        ItemStatus::Approved
    );
}

#[test]
fn device_link_to_an_unusable_or_foreign_sbi_or_from_a_dead_device_is_refused() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let p = device_provider(conn, "dev-a");
    let other = device_provider(conn, "dev-b");
    let s1 = approved_sbi(conn, &p, "1.0");
    let d = add_device(conn, &p, &device_input(&[&s1.id], "Acme", "F1"));
    let pending = add_sbi(conn, &p, "2.0");
    let expired = approved_sbi(conn, &p, "3.0");
    set_sbi_expires_on(conn, &expired.id, 1);
    let theirs = approved_sbi(conn, &other, "9.0");

    let refused = |conn: &mut AnyConnection, user: &Partner, device: &str, sbi_id: &str| {
        let before = counts(conn);
        let err =
            model::link_sbi(conn, &user.actor, &user.user, device, sbi_id).expect_err("refused");
        assert_eq!(counts(conn), before, "nothing written on {err:?}");
        err
    };
    assert_eq!(
        what(&refused(conn, &p, &d.id, &pending.id)),
        validation("PMS_DEVICE_SBI_NOT_APPROVED", "sbi_ids")
    );
    assert_eq!(
        what(&refused(conn, &p, &d.id, &expired.id)),
        validation("PMS_DEVICE_SBI_EXPIRED", "sbi_ids")
    );
    assert_eq!(
        what(&refused(conn, &p, &d.id, &theirs.id)),
        validation("PMS_DEVICE_SBI_UNKNOWN", "sbi_ids")
    );
    assert_eq!(
        what(&refused(conn, &p, &d.id, "  ")),
        validation("PMS_DEVICE_SBI_REQUIRED", "sbi_ids")
    );
    // Another provider cannot touch the device at all.
    assert_eq!(
        refused(conn, &other, &d.id, &theirs.id).kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        refused(conn, &p, "no-such-device", &s1.id).kind,
        ErrorKind::NotFound
    );
    // A rejected device cannot be revived by a link.
    let s4 = approved_sbi(conn, &p, "4.0");
    model::decide(conn, &admin(), &d.id, Decision::Reject, Some("blurry")).expect("reject");
    let err = refused(conn, &p, &d.id, &s4.id);
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Conflict, "PMS_ILLEGAL_TRANSITION")
    );
}

#[test]
fn chip_decisions_follow_the_transitions_and_an_expired_certificate_blocks_approval() {
    let env = env();
    let conn = &mut env.db.conn();
    let int = trusted_chain(conn, &env, "FTM");
    let p = ftm_provider(conn, "ftm-a");
    let c = add_chip(conn, &p, "Acme", "Chip 1");
    upload(conn, &env, &p, &c.id, &leaf(&p.org, &int)).expect("upload");

    // Its certificate lapsed while it waited: approval is refused, rejection is not.
    let real: Option<i64> = ftm_chips::table
        .filter(ftm_chips::id.eq(&c.id))
        .select(ftm_chips::cert_not_after)
        .first(conn)
        .expect("not after");
    diesel::update(ftm_chips::table.filter(ftm_chips::id.eq(&c.id)))
        .set(ftm_chips::cert_not_after.eq(Some(1_i64)))
        .execute(conn)
        .expect("expire");
    let before = counts(conn);
    let err = chip::decide(conn, &admin(), &c.id, Decision::Approve, None).expect_err("expired");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Conflict, "PMS_CHIP_CERT_EXPIRED")
    );
    assert_eq!(counts(conn), before);
    diesel::update(ftm_chips::table.filter(ftm_chips::id.eq(&c.id)))
        .set(ftm_chips::cert_not_after.eq(real))
        .execute(conn)
        .expect("restore");

    // Deactivation needs an approved chip and a reason; approving twice is illegal.
    let err =
        chip::decide(conn, &admin(), &c.id, Decision::Deactivate, Some("x")).expect_err("pending");
    assert_eq!(err.code, "PMS_ILLEGAL_TRANSITION");
    chip::decide(conn, &admin(), &c.id, Decision::Approve, None).expect("approve");
    let err = chip::decide(conn, &admin(), &c.id, Decision::Approve, None).expect_err("twice");
    assert_eq!(err.code, "PMS_ILLEGAL_TRANSITION");
    let err = chip::decide(conn, &admin(), &c.id, Decision::Deactivate, None).expect_err("why");
    assert_eq!(err.field.as_deref(), Some("reason"));
    let view = chip::decide(
        conn,
        &admin(),
        &c.id,
        Decision::Deactivate,
        Some("Recalled"),
    )
    .expect("deactivate");
    assert_eq!(view.status, ItemStatus::Deactivated);
    assert_eq!(view.reason.as_deref(), Some("Recalled"));
    let err = chip::decide(conn, &admin(), &c.id, Decision::Reject, Some("x")).expect_err("dead");
    assert_eq!(err.code, "PMS_ILLEGAL_TRANSITION");
    assert_eq!(
        audit_actions(conn, "ftm_chip", &c.id),
        [
            "FTM_CHIP_ADDED",
            "FTM_CHIP_CERTIFICATE_UPLOADED",
            "FTM_CHIP_APPROVED",
            "FTM_CHIP_DEACTIVATED"
        ]
    );
    // The provider sees the status and the reason.
    let own = chip::list_own(conn, &p.user, &ItemQuery::default()).expect("own chips");
    assert_eq!(own.items[0].status, ItemStatus::Deactivated);
    assert_eq!(own.items[0].reason.as_deref(), Some("Recalled"));
}

#[test]
fn device_and_chip_lists_filter_sort_and_page() {
    let env = env();
    let conn = &mut env.db.conn();
    let a = device_provider(conn, "dev-a");
    let b = device_provider(conn, "dev-b");
    let sa = approved_sbi(conn, &a, "1.0");
    let sb = approved_sbi(conn, &b, "1.0");
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut input = device_input(&[&sa.id], "Acme", &format!("F{i}"));
        if i % 2 == 1 {
            input.device_type = "Iris".into();
            input.sub_type = "Double".into();
        }
        ids.push(add_device(conn, &a, &input).id);
    }
    add_device(conn, &b, &device_input(&[&sb.id], "Beta", "B1"));
    model::decide(conn, &admin(), &ids[0], Decision::Approve, None).expect("approve");

    let q = |f: &dyn Fn(&mut ItemQuery)| {
        let mut q = ItemQuery::default();
        f(&mut q);
        q
    };
    let page = model::list(conn, &q(&|q| q.page_size = Some(2)), None, None).expect("page 1");
    assert_eq!((page.total, page.items.len()), (6, 2));
    assert_eq!(page.items[0].id, ids[0], "oldest first");
    let page = model::list(
        conn,
        &q(&|q| {
            q.page_size = Some(2);
            q.page = Some(3);
        }),
        None,
        None,
    )
    .expect("page 3");
    assert_eq!(page.items.len(), 2);
    let newest =
        model::list(conn, &q(&|q| q.sort = Some("-created".into())), None, None).expect("newest");
    assert_eq!(newest.items[0].partner_id, "dev-b");
    let iris = model::list(
        conn,
        &q(&|q| q.device_type = Some("Iris".into())),
        None,
        None,
    )
    .expect("iris");
    assert_eq!(iris.total, 2);
    assert!(iris.items.iter().all(|d| d.device_type == "Iris"));
    let pending_a = model::list(
        conn,
        &q(&|q| {
            q.partner = Some("dev-a".into());
            q.status = Some("PENDING_APPROVAL".into());
        }),
        None,
        None,
    )
    .expect("pending of dev-a");
    assert_eq!(pending_a.total, 4);
    let of_sb = model::list(conn, &q(&|q| q.sbi = Some(sb.id.clone())), None, None).expect("sbi");
    assert_eq!(of_sb.total, 1);
    let err = model::list(conn, &q(&|q| q.status = Some("LOST".into())), None, None)
        .expect_err("bad status");
    assert_eq!(err.field.as_deref(), Some("status"));

    let f = ftm_provider(conn, "ftm-a");
    for i in 0..3 {
        add_chip(conn, &f, "Acme", &format!("C{i}"));
    }
    let chips = chip::list(
        conn,
        &q(&|q| {
            q.sort = Some("-created".into());
            q.page_size = Some(2);
            q.status = Some("PENDING_CERT_UPLOAD".into());
        }),
        None,
    )
    .expect("chips");
    assert_eq!((chips.total, chips.items.len()), (3, 2));
    assert_eq!(chips.items[0].model, "C2");
}
