//! Certificate validation throughput and upload latency, on a real database.
//!
//! `cargo bench -p domain --features server --bench certificates` (SQLite in a temp dir; set
//! TEST_DATABASE_URL for PostgreSQL). Prints certificates/s for parsing + checks alone, for the
//! full partner validation (trust store read + rustls-webpki chain), the latency of a full
//! upload (validation, re-signing, history, audit and event in one transaction), and the
//! latency of a trust-store upload of one intermediate CA (validation against the stored CAs,
//! row, audit and event in one transaction).

use domain::audit::Actor;
use domain::cert::signing::{ensure_signing_cas, CertConfig};
use domain::cert::{inspect, partner, seal::MasterKey, trust, CertDomain};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

fn params(org: &str, cn: &str, ca: bool, serial: u64, days: i64) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, org);
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    let now = OffsetDateTime::now_utc();
    p.not_before = now - time::Duration::days(1);
    p.not_after = now + time::Duration::days(days);
    p.serial_number = Some(SerialNumber::from(serial));
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    } else {
        p.is_ca = IsCa::ExplicitNoCa;
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    }
    p
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let db = domain::testing::TestDb::new();
    let mut conn = db.conn();
    let key = MasterKey::from_base64(&MasterKey::generate_base64().expect("rng")).expect("key");
    ensure_signing_cas(&mut conn, &key).expect("signing CAs");
    let config = CertConfig::new(key);
    let admin = Actor::system();

    // root -> intermediate -> leaves of one organisation.
    let root_key = KeyPair::generate().expect("key");
    let root_params = params("Bench Trust", "Bench Root", true, 1, 3650);
    let root = root_params.self_signed(&root_key).expect("root");
    let root_issuer = Issuer::new(root_params, root_key);
    let inter_key = KeyPair::generate().expect("key");
    let inter_params = params("Bench Trust", "Bench Issuing CA", true, 2, 3000);
    let inter = inter_params
        .signed_by(&inter_key, &root_issuer)
        .expect("intermediate");
    let inter_issuer = Issuer::new(inter_params, inter_key);
    let bundle = format!("{}{}", root.pem(), inter.pem());
    trust::upload(&mut conn, &admin, &config, "AUTH", bundle.as_bytes(), false).expect("store");

    let org = "Bench Relying Party";
    let leaves: Vec<String> = (0..200u64)
        .map(|i| {
            let k = KeyPair::generate().expect("key");
            params(org, &format!("leaf {i}"), false, 100 + i, 700)
                .signed_by(&k, &inter_issuer)
                .expect("leaf")
                .pem()
        })
        .collect();
    let ders: Vec<Vec<u8>> = leaves
        .iter()
        .map(|p| domain::cert::parse::certificates(p.as_bytes()).expect("parse")[0].clone())
        .collect();

    // 1. Parse + inspect + common checks (no database).
    let n = 20_000;
    let started = Instant::now();
    for i in 0..n {
        let p = inspect::inspect(&ders[i % ders.len()]).expect("inspect");
        assert!(inspect::common_problems(&p, domain::clock::now_ms()).is_empty());
    }
    let parse_rate = n as f64 / started.elapsed().as_secs_f64();

    // 2. Full partner validation: trust store read, O=, webpki path building.
    let n = 5_000;
    let started = Instant::now();
    for i in 0..n {
        let check = partner::validate_leaf(
            &mut conn,
            CertDomain::Auth,
            &ders[i % ders.len()],
            Some(org),
            domain::clock::now_ms(),
        )
        .expect("validate");
        assert!(check.problems.is_empty(), "{:?}", check.problems);
    }
    let validate_rate = n as f64 / started.elapsed().as_secs_f64();

    // 3. Upload latency: validation, re-signing, history, audit and event, committed.
    let input = domain::partner::PartnerInput {
        partner_id: "bench-rp".into(),
        organisation: org.into(),
        partner_type: "Auth_Partner".into(),
        email: "bench-rp@example.org".into(),
        phone: "+91 80 1234 5678".into(),
        address: "1 Main Street".into(),
        language: "eng".into(),
        policy_group_id: None,
    };
    let group = domain::policy::group::create(&mut conn, &admin, "bench group", "").expect("group");
    let input = domain::partner::PartnerInput {
        policy_group_id: Some(group.id),
        ..input
    };
    let view = domain::partner::admin_create(&mut conn, &admin, &input, "correct horse battery")
        .expect("partner");
    let account = domain::account::find_by_email(&mut conn, &view.account_email)
        .expect("find")
        .expect("account");
    let user = domain::account::load_user(&mut conn, &account.id)
        .expect("user")
        .expect("user");
    let mut times = Vec::new();
    for pem in leaves.iter().take(200) {
        let started = Instant::now();
        partner::upload_own(&mut conn, &admin, &user, &config, pem.as_bytes()).expect("upload");
        times.push(started.elapsed());
    }
    times.sort();

    // 4. Trust-store upload latency: distinct intermediates of one root, each uploaded on its
    // own (parse, common and CA checks, duplicate check, issuer found among the stored CAs and
    // its signature verified, row, audit, `CA_CERTIFICATE_UPLOADED`, commit). In the DEVICE
    // domain, so the partner figures above read the same two-CA AUTH store as before; the
    // DEVICE store grows from 1 to 201 CAs during the run (read whole on each upload).
    let ca_n = 200u64;
    let dev_root_key = KeyPair::generate().expect("key");
    let dev_root_params = params("Bench Devices", "Bench Device Root", true, 10_000, 3650);
    let dev_root = dev_root_params.self_signed(&dev_root_key).expect("root");
    let dev_root_issuer = Issuer::new(dev_root_params, dev_root_key);
    trust::upload(
        &mut conn,
        &admin,
        &config,
        "DEVICE",
        dev_root.pem().as_bytes(),
        false,
    )
    .expect("device root");
    let intermediates: Vec<String> = (0..ca_n)
        .map(|i| {
            let k = KeyPair::generate().expect("key");
            params(
                "Bench Devices",
                &format!("Bench Device CA {i}"),
                true,
                10_001 + i,
                3000,
            )
            .signed_by(&k, &dev_root_issuer)
            .expect("intermediate")
            .pem()
        })
        .collect();
    let mut ca_times = Vec::new();
    for pem in &intermediates {
        let started = Instant::now();
        let report = trust::upload(&mut conn, &admin, &config, "DEVICE", pem.as_bytes(), false)
            .expect("CA upload");
        ca_times.push(started.elapsed());
        assert_eq!(report.accepted(), 1, "{report:?}");
    }
    ca_times.sort();

    println!("backend: {}", db.backend());
    println!("parse + inspect + checks: {parse_rate:.0} certificates/s (one core)");
    println!("full partner validation (trust store + webpki chain): {validate_rate:.0} certificates/s (one core)");
    println!(
        "partner upload (validate, re-sign, store, audit, event): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {} uploads",
        percentile(&times, 0.5).as_secs_f64() * 1000.0,
        percentile(&times, 0.99).as_secs_f64() * 1000.0,
        times.last().map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0),
        times.len()
    );
    println!(
        "trust-store upload of an intermediate (validate, store, audit, event): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {} uploads",
        percentile(&ca_times, 0.5).as_secs_f64() * 1000.0,
        percentile(&ca_times, 0.99).as_secs_f64() * 1000.0,
        ca_times.last().map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0),
        ca_times.len()
    );
}
