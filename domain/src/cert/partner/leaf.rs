//! Validation of a partner's certificate (the leaf and its chain to a trusted CA).

use super::*;
use crate::cert::trust::StoredCa;

/// Result of validating an end-entity certificate.
#[derive(Debug)]
pub struct LeafCheck {
    /// The parsed certificate, when it parses.
    pub parsed: Option<Parsed>,
    /// Every failed check (empty: valid).
    pub problems: Vec<Violation>,
}

/// Accepts any extended key usage: the portal decides the usage by domain, and partners' CAs
/// put differing EKUs on their certificates.
struct AnyEku;

impl webpki::ExtendedKeyUsageValidator for AnyEku {
    fn validate(&self, _iter: webpki::KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        Ok(())
    }
}

pub(super) fn problem(path: &str, message: impl Into<String>) -> Violation {
    Violation {
        path: path.into(),
        message: message.into(),
    }
}

/// Validate one end-entity certificate (DER) for `domain`: the common checks, not self-signed,
/// not a CA, subject O= equal to `organisation` (when given), and a path of at most
/// [`MAX_PATH_DEPTH`] certificates to an active root through active intermediates of the
/// domain, verified by rustls-webpki.
pub fn validate_leaf(
    conn: &mut AnyConnection,
    domain: CertDomain,
    der: &[u8],
    organisation: Option<&str>,
    now_ms: i64,
) -> AppResult<LeafCheck> {
    let parsed = match inspect(der) {
        Ok(p) => p,
        Err(v) => {
            return Ok(LeafCheck {
                parsed: None,
                problems: vec![v],
            })
        }
    };
    let mut problems = common_problems(&parsed, now_ms);
    if parsed.facts.self_signed {
        problems.push(problem(
            "self_signed",
            "It is self-signed. Upload a certificate issued by a CA that the operator trusts \
             (one in the trust store).",
        ));
    }
    if parsed.facts.is_ca {
        problems.push(problem(
            "ca",
            "It is a CA certificate. Upload your organisation's own (end-entity) certificate; \
             CA certificates go to the operator's trust store.",
        ));
    }
    if let Some(org) = organisation {
        let org = org.trim();
        if parsed.organisations.is_empty() {
            problems.push(problem(
                "organisation",
                format!(
                    "Its subject has no organisation (O=); it must be O={org}, your registered \
                     organisation name."
                ),
            ));
        } else if parsed.organisations.len() > 1 {
            problems.push(problem(
                "organisation",
                format!(
                    "Its subject names {} organisations (O={}); it must name exactly one, your \
                     registered organisation \"{org}\".",
                    parsed.organisations.len(),
                    parsed.organisations.join(", O=")
                ),
            ));
        } else if !parsed.organisations.iter().any(|o| o.trim() == org) {
            problems.push(problem(
                "organisation",
                format!(
                    "Its subject says O={}, but your organisation is registered as \"{org}\". \
                     They must be the same.",
                    parsed.organisations.join(", O=")
                ),
            ));
        }
    }
    if parsed.unreadable_subject > 0 {
        problems.push(problem(
            "subject",
            "Its subject has attributes in an encoding the portal cannot read (BMPString or \
             TeletexString); use UTF8String or PrintableString.",
        ));
    }
    if !parsed.facts.self_signed {
        if let Some(chain) = chain_problem(conn, domain, &parsed, &problems, now_ms)? {
            problems.push(chain);
        }
    }
    Ok(LeafCheck {
        parsed: Some(parsed),
        problems,
    })
}

/// The chain problem of `leaf` (None: it chains to an active root of `domain`, or the failure
/// is already reported by a check in `found`).
fn chain_problem(
    conn: &mut AnyConnection,
    domain: CertDomain,
    leaf: &Parsed,
    found: &[Violation],
    now_ms: i64,
) -> AppResult<Option<Violation>> {
    let stored = active_cas(conn, domain)?;
    let root_ders = valid_roots(&stored, now_ms);
    let anchors: Vec<TrustAnchor<'_>> = root_ders
        .iter()
        .filter_map(|d| webpki::anchor_from_trusted_cert(d).ok())
        .collect();
    // The leaf's own validity is reported already. A leaf valid now is verified now; one that
    // is not (expired or not yet valid) is verified at a moment inside its validity so the
    // chain is still checked (an unknown issuer must not hide behind an expiry), through the
    // intermediates valid now only, and a date error from that run is not reported: it would
    // be about that moment, not about the chain as it stands.
    let leaf_valid_now = leaf.facts.not_before <= now_ms && now_ms <= leaf.facts.not_after;
    let intermediates: Vec<CertificateDer<'_>> = stored
        .iter()
        .filter(|c| c.kind == CaKind::Intermediate)
        .filter(|c| {
            leaf_valid_now
                || (c.parsed.facts.not_before <= now_ms && now_ms <= c.parsed.facts.not_after)
        })
        .map(|c| CertificateDer::from(c.parsed.der.as_slice()))
        .collect();
    let leaf_der = CertificateDer::from(leaf.der.as_slice());
    let has = |path: &str| found.iter().any(|v| v.path == path);
    let Ok(ee) = webpki::EndEntityCert::try_from(&leaf_der) else {
        return Ok((!has("version")).then(|| {
            problem(
                "chain",
                "Its structure is not accepted by the chain verifier (malformed extensions).",
            )
        }));
    };
    let at_ms = now_ms.clamp(
        leaf.facts.not_before,
        leaf.facts.not_after.max(leaf.facts.not_before),
    );
    let at = UnixTime::since_unix_epoch(std::time::Duration::from_millis(at_ms.max(0) as u64));
    let depth = |path: &webpki::VerifiedPath<'_>| {
        if path.intermediate_certificates().count() + 2 > MAX_PATH_DEPTH {
            Err(webpki::Error::MaximumPathDepthExceeded)
        } else {
            Ok(())
        }
    };
    let result = ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &intermediates,
        at,
        AnyEku,
        None,
        Some(&depth),
    );
    let Err(error) = result else {
        return Ok(None);
    };
    Ok(chain_message(error, domain, leaf, leaf_valid_now, found).map(|m| problem("chain", m)))
}

/// The active roots valid at `now_ms`: webpki never looks at an anchor's own dates, and an
/// expired root must not anchor anything.
fn valid_roots(stored: &[StoredCa], now_ms: i64) -> Vec<CertificateDer<'_>> {
    stored
        .iter()
        .filter(|c| {
            c.kind == CaKind::Root
                && c.parsed.facts.not_before <= now_ms
                && now_ms <= c.parsed.facts.not_after
        })
        .map(|c| CertificateDer::from(c.parsed.der.as_slice()))
        .collect()
}

/// What a chain verification error means for the partner (None: not reported, because it is
/// about the verification moment or repeats a problem in `found`).
fn chain_message(
    error: webpki::Error,
    domain: CertDomain,
    leaf: &Parsed,
    leaf_valid_now: bool,
    found: &[Violation],
) -> Option<String> {
    let has = |path: &str| found.iter().any(|v| v.path == path);
    use webpki::Error as E;
    let message = match error {
        E::CertExpired { .. } | E::CertNotValidYet { .. } if !leaf_valid_now => return None,
        E::CertExpired { .. } | E::CertNotValidYet { .. } => {
            "A CA certificate in its chain is outside its validity period.".to_string()
        }
        E::UnknownIssuer => format!(
            "Issuer not found: no active CA of the {} trust store issued it (its issuer is \
             \"{}\"). Ask the operator to add your CA, or check that this is the right \
             certificate.",
            domain.as_str(),
            leaf.facts.issuer
        ),
        E::InvalidSignatureForPublicKey => {
            format!(
                "Its signature does not verify with the trusted CA \"{}\": same name, different \
                 key. It was not issued by the CA the operator trusts.",
                leaf.facts.issuer
            )
        }
        E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
            if has("signature") || has("key") =>
        {
            return None
        }
        E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            "A certificate in its chain uses a signature algorithm or key that is not accepted."
                .to_string()
        }
        E::EndEntityUsedAsCa => {
            "Its issuer is not a CA certificate, so it cannot issue certificates.".to_string()
        }
        E::CaUsedAsEndEntity if has("ca") => return None,
        E::MaximumPathDepthExceeded => format!(
            "Its chain is longer than {MAX_PATH_DEPTH} certificates (your certificate, at most \
             two intermediates, the root)."
        ),
        E::PathLenConstraintViolated => {
            "A CA in its chain is not allowed to issue certificates this deep (path length \
             constraint)."
                .to_string()
        }
        E::UnsupportedCertVersion if has("version") => return None,
        other => format!("It does not chain to a trusted root ({other:?})."),
    };
    Some(message)
}
