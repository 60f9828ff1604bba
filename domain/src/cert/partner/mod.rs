//! Partner certificates: validation of an end-entity certificate against the trust store
//! (shared with FTM chip certificates), upload with re-signing, history and downloads.

use super::inspect::{common_problems, inspect, Parsed};
use super::parse::{certificates, to_pem};
use super::signing::{resign, CertConfig};
use super::trust::active_cas;
use super::*;
use crate::account::CurrentUser;
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::outbox;
use crate::partner::PartnerStatus;
use crate::partner::{event_data, load_view, PARTNER_UPDATED};
use crate::schema::partner_certificates;
use diesel::prelude::*;
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use serde_json::json;

mod leaf;
pub use leaf::*;

/// Who the signed-in partner is, for its certificate.
struct Owner {
    id: String,
    organisation: String,
    domain: CertDomain,
    status: PartnerStatus,
}

fn owner(conn: &mut AnyConnection, user: &CurrentUser) -> AppResult<Owner> {
    let id = crate::partner::id_for_account(conn, &user.id)?
        .ok_or_else(|| AppError::not_found("Your partner profile"))?;
    owner_of(conn, &id)
}

fn owner_of(conn: &mut AnyConnection, id: &str) -> AppResult<Owner> {
    let id = id.to_string();
    let view = load_view(conn, &id)?;
    let domain = CertDomain::parse(&view.cert_domain).unwrap_or(CertDomain::Auth);
    Ok(Owner {
        id,
        organisation: view.organisation,
        domain,
        status: view.status,
    })
}

fn single(input: &[u8]) -> AppResult<Vec<u8>> {
    let mut ders = certificates(input)?;
    if ders.len() > 1 {
        return Err(AppError::validation(
            "certificate",
            "PMS_CERT_MANY",
            format!(
                "The file holds {} certificates. Upload only your organisation's certificate; \
                 the CA certificates of its chain belong in the operator's trust store.",
                ders.len()
            ),
        ));
    }
    ders.pop().ok_or_else(|| {
        AppError::validation(
            "certificate",
            "PMS_CERT_NONE",
            "The file holds no certificate.",
        )
    })
}

/// Check a certificate the signed-in partner is about to upload, storing nothing.
pub fn check_own(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    input: &[u8],
) -> AppResult<PartnerCertCheck> {
    let owner = owner(conn, user)?;
    let der = single(input)?;
    let check = validate_leaf(
        conn,
        owner.domain,
        &der,
        Some(&owner.organisation),
        clock::now_ms(),
    )?;
    let mut problems = check.problems;
    if let Some(p) = &check.parsed {
        if in_use_elsewhere(conn, &p.facts.thumbprint, &owner.id)? {
            problems.push(in_use_problem());
        }
    }
    Ok(PartnerCertCheck {
        domain: owner.domain,
        facts: check.parsed.map(|p| p.facts),
        problems,
    })
}

/// Whether the certificate is another partner's current one. Organisation names are not
/// unique, so without this anyone could register under a known name and have the portal bind
/// that organisation's public certificate (and key) to their own partner id.
fn in_use_elsewhere(
    conn: &mut AnyConnection,
    thumbprint: &str,
    partner_id: &str,
) -> AppResult<bool> {
    let n: i64 = partner_certificates::table
        .filter(partner_certificates::thumbprint.eq(thumbprint))
        .filter(partner_certificates::is_current.eq(true))
        .filter(partner_certificates::partner_id.ne(partner_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

fn in_use_problem() -> Violation {
    problem(
        "duplicate",
        "This certificate is already another partner's current certificate. Each organisation \
         uploads a certificate issued for its own key.",
    )
}

/// Upload (or renew) the signed-in partner's certificate: validate it, re-sign its key with
/// the portal's CA of the domain, keep the previous one in the history, and announce it, all
/// in one transaction.
pub fn upload_own(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: &CurrentUser,
    config: &CertConfig,
    input: &[u8],
) -> AppResult<PartnerCertView> {
    let partner_id = crate::partner::id_for_account(conn, &user.id)?
        .ok_or_else(|| AppError::not_found("Your partner profile"))?;
    upload_for(conn, actor, &partner_id, config, input)
}

/// Upload (or renew) the certificate of partner `partner_id`; the caller has checked that
/// the actor owns it or is a partner admin. With `config.activate_on_certificate` (MOSIP's
/// rule) a pending partner becomes approved by its first valid certificate.
pub fn upload_for(
    conn: &mut AnyConnection,
    actor: &Actor,
    partner_id: &str,
    config: &CertConfig,
    input: &[u8],
) -> AppResult<PartnerCertView> {
    let der = single(input)?;
    // Validation and re-signing only read, so they run before the write lock is taken; the
    // transaction re-reads the partner and refuses if what the checks relied on changed.
    let owner_then = owner_of(conn, partner_id)?;
    if owner_then.status == PartnerStatus::Deactivated {
        return Err(inactive());
    }
    let now = clock::now_ms();
    let check = validate_leaf(
        conn,
        owner_then.domain,
        &der,
        Some(&owner_then.organisation),
        now,
    )?;
    let parsed = match (check.parsed, check.problems.is_empty()) {
        (Some(p), true) => p,
        (_, _) => return Err(refused(check.problems)),
    };
    let (resigned, resigned_not_after) =
        resign(conn, &config.master_key, owner_then.domain, &parsed, now)?;
    crate::db::write_tx(conn, |conn| {
        let owner = recheck_owner(conn, partner_id, &owner_then, &parsed)?;
        let (id, previous) = replace_current(
            conn,
            actor,
            &owner,
            &parsed,
            &resigned,
            resigned_not_after,
            now,
        )?;
        let f = &parsed.facts;
        audit::record(
            conn,
            actor,
            if previous.is_some() {
                "PARTNER_CERTIFICATE_RENEWED"
            } else {
                "PARTNER_CERTIFICATE_UPLOADED"
            },
            "partner",
            &owner.id,
            json!({
                "certificateId": id, "previousId": previous, "domain": owner.domain.as_str(),
                "subject": f.subject, "issuer": f.issuer, "thumbprint": f.thumbprint,
                "notAfter": clock::rfc3339(f.not_after),
                "resignedNotAfter": clock::rfc3339(resigned_not_after),
            }),
        )?;
        announce(conn, &owner, &parsed, &resigned, &id)?;
        if config.activate_on_certificate && owner.status == PartnerStatus::Pending {
            crate::partner::activate_by_certificate(conn, actor, &owner.id)?;
        }
        of_partner(conn, &owner.id)?.ok_or_else(AppError::internal)
    })
}

/// The refusal of a deactivated partner's certificate change.
fn inactive() -> AppError {
    AppError::new(
        ErrorKind::Forbidden,
        "PMS_PARTNER_INACTIVE",
        "Your organisation is deactivated; its certificate cannot be changed.",
    )
}

/// The refusal of a certificate that failed validation, with every problem as a detail.
fn refused(problems: Vec<Violation>) -> AppError {
    let first = problems
        .first()
        .map(|p| p.message.clone())
        .unwrap_or_default();
    let mut err = AppError::validation(
        "certificate",
        "PMS_CERT_REFUSED",
        if problems.len() == 1 {
            format!("The certificate was not accepted: {first}")
        } else {
            format!(
                "The certificate was not accepted: {} checks failed.",
                problems.len()
            )
        },
    );
    err.details = problems.into_boxed_slice();
    err
}

/// Inside the transaction: the partner again, refused if deactivated, if what validation relied
/// on changed meanwhile, or if the certificate became another partner's.
fn recheck_owner(
    conn: &mut AnyConnection,
    partner_id: &str,
    owner_then: &Owner,
    parsed: &Parsed,
) -> AppResult<Owner> {
    let owner = owner_of(conn, partner_id)?;
    if owner.status == PartnerStatus::Deactivated {
        return Err(inactive());
    }
    if owner.organisation != owner_then.organisation || owner.domain != owner_then.domain {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_CHANGED_MEANWHILE",
            "Your organisation's details changed while the certificate was checked; upload it again.",
        ));
    }
    if in_use_elsewhere(conn, &parsed.facts.thumbprint, &owner.id)? {
        let p = in_use_problem();
        let mut err = AppError::new(ErrorKind::Conflict, "PMS_CERT_IN_USE", p.message.clone())
            .with_field("certificate");
        err.details = vec![p].into_boxed_slice();
        return Err(err);
    }
    Ok(owner)
}

/// Move the current certificate to the history and insert the new one as current; returns the
/// new row's id and the previous current one's.
fn replace_current(
    conn: &mut AnyConnection,
    actor: &Actor,
    owner: &Owner,
    parsed: &Parsed,
    resigned: &[u8],
    resigned_not_after: i64,
    now: i64,
) -> AppResult<(String, Option<String>)> {
    let previous: Option<String> = partner_certificates::table
        .filter(partner_certificates::partner_id.eq(&owner.id))
        .filter(partner_certificates::is_current.eq(true))
        .select(partner_certificates::id)
        .first(conn)
        .optional()?;
    diesel::update(
        partner_certificates::table
            .filter(partner_certificates::partner_id.eq(&owner.id))
            .filter(partner_certificates::is_current.eq(true)),
    )
    .set(partner_certificates::is_current.eq(false))
    .execute(conn)?;
    let id = uuid::Uuid::new_v4().to_string();
    let f = &parsed.facts;
    diesel::insert_into(partner_certificates::table)
        .values((
            partner_certificates::id.eq(&id),
            partner_certificates::partner_id.eq(&owner.id),
            partner_certificates::cert_domain.eq(owner.domain.as_str()),
            partner_certificates::subject.eq(&f.subject),
            partner_certificates::issuer.eq(&f.issuer),
            partner_certificates::serial.eq(&f.serial),
            partner_certificates::not_before.eq(f.not_before),
            partner_certificates::not_after.eq(f.not_after),
            partner_certificates::key_type.eq(&f.key_type),
            partner_certificates::sig_alg.eq(&f.sig_alg),
            partner_certificates::thumbprint.eq(&f.thumbprint),
            partner_certificates::der.eq(&parsed.der),
            partner_certificates::resigned_der.eq(resigned),
            partner_certificates::resigned_not_after.eq(resigned_not_after),
            partner_certificates::is_current.eq(true),
            partner_certificates::created_at.eq(now),
            partner_certificates::created_by.eq(actor.id.as_deref()),
        ))
        .execute(conn)
        .map_err(|e| match e {
            // Two uploads of the same partner at once (PostgreSQL): one wins.
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => AppError::new(
                ErrorKind::Conflict,
                "PMS_CHANGED_MEANWHILE",
                "Another upload of your certificate finished at the same moment; reload the page.",
            ),
            other => other.into(),
        })?;
    Ok((id, previous))
}

/// Tell downstream services: the partner's updated event, with both certificates attached.
fn announce(
    conn: &mut AnyConnection,
    owner: &Owner,
    parsed: &Parsed,
    resigned: &[u8],
    id: &str,
) -> AppResult<()> {
    let view = load_view(conn, &owner.id)?;
    let mut data = event_data(&view);
    if let Some(obj) = data.as_object_mut() {
        obj.insert("certificateData".into(), json!(to_pem(&parsed.der)));
        obj.insert("signedCertificateData".into(), json!(to_pem(resigned)));
        obj.insert("partnerDomain".into(), json!(owner.domain.as_str()));
        obj.insert("certificateId".into(), json!(id));
    }
    outbox::enqueue(conn, PARTNER_UPDATED, data)?;
    Ok(())
}

/// The signed-in partner's current certificate (None: never uploaded).
pub fn own(conn: &mut AnyConnection, user: &CurrentUser) -> AppResult<Option<PartnerCertView>> {
    let id = crate::partner::id_for_account(conn, &user.id)?
        .ok_or_else(|| AppError::not_found("Your partner profile"))?;
    of_partner(conn, &id)
}

/// The signed-in partner's certificate domain and current certificate; None for an account
/// without a partner profile (a page shows nothing rather than an error).
pub fn own_with_domain(
    conn: &mut AnyConnection,
    user: &CurrentUser,
) -> AppResult<Option<(CertDomain, Option<PartnerCertView>)>> {
    if crate::partner::id_for_account(conn, &user.id)?.is_none() {
        return Ok(None);
    }
    let owner = owner(conn, user)?;
    Ok(Some((owner.domain, of_partner(conn, &owner.id)?)))
}

type CurrentRow = (String, String, Vec<u8>, Vec<u8>, i64, i64);

/// A partner's current certificate with its history (at most 20 earlier uploads).
pub fn of_partner(
    conn: &mut AnyConnection,
    partner_id: &str,
) -> AppResult<Option<PartnerCertView>> {
    let current: Option<CurrentRow> = partner_certificates::table
        .filter(partner_certificates::partner_id.eq(partner_id))
        .filter(partner_certificates::is_current.eq(true))
        .select((
            partner_certificates::id,
            partner_certificates::cert_domain,
            partner_certificates::der,
            partner_certificates::resigned_der,
            partner_certificates::resigned_not_after,
            partner_certificates::created_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, domain, der, resigned, resigned_not_after, uploaded_at)) = current else {
        return Ok(None);
    };
    let facts = inspect(&der)
        .map_err(|v| {
            tracing::error!(id, problem = %v.message, "stored partner certificate does not parse");
            AppError::internal()
        })?
        .facts;
    let (history, history_total) = history_rows(conn, partner_id)?;
    let now = clock::now_ms();
    Ok(Some(PartnerCertView {
        id,
        partner_id: partner_id.to_string(),
        domain: CertDomain::parse(&domain).unwrap_or(CertDomain::Auth),
        expired: facts.not_after < now,
        days_left: days_until(now, facts.not_after),
        pem: to_pem(&der),
        facts,
        resigned_pem: to_pem(&resigned),
        resigned_not_after,
        resigned_expired: resigned_not_after < now,
        uploaded_at,
        history: history
            .into_iter()
            .map(
                |(id, subject, thumbprint, not_after, at, der, resigned, resigned_end)| {
                    PartnerCertHistory {
                        id,
                        subject,
                        thumbprint,
                        expired: not_after < now,
                        not_after,
                        uploaded_at: at,
                        pem: to_pem(&der),
                        resigned_pem: to_pem(&resigned),
                        resigned_expired: resigned_end < now,
                    }
                },
            )
            .collect(),
        history_total,
    }))
}

type HistoryRow = (String, String, String, i64, i64, Vec<u8>, Vec<u8>, i64);

/// A partner's 20 latest earlier certificates, newest first, and how many there are in all.
fn history_rows(conn: &mut AnyConnection, partner_id: &str) -> AppResult<(Vec<HistoryRow>, i64)> {
    let earlier = || {
        partner_certificates::table
            .filter(partner_certificates::partner_id.eq(partner_id))
            .filter(partner_certificates::is_current.eq(false))
    };
    let history: Vec<HistoryRow> = earlier()
        .order(partner_certificates::created_at.desc())
        .limit(20)
        .select((
            partner_certificates::id,
            partner_certificates::subject,
            partner_certificates::thumbprint,
            partner_certificates::not_after,
            partner_certificates::created_at,
            partner_certificates::der,
            partner_certificates::resigned_der,
            partner_certificates::resigned_not_after,
        ))
        .load(conn)?;
    let history_total: i64 = earlier().count().get_result(conn)?;
    Ok((history, history_total))
}
