//! What a certificate says about itself (x509-parser), and the checks that every certificate of
//! the portal passes whatever its role: version, validity, key and signature algorithm.

use super::CertFacts;
use crate::error::Violation;
use sha2::{Digest, Sha256};
use x509_parser::prelude::*;
use x509_parser::public_key::PublicKey;

/// The key of a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA with its modulus length in bits.
    Rsa(usize),
    /// EC on a named curve ("P-256", "P-384", "P-521", or the OID).
    Ec(String),
    /// Ed25519.
    Ed25519,
    /// Anything else, by OID.
    Other(String),
}

impl KeyKind {
    fn describe(&self) -> String {
        match self {
            KeyKind::Rsa(bits) => format!("RSA {bits}"),
            KeyKind::Ec(curve) => format!("EC {curve}"),
            KeyKind::Ed25519 => "Ed25519".into(),
            KeyKind::Other(oid) => format!("unknown ({oid})"),
        }
    }
}

/// A parsed certificate: its DER, facts, and what the checks need.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The DER.
    pub der: Vec<u8>,
    /// Facts for display and storage.
    pub facts: CertFacts,
    /// Subject DN, DER (chains match on it).
    pub subject_raw: Vec<u8>,
    /// Issuer DN, DER.
    pub issuer_raw: Vec<u8>,
    /// The key.
    pub key: KeyKind,
    /// The signature algorithm is SHA-2 based (or Ed25519).
    pub sig_ok: bool,
    /// Key usage allows signing certificates (None: no key-usage extension).
    pub key_cert_sign: Option<bool>,
    /// O= values of the subject.
    pub organisations: Vec<String>,
    /// Subject attributes that are not plain strings (BMPString, TeletexString...); they can
    /// hide a second organisation, so partner certificates refuse them.
    pub unreadable_subject: usize,
    /// The subject public key info, DER.
    pub spki: Vec<u8>,
}

fn sig_name(oid: &str) -> (&'static str, bool) {
    match oid {
        "1.2.840.113549.1.1.11" => ("SHA256withRSA", true),
        "1.2.840.113549.1.1.12" => ("SHA384withRSA", true),
        "1.2.840.113549.1.1.13" => ("SHA512withRSA", true),
        "1.2.840.113549.1.1.10" => ("RSASSA-PSS", true),
        "1.2.840.10045.4.3.2" => ("SHA256withECDSA", true),
        "1.2.840.10045.4.3.3" => ("SHA384withECDSA", true),
        "1.2.840.10045.4.3.4" => ("SHA512withECDSA", true),
        "1.3.101.112" => ("Ed25519", true),
        "1.2.840.113549.1.1.14" => ("SHA224withRSA", false),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => ("SHA1withRSA", false),
        "1.2.840.10045.4.1" => ("SHA1withECDSA", false),
        "1.2.840.10040.4.3" => ("SHA1withDSA", false),
        "1.2.840.113549.1.1.4" => ("MD5withRSA", false),
        "1.2.840.113549.1.1.2" => ("MD2withRSA", false),
        _ => ("", false),
    }
}

fn rsa_bits(modulus: &[u8]) -> usize {
    let trimmed: &[u8] = {
        let start = modulus
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(modulus.len());
        &modulus[start..]
    };
    match trimmed.first() {
        Some(first) => trimmed.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

fn key_kind(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> KeyKind {
    let alg = spki.algorithm.algorithm.to_id_string();
    match alg.as_str() {
        "1.2.840.113549.1.1.1" => match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => KeyKind::Rsa(rsa_bits(rsa.modulus)),
            _ => KeyKind::Other(alg),
        },
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .unwrap_or_default();
            KeyKind::Ec(
                match curve.as_str() {
                    "1.2.840.10045.3.1.7" => "P-256",
                    "1.3.132.0.34" => "P-384",
                    "1.3.132.0.35" => "P-521",
                    "1.3.132.0.10" => "secp256k1",
                    "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1",
                    "1.3.36.3.3.2.8.1.1.11" => "brainpoolP384r1",
                    _ => return KeyKind::Ec(curve),
                }
                .to_string(),
            )
        }
        "1.3.101.112" => KeyKind::Ed25519,
        _ => KeyKind::Other(alg),
    }
}

fn ms(t: ASN1Time) -> i64 {
    t.timestamp().saturating_mul(1000)
}

/// Parse one DER certificate. The error is a violation at "parse" in plain words.
pub fn inspect(der: &[u8]) -> Result<Parsed, Violation> {
    let (rest, cert) = x509_parser::parse_x509_certificate(der).map_err(|_| Violation {
        path: "parse".into(),
        message: "It does not parse as an X.509 certificate (damaged or another kind of file)."
            .into(),
    })?;
    if !rest.is_empty() {
        return Err(Violation {
            path: "parse".into(),
            message: "It has extra bytes after the certificate.".into(),
        });
    }
    let key = key_kind(cert.public_key());
    let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
    let (name, sig_ok) = sig_name(&sig_oid);
    let sig_alg = if name.is_empty() {
        format!("unknown ({sig_oid})")
    } else {
        name.to_string()
    };
    let is_ca = matches!(cert.basic_constraints(), Ok(Some(bc)) if bc.value.ca);
    let self_signed =
        cert.subject().as_raw() == cert.issuer().as_raw() && cert.verify_signature(None).is_ok();
    let key_cert_sign = match cert.key_usage() {
        Ok(Some(ku)) => Some(ku.value.key_cert_sign()),
        _ => None,
    };
    let organisations = cert
        .subject()
        .iter_organization()
        .filter_map(|a| a.as_str().ok().map(str::to_string))
        .collect();
    let unreadable_subject = cert
        .subject()
        .iter_attributes()
        .filter(|a| a.as_str().is_err())
        .count();
    let facts = CertFacts {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: cert.raw_serial_as_string(),
        not_before: ms(cert.validity().not_before),
        not_after: ms(cert.validity().not_after),
        key_type: key.describe(),
        sig_alg,
        thumbprint: hex::encode(Sha256::digest(der)),
        version: cert.version().0.saturating_add(1),
        is_ca,
        self_signed,
    };
    Ok(Parsed {
        der: der.to_vec(),
        facts,
        subject_raw: cert.subject().as_raw().to_vec(),
        issuer_raw: cert.issuer().as_raw().to_vec(),
        key,
        sig_ok,
        key_cert_sign,
        organisations,
        unreadable_subject,
        spki: cert.public_key().raw.to_vec(),
    })
}

pub(super) fn problem(path: &str, message: impl Into<String>) -> Violation {
    Violation {
        path: path.into(),
        message: message.into(),
    }
}

fn day(ms: i64) -> String {
    crate::clock::rfc3339(ms).chars().take(10).collect()
}

/// Checks every certificate passes: X.509 v3, within validity, an accepted key, a SHA-2
/// signature.
pub fn common_problems(p: &Parsed, now_ms: i64) -> Vec<Violation> {
    let mut out = Vec::new();
    if p.facts.version != 3 {
        out.push(problem(
            "version",
            format!(
                "It is an X.509 version {} certificate; only version 3 is accepted.",
                p.facts.version
            ),
        ));
    }
    if p.facts.not_before > now_ms {
        out.push(problem(
            "validity",
            format!(
                "It is not valid yet: its validity starts on {}.",
                day(p.facts.not_before)
            ),
        ));
    }
    if p.facts.not_after < now_ms {
        out.push(problem(
            "validity",
            format!("It expired on {}.", day(p.facts.not_after)),
        ));
    }
    match &p.key {
        KeyKind::Rsa(bits) if *bits < 2048 => out.push(problem(
            "key",
            format!("Its RSA key has {bits} bits; at least 2048 bits are required."),
        )),
        KeyKind::Rsa(_) => {}
        KeyKind::Ec(curve) if curve == "P-256" || curve == "P-384" => {}
        KeyKind::Ec(curve) => out.push(problem(
            "key",
            format!("Its EC key is on curve {curve}; only P-256 and P-384 are accepted."),
        )),
        KeyKind::Ed25519 => out.push(problem(
            "key",
            "Its key is Ed25519; only RSA (2048 bits or more) and EC P-256/P-384 keys are accepted.",
        )),
        KeyKind::Other(oid) => out.push(problem(
            "key",
            format!(
                "Its key type ({oid}) is not supported; use RSA (2048 bits or more) or EC P-256/P-384."
            ),
        )),
    }
    if !p.sig_ok {
        out.push(problem(
            "signature",
            format!(
                "It is signed with {}; only SHA-2 signatures (SHA-256, SHA-384, SHA-512) are accepted.",
                p.facts.sig_alg
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::rsa_bits;

    #[test]
    fn rsa_bits_ignore_leading_zeros() {
        assert_eq!(rsa_bits(&[0, 0x80, 0, 0]), 24);
        assert_eq!(rsa_bits(&[0x01, 0xff]), 9);
        assert_eq!(rsa_bits(&[0, 0]), 0);
    }
}
