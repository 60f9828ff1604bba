//! Property tests of the parsers that take a stranger's bytes: certificate files (PEM, DER,
//! PKCS#7), JWKs and policy documents. Whatever comes in, the answer is a value or a
//! caller's error (never a panic, never an internal error), and a refused upload writes
//! nothing. Inputs are random bytes and, more usefully, valid inputs with random damage
//! (flipped bytes, cuts, wrong armour), since that reaches deep into the parsers.
//!
//! Bounded for CI: `FUZZ_CASES` cases per property (default 1000); a long run is
//! `FUZZ_CASES=100000 cargo test -p domain --features server --test fuzz --release`.

use cms::cert::x509::der::{Decode, Encode};
use cms::content_info::ContentInfo;
use diesel::prelude::*;
use domain::access::jwk;
use domain::audit::Actor;
use domain::cert::inspect::{common_problems, inspect};
use domain::cert::parse;
use domain::cert::seal::MasterKey;
use domain::cert::signing::CertConfig;
use domain::cert::trust;
use domain::policy::{validate, PolicyType};
use domain::schema::{audit_log, ca_certificates};
use domain::testing::TestDb;
use domain::{AppError, ErrorKind};
use proptest::prelude::*;
use std::sync::OnceLock;

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

/// A refusal a caller can act on: a 4xx kind with a code and a message.
fn caller_error(e: &AppError) {
    assert_ne!(e.kind, ErrorKind::Internal, "internal error: {e:?}");
    assert!(e.code.starts_with("PMS_"), "{e:?}");
    assert!(!e.message.trim().is_empty(), "{e:?}");
}

/// A real CA and a leaf it signed (DER), and a PKCS#7 bundle of both.
struct Samples {
    ca: Vec<u8>,
    leaf: Vec<u8>,
    bundle: Vec<u8>,
}

fn samples() -> &'static Samples {
    static S: OnceLock<Samples> = OnceLock::new();
    S.get_or_init(|| {
        let ca_key = rcgen::KeyPair::generate().expect("key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Fuzz Root");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).expect("ca");
        let mut leaf_params =
            rcgen::CertificateParams::new(vec!["partner.example.org".into()]).expect("params");
        leaf_params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Fuzz Ltd");
        let leaf = leaf_params
            .signed_by(&rcgen::KeyPair::generate().expect("key"), &ca)
            .expect("leaf");
        let ca_der = ca.der().to_vec();
        let leaf_der = leaf.der().to_vec();
        let certs: Vec<cms::cert::x509::Certificate> = [&ca_der, &leaf_der]
            .iter()
            .map(|d| cms::cert::x509::Certificate::from_der(d).expect("x509"))
            .collect();
        let bundle = ContentInfo::try_from(certs)
            .expect("bundle")
            .to_der()
            .expect("DER");
        Samples {
            ca: ca_der,
            leaf: leaf_der,
            bundle,
        }
    })
}

/// Damage to a valid input: byte flips at positions (taken modulo the length), then a cut.
#[derive(Clone, Debug)]
struct Damage {
    flips: Vec<(usize, u8)>,
    cut: Option<usize>,
}

fn damage() -> impl Strategy<Value = Damage> {
    (
        prop::collection::vec((any::<usize>(), any::<u8>()), 0..8),
        prop::option::of(any::<usize>()),
    )
        .prop_map(|(flips, cut)| Damage { flips, cut })
}

fn apply(mut bytes: Vec<u8>, d: &Damage) -> Vec<u8> {
    if bytes.is_empty() {
        return bytes;
    }
    for (at, b) in &d.flips {
        let i = at % bytes.len();
        bytes[i] = *b;
    }
    if let Some(cut) = d.cut {
        bytes.truncate(cut % (bytes.len() + 1));
    }
    bytes
}

/// How damaged bytes are presented: as DER, or inside PEM armour of several labels, with
/// text around it.
fn present(der: Vec<u8>, how: u8) -> Vec<u8> {
    let label = match how % 4 {
        0 => return der,
        1 => "CERTIFICATE",
        2 => "PKCS7",
        _ => "X509 CRL",
    };
    let mut text = b"Subject: junk before\n".to_vec();
    text.extend(pem::encode(&pem::Pem::new(label, der)).into_bytes());
    text.extend(b"trailing words\n");
    text
}

/// Parse a file as an upload does, then inspect and check each certificate found.
fn read_file(input: &[u8]) {
    match parse::certificates(input) {
        Ok(ders) => {
            assert!(!ders.is_empty(), "a successful parse finds a certificate");
            for der in ders {
                if let Ok(p) = inspect(&der) {
                    let _ = common_problems(&p, domain::clock::now_ms());
                }
            }
        }
        Err(e) => caller_error(&e),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn certificate_files_of_random_bytes_are_refused_cleanly(
        bytes in prop::collection::vec(any::<u8>(), 0..4096),
    ) {
        read_file(&bytes);
    }

    #[test]
    fn damaged_certificates_and_bundles_are_refused_or_read_never_a_panic(
        which in 0u8..3,
        d in damage(),
        how in any::<u8>(),
    ) {
        let s = samples();
        let source = match which {
            0 => s.ca.clone(),
            1 => s.leaf.clone(),
            _ => s.bundle.clone(),
        };
        read_file(&present(apply(source, &d), how));
    }

    #[test]
    fn jwks_of_random_text_or_damaged_keys_are_refused_cleanly(
        text in ".{0,300}",
        d in damage(),
        pick in any::<bool>(),
    ) {
        const EC: &str = r#"{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","use":"sig","alg":"ES256"}"#;
        let input = if pick {
            text
        } else {
            String::from_utf8_lossy(&apply(EC.as_bytes().to_vec(), &d)).into_owned()
        };
        if let Err(e) = jwk::parse(&input) {
            caller_error(&e);
        }
    }

    #[test]
    fn policy_documents_of_any_json_shape_get_violations_not_panics(
        value in json(),
        kind in prop::sample::select(vec![PolicyType::Auth, PolicyType::DataShare, PolicyType::Misp]),
    ) {
        let text = value.to_string();
        match validate::check(kind, &text) {
            Ok(v) => prop_assert_eq!(v, value),
            Err(e) => caller_error(&e),
        }
    }

    #[test]
    fn damaged_policy_documents_are_refused_with_a_reason(
        d in damage(),
        kind in prop::sample::select(vec![PolicyType::Auth, PolicyType::DataShare, PolicyType::Misp]),
    ) {
        let text = String::from_utf8_lossy(&apply(kind.template().as_bytes().to_vec(), &d)).into_owned();
        if let Err(e) = validate::check(kind, &text) {
            caller_error(&e);
            prop_assert_eq!(e.field.as_deref(), Some("document"));
        }
    }
}

/// JSON values of any shape, with the policy schemas' member names among the keys so the
/// schema checks are reached, not only the syntax check.
fn json() -> impl Strategy<Value = serde_json::Value> {
    let key = prop::sample::select(vec![
        "authTokenType",
        "allowedAuthTypes",
        "authType",
        "authSubType",
        "mandatory",
        "allowedKycAttributes",
        "attributeName",
        "shareableAttributes",
        "dataSharePolicies",
        "typeOfShare",
        "validForInMinutes",
        "transactionsAllowed",
        "encryptionType",
        "shareDomain",
        "source",
        "x",
    ])
    .prop_map(str::to_string);
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        "[a-zA-Z0-9 _-]{0,12}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Through the trust store's upload (a real database): damaged files are refused with a
/// caller's error and write nothing, or are decided certificate by certificate.
#[test]
fn damaged_trust_store_uploads_write_nothing_when_refused() {
    let db = TestDb::new();
    // The runner takes an `Fn`: the connection is borrowed anew in each case.
    let conn = std::cell::RefCell::new(db.conn());
    let key = MasterKey::from_base64(&MasterKey::generate_base64().expect("rng")).expect("key");
    let config = CertConfig::new(key);
    let admin = Actor::account("admin-id", "admin@example.org");
    let s = samples();
    let mut runner =
        proptest::test_runner::TestRunner::new(ProptestConfig::with_cases((cases() / 4).max(16)));
    runner
        .run(&(0u8..3, damage(), any::<u8>()), |(which, d, how)| {
            let source = match which {
                0 => s.ca.clone(),
                1 => s.leaf.clone(),
                _ => s.bundle.clone(),
            };
            let input = present(apply(source, &d), how);
            let conn = &mut *conn.borrow_mut();
            let rows = |conn: &mut domain::db::AnyConnection| -> (i64, i64) {
                (
                    ca_certificates::table
                        .count()
                        .get_result(conn)
                        .expect("cas"),
                    audit_log::table.count().get_result(conn).expect("audit"),
                )
            };
            let before = rows(conn);
            match trust::upload(conn, &admin, &config, "AUTH", &input, false) {
                Ok(report) => {
                    let stored = report.items.iter().filter(|i| i.accepted).count() as i64;
                    prop_assert_eq!(rows(conn).0, before.0 + stored);
                    // Start every case from an empty store, so a stored root does not
                    // change what the next case tests.
                    diesel::delete(ca_certificates::table)
                        .execute(conn)
                        .expect("reset");
                }
                Err(e) => {
                    caller_error(&e);
                    prop_assert_eq!(rows(conn), before, "a refusal wrote something");
                }
            }
            Ok(())
        })
        .expect("property");
}
