//! The portal's own signing CA per domain (created on first start) and the re-signing of a
//! partner's public key under it.

use super::inspect::{KeyKind, Parsed};
use super::parse::to_pem;
use super::seal::MasterKey;
use super::{CertDomain, SigningCaView, DEFAULT_MIN_CA_VALIDITY_DAYS, RESIGNED_VALIDITY_DAYS};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult};
use crate::schema::signing_cas;
use diesel::prelude::*;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SerialNumber, SubjectPublicKeyInfo,
};
use ring::rand::{SecureRandom, SystemRandom};
use rustls_pki_types::CertificateDer;
use time::{Duration, OffsetDateTime};

/// Years a signing CA is valid.
const SIGNING_CA_YEARS: i64 = 10;

/// Certificate settings of a running portal.
#[derive(Clone, Debug)]
pub struct CertConfig {
    /// Seals the signing CAs' private keys.
    pub master_key: MasterKey,
    /// A CA added to the trust store must stay valid at least this many days.
    pub min_ca_validity_days: i64,
    /// Accept a CA whose key usage lacks keyCertSign (MOSIP's sample roots do).
    pub allow_ca_without_key_cert_sign: bool,
    /// A pending partner is approved by its first valid certificate (MOSIP's rule) instead
    /// of by a partner admin.
    pub activate_on_certificate: bool,
}

impl CertConfig {
    /// Settings with the defaults and the given key.
    pub fn new(master_key: MasterKey) -> CertConfig {
        CertConfig {
            master_key,
            min_ca_validity_days: DEFAULT_MIN_CA_VALIDITY_DAYS,
            allow_ca_without_key_cert_sign: false,
            activate_on_certificate: false,
        }
    }
}

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "{what}");
    AppError::internal()
}

fn random_serial() -> AppResult<SerialNumber> {
    let mut s = [0u8; 16];
    SystemRandom::new()
        .fill(&mut s)
        .map_err(|_| internal("no randomness for a serial", "rng"))?;
    s[0] &= 0x7f; // a positive INTEGER
    s[0] |= 0x01; // and a full 16 bytes long
    Ok(SerialNumber::from_slice(&s))
}

fn time_of(ms: i64) -> AppResult<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .map_err(|e| internal("timestamp out of range", e))
}

/// Create the signing CA of every domain that has none yet. Safe when several instances
/// start at once: the first insert wins and the others keep it. Fails (the server should not
/// start) when a stored key does not open with `key`.
pub fn ensure_signing_cas(conn: &mut AnyConnection, key: &MasterKey) -> Result<(), String> {
    for domain in CertDomain::ALL {
        let existing: Option<Vec<u8>> = signing_cas::table
            .filter(signing_cas::cert_domain.eq(domain.as_str()))
            .select(signing_cas::sealed_key)
            .first(conn)
            .optional()
            .map_err(|e| e.to_string())?;
        if let Some(sealed) = existing {
            key.open(domain.as_str(), &sealed)
                .map_err(|e| format!("signing CA {}: {e}", domain.as_str()))?;
            continue;
        }
        let (der, sealed, not_after) =
            new_signing_ca(domain, key).map_err(|e| format!("signing CA: {e}"))?;
        let inserted = diesel::insert_into(signing_cas::table)
            .values((
                signing_cas::cert_domain.eq(domain.as_str()),
                signing_cas::der.eq(&der),
                signing_cas::sealed_key.eq(&sealed),
                signing_cas::not_after.eq(not_after),
                signing_cas::created_at.eq(clock::now_ms()),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => tracing::info!(domain = domain.as_str(), "created the signing CA"),
            // Another instance created it meanwhile: keep theirs.
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

fn new_signing_ca(domain: CertDomain, key: &MasterKey) -> AppResult<(Vec<u8>, Vec<u8>, i64)> {
    let now = OffsetDateTime::now_utc();
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "Partner Management Portal");
    dn.push(
        DnType::CommonName,
        format!("PMS {} signing CA", domain.as_str()),
    );
    p.distinguished_name = dn;
    // Issues partner certificates only, never another CA.
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p.not_before = now - Duration::minutes(5);
    p.not_after = now + Duration::days(365 * SIGNING_CA_YEARS);
    p.serial_number = Some(random_serial()?);
    let pair = KeyPair::generate().map_err(|e| internal("CA key generation", e))?;
    let cert = p
        .self_signed(&pair)
        .map_err(|e| internal("CA self-signing", e))?;
    let pkcs8 = zeroize::Zeroizing::new(pair.serialize_der());
    let sealed = key.seal(domain.as_str(), &pkcs8)?;
    Ok((
        cert.der().to_vec(),
        sealed,
        p.not_after.unix_timestamp() * 1000,
    ))
}

/// The public part of every signing CA.
pub fn signing_cas(conn: &mut AnyConnection) -> AppResult<Vec<SigningCaView>> {
    let rows: Vec<(String, Vec<u8>, i64)> = signing_cas::table
        .order(signing_cas::cert_domain.asc())
        .select((
            signing_cas::cert_domain,
            signing_cas::der,
            signing_cas::not_after,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(domain, der, not_after)| {
            let subject = super::inspect::inspect(&der).ok()?.facts.subject;
            Some(SigningCaView {
                domain: CertDomain::parse(&domain)?,
                subject,
                not_after,
                pem: to_pem(&der),
            })
        })
        .collect())
}

fn copy_dn(der: &[u8]) -> AppResult<DistinguishedName> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| internal("reparse", e))?;
    let mut dn = DistinguishedName::new();
    for attr in cert.subject().iter_attributes() {
        let Some(oid) = attr.attr_type().iter() else {
            continue;
        };
        let oid: Vec<u64> = oid.collect();
        // Strings only (BMP/Teletex subjects are not seen in practice); rcgen keeps one value
        // per attribute type, which holds for the DNs partners use.
        // rcgen keeps one value per type and a later push replaces the earlier one; keep the
        // first (partner subjects are checked to hold exactly one O=).
        let ty = DnType::from_oid(&oid);
        if let (Ok(value), None) = (attr.as_str(), dn.get(&ty)) {
            dn.push(ty, value.to_string());
        }
    }
    Ok(dn)
}

/// Issue the portal's certificate for the public key of `partner` (already validated): same
/// subject, one year (never beyond the partner's own certificate), key usage for `domain`.
/// Returns the DER and its end of validity (ms).
pub fn resign(
    conn: &mut AnyConnection,
    key: &MasterKey,
    domain: CertDomain,
    partner: &Parsed,
    now_ms: i64,
) -> AppResult<(Vec<u8>, i64)> {
    let (ca_der, sealed, ca_not_after): (Vec<u8>, Vec<u8>, i64) = signing_cas::table
        .filter(signing_cas::cert_domain.eq(domain.as_str()))
        .select((
            signing_cas::der,
            signing_cas::sealed_key,
            signing_cas::not_after,
        ))
        .first(conn)
        .optional()?
        .ok_or_else(|| internal("no signing CA", domain.as_str()))?;
    let pkcs8 = key
        .open(domain.as_str(), &sealed)
        .map_err(|e| internal("signing key", e))?;
    let pair = KeyPair::try_from(pkcs8.as_slice()).map_err(|e| internal("signing key", e))?;
    let issuer = Issuer::from_ca_cert_der(&CertificateDer::from(ca_der.as_slice()), pair)
        .map_err(|e| internal("signing CA", e))?;
    let spki =
        SubjectPublicKeyInfo::from_der(&partner.spki).map_err(|e| internal("partner key", e))?;

    // One year, never beyond the partner's own certificate nor the signing CA.
    let not_after_ms = (now_ms + RESIGNED_VALIDITY_DAYS * 86_400_000)
        .min(partner.facts.not_after)
        .min(ca_not_after);
    let mut p = CertificateParams::default();
    p.distinguished_name = copy_dn(&partner.der)?;
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = match (domain, &partner.key) {
        (CertDomain::Auth, KeyKind::Rsa(_)) => vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ],
        (CertDomain::Auth, _) => vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyAgreement,
        ],
        // Devices and chips sign biometric data and device keys, nothing else.
        (CertDomain::Device | CertDomain::Ftm, _) => vec![KeyUsagePurpose::DigitalSignature],
    };
    if domain == CertDomain::Auth {
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    }
    p.use_authority_key_identifier_extension = true;
    p.not_before = time_of(now_ms - 60_000)?;
    p.not_after = time_of(not_after_ms)?;
    p.serial_number = Some(random_serial()?);
    let cert = p
        .signed_by(&spki, &issuer)
        .map_err(|e| internal("re-signing", e))?;
    Ok((cert.der().to_vec(), not_after_ms.div_euclid(1000) * 1000))
}
