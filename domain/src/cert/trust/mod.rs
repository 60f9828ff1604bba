//! The trust store: root and intermediate CA certificates per domain. A self-signed CA is a
//! root; anything else must be signed by an active CA of the same domain, stored already or
//! earlier in the same upload (so a bundle in any order works).

use super::inspect::{common_problems, inspect, Parsed};
use super::parse::{certificates, to_pem};
use super::signing::CertConfig;
use super::*;
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::outbox;
use crate::page::{self, Page};
use crate::schema::{accounts, ca_certificates};
use diesel::prelude::*;
use serde_json::json;

mod list;
pub use list::*;

/// Topic of the event that tells downstream services about a new trusted CA.
pub const CA_CERTIFICATE_UPLOADED: &str = "CA_CERTIFICATE_UPLOADED";

/// Parse the domain field.
pub fn check_domain(value: &str) -> AppResult<CertDomain> {
    CertDomain::parse(value).ok_or_else(|| {
        AppError::validation(
            "domain",
            "PMS_CERT_DOMAIN",
            "Choose the domain: AUTH, DEVICE or FTM.",
        )
    })
}

fn problem(path: &str, message: impl Into<String>) -> Violation {
    Violation {
        path: path.into(),
        message: message.into(),
    }
}

/// An active CA of a domain, parsed.
pub struct StoredCa {
    /// Row id.
    pub id: String,
    /// Root or intermediate.
    pub kind: CaKind,
    /// Parsed certificate.
    pub parsed: Parsed,
}

/// The active CAs of a domain. The trust store holds tens of certificates per domain, not
/// thousands, so reading them whole for a verification is cheap.
pub fn active_cas(conn: &mut AnyConnection, domain: CertDomain) -> AppResult<Vec<StoredCa>> {
    let rows: Vec<(String, String, Vec<u8>)> = ca_certificates::table
        .filter(ca_certificates::cert_domain.eq(domain.as_str()))
        .filter(ca_certificates::active.eq(true))
        .order(ca_certificates::created_at.asc())
        .select((
            ca_certificates::id,
            ca_certificates::kind,
            ca_certificates::der,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, kind, der)| {
            Some(StoredCa {
                id,
                kind: CaKind::parse(&kind)?,
                parsed: inspect(&der).ok()?,
            })
        })
        .collect())
}

fn signed_by(child: &Parsed, issuer: &Parsed) -> bool {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(&child.der) else {
        return false;
    };
    let Ok((_, ca)) = x509_parser::parse_x509_certificate(&issuer.der) else {
        return false;
    };
    cert.verify_signature(Some(ca.public_key())).is_ok()
}

struct Item {
    parsed: Option<Parsed>,
    problems: Vec<Violation>,
    kind: Option<CaKind>,
    accepted: bool,
    id: Option<String>,
    issuer_id: Option<String>,
}

fn day(ms: i64) -> String {
    clock::rfc3339(ms).chars().take(10).collect()
}

/// Check (`preview`) or store the CA certificates in `input` for `domain`. A bundle reports per
/// certificate what was (or would be) stored and what was refused and why; the accepted ones
/// are stored together in one transaction with their audit rows and events.
pub fn upload(
    conn: &mut AnyConnection,
    actor: &Actor,
    config: &CertConfig,
    domain: &str,
    input: &[u8],
    preview: bool,
) -> AppResult<CaUploadReport> {
    let domain = check_domain(domain)?;
    let ders = certificates(input)?;
    let now = clock::now_ms();
    crate::db::write_tx(conn, |conn| {
        let stored = active_cas(conn, domain)?;
        let mut items: Vec<Item> = ders.iter().map(|der| read_item(der)).collect();
        check_each(conn, config, domain, &mut items, now)?;
        let accepted_order = accept_chains(&mut items, &stored, now);
        explain_unchained(&mut items, &stored, domain, now);
        if !preview {
            store_accepted(conn, actor, domain, &items, &accepted_order, now)?;
        }
        Ok(report(domain, preview, items))
    })
}

/// One certificate of the upload, parsed and classified (root, intermediate or not a CA).
fn read_item(der: &[u8]) -> Item {
    match inspect(der) {
        Ok(p) => Item {
            // A certificate that is not a CA is neither; it is only reported.
            kind: match (p.facts.is_ca, p.facts.self_signed) {
                (false, _) => None,
                (true, true) => Some(CaKind::Root),
                (true, false) => Some(CaKind::Intermediate),
            },
            parsed: Some(p),
            problems: Vec::new(),
            accepted: false,
            id: None,
            issuer_id: None,
        },
        Err(v) => Item {
            parsed: None,
            problems: vec![v],
            kind: None,
            accepted: false,
            id: None,
            issuer_id: None,
        },
    }
}

/// Checks of each certificate on its own: validity, CA flags, remaining validity, duplicates.
fn check_each(
    conn: &mut AnyConnection,
    config: &CertConfig,
    domain: CertDomain,
    items: &mut [Item],
    now: i64,
) -> AppResult<()> {
    let thumbprints: Vec<String> = items
        .iter()
        .filter_map(|i| i.parsed.as_ref().map(|p| p.facts.thumbprint.clone()))
        .collect();
    let known: Vec<(String, bool)> = ca_certificates::table
        .filter(ca_certificates::cert_domain.eq(domain.as_str()))
        .filter(ca_certificates::thumbprint.eq_any(&thumbprints))
        .select((ca_certificates::thumbprint, ca_certificates::active))
        .load(conn)?;
    let min_days = config.min_ca_validity_days;
    let mut seen: Vec<String> = Vec::new();
    for item in items.iter_mut() {
        let Some(p) = item.parsed.as_ref() else {
            continue;
        };
        let mut problems = common_problems(p, now);
        if !p.facts.is_ca {
            problems.push(problem(
                "ca",
                "It is not a CA certificate (its basic constraints do not say CA:TRUE), so \
                 it cannot be a root or an intermediate. Partners upload their own \
                 certificates on their certificate page.",
            ));
        } else if p.key_cert_sign == Some(false) && !config.allow_ca_without_key_cert_sign {
            problems.push(problem(
                "ca",
                "Its key usage does not allow signing certificates (keyCertSign).",
            ));
        }
        if p.facts.not_after >= now && p.facts.not_after < now + min_days * 86_400_000 {
            problems.push(problem(
                "remaining_validity",
                format!(
                    "It expires on {}, less than {min_days} days from now; a CA in the trust \
                     store must stay valid at least that long.",
                    day(p.facts.not_after)
                ),
            ));
        }
        if let Some((_, active)) = known.iter().find(|(t, _)| *t == p.facts.thumbprint) {
            problems.push(problem(
                "duplicate",
                if *active {
                    format!("It is already in the {} trust store.", domain.as_str())
                } else {
                    format!(
                        "It is already in the {} trust store, deactivated.",
                        domain.as_str()
                    )
                },
            ));
        } else if seen.contains(&p.facts.thumbprint) {
            problems.push(problem(
                "duplicate",
                "It appears twice in this upload; the first copy is used.",
            ));
        }
        seen.push(p.facts.thumbprint.clone());
        item.problems.extend(problems);
    }
    Ok(())
}

/// Accept roots, then intermediates whose issuer is accepted or stored; returns the order of
/// acceptance, in which the rows must be inserted.
fn accept_chains(items: &mut [Item], stored: &[StoredCa], now: i64) -> Vec<usize> {
    // Roots are accepted on their own; intermediates once their issuer is accepted or
    // stored, repeated until nothing moves, so the bundle's order does not matter.
    // Rows are inserted in the order they were accepted, so an issuer is always stored
    // before the certificates it signed (the foreign key is checked at once).
    let mut accepted_order: Vec<usize> = Vec::new();
    for (i, item) in items.iter_mut().enumerate() {
        if item.kind == Some(CaKind::Root) && item.problems.is_empty() {
            item.accepted = true;
            item.id = Some(uuid::Uuid::new_v4().to_string());
            accepted_order.push(i);
        }
    }
    loop {
        let mut progressed = false;
        for i in 0..items.len() {
            if items[i].accepted
                || !items[i].problems.is_empty()
                || items[i].kind != Some(CaKind::Intermediate)
            {
                continue;
            }
            let Some(child) = items[i].parsed.as_ref() else {
                continue;
            };
            if let Some(issuer_id) = issuer_of(child, items, stored, now) {
                items[i].accepted = true;
                items[i].id = Some(uuid::Uuid::new_v4().to_string());
                items[i].issuer_id = Some(issuer_id);
                accepted_order.push(i);
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    accepted_order
}

/// The id of the valid CA that signed `child`: a stored one first, else one accepted earlier in
/// this upload.
fn issuer_of(child: &Parsed, items: &[Item], stored: &[StoredCa], now: i64) -> Option<String> {
    let from_store = stored.iter().find(|ca| {
        ca.parsed.subject_raw == child.issuer_raw
            && ca.parsed.facts.not_after >= now
            && signed_by(child, &ca.parsed)
    });
    match from_store {
        Some(ca) => Some(ca.id.clone()),
        None => items.iter().find_map(|other| {
            let p = other.parsed.as_ref()?;
            (other.accepted && p.subject_raw == child.issuer_raw && signed_by(child, p))
                .then(|| other.id.clone())
                .flatten()
        }),
    }
}

/// Explain every intermediate that passed its own checks but found no issuer.
fn explain_unchained(items: &mut [Item], stored: &[StoredCa], domain: CertDomain, now: i64) {
    for i in 0..items.len() {
        if items[i].accepted
            || items[i].kind != Some(CaKind::Intermediate)
            || !items[i].problems.is_empty()
        {
            continue;
        }
        let Some(child) = items[i].parsed.as_ref() else {
            continue;
        };
        let message = unchained_message(child, items, stored, domain, now);
        items[i].problems.push(problem("chain", message));
    }
}

/// Why no issuer was found for `child`: expired, same name with another key, refused in this
/// upload, or simply absent.
fn unchained_message(
    child: &Parsed,
    items: &[Item],
    stored: &[StoredCa],
    domain: CertDomain,
    now: i64,
) -> String {
    let same_name_stored: Vec<&StoredCa> = stored
        .iter()
        .filter(|ca| ca.parsed.subject_raw == child.issuer_raw)
        .collect();
    let named_in_upload = |accepted: bool| {
        items.iter().any(|o| {
            o.accepted == accepted
                && o.parsed
                    .as_ref()
                    .is_some_and(|p| p.subject_raw == child.issuer_raw)
        })
    };
    if let Some(ca) = same_name_stored
        .iter()
        .find(|ca| ca.parsed.facts.not_after < now && signed_by(child, &ca.parsed))
    {
        format!(
            "Its issuer \"{}\" expired on {}.",
            ca.parsed.facts.subject,
            day(ca.parsed.facts.not_after)
        )
    } else if !same_name_stored.is_empty() || named_in_upload(true) {
        format!(
            "Its signature does not verify with the CA \"{}\": same name, different \
             key. It was not issued by the CA you trust.",
            child.facts.issuer
        )
    } else if named_in_upload(false) {
        format!(
            "Its issuer \"{}\" in this upload was refused, so it cannot be trusted either.",
            child.facts.issuer
        )
    } else if child.facts.issuer.is_empty() {
        "Issuer not found: it names no issuer.".to_string()
    } else {
        format!(
            "Issuer not found: no active root or intermediate of the {} trust store has \
             the subject \"{}\". Add the issuing CA first (or upload the whole chain).",
            domain.as_str(),
            child.facts.issuer
        )
    }
}

/// Store the accepted certificates in acceptance order; refuse the upload if none was accepted.
fn store_accepted(
    conn: &mut AnyConnection,
    actor: &Actor,
    domain: CertDomain,
    items: &[Item],
    accepted_order: &[usize],
    now: i64,
) -> AppResult<()> {
    if !items.iter().any(|i| i.accepted) {
        return Err(refused(items));
    }
    for item in accepted_order.iter().filter_map(|i| items.get(*i)) {
        let (Some(p), Some(id), Some(kind)) = (item.parsed.as_ref(), item.id.as_deref(), item.kind)
        else {
            continue;
        };
        insert(
            conn,
            actor,
            domain,
            kind,
            p,
            id,
            item.issuer_id.as_deref(),
            now,
        )?;
    }
    Ok(())
}

/// The error for an upload of which nothing was accepted, with every problem as a detail.
fn refused(items: &[Item]) -> AppError {
    let mut details = Vec::new();
    for (n, item) in items.iter().enumerate() {
        for p in &item.problems {
            details.push(Violation {
                path: format!("/{n}/{}", p.path),
                message: p.message.clone(),
            });
        }
    }
    let first = details
        .first()
        .map(|d| d.message.clone())
        .unwrap_or_else(|| "It was refused.".into());
    let mut err = AppError::validation(
        "certificate",
        "PMS_CERT_REFUSED",
        if items.len() == 1 {
            format!("The certificate was not added: {first}")
        } else {
            "None of the certificates could be added.".to_string()
        },
    );
    err.details = details.into_boxed_slice();
    err
}

/// The per-certificate report; ids are only shown for what was really stored.
fn report(domain: CertDomain, preview: bool, items: Vec<Item>) -> CaUploadReport {
    CaUploadReport {
        domain,
        preview,
        items: items
            .into_iter()
            .enumerate()
            .map(|(n, i)| CaUploadItem {
                position: n + 1,
                facts: i.parsed.map(|p| p.facts),
                kind: i.kind,
                accepted: i.accepted,
                id: if preview { None } else { i.id },
                problems: i.problems,
            })
            .collect(),
    }
}

#[allow(clippy::too_many_arguments)]
fn insert(
    conn: &mut AnyConnection,
    actor: &Actor,
    domain: CertDomain,
    kind: CaKind,
    p: &Parsed,
    id: &str,
    issuer_id: Option<&str>,
    now: i64,
) -> AppResult<()> {
    let f = &p.facts;
    let result = diesel::insert_into(ca_certificates::table)
        .values((
            ca_certificates::id.eq(id),
            ca_certificates::cert_domain.eq(domain.as_str()),
            ca_certificates::kind.eq(kind.as_str()),
            ca_certificates::subject.eq(&f.subject),
            ca_certificates::issuer.eq(&f.issuer),
            ca_certificates::serial.eq(&f.serial),
            ca_certificates::not_before.eq(f.not_before),
            ca_certificates::not_after.eq(f.not_after),
            ca_certificates::key_type.eq(&f.key_type),
            ca_certificates::sig_alg.eq(&f.sig_alg),
            ca_certificates::thumbprint.eq(&f.thumbprint),
            ca_certificates::der.eq(&p.der),
            ca_certificates::issuer_id.eq(issuer_id),
            ca_certificates::active.eq(true),
            ca_certificates::created_at.eq(now),
            ca_certificates::created_by.eq(actor.id.as_deref()),
            ca_certificates::updated_at.eq(now),
            ca_certificates::updated_by.eq(actor.id.as_deref()),
        ))
        .execute(conn);
    match result {
        Ok(_) => {}
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_CERT_DUPLICATE",
                format!(
                    "\"{}\" was added to the {} trust store meanwhile.",
                    f.subject,
                    domain.as_str()
                ),
            )
            .with_field("certificate"))
        }
        Err(e) => return Err(e.into()),
    }
    audit::record(
        conn,
        actor,
        "CA_CERTIFICATE_ADDED",
        "ca_certificate",
        id,
        json!({
            "domain": domain.as_str(), "kind": kind.as_str(), "subject": f.subject,
            "thumbprint": f.thumbprint, "notAfter": clock::rfc3339(f.not_after),
            "issuerId": issuer_id,
        }),
    )?;
    outbox::enqueue(
        conn,
        CA_CERTIFICATE_UPLOADED,
        json!({
            "certificateData": to_pem(&p.der),
            "partnerDomain": domain.as_str(),
            "certId": id,
            "certType": kind.as_str(),
            "issuerId": issuer_id,
            "certThumbprint": f.thumbprint,
            "certNotAfter": clock::rfc3339(f.not_after),
        }),
    )?;
    Ok(())
}

/// Stop trusting a CA. Refused while active intermediates chain to it (deactivate those first,
/// so nothing is left trusted through a CA the operator meant to withdraw).
pub fn deactivate(conn: &mut AnyConnection, actor: &Actor, id: &str) -> AppResult<CaSummary> {
    crate::db::write_tx(conn, |conn| {
        let row: SummaryColumns = ca_certificates::table
            .filter(ca_certificates::id.eq(id))
            .select(summary_columns())
            .first(conn)
            .optional()?
            .ok_or_else(|| AppError::not_found("The certificate"))?;
        if !row.7 {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_CERT_ALREADY_INACTIVE",
                "This certificate is already deactivated.",
            ));
        }
        let children: i64 = ca_certificates::table
            .filter(ca_certificates::issuer_id.eq(id))
            .filter(ca_certificates::active.eq(true))
            .count()
            .get_result(conn)?;
        if children > 0 {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_CERT_HAS_ACTIVE_CHILDREN",
                format!(
                    "{children} active intermediate certificate{} chain to this one; deactivate \
                     {} first.",
                    if children == 1 { "" } else { "s" },
                    if children == 1 { "it" } else { "them" }
                ),
            ));
        }
        let now = clock::now_ms();
        let changed = diesel::update(
            ca_certificates::table
                .filter(ca_certificates::id.eq(id))
                .filter(ca_certificates::active.eq(true)),
        )
        .set((
            ca_certificates::active.eq(false),
            ca_certificates::updated_at.eq(now),
            ca_certificates::updated_by.eq(actor.id.as_deref()),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_CERT_ALREADY_INACTIVE",
                "This certificate was deactivated meanwhile.",
            ));
        }
        audit::record(
            conn,
            actor,
            "CA_CERTIFICATE_DEACTIVATED",
            "ca_certificate",
            id,
            json!({ "domain": row.1, "kind": row.2, "subject": row.3 }),
        )?;
        let mut s = summary(row);
        s.active = false;
        Ok(s)
    })
}
