//! Domain tests for certificates: the trust store, partner certificates and their re-signing,
//! what the upload parser refuses, and the sealing of the portal's signing keys. On a real
//! database (SQLite by default, PostgreSQL when TEST_DATABASE_URL is set).
//!
//! Chains are made here with rcgen (ECDSA P-256). The SHA-1 leaf and its root cannot be made
//! by rcgen: they are committed fixtures, made once with `tests/fixtures/certs/make.sh`. So are
//! the certificates for keys the portal does not accept (DSA, Ed448, EC P-521 and secp256k1)
//! and the X.509 version 1 ones, made once with `tests/fixtures/certs/make-odd.sh`.

use cms::cert::x509::der::{Decode, Encode};
use cms::content_info::ContentInfo;
use diesel::prelude::*;
use domain::account::{self, CurrentUser, NewAccount};
use domain::audit::Actor;
use domain::cert::parse::{self, to_pem};
use domain::cert::partner as partner_cert;
use domain::cert::seal::MasterKey;
use domain::cert::signing::{self, CertConfig};
use domain::cert::trust;
use domain::cert::{CaKind, CaQuery, CaUploadReport, CertDomain, MAX_PATH_DEPTH};
use domain::db::AnyConnection;
use domain::error::Violation;
use domain::partner::{self, PartnerInput};
use domain::schema::{audit_log, ca_certificates, outbox, partner_certificates, signing_cas};
use domain::testing::TestDb;
use domain::{AppError, AppResult, ErrorKind, Role};
use rand::{RngCore, SeedableRng};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
    SubjectPublicKeyInfo,
};
use time::{Duration, OffsetDateTime};

const PASSWORD: &str = "correct horse battery";
const DAY_MS: i64 = 86_400_000;

/// Made by `fixtures/certs/make.sh`: an RSA-2048 root (SHA-256 self-signature) valid until 2120.
const SHA1_ROOT_PEM: &str = include_str!("fixtures/certs/sha1-root.pem");
/// Made by `fixtures/certs/make.sh`: a leaf under that root signed with SHA1withRSA,
/// O=SHA1 Test Partner, valid until 2120.
const SHA1_LEAF_PEM: &str = include_str!("fixtures/certs/sha1-leaf.pem");
const SHA1_PARTNER_ORG: &str = "SHA1 Test Partner";

/// Made by `fixtures/certs/make-odd.sh` (as are the next seven): an EC P-256 root, v3,
/// SHA256withECDSA, valid 2020-2120. It issued every other `make-odd.sh` certificate but the
/// v1 root.
const ODD_ROOT_PEM: &str = include_str!("fixtures/certs/odd-root.pem");
/// A leaf for a DSA-2048 key, v3, O=Odd Key Partner.
const DSA_LEAF_PEM: &str = include_str!("fixtures/certs/dsa-leaf.pem");
/// A leaf for an Ed448 key, v3, O=Odd Key Partner.
const ED448_LEAF_PEM: &str = include_str!("fixtures/certs/ed448-leaf.pem");
/// A leaf for an EC key on P-521, v3, O=Odd Key Partner.
const P521_LEAF_PEM: &str = include_str!("fixtures/certs/p521-leaf.pem");
/// A leaf for an EC key on secp256k1, v3, O=Odd Key Partner.
const SECP256K1_LEAF_PEM: &str = include_str!("fixtures/certs/secp256k1-leaf.pem");
/// An intermediate CA (CA:TRUE, keyCertSign) for a DSA-2048 key, v3.
const DSA_CA_PEM: &str = include_str!("fixtures/certs/dsa-ca.pem");
/// An X.509 version 1 leaf (no extensions) for an EC P-256 key, O=V1 Test Partner.
const V1_LEAF_PEM: &str = include_str!("fixtures/certs/v1-leaf.pem");
/// A self-signed X.509 version 1 certificate (EC P-256), O=V1 Test CA.
const V1_ROOT_PEM: &str = include_str!("fixtures/certs/v1-root.pem");
const ODD_PARTNER_ORG: &str = "Odd Key Partner";
const V1_PARTNER_ORG: &str = "V1 Test Partner";
const DSA_OID: &str = "1.2.840.10040.4.1";
const ED448_OID: &str = "1.3.101.113";

// ---------------------------------------------------------------------------------------------
// Certificate factory (rcgen)
// ---------------------------------------------------------------------------------------------

/// A CA: its certificate and the issuer (params and key) that signs with it.
type Ca = CertifiedIssuer<'static, KeyPair>;

/// An end-entity certificate (its key is not needed after signing).
struct Leaf {
    der: Vec<u8>,
    pem: String,
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn random_serial() -> SerialNumber {
    let mut s: [u8; 16] = rand::random();
    s[0] &= 0x7f; // positive
    s[0] |= 0x01; // full length
    SerialNumber::from_slice(&s)
}

fn name(org: &str, cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, org);
    dn.push(DnType::CommonName, cn);
    dn
}

fn params(
    org: &str,
    cn: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = name(org, cn);
    p.not_before = not_before;
    p.not_after = not_after;
    p.serial_number = Some(random_serial());
    p
}

fn ca_params_valid(
    cn: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> CertificateParams {
    let mut p = params("Test CA Org", cn, not_before, not_after);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p
}

/// CA validity: started yesterday, five years left (well above the trust store's 365 days).
fn ca_params(cn: &str) -> CertificateParams {
    ca_params_valid(
        cn,
        now() - Duration::days(1),
        now() + Duration::days(5 * 365),
    )
}

fn key() -> KeyPair {
    KeyPair::generate().expect("P-256 key")
}

fn root_from(params: CertificateParams) -> Ca {
    CertifiedIssuer::self_signed(params, key()).expect("self-signed root")
}

fn new_root(cn: &str) -> Ca {
    root_from(ca_params(cn))
}

fn intermediate_from(params: CertificateParams, parent: &Ca) -> Ca {
    CertifiedIssuer::signed_by(params, key(), issuer(parent)).expect("intermediate")
}

fn new_intermediate(cn: &str, parent: &Ca) -> Ca {
    intermediate_from(ca_params(cn), parent)
}

fn issuer(ca: &Ca) -> &Issuer<'static, KeyPair> {
    ca
}

fn der(ca: &Ca) -> Vec<u8> {
    ca.der().to_vec()
}

/// End-entity params: started yesterday, two years left, digital signature, client auth.
fn leaf_params(org: &str, cn: &str) -> CertificateParams {
    leaf_params_valid(
        org,
        cn,
        now() - Duration::days(1),
        now() + Duration::days(730),
    )
}

fn leaf_params_valid(
    org: &str,
    cn: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> CertificateParams {
    let mut p = params(org, cn, not_before, not_after);
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    p
}

fn sign_leaf(params: &CertificateParams, by: &Ca) -> Leaf {
    let cert = params.signed_by(&key(), issuer(by)).expect("leaf");
    Leaf {
        der: cert.der().to_vec(),
        pem: cert.pem(),
    }
}

fn leaf(org: &str, by: &Ca) -> Leaf {
    sign_leaf(&leaf_params(org, "partner leaf"), by)
}

fn pem_bundle(pems: &[&str]) -> String {
    pems.concat()
}

/// A PKCS#7 (SignedData, certificates only) bundle, DER.
fn pkcs7(ders: &[&[u8]]) -> Vec<u8> {
    let certs: Vec<cms::cert::x509::Certificate> = ders
        .iter()
        .map(|d| cms::cert::x509::Certificate::from_der(d).expect("x509-cert parses"))
        .collect();
    ContentInfo::try_from(certs)
        .expect("bundle")
        .to_der()
        .expect("bundle DER")
}

fn pkcs7_pem(der: &[u8]) -> String {
    pem::encode(&pem::Pem::new("PKCS7", der.to_vec()))
}

fn der_len(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else if n < 0x100 {
        vec![0x81, n as u8]
    } else {
        vec![0x82, (n >> 8) as u8, n as u8]
    }
}

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    v.extend(der_len(body.len()));
    v.extend_from_slice(body);
    v
}

/// A SubjectPublicKeyInfo of an RSA key of `bits` bits (random odd modulus, e = 65537). No
/// private key exists for it: only its size is checked, and nobody verifies with it.
fn rsa_spki(bits: usize) -> Vec<u8> {
    let mut n = vec![0u8; bits / 8];
    rand::thread_rng().fill_bytes(&mut n);
    n[0] |= 0x80;
    if let Some(last) = n.last_mut() {
        *last |= 1;
    }
    let n_int = [&[0u8][..], &n[..]].concat();
    let rsa_pub = tlv(0x30, &[tlv(0x02, &n_int), tlv(0x02, &[1, 0, 1])].concat());
    let rsa_oid = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 1, 1, 1];
    let alg = tlv(0x30, &[tlv(0x06, &rsa_oid), vec![0x05, 0x00]].concat());
    tlv(
        0x30,
        &[alg, tlv(0x03, &[&[0u8][..], &rsa_pub[..]].concat())].concat(),
    )
}

/// A leaf for a public key without private key (signed by `by`).
fn leaf_for_spki(org: &str, spki: &[u8], by: &Ca) -> Leaf {
    let public = SubjectPublicKeyInfo::from_der(spki).expect("spki");
    let cert = leaf_params(org, "rsa leaf")
        .signed_by(&public, issuer(by))
        .expect("leaf for spki");
    Leaf {
        der: cert.der().to_vec(),
        pem: cert.pem(),
    }
}

fn pem_der(text: &str) -> Vec<u8> {
    pem::parse(text).expect("PEM").into_contents()
}

// ---------------------------------------------------------------------------------------------
// Portal set-up
// ---------------------------------------------------------------------------------------------

fn master_key() -> MasterKey {
    MasterKey::from_base64(&MasterKey::generate_base64().expect("rng")).expect("master key")
}

/// A database with the portal's signing CAs, and the certificate settings.
struct Env {
    db: TestDb,
    config: CertConfig,
}

fn env() -> Env {
    let db = TestDb::new();
    let config = CertConfig::new(master_key());
    signing::ensure_signing_cas(&mut db.conn(), &config.master_key).expect("signing CAs");
    Env { db, config }
}

fn admin() -> Actor {
    Actor::account("admin-id", "admin@example.org")
}

/// A signed-up partner: its account (as signed in), an actor for it, and its organisation.
struct Partner {
    user: CurrentUser,
    actor: Actor,
    org: String,
}

fn partner_with_org(conn: &mut AnyConnection, id: &str, partner_type: &str, org: &str) -> Partner {
    let group = (partner_type == "Auth_Partner").then(|| {
        domain::policy::group::create(conn, &Actor::system(), &format!("{id}-group"), "tests")
            .expect("group")
            .id
    });
    let input = PartnerInput {
        partner_id: id.into(),
        organisation: org.into(),
        partner_type: partner_type.into(),
        email: format!("{id}@example.org"),
        phone: "+91 80 1234 5678".into(),
        address: "1 Main Street, Bengaluru".into(),
        language: "eng".into(),
        policy_group_id: group,
    };
    partner::sign_up(conn, &input, PASSWORD, &domain::account::PortalMail::off()).expect("sign up");
    let row = account::find_by_email(conn, &input.email)
        .expect("query")
        .expect("account");
    let user = account::load_user(conn, &row.id)
        .expect("load")
        .expect("active account");
    Partner {
        actor: Actor::account(&user.id, &user.email),
        user,
        org: org.into(),
    }
}

fn partner(conn: &mut AnyConnection, id: &str, partner_type: &str) -> Partner {
    partner_with_org(conn, id, partner_type, &format!("{id} Ltd"))
}

/// Rows in the tables a certificate operation writes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Counts {
    cas: i64,
    partner_certs: i64,
    events: i64,
    audit: i64,
}

fn counts(conn: &mut AnyConnection) -> Counts {
    Counts {
        cas: ca_certificates::table
            .count()
            .get_result(conn)
            .expect("cas"),
        partner_certs: partner_certificates::table
            .count()
            .get_result(conn)
            .expect("partner certs"),
        events: outbox::table.count().get_result(conn).expect("outbox"),
        audit: audit_log::table.count().get_result(conn).expect("audit"),
    }
}

fn upload(
    conn: &mut AnyConnection,
    env: &Env,
    domain: &str,
    input: &[u8],
    preview: bool,
) -> AppResult<CaUploadReport> {
    trust::upload(conn, &admin(), &env.config, domain, input, preview)
}

/// Store one CA (PEM) in `domain`; returns its id.
fn store(conn: &mut AnyConnection, env: &Env, domain: &str, ca: &Ca) -> String {
    store_pem(conn, env, domain, &ca.pem())
}

fn store_pem(conn: &mut AnyConnection, env: &Env, domain: &str, pem: &str) -> String {
    let report = upload(conn, env, domain, pem.as_bytes(), false).expect("CA upload");
    assert_eq!(report.accepted(), 1, "{report:#?}");
    report.items[0].id.clone().expect("stored id")
}

/// A root and an intermediate, both stored in `domain`.
struct Chain {
    root: Ca,
    int: Ca,
    root_id: String,
    int_id: String,
}

fn trusted_chain(conn: &mut AnyConnection, env: &Env, domain: &str) -> Chain {
    let root = new_root(&format!("{domain} Test Root"));
    let int = new_intermediate(&format!("{domain} Issuing CA"), &root);
    let root_id = store(conn, env, domain, &root);
    let int_id = store(conn, env, domain, &int);
    Chain {
        root,
        int,
        root_id,
        int_id,
    }
}

fn paths(problems: &[Violation]) -> Vec<&str> {
    problems.iter().map(|v| v.path.as_str()).collect()
}

/// A refused trust-store upload: PMS_CERT_REFUSED with its per-item problems.
fn refused_ca(err: &AppError) -> Vec<&str> {
    assert_eq!(
        (err.kind, err.code.as_str(), err.field.as_deref()),
        (
            ErrorKind::Validation,
            "PMS_CERT_REFUSED",
            Some("certificate")
        ),
        "{err:#?}"
    );
    paths(&err.details)
}

/// Check (nothing stored) and upload a partner certificate that must be refused; returns the
/// problem paths, after checking that both agree and that nothing was written.
fn partner_refusal(conn: &mut AnyConnection, env: &Env, p: &Partner, input: &[u8]) -> Vec<String> {
    let before = counts(conn);
    let check = partner_cert::check_own(conn, &p.user, input).expect("check");
    let err = partner_cert::upload_own(conn, &p.actor, &p.user, &env.config, input)
        .expect_err("the upload must be refused");
    assert_eq!(
        (err.kind, err.code.as_str(), err.field.as_deref()),
        (
            ErrorKind::Validation,
            "PMS_CERT_REFUSED",
            Some("certificate")
        ),
        "{err:#?}"
    );
    assert_eq!(&*err.details, check.problems.as_slice());
    assert_eq!(counts(conn), before, "a refused upload writes nothing");
    assert!(partner_cert::own(conn, &p.user).expect("own").is_none());
    paths(&err.details)
        .into_iter()
        .map(str::to_string)
        .collect()
}

fn message<'a>(problems: &'a [Violation], path: &str) -> &'a str {
    problems
        .iter()
        .find(|v| v.path == path)
        .map(|v| v.message.as_str())
        .unwrap_or_else(|| panic!("no problem at {path}: {problems:#?}"))
}

fn events(conn: &mut AnyConnection, topic: &str) -> Vec<serde_json::Value> {
    outbox::table
        .filter(outbox::topic.eq(topic))
        .order(outbox::id.asc())
        .select(outbox::payload)
        .load::<String>(conn)
        .expect("events")
        .iter()
        .map(|p| serde_json::from_str(p).expect("event JSON"))
        .collect()
}

fn audit_actions(conn: &mut AnyConnection, entity_type: &str, entity_id: &str) -> Vec<String> {
    audit_log::table
        .filter(audit_log::entity_type.eq(entity_type))
        .filter(audit_log::entity_id.eq(entity_id))
        .order(audit_log::id.asc())
        .select(audit_log::action)
        .load(conn)
        .expect("audit")
}

// ---------------------------------------------------------------------------------------------
// 1. Trust store
// ---------------------------------------------------------------------------------------------

#[test]
fn trust_root_pem_is_stored_as_root_with_audit_row_and_event() {
    let env = env();
    let conn = &mut env.db.conn();
    let before = counts(conn);
    let root = new_root("Auth Root");
    let report = upload(conn, &env, "AUTH", root.pem().as_bytes(), false).expect("upload");
    assert!(!report.preview);
    assert_eq!(report.domain, CertDomain::Auth);
    assert_eq!(report.items.len(), 1);
    let item = &report.items[0];
    assert_eq!(
        (item.position, item.accepted, item.kind),
        (1, true, Some(CaKind::Root))
    );
    assert!(item.problems.is_empty(), "{:#?}", item.problems);
    let facts = item.facts.as_ref().expect("facts");
    assert!(facts.is_ca && facts.self_signed);
    assert_eq!(facts.subject, "O=Test CA Org, CN=Auth Root");
    assert_eq!(facts.key_type, "EC P-256");
    assert_eq!(facts.sig_alg, "SHA256withECDSA");
    assert_eq!(facts.version, 3);
    let id = item.id.clone().expect("id");

    let after = counts(conn);
    assert_eq!(
        after,
        Counts {
            cas: before.cas + 1,
            events: before.events + 1,
            audit: before.audit + 1,
            ..before
        }
    );
    let (domain, kind, issuer_id, active, created_by, thumbprint): (
        String,
        String,
        Option<String>,
        bool,
        Option<String>,
        String,
    ) = ca_certificates::table
        .find(&id)
        .select((
            ca_certificates::cert_domain,
            ca_certificates::kind,
            ca_certificates::issuer_id,
            ca_certificates::active,
            ca_certificates::created_by,
            ca_certificates::thumbprint,
        ))
        .first(conn)
        .expect("row");
    assert_eq!(
        (domain.as_str(), kind.as_str(), issuer_id, active),
        ("AUTH", "ROOT", None, true)
    );
    assert_eq!(created_by.as_deref(), Some("admin-id"));
    assert_eq!(thumbprint, facts.thumbprint);

    assert_eq!(
        audit_actions(conn, "ca_certificate", &id),
        vec!["CA_CERTIFICATE_ADDED"]
    );
    let events = events(conn, trust::CA_CERTIFICATE_UPLOADED);
    assert_eq!(events.len(), 1);
    let data = &events[0]["event"]["data"];
    assert_eq!(data["certId"], id.as_str());
    assert_eq!(data["partnerDomain"], "AUTH");
    assert_eq!(data["certType"], "ROOT");
    assert_eq!(data["issuerId"], serde_json::Value::Null);
    assert_eq!(data["certThumbprint"], facts.thumbprint.as_str());
    let event_pem = data["certificateData"].as_str().expect("PEM");
    assert_eq!(pem_der(event_pem), der(&root));
}

#[test]
fn trust_der_input_is_accepted() {
    let env = env();
    let conn = &mut env.db.conn();
    let root = new_root("DER Root");
    let report = upload(conn, &env, "FTM", &der(&root), false).expect("DER upload");
    assert_eq!(report.accepted(), 1);
    assert_eq!(report.items[0].kind, Some(CaKind::Root));
    assert_eq!(counts(conn).cas, 1);
}

#[test]
fn trust_intermediate_is_stored_as_intermediate_with_its_issuer() {
    let env = env();
    let conn = &mut env.db.conn();
    let root = new_root("Auth Root");
    let root_id = store(conn, &env, "AUTH", &root);
    let int = new_intermediate("Auth Issuing CA", &root);
    let report = upload(conn, &env, "AUTH", int.pem().as_bytes(), false).expect("upload");
    let item = &report.items[0];
    assert_eq!(
        (item.accepted, item.kind),
        (true, Some(CaKind::Intermediate))
    );
    assert!(item.problems.is_empty(), "{:#?}", item.problems);
    let int_id = item.id.clone().expect("id");
    let issuer_id: Option<String> = ca_certificates::table
        .find(&int_id)
        .select(ca_certificates::issuer_id)
        .first(conn)
        .expect("row");
    assert_eq!(issuer_id.as_deref(), Some(root_id.as_str()));
    assert_eq!(
        audit_actions(conn, "ca_certificate", &int_id),
        vec!["CA_CERTIFICATE_ADDED"]
    );
    let events = events(conn, trust::CA_CERTIFICATE_UPLOADED);
    assert_eq!(events.len(), 2, "one event per stored CA");
    let data = &events[1]["event"]["data"];
    assert_eq!(
        (&data["certType"], &data["issuerId"], &data["certId"]),
        (
            &serde_json::json!("INTERMEDIATE"),
            &serde_json::json!(root_id),
            &serde_json::json!(int_id)
        )
    );
}

#[test]
fn trust_intermediate_before_its_root_is_refused_on_chain() {
    let env = env();
    let conn = &mut env.db.conn();
    let root = new_root("Missing Root");
    let int = new_intermediate("Orphan Issuing CA", &root);
    let before = counts(conn);
    let err = upload(conn, &env, "AUTH", int.pem().as_bytes(), false).expect_err("no issuer");
    assert_eq!(refused_ca(&err), vec!["/0/chain"]);
    assert!(
        err.details[0].message.contains("Issuer not found"),
        "{err:#?}"
    );
    assert!(err.message.contains("Issuer not found"), "{}", err.message);
    assert_eq!(counts(conn), before);
    // Once the root is there, the same intermediate is accepted.
    store(conn, &env, "AUTH", &root);
    store(conn, &env, "AUTH", &int);
}

/// Checks a stored root + intermediate pair written by one bundle upload.
fn assert_pair_stored(conn: &mut AnyConnection, report: &CaUploadReport) {
    assert_eq!(report.items.len(), 2, "{report:#?}");
    assert_eq!(report.accepted(), 2, "{report:#?}");
    let root = report
        .items
        .iter()
        .find(|i| i.kind == Some(CaKind::Root))
        .expect("root item");
    let int = report
        .items
        .iter()
        .find(|i| i.kind == Some(CaKind::Intermediate))
        .expect("intermediate item");
    assert!(root.problems.is_empty() && int.problems.is_empty());
    let issuer_id: Option<String> = ca_certificates::table
        .find(int.id.as_deref().expect("id"))
        .select(ca_certificates::issuer_id)
        .first(conn)
        .expect("row");
    assert_eq!(issuer_id, root.id);
    let mut positions: Vec<usize> = report.items.iter().map(|i| i.position).collect();
    positions.sort_unstable();
    assert_eq!(positions, vec![1, 2]);
}

#[test]
fn trust_pkcs7_bundles_der_and_pem_store_root_and_intermediate() {
    let env = env();
    let conn = &mut env.db.conn();
    let before = counts(conn);
    // The bundle format sorts its certificates (DER SET OF), so the input order is lost
    // anyway; both orders of building it give the same bundle.
    let root = new_root("P7 Root");
    let int = new_intermediate("P7 Issuing CA", &root);
    let (r, i) = (der(&root), der(&int));
    let bundle = pkcs7(&[&r, &i]);
    assert_eq!(bundle, pkcs7(&[&i, &r]));
    // The shorter certificate (the root: shorter names) comes out first.
    assert_eq!(
        parse::certificates(&bundle).expect("bundle"),
        vec![r.clone(), i.clone()]
    );
    let report = upload(conn, &env, "AUTH", &bundle, false).expect("DER PKCS#7");
    assert_pair_stored(conn, &report);

    let root2 = new_root("P7 PEM Root");
    let int2 = new_intermediate("P7 PEM Issuing CA", &root2);
    let (r2, i2) = (der(&root2), der(&int2));
    let text = pkcs7_pem(&pkcs7(&[&i2, &r2]));
    assert!(text.starts_with("-----BEGIN PKCS7-----"));
    let report = upload(conn, &env, "DEVICE", text.as_bytes(), false).expect("PEM PKCS#7");
    assert_pair_stored(conn, &report);

    let after = counts(conn);
    assert_eq!(
        (after.cas, after.events, after.audit),
        (before.cas + 4, before.events + 4, before.audit + 4)
    );
}

/// The decoded order of a bundle (DER SET OF) follows the encodings; a longer certificate
/// sorts later. Names of very different lengths fix the order whatever the signatures.
#[test]
fn trust_pkcs7_bundle_whose_intermediate_sorts_first_stores_both() {
    let env = env();
    let conn = &mut env.db.conn();
    let root = root_from(ca_params(
        "A root CA whose distinguished name is much longer than its intermediate's",
    ));
    let int = new_intermediate("Int", &root);
    let bundle = pkcs7(&[&der(&root), &der(&int)]);
    let decoded = parse::certificates(&bundle).expect("bundle");
    assert_eq!(decoded, vec![der(&int), der(&root)], "intermediate first");
    let report = upload(conn, &env, "AUTH", &bundle, false);
    let report = report.unwrap_or_else(|e| panic!("bundle refused: {e:#?}"));
    assert_pair_stored(conn, &report);
}

#[test]
fn trust_pem_bundle_with_root_first_stores_both() {
    let env = env();
    let conn = &mut env.db.conn();
    let root = new_root("Ordered Root");
    let int = new_intermediate("Ordered Issuing CA", &root);
    let text = pem_bundle(&[&root.pem(), &int.pem()]);
    let report = upload(conn, &env, "AUTH", text.as_bytes(), false).expect("bundle");
    assert_pair_stored(conn, &report);
    assert_eq!(report.items[0].kind, Some(CaKind::Root));
}

#[test]
fn trust_pem_bundle_with_intermediate_first_stores_both() {
    let env = env();
    let conn = &mut env.db.conn();
    let root = new_root("Reversed Root");
    let int = new_intermediate("Reversed Issuing CA", &root);
    let text = pem_bundle(&[&int.pem(), &root.pem()]);
    let report = upload(conn, &env, "AUTH", text.as_bytes(), false);
    let report = report.unwrap_or_else(|e| panic!("bundle refused: {e:#?}"));
    assert_pair_stored(conn, &report);
    assert_eq!(report.items[0].kind, Some(CaKind::Intermediate));
}

#[test]
fn trust_bundle_with_a_leaf_stores_the_ca_and_refuses_the_leaf_on_ca() {
    let env = env();
    let conn = &mut env.db.conn();
    let before = counts(conn);
    let root = new_root("Mixed Root");
    let leaf = leaf("Someone", &root);
    let text = pem_bundle(&[&root.pem(), &leaf.pem]);
    let report = upload(conn, &env, "AUTH", text.as_bytes(), false).expect("bundle");
    assert_eq!(report.items.len(), 2);
    assert_eq!(report.accepted(), 1);
    let (r, l) = (&report.items[0], &report.items[1]);
    assert!(r.accepted && r.id.is_some() && r.problems.is_empty());
    assert!(!l.accepted && l.id.is_none());
    assert!(paths(&l.problems).contains(&"ca"), "{:#?}", l.problems);
    assert!(!l.facts.as_ref().expect("facts").is_ca);
    let after = counts(conn);
    assert_eq!(
        (after.cas, after.events, after.audit),
        (before.cas + 1, before.events + 1, before.audit + 1)
    );
}

/// A certificate refused for its own reasons (here: not a CA) also gets a "chain" problem
/// saying its issuer "in this upload was refused", although that issuer was accepted.
#[test]
fn trust_refused_item_gets_no_false_chain_problem() {
    let env = env();
    let conn = &mut env.db.conn();
    let root = new_root("Mixed Root");
    let leaf = leaf("Someone", &root);
    let text = pem_bundle(&[&root.pem(), &leaf.pem]);
    let report = upload(conn, &env, "AUTH", text.as_bytes(), false).expect("bundle");
    assert!(report.items[0].accepted);
    assert_eq!(
        paths(&report.items[1].problems),
        vec!["ca"],
        "{:#?}",
        report.items[1].problems
    );
}

/// An expired intermediate whose (valid) root is stored is told its signature "does not
/// verify with the stored CA: same name, different key", which is false.
#[test]
fn trust_expired_intermediate_is_refused_on_validity_only() {
    let env = env();
    let conn = &mut env.db.conn();
    let root = new_root("Root Of Expired");
    store(conn, &env, "AUTH", &root);
    let int = intermediate_from(
        ca_params_valid(
            "Expired Issuing CA",
            now() - Duration::days(800),
            now() - Duration::days(1),
        ),
        &root,
    );
    let err = upload(conn, &env, "AUTH", int.pem().as_bytes(), false).expect_err("expired");
    assert_eq!(refused_ca(&err), vec!["/0/validity"], "{err:#?}");
}

#[test]
fn trust_duplicate_upload_is_refused_on_duplicate() {
    let env = env();
    let conn = &mut env.db.conn();
    let root = new_root("Twice Root");
    store(conn, &env, "AUTH", &root);
    let before = counts(conn);
    let err = upload(conn, &env, "AUTH", root.pem().as_bytes(), false).expect_err("twice");
    assert_eq!(refused_ca(&err), vec!["/0/duplicate"]);
    assert!(err.details[0]
        .message
        .contains("already in the AUTH trust store"));
    assert_eq!(counts(conn), before, "nothing stored");
    // A DER copy of the same certificate is the same certificate.
    let err = upload(conn, &env, "AUTH", &der(&root), false).expect_err("DER twice");
    assert_eq!(refused_ca(&err), vec!["/0/duplicate"]);
    assert_eq!(counts(conn), before, "nothing stored");
    // The same certificate twice in one upload: the first copy is stored.
    let other = new_root("Copied Root");
    let text = pem_bundle(&[&other.pem(), &other.pem()]);
    let report = upload(conn, &env, "AUTH", text.as_bytes(), false).expect("bundle");
    assert!(report.items[0].accepted);
    assert!(!report.items[1].accepted);
    assert_eq!(paths(&report.items[1].problems), vec!["duplicate"]);
    let after = counts(conn);
    assert_eq!(
        (after.cas, after.events, after.audit),
        (before.cas + 1, before.events + 1, before.audit + 1)
    );
    // Duplicates are per domain: the same root may anchor another domain too.
    store(conn, &env, "DEVICE", &root);
}

#[test]
fn trust_expired_and_not_yet_valid_cas_are_refused_on_validity() {
    let env = env();
    let conn = &mut env.db.conn();
    let before = counts(conn);
    let expired = root_from(ca_params_valid(
        "Expired Root",
        now() - Duration::days(3 * 365),
        now() - Duration::days(1),
    ));
    let err = upload(conn, &env, "AUTH", expired.pem().as_bytes(), false).expect_err("expired");
    assert_eq!(refused_ca(&err), vec!["/0/validity"]);
    assert!(err.details[0].message.contains("expired"), "{err:#?}");
    let future = root_from(ca_params_valid(
        "Future Root",
        now() + Duration::days(1),
        now() + Duration::days(5 * 365),
    ));
    let err = upload(conn, &env, "AUTH", future.pem().as_bytes(), false).expect_err("future");
    assert_eq!(refused_ca(&err), vec!["/0/validity"]);
    assert!(err.details[0].message.contains("not valid yet"), "{err:#?}");
    assert_eq!(counts(conn), before);
}

#[test]
fn trust_ca_with_less_than_a_year_left_is_refused_on_remaining_validity() {
    let env = env();
    let conn = &mut env.db.conn();
    let before = counts(conn);
    let short = root_from(ca_params_valid(
        "Short Root",
        now() - Duration::days(1),
        now() + Duration::days(100),
    ));
    let err = upload(conn, &env, "AUTH", short.pem().as_bytes(), false).expect_err("short");
    assert_eq!(refused_ca(&err), vec!["/0/remaining_validity"]);
    assert!(err.details[0].message.contains("365 days"), "{err:#?}");
    assert_eq!(counts(conn), before);
    // The minimum comes from the configuration.
    let lenient = CertConfig {
        min_ca_validity_days: 30,
        ..env.config.clone()
    };
    let report = trust::upload(
        conn,
        &admin(),
        &lenient,
        "AUTH",
        short.pem().as_bytes(),
        false,
    )
    .expect("accepted with a 30-day minimum");
    assert_eq!(report.accepted(), 1);
}

#[test]
fn trust_intermediate_of_another_domains_root_is_refused_on_chain() {
    let env = env();
    let conn = &mut env.db.conn();
    let root = new_root("Auth Only Root");
    store(conn, &env, "AUTH", &root);
    let int = new_intermediate("Device Issuing CA", &root);
    let before = counts(conn);
    let err = upload(conn, &env, "DEVICE", int.pem().as_bytes(), false).expect_err("domain");
    assert_eq!(refused_ca(&err), vec!["/0/chain"]);
    assert!(
        err.details[0].message.contains("DEVICE trust store"),
        "{err:#?}"
    );
    assert_eq!(counts(conn), before);
    store(conn, &env, "AUTH", &int);
}

#[test]
fn trust_unknown_domain_is_refused() {
    let env = env();
    let conn = &mut env.db.conn();
    let root = new_root("Nowhere Root");
    let err = upload(conn, &env, "BIOMETRIC", root.pem().as_bytes(), false).expect_err("domain");
    assert_eq!(
        (err.code.as_str(), err.field.as_deref()),
        ("PMS_CERT_DOMAIN", Some("domain"))
    );
    assert_eq!(counts(conn).cas, 0);
}

#[test]
fn trust_preview_reports_acceptance_and_stores_nothing() {
    let env = env();
    let conn = &mut env.db.conn();
    let before = counts(conn);
    let root = new_root("Preview Root");
    let int = new_intermediate("Preview Issuing CA", &root);
    let text = pem_bundle(&[&root.pem(), &int.pem()]);
    let report = upload(conn, &env, "AUTH", text.as_bytes(), true).expect("preview");
    assert!(report.preview);
    assert_eq!(report.accepted(), 2);
    assert_eq!(
        report.items.iter().map(|i| i.kind).collect::<Vec<_>>(),
        vec![Some(CaKind::Root), Some(CaKind::Intermediate)]
    );
    assert!(report.items.iter().all(|i| i.id.is_none()));
    assert_eq!(counts(conn), before);
    // A preview of a refused certificate is a report, not an error.
    let orphan = new_intermediate("Preview Orphan", &root);
    let report = upload(conn, &env, "DEVICE", orphan.pem().as_bytes(), true).expect("preview");
    assert_eq!(report.accepted(), 0);
    assert_eq!(paths(&report.items[0].problems), vec!["chain"]);
    assert_eq!(counts(conn), before);
}

#[test]
fn trust_list_filters_and_pages() {
    let env = env();
    let conn = &mut env.db.conn();
    let alpha = new_root("Alpha Root");
    let alpha_id = store(conn, &env, "AUTH", &alpha);
    let alpha_int = new_intermediate("Alpha Issuing CA", &alpha);
    let alpha_int_id = store(conn, &env, "AUTH", &alpha_int);
    let device_id = store(conn, &env, "DEVICE", &new_root("Device Maker Root"));
    let soon = root_from(ca_params_valid(
        "Chip Root",
        now() - Duration::days(1),
        now() + Duration::days(400),
    ));
    let soon_id = store(conn, &env, "FTM", &soon);
    trust::deactivate(conn, &admin(), &device_id).expect("deactivate");

    let ids = |conn: &mut AnyConnection, query: CaQuery| -> (i64, Vec<String>) {
        let page = trust::list(
            conn,
            &CaQuery {
                sort: Some("subject".into()),
                ..query
            },
        )
        .expect("list");
        (page.total, page.items.into_iter().map(|s| s.id).collect())
    };
    let all = ids(conn, CaQuery::default());
    assert_eq!(
        all,
        (
            4,
            vec![
                alpha_int_id.clone(),
                alpha_id.clone(),
                soon_id.clone(),
                device_id.clone()
            ]
        )
    );
    let auth = CaQuery {
        domain: Some("AUTH".into()),
        ..CaQuery::default()
    };
    assert_eq!(
        ids(conn, auth),
        (2, vec![alpha_int_id.clone(), alpha_id.clone()])
    );
    let roots = CaQuery {
        kind: Some("ROOT".into()),
        ..CaQuery::default()
    };
    assert_eq!(
        ids(conn, roots),
        (
            3,
            vec![alpha_id.clone(), soon_id.clone(), device_id.clone()]
        )
    );
    let intermediates = CaQuery {
        domain: Some("auth".into()),
        kind: Some("intermediate".into()),
        ..CaQuery::default()
    };
    assert_eq!(ids(conn, intermediates), (1, vec![alpha_int_id.clone()]));
    let inactive = CaQuery {
        status: Some("inactive".into()),
        ..CaQuery::default()
    };
    assert_eq!(ids(conn, inactive), (1, vec![device_id.clone()]));
    let active = CaQuery {
        status: Some("active".into()),
        ..CaQuery::default()
    };
    assert_eq!(ids(conn, active).0, 3);
    let expiring = CaQuery {
        expiring_within_days: Some(500),
        ..CaQuery::default()
    };
    assert_eq!(ids(conn, expiring), (1, vec![soon_id.clone()]));
    let text = CaQuery {
        q: Some("ALPHA".into()),
        ..CaQuery::default()
    };
    assert_eq!(
        ids(conn, text),
        (2, vec![alpha_int_id.clone(), alpha_id.clone()])
    );
    let wildcard = CaQuery {
        q: Some("%".into()),
        ..CaQuery::default()
    };
    assert_eq!(ids(conn, wildcard).0, 0, "wildcards match literally");

    // Paging.
    let page = |n: i64| CaQuery {
        page: Some(n),
        page_size: Some(3),
        ..CaQuery::default()
    };
    assert_eq!(
        ids(conn, page(1)),
        (
            4,
            vec![alpha_int_id.clone(), alpha_id.clone(), soon_id.clone()]
        )
    );
    assert_eq!(ids(conn, page(2)), (4, vec![device_id.clone()]));
    assert_eq!(ids(conn, page(3)), (4, vec![]));
    let first = trust::list(conn, &page(1)).expect("list");
    assert_eq!((first.page, first.page_size, first.page_count()), (1, 3, 2));
    let row = first
        .items
        .iter()
        .find(|s| s.id == alpha_int_id)
        .expect("row");
    assert_eq!(
        (row.domain, row.kind, row.active, row.key_type.as_str()),
        (CertDomain::Auth, CaKind::Intermediate, true, "EC P-256")
    );
    assert_eq!(row.issuer, "O=Test CA Org, CN=Alpha Root");

    // Bad filters.
    let mut bad = |query: CaQuery| trust::list(conn, &query).expect_err("bad filter").code;
    assert_eq!(
        bad(CaQuery {
            domain: Some("X".into()),
            ..CaQuery::default()
        }),
        "PMS_CERT_DOMAIN"
    );
    assert_eq!(
        bad(CaQuery {
            kind: Some("LEAF".into()),
            ..CaQuery::default()
        }),
        "PMS_CERT_KIND"
    );
    assert_eq!(
        bad(CaQuery {
            expiring_within_days: Some(-1),
            ..CaQuery::default()
        }),
        "PMS_CERT_EXPIRING"
    );
}

#[test]
fn trust_detail_shows_the_chain_up_to_the_root_and_the_pem() {
    let env = env();
    let conn = &mut env.db.conn();
    let operator = account::create(
        conn,
        &Actor::system(),
        &NewAccount {
            email: "ops@example.org".into(),
            display_name: "Ops".into(),
            password: PASSWORD.into(),
            roles: vec![Role::PartnerAdmin],
        },
    )
    .expect("operator");
    let actor = Actor::account(&operator.id, "ops@example.org");
    let root = new_root("Detail Root");
    let int = new_intermediate("Detail Issuing CA", &root);
    let text = pem_bundle(&[&root.pem(), &int.pem()]);
    let report =
        trust::upload(conn, &actor, &env.config, "DEVICE", text.as_bytes(), false).expect("bundle");
    let root_id = report.items[0].id.clone().expect("root id");
    let int_id = report.items[1].id.clone().expect("int id");

    let detail = trust::detail(conn, &int_id).expect("detail");
    assert_eq!(
        detail
            .chain
            .iter()
            .map(|l| (l.id.as_str(), l.kind, l.active))
            .collect::<Vec<_>>(),
        vec![
            (int_id.as_str(), CaKind::Intermediate, true),
            (root_id.as_str(), CaKind::Root, true)
        ]
    );
    assert_eq!(detail.chain[1].subject, "O=Test CA Org, CN=Detail Root");
    assert_eq!(detail.summary.domain, CertDomain::Device);
    assert_eq!(detail.facts.subject, "O=Test CA Org, CN=Detail Issuing CA");
    assert!(detail.facts.is_ca && !detail.facts.self_signed);
    assert_eq!(detail.issued_active, 0);
    assert_eq!(detail.created_by.as_deref(), Some("ops@example.org"));
    assert!(detail.pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert_eq!(pem_der(&detail.pem), der(&int));
    assert_eq!(detail.pem, to_pem(&der(&int)));

    let root_detail = trust::detail(conn, &root_id).expect("root detail");
    assert_eq!(root_detail.chain.len(), 1);
    assert_eq!(root_detail.issued_active, 1);
    assert_eq!(pem_der(&root_detail.pem), der(&root));
    assert_eq!(
        trust::detail(conn, "no-such-id").expect_err("404").kind,
        ErrorKind::NotFound
    );
}

#[test]
fn trust_deactivate_refuses_a_root_with_active_intermediates_then_allows_it() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "AUTH");
    let before = counts(conn);
    let err = trust::deactivate(conn, &admin(), &chain.root_id).expect_err("has children");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Conflict, "PMS_CERT_HAS_ACTIVE_CHILDREN")
    );
    assert_eq!(counts(conn), before);

    let int = trust::deactivate(conn, &admin(), &chain.int_id).expect("intermediate");
    assert!(!int.active);
    let err = trust::deactivate(conn, &admin(), &chain.int_id).expect_err("twice");
    assert_eq!(err.code, "PMS_CERT_ALREADY_INACTIVE");
    let root = trust::deactivate(conn, &admin(), &chain.root_id).expect("root");
    assert!(!root.active);
    for id in [&chain.int_id, &chain.root_id] {
        assert_eq!(
            audit_actions(conn, "ca_certificate", id),
            vec!["CA_CERTIFICATE_ADDED", "CA_CERTIFICATE_DEACTIVATED"]
        );
        let active: bool = ca_certificates::table
            .find(id)
            .select(ca_certificates::active)
            .first(conn)
            .expect("row");
        assert!(!active);
    }
    assert_eq!(counts(conn).cas, before.cas, "deactivation deletes nothing");
    assert_eq!(
        trust::deactivate(conn, &admin(), "no-such-id")
            .expect_err("404")
            .kind,
        ErrorKind::NotFound
    );
    // A deactivated CA is still known: uploading it again says so.
    let err = upload(conn, &env, "AUTH", chain.root.pem().as_bytes(), false).expect_err("dup");
    assert_eq!(refused_ca(&err), vec!["/0/duplicate"]);
    assert!(err.details[0].message.contains("deactivated"), "{err:#?}");
}

#[test]
fn deactivated_cas_no_longer_anchor_partner_certificates() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "anchor-dev", "Device_Provider");
    let cert = leaf(&p.org, &chain.int);
    let check = partner_cert::check_own(conn, &p.user, cert.pem.as_bytes()).expect("check");
    assert!(check.problems.is_empty(), "{:#?}", check.problems);

    trust::deactivate(conn, &admin(), &chain.int_id).expect("intermediate");
    let check = partner_cert::check_own(conn, &p.user, cert.pem.as_bytes()).expect("check");
    assert_eq!(paths(&check.problems), vec!["chain"]);
    // A leaf issued by the root itself still chains while the root is active...
    let direct = leaf(&p.org, &chain.root);
    let check = partner_cert::check_own(conn, &p.user, direct.pem.as_bytes()).expect("check");
    assert!(check.problems.is_empty(), "{:#?}", check.problems);
    // ...and no longer once it is deactivated.
    trust::deactivate(conn, &admin(), &chain.root_id).expect("root");
    assert_eq!(
        partner_refusal(conn, &env, &p, direct.pem.as_bytes()),
        vec!["chain"]
    );
    assert_eq!(
        partner_refusal(conn, &env, &p, cert.pem.as_bytes()),
        vec!["chain"]
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Partner certificates
// ---------------------------------------------------------------------------------------------

fn signing_ca_der(conn: &mut AnyConnection, domain: CertDomain) -> Vec<u8> {
    let ca = signing::signing_cas(conn)
        .expect("signing CAs")
        .into_iter()
        .find(|c| c.domain == domain)
        .expect("signing CA of the domain");
    pem_der(&ca.pem)
}

#[test]
fn partner_certificate_is_accepted_and_resigned_by_the_portal_ca_of_its_domain() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "AUTH");
    // A device chain too, so the right domain's CA must be picked.
    trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "acme-auth", "Auth_Partner");
    let cert = leaf(&p.org, &chain.int);

    let check = partner_cert::check_own(conn, &p.user, cert.pem.as_bytes()).expect("check");
    assert_eq!(check.domain, CertDomain::Auth);
    assert!(check.problems.is_empty(), "{:#?}", check.problems);
    assert!(check.facts.is_some());
    let before = counts(conn);
    let at = domain::clock::now_ms();
    let view = partner_cert::upload_own(conn, &p.actor, &p.user, &env.config, cert.pem.as_bytes())
        .expect("upload");
    let after = counts(conn);
    assert_eq!(
        after,
        Counts {
            partner_certs: before.partner_certs + 1,
            events: before.events + 1,
            audit: before.audit + 1,
            ..before
        }
    );

    assert_eq!(view.partner_id, "acme-auth");
    assert_eq!(view.domain, CertDomain::Auth);
    assert!(view.history.is_empty());
    assert!(!view.expired && !view.resigned_expired);
    assert!((728..=730).contains(&view.days_left), "{}", view.days_left);
    assert_eq!(pem_der(&view.pem), cert.der);
    assert_eq!(view.facts.subject, format!("O={}, CN=partner leaf", p.org));

    let (_, uploaded) = x509_parser::parse_x509_certificate(&cert.der).expect("uploaded");
    let resigned_der = pem_der(&view.resigned_pem);
    let (rest, resigned) =
        x509_parser::parse_x509_certificate(&resigned_der).expect("re-signed parses");
    assert!(rest.is_empty());
    let ca_der = signing_ca_der(conn, CertDomain::Auth);
    let (_, portal_ca) = x509_parser::parse_x509_certificate(&ca_der).expect("signing CA");
    assert_eq!(resigned.issuer().as_raw(), portal_ca.subject().as_raw());
    assert_eq!(
        resigned.issuer().to_string(),
        "O=Partner Management Portal, CN=PMS AUTH signing CA"
    );
    resigned
        .verify_signature(Some(portal_ca.public_key()))
        .expect("signed by the AUTH signing CA");
    let device_ca = signing_ca_der(conn, CertDomain::Device);
    let (_, device_ca) = x509_parser::parse_x509_certificate(&device_ca).expect("device CA");
    assert!(resigned
        .verify_signature(Some(device_ca.public_key()))
        .is_err());
    assert_eq!(resigned.public_key().raw, uploaded.public_key().raw);
    assert_eq!(resigned.subject().as_raw(), uploaded.subject().as_raw());
    assert!(!resigned.is_ca());
    let bc = resigned
        .basic_constraints()
        .expect("one basic constraints")
        .expect("basic constraints");
    assert!(!bc.value.ca);
    let not_after_ms = resigned.validity().not_after.timestamp() * 1000;
    let uploaded_not_after_ms = uploaded.validity().not_after.timestamp() * 1000;
    let limit = (domain::clock::now_ms() + 365 * DAY_MS).min(uploaded_not_after_ms);
    assert!(not_after_ms <= limit, "{not_after_ms} > {limit}");
    assert!(not_after_ms >= at + 364 * DAY_MS, "about a year");
    assert_eq!(view.resigned_not_after, not_after_ms);
    assert!(resigned.validity().not_before.timestamp() * 1000 <= at);
    assert_ne!(resigned.raw_serial(), uploaded.raw_serial());

    // Stored: one current row.
    let rows: Vec<(String, bool, String)> = partner_certificates::table
        .select((
            partner_certificates::partner_id,
            partner_certificates::is_current,
            partner_certificates::cert_domain,
        ))
        .load(conn)
        .expect("rows");
    assert_eq!(rows, vec![("acme-auth".into(), true, "AUTH".into())]);
    assert_eq!(
        partner_cert::own(conn, &p.user).expect("own"),
        Some(view.clone())
    );
    assert_eq!(
        audit_actions(conn, "partner", "acme-auth")
            .last()
            .map(String::as_str),
        Some("PARTNER_CERTIFICATE_UPLOADED")
    );

    // Announced with the certificate.
    let events = events(conn, partner::PARTNER_UPDATED);
    let data = &events.last().expect("event")["event"]["data"];
    assert_eq!(data["partnerId"], "acme-auth");
    assert_eq!(data["partnerDomain"], "AUTH");
    assert_eq!(data["certificateId"], view.id.as_str());
    assert_eq!(
        pem_der(data["certificateData"].as_str().expect("certificateData")),
        cert.der
    );
    assert_eq!(
        pem_der(
            data["signedCertificateData"]
                .as_str()
                .expect("signedCertificateData")
        ),
        resigned_der
    );
}

#[test]
fn partner_certificate_renewal_keeps_the_previous_one_in_history() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "FTM");
    let p = partner(conn, "chip-maker", "FTM_Provider");
    let first = leaf(&p.org, &chain.int);
    let view1 =
        partner_cert::upload_own(conn, &p.actor, &p.user, &env.config, first.pem.as_bytes())
            .expect("first");
    assert_eq!(view1.domain, CertDomain::Ftm);
    // The renewal expires in 30 days: the re-signed one must not outlive it.
    let short = sign_leaf(
        &leaf_params_valid(
            &p.org,
            "renewed leaf",
            now() - Duration::days(1),
            now() + Duration::days(30),
        ),
        &chain.int,
    );
    let view2 = partner_cert::upload_own(conn, &p.actor, &p.user, &env.config, &short.der)
        .expect("renewal (DER)");
    assert_ne!(view1.id, view2.id);
    assert_eq!(view2.history.len(), 1);
    assert_eq!(view2.history[0].id, view1.id);
    assert_eq!(view2.history[0].thumbprint, view1.facts.thumbprint);
    // The earlier upload and its re-signed form stay downloadable.
    assert_eq!(view2.history_total, 1);
    assert_eq!(view2.history[0].pem, view1.pem);
    assert_eq!(view2.history[0].resigned_pem, view1.resigned_pem);
    assert!(!view2.history[0].expired && !view2.history[0].resigned_expired);
    assert_eq!(pem_der(&view2.pem), short.der);
    assert!(view2.resigned_not_after <= view2.facts.not_after);
    assert!((29..=30).contains(&view2.days_left), "{}", view2.days_left);
    let resigned_der = pem_der(&view2.resigned_pem);
    let (_, resigned) = x509_parser::parse_x509_certificate(&resigned_der).expect("parse");
    assert!(resigned.validity().not_after.timestamp() * 1000 <= view2.facts.not_after);
    let ca = signing_ca_der(conn, CertDomain::Ftm);
    let (_, ca) = x509_parser::parse_x509_certificate(&ca).expect("ca");
    assert_eq!(resigned.issuer().as_raw(), ca.subject().as_raw());

    let current: i64 = partner_certificates::table
        .filter(partner_certificates::partner_id.eq("chip-maker"))
        .filter(partner_certificates::is_current.eq(true))
        .count()
        .get_result(conn)
        .expect("count");
    assert_eq!(current, 1);
    assert_eq!(counts(conn).partner_certs, 2);
    assert_eq!(
        audit_actions(conn, "partner", "chip-maker")
            .into_iter()
            .filter(|a| a.starts_with("PARTNER_CERTIFICATE"))
            .collect::<Vec<_>>(),
        vec![
            "PARTNER_CERTIFICATE_UPLOADED",
            "PARTNER_CERTIFICATE_RENEWED"
        ]
    );
    assert_eq!(
        partner_cert::own(conn, &p.user)
            .expect("own")
            .expect("current")
            .id,
        view2.id
    );
}

#[test]
fn partner_expired_certificate_is_refused_on_validity() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "dev", "Device_Provider");
    let cert = sign_leaf(
        &leaf_params_valid(
            &p.org,
            "old",
            now() - Duration::days(400),
            now() - Duration::days(1),
        ),
        &chain.int,
    );
    assert_eq!(
        partner_refusal(conn, &env, &p, cert.pem.as_bytes()),
        vec!["validity"]
    );
}

/// Found by a hostile tester: a certificate that expired before its CA's validity began was
/// also told "a CA certificate in its chain is outside its validity period" (the chain was
/// checked at the leaf's dates). The CA is valid now, so that reason was false.
#[test]
fn partner_certificate_expired_before_its_ca_began_gets_only_the_true_reason() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "AUTH");
    let p = partner(conn, "rp", "Auth_Partner");
    let cert = sign_leaf(
        &leaf_params_valid(
            &p.org,
            "long gone",
            now() - Duration::days(400),
            now() - Duration::days(30),
        ),
        &chain.int,
    );
    assert_eq!(
        partner_refusal(conn, &env, &p, cert.pem.as_bytes()),
        vec!["validity"]
    );
    // An expired certificate of an issuer nobody trusts is still told both.
    let stranger = new_intermediate("Stranger CA", &new_root("Stranger Root"));
    let cert = sign_leaf(
        &leaf_params_valid(
            &p.org,
            "gone and unknown",
            now() - Duration::days(400),
            now() - Duration::days(30),
        ),
        &stranger,
    );
    assert_eq!(
        partner_refusal(conn, &env, &p, cert.pem.as_bytes()),
        vec!["validity", "chain"]
    );
}

#[test]
fn partner_not_yet_valid_certificate_is_refused_on_validity() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "dev", "Device_Provider");
    let cert = sign_leaf(
        &leaf_params_valid(
            &p.org,
            "future",
            now() + Duration::days(1),
            now() + Duration::days(400),
        ),
        &chain.int,
    );
    assert_eq!(
        partner_refusal(conn, &env, &p, cert.pem.as_bytes()),
        vec!["validity"]
    );
}

#[test]
fn partner_certificate_from_a_root_not_in_the_store_is_refused_on_chain() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "dev", "Device_Provider");
    let stranger = new_root("Stranger Root");
    let cert = leaf(&p.org, &stranger);
    assert_eq!(
        partner_refusal(conn, &env, &p, cert.pem.as_bytes()),
        vec!["chain"]
    );
    let check = partner_cert::check_own(conn, &p.user, cert.pem.as_bytes()).expect("check");
    assert!(
        message(&check.problems, "chain").contains("Issuer not found"),
        "{:#?}",
        check.problems
    );
    // Same name as the trusted intermediate, other key: an impostor.
    let impostor = intermediate_from(ca_params("DEVICE Issuing CA"), &stranger);
    let (_, a) = x509_parser::parse_x509_certificate(impostor.der()).expect("impostor");
    let (_, b) = x509_parser::parse_x509_certificate(chain.int.der()).expect("trusted");
    assert_eq!(a.subject().as_raw(), b.subject().as_raw(), "same name");
    let cert = leaf(&p.org, &impostor);
    assert_eq!(
        partner_refusal(conn, &env, &p, cert.pem.as_bytes()),
        vec!["chain"]
    );
    let check = partner_cert::check_own(conn, &p.user, cert.pem.as_bytes()).expect("check");
    assert!(
        message(&check.problems, "chain").contains("different key"),
        "{:#?}",
        check.problems
    );
}

#[test]
fn partner_self_signed_certificate_is_refused_on_self_signed() {
    let env = env();
    let conn = &mut env.db.conn();
    trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "dev", "Device_Provider");
    let cert = leaf_params(&p.org, "me")
        .self_signed(&key())
        .expect("self-signed");
    assert_eq!(
        partner_refusal(conn, &env, &p, cert.pem().as_bytes()),
        vec!["self_signed"]
    );
}

#[test]
fn partner_rsa_1024_certificate_is_refused_on_key() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "dev", "Device_Provider");
    let weak = leaf_for_spki(&p.org, &rsa_spki(1024), &chain.int);
    let check = partner_cert::check_own(conn, &p.user, weak.pem.as_bytes()).expect("check");
    assert_eq!(check.facts.as_ref().expect("facts").key_type, "RSA 1024");
    assert_eq!(
        partner_refusal(conn, &env, &p, weak.pem.as_bytes()),
        vec!["key"]
    );
    assert!(message(&check.problems, "key").contains("1024"));
    // The same, with 2048 bits, is fine (and re-signed for its RSA key).
    let strong = leaf_for_spki(&p.org, &rsa_spki(2048), &chain.int);
    let view =
        partner_cert::upload_own(conn, &p.actor, &p.user, &env.config, strong.pem.as_bytes())
            .expect("RSA 2048");
    assert_eq!(view.facts.key_type, "RSA 2048");
    let resigned_der = pem_der(&view.resigned_pem);
    let (_, resigned) = x509_parser::parse_x509_certificate(&resigned_der).expect("parse");
    let (_, uploaded) = x509_parser::parse_x509_certificate(&strong.der).expect("parse");
    assert_eq!(resigned.public_key().raw, uploaded.public_key().raw);
}

#[test]
fn partner_sha1_certificate_is_refused_on_signature() {
    let env = env();
    let conn = &mut env.db.conn();
    let report = upload(conn, &env, "DEVICE", SHA1_ROOT_PEM.as_bytes(), false).expect("root");
    assert_eq!(report.accepted(), 1, "{report:#?}");
    let p = partner_with_org(conn, "sha1-dev", "Device_Provider", SHA1_PARTNER_ORG);
    let check = partner_cert::check_own(conn, &p.user, SHA1_LEAF_PEM.as_bytes()).expect("check");
    let facts = check.facts.as_ref().expect("facts");
    assert_eq!(
        (
            facts.sig_alg.as_str(),
            facts.version,
            facts.key_type.as_str()
        ),
        ("SHA1withRSA", 3, "RSA 2048")
    );
    assert_eq!(
        partner_refusal(conn, &env, &p, SHA1_LEAF_PEM.as_bytes()),
        vec!["signature"]
    );
    assert!(message(&check.problems, "signature").contains("SHA1withRSA"));
}

#[test]
fn partner_certificate_of_another_organisation_is_refused_on_organisation() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "dev", "Device_Provider");
    let cert = leaf("Other Company Ltd", &chain.int);
    assert_eq!(
        partner_refusal(conn, &env, &p, cert.pem.as_bytes()),
        vec!["organisation"]
    );
    // No O= at all is refused on the same path.
    let mut params = leaf_params(&p.org, "no org");
    params.distinguished_name = {
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "no org");
        dn
    };
    let cert = sign_leaf(&params, &chain.int);
    assert_eq!(
        partner_refusal(conn, &env, &p, cert.pem.as_bytes()),
        vec!["organisation"]
    );
}

#[test]
fn partner_certificate_issued_by_a_non_ca_is_refused_on_chain() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "dev", "Device_Provider");
    // An end-entity certificate (CA:FALSE) under the trusted intermediate, used as an issuer.
    let not_ca: Ca = CertifiedIssuer::signed_by(
        leaf_params("Test CA Org", "Not A CA"),
        key(),
        issuer(&chain.int),
    )
    .expect("end entity");
    // The trust store will not take it as an intermediate...
    let err = upload(conn, &env, "DEVICE", not_ca.pem().as_bytes(), false).expect_err("not a CA");
    assert!(refused_ca(&err).contains(&"/0/ca"), "{err:#?}");
    // ...so what it signs does not chain.
    let cert = leaf(&p.org, &not_ca);
    assert_eq!(
        partner_refusal(conn, &env, &p, cert.pem.as_bytes()),
        vec!["chain"]
    );
    // Even a row that bypassed the upload checks does not make it an issuer.
    let now_ms = domain::clock::now_ms();
    diesel::insert_into(ca_certificates::table)
        .values((
            ca_certificates::id.eq("legacy-row"),
            ca_certificates::cert_domain.eq("DEVICE"),
            ca_certificates::kind.eq("INTERMEDIATE"),
            ca_certificates::subject.eq("O=Test CA Org, CN=Not A CA"),
            ca_certificates::issuer.eq("O=Test CA Org, CN=DEVICE Issuing CA"),
            ca_certificates::serial.eq("01"),
            ca_certificates::not_before.eq(now_ms - DAY_MS),
            ca_certificates::not_after.eq(now_ms + 700 * DAY_MS),
            ca_certificates::key_type.eq("EC P-256"),
            ca_certificates::sig_alg.eq("SHA256withECDSA"),
            ca_certificates::thumbprint.eq("legacy"),
            ca_certificates::der.eq(der(&not_ca)),
            ca_certificates::issuer_id.eq(Some(chain.int_id.clone())),
            ca_certificates::active.eq(true),
            ca_certificates::created_at.eq(now_ms),
            ca_certificates::updated_at.eq(now_ms),
        ))
        .execute(conn)
        .expect("legacy row");
    assert_eq!(
        partner_refusal(conn, &env, &p, cert.pem.as_bytes()),
        vec!["chain"]
    );
    let check = partner_cert::check_own(conn, &p.user, cert.pem.as_bytes()).expect("check");
    assert!(
        message(&check.problems, "chain").contains("not a CA"),
        "{:#?}",
        check.problems
    );
}

/// Root -> i1 -> i2 [-> i3], every CA stored in `domain`; returns the lowest CA.
fn deep_chain(conn: &mut AnyConnection, env: &Env, domain: &str, intermediates: usize) -> Ca {
    let mut ca = new_root("Deep Root");
    store(conn, env, domain, &ca);
    for n in 1..=intermediates {
        let next = new_intermediate(&format!("Deep CA {n}"), &ca);
        store(conn, env, domain, &next);
        ca = next;
    }
    ca
}

#[test]
fn partner_chain_of_five_certificates_is_refused_on_chain_depth() {
    let env = env();
    let conn = &mut env.db.conn();
    let i3 = deep_chain(conn, &env, "DEVICE", 3);
    assert_eq!(counts(conn).cas, 4, "root and three intermediates stored");
    let p = partner(conn, "dev", "Device_Provider");
    let cert = leaf(&p.org, &i3);
    assert_eq!(
        partner_refusal(conn, &env, &p, cert.pem.as_bytes()),
        vec!["chain"]
    );
    let check = partner_cert::check_own(conn, &p.user, cert.pem.as_bytes()).expect("check");
    let text = message(&check.problems, "chain");
    assert!(
        text.contains(&format!("longer than {MAX_PATH_DEPTH} certificates")),
        "{text}"
    );
}

#[test]
fn partner_chain_of_four_certificates_is_accepted() {
    let env = env();
    let conn = &mut env.db.conn();
    let i2 = deep_chain(conn, &env, "DEVICE", 2);
    let p = partner(conn, "dev", "Device_Provider");
    let cert = leaf(&p.org, &i2);
    let view = partner_cert::upload_own(conn, &p.actor, &p.user, &env.config, cert.pem.as_bytes())
        .expect("depth 4");
    assert_eq!(view.domain, CertDomain::Device);
}

#[test]
fn partner_certificate_chaining_to_another_domain_is_refused_on_chain() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "AUTH");
    let p = partner(conn, "dev", "Device_Provider");
    let cert = leaf(&p.org, &chain.int);
    assert_eq!(
        partner_refusal(conn, &env, &p, cert.pem.as_bytes()),
        vec!["chain"]
    );
    let check = partner_cert::check_own(conn, &p.user, cert.pem.as_bytes()).expect("check");
    assert_eq!(check.domain, CertDomain::Device);
    assert!(
        message(&check.problems, "chain").contains("DEVICE trust store"),
        "{:#?}",
        check.problems
    );
    // Through validate_leaf, the same certificate is fine for AUTH.
    let now_ms = domain::clock::now_ms();
    let auth = partner_cert::validate_leaf(conn, CertDomain::Auth, &cert.der, Some(&p.org), now_ms)
        .expect("validate");
    assert!(auth.problems.is_empty(), "{:#?}", auth.problems);
}

#[test]
fn partner_ca_certificate_is_refused_on_ca() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "dev", "Device_Provider");
    let mut params = ca_params("our own CA");
    params.distinguished_name = name(&p.org, "our own CA");
    let ca = intermediate_from(params, &chain.int);
    assert_eq!(
        partner_refusal(conn, &env, &p, ca.pem().as_bytes()),
        vec!["ca"]
    );
}

#[test]
fn partner_file_with_two_certificates_is_refused_as_many() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "dev", "Device_Provider");
    let cert = leaf(&p.org, &chain.int);
    let before = counts(conn);
    for input in [
        pem_bundle(&[&cert.pem, &chain.int.pem()]).into_bytes(),
        pkcs7(&[&cert.der, &der(&chain.int)]),
    ] {
        let err = partner_cert::check_own(conn, &p.user, &input).expect_err("check");
        assert_eq!(
            (err.code.as_str(), err.field.as_deref()),
            ("PMS_CERT_MANY", Some("certificate"))
        );
        let err = partner_cert::upload_own(conn, &p.actor, &p.user, &env.config, &input)
            .expect_err("upload");
        assert_eq!(err.code, "PMS_CERT_MANY");
    }
    assert_eq!(counts(conn), before);
}

#[test]
fn deactivated_partner_cannot_change_its_certificate() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "dev", "Device_Provider");
    partner::decide(conn, &admin(), "dev", partner::Decision::Approve, None).expect("approve");
    partner::decide(
        conn,
        &admin(),
        "dev",
        partner::Decision::Deactivate,
        Some("Contract ended"),
    )
    .expect("deactivate");
    let cert = leaf(&p.org, &chain.int);
    let before = counts(conn);
    let err = partner_cert::upload_own(conn, &p.actor, &p.user, &env.config, cert.pem.as_bytes())
        .expect_err("deactivated");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Forbidden, "PMS_PARTNER_INACTIVE")
    );
    assert_eq!(counts(conn), before);
}

// ---------------------------------------------------------------------------------------------
// 3. Bad input
// ---------------------------------------------------------------------------------------------

/// `input` is refused with `code` by the parser, the trust store (upload and preview) and the
/// partner certificate page (check and upload), and nothing is stored.
fn assert_refused_everywhere(input: &[u8], code: &str) {
    let err = parse::certificates(input).expect_err(code);
    assert_eq!(
        (err.kind, err.code.as_str(), err.field.as_deref()),
        (ErrorKind::Validation, code, Some("certificate")),
        "{err:#?}"
    );
    let env = env();
    let conn = &mut env.db.conn();
    trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "bad-input", "Device_Provider");
    let before = counts(conn);
    for preview in [false, true] {
        let err = upload(conn, &env, "DEVICE", input, preview).expect_err("trust store");
        assert_eq!(err.code, code, "trust store, preview {preview}");
    }
    let err = partner_cert::check_own(conn, &p.user, input).expect_err("check");
    assert_eq!(err.code, code, "partner check");
    let err =
        partner_cert::upload_own(conn, &p.actor, &p.user, &env.config, input).expect_err("upload");
    assert_eq!(err.code, code, "partner upload");
    assert_eq!(counts(conn), before, "nothing stored");
    assert!(partner_cert::own(conn, &p.user).expect("own").is_none());
}

#[test]
fn bad_input_empty_file() {
    assert_refused_everywhere(b"", "PMS_CERT_EMPTY");
    assert_refused_everywhere(b" \n\t\r\n", "PMS_CERT_EMPTY");
}

#[test]
fn bad_input_random_bytes() {
    let mut bytes = vec![0u8; 4096];
    rand::rngs::StdRng::seed_from_u64(5).fill_bytes(&mut bytes);
    assert_refused_everywhere(&bytes, "PMS_CERT_UNREADABLE");
}

#[test]
fn bad_input_ten_megabyte_file() {
    let root = new_root("Big Root");
    let mut bytes = root.pem().into_bytes();
    bytes.resize(10 * 1024 * 1024, b'\n');
    assert_refused_everywhere(&bytes, "PMS_CERT_TOO_LARGE");
}

#[test]
fn bad_input_pem_with_text_around_it() {
    let root = new_root("Garbage Root");
    let before = format!("Bag Attributes\n    friendlyName: test\n{}", root.pem());
    assert_refused_everywhere(before.as_bytes(), "PMS_CERT_GARBAGE");
    let after = format!("{}Thanks, regards\n", root.pem());
    assert_refused_everywhere(after.as_bytes(), "PMS_CERT_GARBAGE");
}

#[test]
fn bad_input_pem_private_key() {
    let k = key();
    assert_refused_everywhere(k.serialize_pem().as_bytes(), "PMS_CERT_PRIVATE_KEY");
    // Alongside a certificate, the key still wins: the user must hear about it.
    let root = new_root("Key Root");
    let both = pem_bundle(&[&root.pem(), &k.serialize_pem()]);
    assert_refused_everywhere(both.as_bytes(), "PMS_CERT_PRIVATE_KEY");
}

#[test]
fn bad_input_der_pkcs8_private_key() {
    assert_refused_everywhere(&key().serialize_der(), "PMS_CERT_PRIVATE_KEY");
}

#[test]
fn bad_input_certificate_signing_request() {
    let k = key();
    let mut params = leaf_params("Someone", "csr");
    params.serial_number = None; // a CSR carries no serial
    let csr = params
        .serialize_request(&k)
        .expect("CSR")
        .pem()
        .expect("CSR PEM");
    assert!(csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
    assert_refused_everywhere(csr.as_bytes(), "PMS_CERT_IS_CSR");
}

#[test]
fn bad_input_damaged_base64() {
    let pem = new_root("Damaged Root").pem();
    let mut lines: Vec<String> = pem.lines().map(str::to_string).collect();
    // A character changed into one that is not base64.
    let mut changed = lines.clone();
    changed[2].replace_range(10..11, "!");
    assert_refused_everywhere((changed.join("\n") + "\n").as_bytes(), "PMS_CERT_BAD_PEM");
    // A character missing.
    lines[2].remove(10);
    assert_refused_everywhere((lines.join("\n") + "\n").as_bytes(), "PMS_CERT_BAD_PEM");
}

#[test]
fn bad_input_begin_without_end() {
    let pem = new_root("Cut Root").pem();
    let cut: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----END"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_refused_everywhere(cut.as_bytes(), "PMS_CERT_BAD_PEM");
    let err = parse::certificates(cut.as_bytes()).expect_err("cut");
    assert!(err.message.contains("no END line"), "{}", err.message);
}

#[test]
fn bad_input_ed25519_leaf_is_refused_on_key() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "dev", "Device_Provider");
    let ed = KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("Ed25519 key");
    let cert = leaf_params(&p.org, "ed leaf")
        .signed_by(&ed, issuer(&chain.int))
        .expect("leaf");
    let der = cert.der().to_vec();
    let check = partner_cert::validate_leaf(
        conn,
        CertDomain::Device,
        &der,
        Some(&p.org),
        domain::clock::now_ms(),
    )
    .expect("validate");
    assert_eq!(paths(&check.problems), vec!["key"]);
    assert_eq!(check.parsed.expect("parsed").facts.key_type, "Ed25519");
    assert_eq!(partner_refusal(conn, &env, &p, &der), vec!["key"]);
}

// ---------------------------------------------------------------------------------------------
// 4. Signing CAs and their sealed keys
// ---------------------------------------------------------------------------------------------

#[test]
fn sealed_signing_keys_do_not_hold_the_plaintext_key() {
    let env = env();
    let conn = &mut env.db.conn();
    let rows: Vec<(String, Vec<u8>, Vec<u8>)> = signing_cas::table
        .order(signing_cas::cert_domain.asc())
        .select((
            signing_cas::cert_domain,
            signing_cas::der,
            signing_cas::sealed_key,
        ))
        .load(conn)
        .expect("rows");
    assert_eq!(
        rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        vec!["AUTH", "DEVICE", "FTM"]
    );
    for (domain, ca_der, sealed) in &rows {
        let pkcs8 = env.config.master_key.open(domain, sealed).expect("opens");
        assert!(pkcs8.len() > 32);
        assert!(
            !sealed.windows(pkcs8.len()).any(|w| w == pkcs8.as_slice()),
            "{domain}: the PKCS#8 key is stored in clear"
        );
        // Not even a part of it (any 16-byte run).
        for run in pkcs8.chunks(16).filter(|c| c.len() == 16) {
            assert!(!sealed.windows(16).any(|w| w == run), "{domain}");
        }
        // It is the key of the stored CA certificate...
        let pair = KeyPair::try_from(pkcs8.as_slice()).expect("PKCS#8");
        let (_, cert) = x509_parser::parse_x509_certificate(ca_der).expect("CA");
        assert_eq!(
            cert.public_key().subject_public_key.data.as_ref(),
            pair.public_key_raw()
        );
        assert!(cert.is_ca());
        // ...and it opens for its own domain only.
        for other in ["AUTH", "DEVICE", "FTM"].iter().filter(|d| *d != domain) {
            assert!(env.config.master_key.open(other, sealed).is_err());
        }
    }
    let views = signing::signing_cas(conn).expect("views");
    assert_eq!(views.len(), 3);
    assert!(views.iter().all(|v| !v.pem.contains("PRIVATE")));
}

#[test]
fn signing_cas_refuse_to_start_with_another_master_key() {
    let env = env();
    let conn = &mut env.db.conn();
    let before: Vec<Vec<u8>> = signing_cas::table
        .select(signing_cas::sealed_key)
        .load(conn)
        .expect("rows");
    let err = signing::ensure_signing_cas(conn, &master_key()).expect_err("wrong key");
    assert!(err.contains("signing CA"), "{err}");
    let after: Vec<Vec<u8>> = signing_cas::table
        .select(signing_cas::sealed_key)
        .load(conn)
        .expect("rows");
    assert_eq!(before, after, "nothing replaced");
}

#[test]
fn ensuring_signing_cas_twice_keeps_them() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let text = MasterKey::generate_base64().expect("rng");
    let key = MasterKey::from_base64(&text).expect("key");
    signing::ensure_signing_cas(conn, &key).expect("first start");
    let load = |conn: &mut AnyConnection| -> Vec<(String, Vec<u8>, Vec<u8>)> {
        signing_cas::table
            .order(signing_cas::cert_domain.asc())
            .select((
                signing_cas::cert_domain,
                signing_cas::der,
                signing_cas::sealed_key,
            ))
            .load(conn)
            .expect("rows")
    };
    let first = load(conn);
    assert_eq!(first.len(), 3);
    signing::ensure_signing_cas(conn, &key).expect("second start");
    assert_eq!(load(conn), first);
    // A restart reads the same key from its configuration text: still the same CAs.
    let reloaded = MasterKey::from_base64(&format!("{text}\n")).expect("key again");
    signing::ensure_signing_cas(conn, &reloaded).expect("restart");
    assert_eq!(load(conn), first);
    let views = signing::signing_cas(conn).expect("views");
    assert_eq!(views.len(), 3);
    for (view, (domain, ca_der, _)) in views.iter().zip(&first) {
        assert_eq!(view.domain.as_str(), domain);
        assert_eq!(&pem_der(&view.pem), ca_der);
        assert_eq!(
            view.subject,
            format!("O=Partner Management Portal, CN=PMS {domain} signing CA")
        );
        assert!(view.not_after > domain::clock::now_ms() + 9 * 365 * DAY_MS);
    }
}

// ---------------------------------------------------------------------------------------------
// Review findings: a second O=, expired roots, one certificate bound to two partners, private
// keys in the shapes PKCS#8 parsing misses.
// ---------------------------------------------------------------------------------------------

#[test]
fn partner_certificate_naming_two_organisations_is_refused() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "two-orgs", "Device_Provider");
    // rcgen keeps one value per type; a custom type with the O= OID adds a second O=.
    let mut params = leaf_params(&p.org, "two orgs");
    params
        .distinguished_name
        .push(DnType::CustomDnType(vec![2, 5, 4, 10]), "Victim Ltd");
    let cert = sign_leaf(&params, &chain.int);
    let problems = partner_refusal(conn, &env, &p, cert.pem.as_bytes());
    assert_eq!(problems, vec!["organisation"]);
    let check = partner_cert::check_own(conn, &p.user, cert.pem.as_bytes()).expect("check");
    assert!(message(&check.problems, "organisation").contains("exactly one"));
}

#[test]
fn an_expired_root_no_longer_anchors_partner_certificates() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "late", "Device_Provider");
    let cert = leaf(&p.org, &chain.int);
    // Time passes: the stored root becomes an expired certificate of the same name and key
    // (webpki itself never looks at an anchor's dates).
    let mut params = ca_params_valid(
        "DEVICE Test Root",
        now() - Duration::days(800),
        now() - Duration::days(1),
    );
    params.serial_number = Some(random_serial());
    let expired = params.self_signed(chain.root.key()).expect("expired root");
    diesel::update(ca_certificates::table.filter(ca_certificates::id.eq(&chain.root_id)))
        .set(ca_certificates::der.eq(expired.der().to_vec()))
        .execute(conn)
        .expect("age the root");
    let problems = partner_refusal(conn, &env, &p, cert.pem.as_bytes());
    assert_eq!(problems, vec!["chain"]);
}

#[test]
fn one_certificate_cannot_be_bound_to_two_partners() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "DEVICE");
    let first = partner_with_org(conn, "first", "Device_Provider", "Same Name Ltd");
    let second = partner_with_org(conn, "second", "Device_Provider", "Same Name Ltd");
    let cert = leaf("Same Name Ltd", &chain.int);
    partner_cert::upload_own(
        conn,
        &first.actor,
        &first.user,
        &env.config,
        cert.pem.as_bytes(),
    )
    .expect("first upload");
    let before = counts(conn);
    let check = partner_cert::check_own(conn, &second.user, cert.pem.as_bytes()).expect("check");
    assert_eq!(paths(&check.problems), vec!["duplicate"]);
    let err = partner_cert::upload_own(
        conn,
        &second.actor,
        &second.user,
        &env.config,
        cert.pem.as_bytes(),
    )
    .expect_err("refused");
    assert_eq!(
        (err.kind, err.code.as_str()),
        (ErrorKind::Conflict, "PMS_CERT_IN_USE")
    );
    assert_eq!(counts(conn), before);
    // The owner may upload it again (a renewal with the same certificate).
    partner_cert::upload_own(
        conn,
        &first.actor,
        &first.user,
        &env.config,
        cert.pem.as_bytes(),
    )
    .expect("same partner again");
}

#[test]
fn private_keys_in_other_shapes_are_refused_as_leaked() {
    // PKCS#12, PKCS#1 RSA and SEC1 EC keys (DER headers), and a PEM key whose BEGIN line is
    // missing: each is a private key, never "not a certificate".
    let pkcs12 = [
        &[0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03, 0x30, 0x80][..],
        &[0u8; 64][..],
    ]
    .concat();
    let pkcs1 = [
        &[0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02, 0x82][..],
        &[7u8; 64][..],
    ]
    .concat();
    let sec1 = [
        &[0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20][..],
        &[9u8; 64][..],
    ]
    .concat();
    let cut = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
    for input in [&pkcs12[..], &pkcs1[..], &sec1[..], cut.as_bytes()] {
        let err = parse::certificates(input).expect_err("private key");
        assert_eq!(err.code, "PMS_CERT_PRIVATE_KEY", "{err:#?}");
    }
    // Text around a certificate is refused without being quoted back (it may be a secret).
    let root = new_root("Quote Root");
    let err = parse::certificates(format!("s3cr3t-token\n{}", root.pem()).as_bytes())
        .expect_err("garbage");
    assert_eq!(err.code, "PMS_CERT_GARBAGE");
    assert!(!err.message.contains("s3cr3t"), "{}", err.message);
}

// ---------------------------------------------------------------------------------------------
// Keys and versions the portal does not accept (openssl fixtures), the re-signed certificate's
// usages per domain, and chains in a partner file.
// ---------------------------------------------------------------------------------------------

/// `ODD_ROOT_PEM` stored in the DEVICE trust store, and a device provider named `org`.
fn odd_partner(conn: &mut AnyConnection, env: &Env, id: &str, org: &str) -> Partner {
    store_pem(conn, env, "DEVICE", ODD_ROOT_PEM);
    partner_with_org(conn, id, "Device_Provider", org)
}

#[test]
fn partner_certificate_with_an_unknown_key_type_is_refused_on_key() {
    let env = env();
    let conn = &mut env.db.conn();
    let p = odd_partner(conn, &env, "odd-dev", ODD_PARTNER_ORG);
    for (pem, oid) in [(DSA_LEAF_PEM, DSA_OID), (ED448_LEAF_PEM, ED448_OID)] {
        let check = partner_cert::check_own(conn, &p.user, pem.as_bytes()).expect("check");
        let facts = check.facts.as_ref().expect("facts");
        assert_eq!(
            (
                facts.key_type.clone(),
                facts.sig_alg.as_str(),
                facts.version
            ),
            (format!("unknown ({oid})"), "SHA256withECDSA", 3)
        );
        // Only the key: the chain to the stored root verifies.
        assert_eq!(partner_refusal(conn, &env, &p, pem.as_bytes()), vec!["key"]);
        let text = message(&check.problems, "key");
        assert!(
            text.contains(&format!("key type ({oid}) is not supported")),
            "{text}"
        );
        assert!(
            text.contains("RSA (2048 bits or more) or EC P-256/P-384"),
            "{text}"
        );
        // DER is refused the same way.
        assert_eq!(partner_refusal(conn, &env, &p, &pem_der(pem)), vec!["key"]);
    }
}

#[test]
fn trust_ca_with_an_unknown_key_type_is_refused_on_key() {
    let env = env();
    let conn = &mut env.db.conn();
    store_pem(conn, &env, "AUTH", ODD_ROOT_PEM);
    let before = counts(conn);
    let err = upload(conn, &env, "AUTH", DSA_CA_PEM.as_bytes(), false).expect_err("DSA CA");
    assert_eq!(refused_ca(&err), vec!["/0/key"], "{err:#?}");
    assert!(
        err.details[0]
            .message
            .contains(&format!("key type ({DSA_OID}) is not supported")),
        "{err:#?}"
    );
    assert!(err.message.contains("not supported"), "{}", err.message);
    assert_eq!(counts(conn), before, "nothing stored");
    // The preview says the same, and knows it is an intermediate.
    let report = upload(conn, &env, "AUTH", DSA_CA_PEM.as_bytes(), true).expect("preview");
    let item = &report.items[0];
    assert_eq!(
        (item.accepted, item.kind),
        (false, Some(CaKind::Intermediate))
    );
    assert_eq!(paths(&item.problems), vec!["key"]);
    let facts = item.facts.as_ref().expect("facts");
    assert_eq!(facts.key_type, format!("unknown ({DSA_OID})"));
    assert!(facts.is_ca && !facts.self_signed);
}

#[test]
fn trust_bundle_of_a_root_and_a_dsa_ca_stores_the_root_only() {
    let env = env();
    let conn = &mut env.db.conn();
    let text = pem_bundle(&[ODD_ROOT_PEM, DSA_CA_PEM]);
    let before = counts(conn);
    let report = upload(conn, &env, "FTM", text.as_bytes(), false).expect("bundle");
    assert_eq!(
        report
            .items
            .iter()
            .map(|i| (i.accepted, paths(&i.problems)))
            .collect::<Vec<_>>(),
        vec![(true, vec![]), (false, vec!["key"])]
    );
    let after = counts(conn);
    assert_eq!(
        (after.cas, after.events, after.audit),
        (before.cas + 1, before.events + 1, before.audit + 1)
    );
}

#[test]
fn partner_ec_key_on_an_unsupported_curve_is_refused_on_key() {
    let env = env();
    let conn = &mut env.db.conn();
    let p = odd_partner(conn, &env, "curve-dev", ODD_PARTNER_ORG);
    for (pem, curve) in [(P521_LEAF_PEM, "P-521"), (SECP256K1_LEAF_PEM, "secp256k1")] {
        let check = partner_cert::check_own(conn, &p.user, pem.as_bytes()).expect("check");
        assert_eq!(
            check.facts.as_ref().expect("facts").key_type,
            format!("EC {curve}")
        );
        assert_eq!(partner_refusal(conn, &env, &p, pem.as_bytes()), vec!["key"]);
        let text = message(&check.problems, "key");
        assert_eq!(
            text,
            format!("Its EC key is on curve {curve}; only P-256 and P-384 are accepted.")
        );
    }
}

#[test]
fn version_1_certificates_are_refused_on_version() {
    let env = env();
    let conn = &mut env.db.conn();
    let version_message = "It is an X.509 version 1 certificate; only version 3 is accepted.";
    // Trust store: a v1 root has no basic constraints either, so it is not a CA.
    let before = counts(conn);
    let err = upload(conn, &env, "AUTH", V1_ROOT_PEM.as_bytes(), false).expect_err("v1 root");
    assert_eq!(refused_ca(&err), vec!["/0/version", "/0/ca"], "{err:#?}");
    assert_eq!(err.details[0].message, version_message);
    assert_eq!(counts(conn), before, "nothing stored");
    let report = upload(conn, &env, "AUTH", V1_ROOT_PEM.as_bytes(), true).expect("preview");
    let facts = report.items[0].facts.as_ref().expect("facts");
    assert_eq!(
        (facts.version, facts.is_ca, facts.self_signed),
        (1, false, true)
    );
    assert_eq!(report.items[0].kind, None);
    // Partner: a v1 leaf under a stored v3 root is refused on its version alone.
    let p = odd_partner(conn, &env, "v1-dev", V1_PARTNER_ORG);
    let check = partner_cert::check_own(conn, &p.user, V1_LEAF_PEM.as_bytes()).expect("check");
    assert_eq!(check.facts.as_ref().expect("facts").version, 1);
    assert_eq!(
        partner_refusal(conn, &env, &p, V1_LEAF_PEM.as_bytes()),
        vec!["version"]
    );
    assert_eq!(message(&check.problems, "version"), version_message);
    // The v1 leaf offered to the trust store: refused on version too (and not a CA).
    let before = counts(conn);
    let err = upload(conn, &env, "DEVICE", V1_LEAF_PEM.as_bytes(), false).expect_err("v1 leaf");
    assert_eq!(refused_ca(&err), vec!["/0/version", "/0/ca"], "{err:#?}");
    assert_eq!(counts(conn), before, "nothing stored");
}

fn subject_key_id(cert: &x509_parser::certificate::X509Certificate<'_>) -> Option<Vec<u8>> {
    cert.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        })
}

fn authority_key_id(cert: &x509_parser::certificate::X509Certificate<'_>) -> Option<Vec<u8>> {
    cert.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(a) => {
                a.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => None,
        })
}

/// Uploads `cert` as `p`'s certificate and checks the re-signed one against what
/// `signing::resign` intends for `domain`: issued and signed by the portal's signing CA of that
/// domain (and no other), same subject and key, not a CA, key usage `key_usage` (critical),
/// extended key usage clientAuth only when `client_auth` (none otherwise), at most a year and
/// never beyond the uploaded certificate. Returns the re-signed certificate's end (ms).
fn assert_resigned(
    conn: &mut AnyConnection,
    env: &Env,
    p: &Partner,
    domain: CertDomain,
    cert: &Leaf,
    key_usage: &str,
    client_auth: bool,
) -> i64 {
    let started = domain::clock::now_ms();
    let view = partner_cert::upload_own(conn, &p.actor, &p.user, &env.config, cert.pem.as_bytes())
        .expect("upload");
    let finished = domain::clock::now_ms();
    assert_eq!(view.domain, domain);
    let resigned_der = pem_der(&view.resigned_pem);
    let (rest, resigned) =
        x509_parser::parse_x509_certificate(&resigned_der).expect("re-signed parses");
    assert!(rest.is_empty());
    let (_, uploaded) = x509_parser::parse_x509_certificate(&cert.der).expect("uploaded");

    // Issuer: the signing CA of this domain, by name, key identifier and signature.
    let ca_der = signing_ca_der(conn, domain);
    let (_, ca) = x509_parser::parse_x509_certificate(&ca_der).expect("signing CA");
    assert_eq!(resigned.issuer().as_raw(), ca.subject().as_raw());
    assert_eq!(
        resigned.issuer().to_string(),
        format!(
            "O=Partner Management Portal, CN=PMS {} signing CA",
            domain.as_str()
        )
    );
    resigned
        .verify_signature(Some(ca.public_key()))
        .expect("signed by the domain's signing CA");
    for other in CertDomain::ALL.into_iter().filter(|d| *d != domain) {
        let other_der = signing_ca_der(conn, other);
        let (_, other_ca) = x509_parser::parse_x509_certificate(&other_der).expect("other CA");
        assert!(
            resigned
                .verify_signature(Some(other_ca.public_key()))
                .is_err(),
            "{} CA verifies a {} certificate",
            other.as_str(),
            domain.as_str()
        );
    }
    let ca_ski = subject_key_id(&ca).expect("signing CA has a subject key identifier");
    assert_eq!(authority_key_id(&resigned), Some(ca_ski));

    // The partner's subject and key, as an end entity.
    assert_eq!(resigned.subject().as_raw(), uploaded.subject().as_raw());
    assert_eq!(resigned.public_key().raw, uploaded.public_key().raw);
    assert_eq!(resigned.version(), x509_parser::x509::X509Version::V3);
    let bc = resigned
        .basic_constraints()
        .expect("one basic constraints")
        .expect("basic constraints");
    assert!(!bc.value.ca);

    // Usages of the domain.
    let ku = resigned
        .key_usage()
        .expect("one key usage")
        .expect("key usage");
    assert!(ku.critical, "key usage is critical");
    assert_eq!(
        ku.value.to_string(),
        key_usage,
        "{} key usage",
        domain.as_str()
    );
    let eku = resigned
        .extended_key_usage()
        .expect("at most one extended key usage");
    if client_auth {
        let eku = eku.expect("extended key usage").value;
        assert!(eku.client_auth, "{eku:?}");
        assert!(
            !(eku.any
                || eku.server_auth
                || eku.code_signing
                || eku.email_protection
                || eku.time_stamping
                || eku.ocsp_signing)
                && eku.other.is_empty(),
            "clientAuth only: {eku:?}"
        );
    } else {
        // The uploaded certificate's own clientAuth is not copied.
        assert!(eku.is_none(), "{} has an EKU: {eku:?}", domain.as_str());
    }

    // At most a year, never beyond the uploaded certificate.
    let not_before = resigned.validity().not_before.timestamp() * 1000;
    let not_after = resigned.validity().not_after.timestamp() * 1000;
    let uploaded_not_after = uploaded.validity().not_after.timestamp() * 1000;
    assert!(not_before <= started, "{not_before} > {started}");
    assert!(not_after <= finished + 365 * DAY_MS, "more than a year");
    assert!(not_after <= uploaded_not_after, "beyond the uploaded one");
    assert!(
        not_after >= (started + 365 * DAY_MS - 1000).min(uploaded_not_after),
        "shorter than needed: {not_after}"
    );
    assert_eq!(view.resigned_not_after, not_after);
    not_after
}

#[test]
fn resigned_auth_certificate_has_signature_agreement_or_encipherment_and_client_auth() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "AUTH");
    trusted_chain(conn, &env, "DEVICE");
    trusted_chain(conn, &env, "FTM");
    let p = partner(conn, "rp", "Auth_Partner");
    // EC key: key agreement.
    let ec = leaf(&p.org, &chain.int);
    assert_resigned(
        conn,
        &env,
        &p,
        CertDomain::Auth,
        &ec,
        "Digital Signature, Key Agreement",
        true,
    );
    // RSA key (renewal): key encipherment.
    let rsa = leaf_for_spki(&p.org, &rsa_spki(2048), &chain.int);
    assert_resigned(
        conn,
        &env,
        &p,
        CertDomain::Auth,
        &rsa,
        "Digital Signature, Key Encipherment",
        true,
    );
}

#[test]
fn resigned_device_certificate_has_digital_signature_only() {
    let env = env();
    let conn = &mut env.db.conn();
    trusted_chain(conn, &env, "AUTH");
    let chain = trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "dev", "Device_Provider");
    let ec = leaf(&p.org, &chain.int);
    assert_resigned(
        conn,
        &env,
        &p,
        CertDomain::Device,
        &ec,
        "Digital Signature",
        false,
    );
    // Whatever the key.
    let rsa = leaf_for_spki(&p.org, &rsa_spki(2048), &chain.int);
    assert_resigned(
        conn,
        &env,
        &p,
        CertDomain::Device,
        &rsa,
        "Digital Signature",
        false,
    );
}

#[test]
fn resigned_ftm_certificate_has_digital_signature_only_and_ends_with_the_uploaded_one() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "FTM");
    trusted_chain(conn, &env, "AUTH");
    let p = partner(conn, "chip", "FTM_Provider");
    let long = leaf(&p.org, &chain.int);
    let end = assert_resigned(
        conn,
        &env,
        &p,
        CertDomain::Ftm,
        &long,
        "Digital Signature",
        false,
    );
    assert!(
        end >= domain::clock::now_ms() + 364 * DAY_MS,
        "about a year"
    );
    // A certificate ending in 100 days: the re-signed one ends with it, to the second.
    let short = sign_leaf(
        &leaf_params_valid(
            &p.org,
            "short leaf",
            now() - Duration::days(1),
            now() + Duration::days(100),
        ),
        &chain.int,
    );
    let end = assert_resigned(
        conn,
        &env,
        &p,
        CertDomain::Ftm,
        &short,
        "Digital Signature",
        false,
    );
    let (_, uploaded) = x509_parser::parse_x509_certificate(&short.der).expect("uploaded");
    assert_eq!(end, uploaded.validity().not_after.timestamp() * 1000);
}

#[test]
fn partner_file_with_its_chain_in_the_wrong_order_is_refused_as_many() {
    let env = env();
    let conn = &mut env.db.conn();
    let chain = trusted_chain(conn, &env, "DEVICE");
    let p = partner(conn, "dev", "Device_Provider");
    let cert = leaf(&p.org, &chain.int);
    let (root, int) = (chain.root.pem(), chain.int.pem());
    let before = counts(conn);
    for (pems, n) in [
        (vec![&cert.pem, &root, &int], 3),
        (vec![&int, &cert.pem], 2),
        (vec![&root, &int, &cert.pem], 3),
    ] {
        let text: String = pems.into_iter().map(String::as_str).collect();
        let input = text.as_bytes();
        let err = partner_cert::check_own(conn, &p.user, input).expect_err("check");
        assert_eq!(
            (err.kind, err.code.as_str(), err.field.as_deref()),
            (ErrorKind::Validation, "PMS_CERT_MANY", Some("certificate")),
            "{err:#?}"
        );
        assert!(
            err.message
                .starts_with(&format!("The file holds {n} certificates.")),
            "{}",
            err.message
        );
        assert!(err.message.contains("trust store"), "{}", err.message);
        let err = partner_cert::upload_own(conn, &p.actor, &p.user, &env.config, input)
            .expect_err("upload");
        assert_eq!(
            (err.kind, err.code.as_str(), err.field.as_deref()),
            (ErrorKind::Validation, "PMS_CERT_MANY", Some("certificate"))
        );
    }
    assert_eq!(counts(conn), before, "nothing stored");
    assert!(partner_cert::own(conn, &p.user).expect("own").is_none());
    // The leaf alone is accepted.
    partner_cert::upload_own(conn, &p.actor, &p.user, &env.config, cert.pem.as_bytes())
        .expect("leaf alone");
}
