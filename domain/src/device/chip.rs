//! FTM chips: an FTM provider declares a chip model, uploads the chip model's certificate
//! (FTM domain, validated like a partner certificate and re-signed), and partner admins
//! approve it. A chip can be approved only with its certificate.

use super::shared::{
    changed_meanwhile, check_owner, provider, set_status, status_filter, text, transition,
    unique_or, Decided, CHIP,
};
use super::*;
use crate::account::lower;
use crate::account::CurrentUser;
use crate::audit::{self, Actor};
use crate::cert::parse::to_pem;
use crate::cert::signing::{resign, CertConfig};
use crate::cert::CertDomain;
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind, FieldErrors};
use crate::page::{self, Columns, Page};
use crate::partner::{check_reason, Decision};
use crate::schema::{ftm_chips, partners};
use crate::PartnerType;
use diesel::prelude::*;
use serde_json::json;

const PROVIDER: PartnerType = PartnerType::FtmProvider;

/// Declare a chip model (approved FTM providers); it waits for its certificate.
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: &CurrentUser,
    make: &str,
    model: &str,
) -> AppResult<ChipView> {
    let mut errs = FieldErrors::new();
    let make = errs.take(text("make", "Make", make, MAX_MAKE_LEN));
    let model = errs.take(text("model", "Model", model, MAX_MAKE_LEN));
    errs.finish()?;
    let (Some(make), Some(model)) = (make, model) else {
        return Err(AppError::internal());
    };
    crate::db::write_tx(conn, |conn| {
        let p = provider(conn, user, PROVIDER)?;
        let taken_message = "You already have a live chip with this make and model.";
        let taken: i64 = ftm_chips::table
            .filter(ftm_chips::partner_id.eq(&p.id))
            .filter(crate::account::lower(ftm_chips::make).eq(make.to_lowercase()))
            .filter(crate::account::lower(ftm_chips::model).eq(model.to_lowercase()))
            .filter(ftm_chips::status.eq_any([
                ItemStatus::PendingCertUpload.as_str(),
                ItemStatus::PendingApproval.as_str(),
                ItemStatus::Approved.as_str(),
            ]))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(
                AppError::new(ErrorKind::Conflict, "PMS_CHIP_TAKEN", taken_message)
                    .with_field("model"),
            );
        }
        let now = clock::now_ms();
        let id = uuid::Uuid::new_v4().to_string();
        diesel::insert_into(ftm_chips::table)
            .values((
                ftm_chips::id.eq(&id),
                ftm_chips::partner_id.eq(&p.id),
                ftm_chips::make.eq(&make),
                ftm_chips::model.eq(&model),
                ftm_chips::status.eq(ItemStatus::PendingCertUpload.as_str()),
                ftm_chips::created_at.eq(now),
                ftm_chips::created_by.eq(actor.id.as_deref()),
                ftm_chips::updated_at.eq(now),
                ftm_chips::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)
            .map_err(|e| unique_or(e, "model", "PMS_CHIP_TAKEN", taken_message))?;
        audit::record(
            conn,
            actor,
            "FTM_CHIP_ADDED",
            "ftm_chip",
            &id,
            json!({ "partnerId": p.id, "make": make, "model": model }),
        )?;
        get(conn, &id)
    })
}

/// Upload (or replace, while not decided) the chip model's certificate: FTM domain, issued to
/// the provider's organisation, chained to the FTM trust store; re-signed by the portal.
pub fn upload_certificate(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: &CurrentUser,
    config: &CertConfig,
    id: &str,
    input: &[u8],
) -> AppResult<ChipView> {
    let der = single_certificate(input)?;
    let p = provider(conn, user, PROVIDER)?;
    let chip = get(conn, id)?;
    if chip.partner_id != p.id {
        return Err(AppError::not_found("The chip"));
    }
    let now = clock::now_ms();
    let parsed = accepted_certificate(conn, &der, &p.organisation, now)?;
    let (resigned, _) = resign(conn, &config.master_key, CertDomain::Ftm, &parsed, now)?;
    crate::db::write_tx(conn, |conn| {
        let from = get(conn, id)?.status;
        check_replaceable(from)?;
        set_certificate(conn, actor, id, from, &parsed, &resigned, now)?;
        audit::record(
            conn,
            actor,
            "FTM_CHIP_CERTIFICATE_UPLOADED",
            "ftm_chip",
            id,
            json!({ "subject": parsed.facts.subject, "thumbprint": parsed.facts.thumbprint,
                    "notAfter": clock::rfc3339(parsed.facts.not_after) }),
        )?;
        get(conn, id)
    })
}

/// The uploaded file's one certificate (DER); a file with several, or none, is refused.
fn single_certificate(input: &[u8]) -> AppResult<Vec<u8>> {
    let mut ders = crate::cert::parse::certificates(input)?;
    if ders.len() != 1 {
        return Err(AppError::validation(
            "certificate",
            "PMS_CERT_MANY",
            format!(
                "The file holds {} certificates; upload only the chip model's certificate.",
                ders.len()
            ),
        ));
    }
    ders.pop().ok_or_else(AppError::internal)
}

/// The certificate parsed, when it passes the FTM domain's checks for the provider's
/// organisation; otherwise the first problem, with every problem in the details.
fn accepted_certificate(
    conn: &mut AnyConnection,
    der: &[u8],
    organisation: &str,
    now: i64,
) -> AppResult<crate::cert::inspect::Parsed> {
    let check =
        crate::cert::partner::validate_leaf(conn, CertDomain::Ftm, der, Some(organisation), now)?;
    match check.parsed {
        Some(parsed) if check.problems.is_empty() => Ok(parsed),
        _ => {
            let mut err = AppError::validation(
                "certificate",
                "PMS_CERT_REFUSED",
                format!(
                    "The certificate was not accepted: {}",
                    check
                        .problems
                        .first()
                        .map(|p| p.message.as_str())
                        .unwrap_or("it is invalid.")
                ),
            );
            err.details = check.problems.into_boxed_slice();
            Err(err)
        }
    }
}

/// Only a chip waiting for its certificate or for approval may have it replaced.
fn check_replaceable(from: ItemStatus) -> AppResult<()> {
    if !matches!(
        from,
        ItemStatus::PendingCertUpload | ItemStatus::PendingApproval
    ) {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_CHIP_DECIDED",
            format!(
                "This chip is {}; its certificate can no longer be changed. Declare a new chip for a new certificate.",
                from.label().to_lowercase()
            ),
        ));
    }
    Ok(())
}

/// Store the certificate and its re-signed copy; the chip then waits for approval. Guarded
/// on `from`: a change meanwhile is a conflict.
fn set_certificate(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    from: ItemStatus,
    parsed: &crate::cert::inspect::Parsed,
    resigned: &[u8],
    now: i64,
) -> AppResult<()> {
    let changed = diesel::update(
        ftm_chips::table
            .filter(ftm_chips::id.eq(id))
            .filter(ftm_chips::status.eq(from.as_str())),
    )
    .set((
        ftm_chips::status.eq(ItemStatus::PendingApproval.as_str()),
        ftm_chips::cert_der.eq(Some(&parsed.der)),
        ftm_chips::resigned_der.eq(Some(resigned)),
        ftm_chips::cert_subject.eq(Some(&parsed.facts.subject)),
        ftm_chips::cert_not_after.eq(Some(parsed.facts.not_after)),
        ftm_chips::cert_thumbprint.eq(Some(&parsed.facts.thumbprint)),
        ftm_chips::updated_at.eq(now),
        ftm_chips::updated_by.eq(actor.id.as_deref()),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(changed_meanwhile());
    }
    Ok(())
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    i64,
);

crate::db::columns_fn! {
    fn columns() -> (
        ftm_chips::id,
        ftm_chips::partner_id,
        partners::organisation,
        ftm_chips::make,
        ftm_chips::model,
        ftm_chips::status,
        ftm_chips::reason,
        ftm_chips::cert_subject,
        ftm_chips::cert_not_after,
        ftm_chips::created_at,
    )
}

fn view(r: Row) -> ChipView {
    ChipView {
        id: r.0,
        partner_id: r.1,
        organisation: r.2,
        make: r.3,
        model: r.4,
        status: ItemStatus::parse(&r.5).unwrap_or(ItemStatus::PendingCertUpload),
        reason: r.6,
        cert_subject: r.7,
        cert_not_after: r.8,
        created_at: r.9,
    }
}

/// One chip.
pub fn get(conn: &mut AnyConnection, id: &str) -> AppResult<ChipView> {
    ftm_chips::table
        .inner_join(partners::table)
        .filter(ftm_chips::id.eq(id))
        .select(columns())
        .first(conn)
        .optional()?
        .map(view)
        .ok_or_else(|| AppError::not_found("The chip"))
}

/// A page of chips; `only` restricts to one provider.
pub fn list(
    conn: &mut AnyConnection,
    query: &ItemQuery,
    only: Option<&str>,
) -> AppResult<Page<ChipView>> {
    list_by(conn, query, only, &Columns::default())
}

/// A page of chips filtered and sorted by named columns as well (MOSIP's list); a sort column
/// replaces the query's sort.
pub fn list_by(
    conn: &mut AnyConnection,
    query: &ItemQuery,
    only: Option<&str>,
    by: &Columns<ChipColumn>,
) -> AppResult<Page<ChipView>> {
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
    let status = status_filter(query.status.as_deref())?;
    let partner = only
        .map(str::to_string)
        .or_else(|| query.partner.clone().filter(|p| !p.trim().is_empty()));
    let patterns = by.patterns()?;
    let filtered = || {
        let mut q = ftm_chips::table.inner_join(partners::table).into_boxed();
        if let Some(s) = status {
            q = q.filter(ftm_chips::status.eq(s.as_str()));
        }
        if let Some(p) = &partner {
            q = q.filter(ftm_chips::partner_id.eq(p.trim().to_string()));
        }
        for (column, p) in patterns.iter().cloned() {
            q = match column {
                ChipColumn::Id => q.filter(lower(ftm_chips::id).like(p).escape('\\')),
                ChipColumn::Partner => q.filter(lower(ftm_chips::partner_id).like(p).escape('\\')),
                ChipColumn::Organisation => {
                    q.filter(lower(partners::organisation).like(p).escape('\\'))
                }
                ChipColumn::Make => q.filter(lower(ftm_chips::make).like(p).escape('\\')),
                ChipColumn::Model => q.filter(lower(ftm_chips::model).like(p).escape('\\')),
                ChipColumn::Status | ChipColumn::Created => q,
            };
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let q = match by.sort {
        Some((column, desc)) => {
            let q = filtered();
            let q = match (column, desc) {
                (ChipColumn::Id, false) => q.order(ftm_chips::id.asc()),
                (ChipColumn::Id, true) => q.order(ftm_chips::id.desc()),
                (ChipColumn::Partner, false) => q.order(ftm_chips::partner_id.asc()),
                (ChipColumn::Partner, true) => q.order(ftm_chips::partner_id.desc()),
                (ChipColumn::Organisation, false) => q.order(partners::organisation.asc()),
                (ChipColumn::Organisation, true) => q.order(partners::organisation.desc()),
                (ChipColumn::Make, false) => q.order(ftm_chips::make.asc()),
                (ChipColumn::Make, true) => q.order(ftm_chips::make.desc()),
                (ChipColumn::Model, false) => q.order(ftm_chips::model.asc()),
                (ChipColumn::Model, true) => q.order(ftm_chips::model.desc()),
                (ChipColumn::Status, false) => q.order(ftm_chips::status.asc()),
                (ChipColumn::Status, true) => q.order(ftm_chips::status.desc()),
                (ChipColumn::Created, false) => q.order(ftm_chips::created_at.asc()),
                (ChipColumn::Created, true) => q.order(ftm_chips::created_at.desc()),
            };
            if desc {
                q.then_order_by(ftm_chips::id.desc())
            } else {
                q.then_order_by(ftm_chips::id.asc())
            }
        }
        None => match query.sort.as_deref() {
            Some("-created") => {
                filtered().order((ftm_chips::created_at.desc(), ftm_chips::id.desc()))
            }
            _ => filtered().order((ftm_chips::created_at.asc(), ftm_chips::id.asc())),
        },
    };
    let rows: Vec<Row> = q.select(columns()).limit(size).offset(offset).load(conn)?;
    let items = rows.into_iter().map(view).collect();
    Ok(Page::new(items, total, page_no, size))
}

/// The signed-in provider's chips.
pub fn list_own(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    query: &ItemQuery,
) -> AppResult<Page<ChipView>> {
    let p = provider(conn, user, PROVIDER)?;
    list(conn, query, Some(&p.id))
}

/// A chip's certificate and its re-signed form; `owner` restricts to one provider (None for
/// partner admins).
pub fn certificates(
    conn: &mut AnyConnection,
    id: &str,
    owner: Option<&CurrentUser>,
) -> AppResult<ChipCertificates> {
    if let Some(user) = owner {
        let p = provider(conn, user, PROVIDER)?;
        if get(conn, id)?.partner_id != p.id {
            return Err(AppError::not_found("The chip"));
        }
    }
    let (der, resigned, not_after): (Option<Vec<u8>>, Option<Vec<u8>>, Option<i64>) =
        ftm_chips::table
            .filter(ftm_chips::id.eq(id))
            .select((
                ftm_chips::cert_der,
                ftm_chips::resigned_der,
                ftm_chips::cert_not_after,
            ))
            .first(conn)
            .optional()?
            .ok_or_else(|| AppError::not_found("The chip"))?;
    match (der, resigned) {
        (Some(der), Some(resigned)) => Ok(ChipCertificates {
            pem: to_pem(&der),
            resigned_pem: to_pem(&resigned),
            expired: not_after.is_some_and(|t| t < clock::now_ms()),
        }),
        _ => Err(AppError::not_found("The chip's certificate")),
    }
}

/// The chip's event data for downstream services (topic `FTM_CHIP_UPDATED`).
pub fn event_data(c: &ChipView) -> serde_json::Value {
    json!({
        "id": c.id,
        "partnerId": c.partner_id,
        "make": c.make,
        "model": c.model,
        "status": c.status.as_str(),
        "reason": c.reason,
        "certificateSubject": c.cert_subject,
        "certificateNotAfter": c.cert_not_after.map(clock::rfc3339),
    })
}

/// Approve (needs its certificate), reject (reason) or deactivate (reason) a chip.
pub fn decide(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    decision: Decision,
    reason: Option<&str>,
) -> AppResult<ChipView> {
    change(conn, actor, id, decision, reason, None)
}

/// The FTM provider retires one of its own approved chips (reason required).
pub fn retire_own(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: &CurrentUser,
    id: &str,
    reason: Option<&str>,
) -> AppResult<ChipView> {
    change(conn, actor, id, Decision::Deactivate, reason, Some(user))
}

fn change(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    decision: Decision,
    reason: Option<&str>,
    owner: Option<&CurrentUser>,
) -> AppResult<ChipView> {
    let reason = check_reason(reason, decision.needs_reason())?;
    crate::db::write_tx(conn, |conn| {
        let chip = get(conn, id)?;
        check_owner(conn, owner, PROVIDER, &chip.partner_id, "The chip")?;
        let from = chip.status;
        let to = transition("chip", from, decision)?;
        let now = clock::now_ms();
        // Downstream would refuse what the chip signs with an expired certificate.
        if to == ItemStatus::Approved && chip.cert_not_after.is_some_and(|t| t < now) {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_CHIP_CERT_EXPIRED",
                "The chip's certificate has expired; the provider must upload a valid one before it can be approved.",
            ));
        }
        set_status!(
            conn,
            ftm_chips,
            actor,
            id,
            (from, to),
            reason.as_deref(),
            now
        )?;
        let decided = Decided {
            kind: &CHIP,
            id,
            moved: (from, to),
            reason: reason.as_deref(),
        };
        decided.audit(conn, actor, decided.details())?;
        let view = get(conn, id)?;
        let name = format!("{} {}", view.make, view.model);
        decided.announce(conn, owner, (&view.partner_id, &name), event_data(&view))?;
        Ok(view)
    })
}
