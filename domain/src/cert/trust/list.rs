//! The trust store's list and one certificate's detail.

use super::*;

pub(super) type SummaryColumns = (
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    bool,
    i64,
);

crate::db::columns_fn! {
    pub(super) fn summary_columns() -> (
        ca_certificates::id,
        ca_certificates::cert_domain,
        ca_certificates::kind,
        ca_certificates::subject,
        ca_certificates::issuer,
        ca_certificates::not_after,
        ca_certificates::key_type,
        ca_certificates::active,
        ca_certificates::created_at,
    )
}

pub(super) fn summary(row: SummaryColumns) -> CaSummary {
    CaSummary {
        id: row.0,
        domain: CertDomain::parse(&row.1).unwrap_or(CertDomain::Auth),
        kind: CaKind::parse(&row.2).unwrap_or(CaKind::Intermediate),
        subject: row.3,
        issuer: row.4,
        not_after: row.5,
        key_type: row.6,
        active: row.7,
        created_at: row.8,
    }
}

/// The database backend of boxed queries.
type Backend = <AnyConnection as diesel::Connection>::Backend;
/// A boxed query on the trust store.
type Cas<'a> = ca_certificates::BoxedQuery<'a, Backend>;

/// The trust store list's checked filters.
struct CaFilters {
    /// Domain.
    domain: Option<CertDomain>,
    /// Root or intermediate.
    kind: Option<CaKind>,
    /// Only CAs that expire within this many days.
    expiring: Option<i64>,
    /// The time expiry is compared with, UTC ms.
    now: i64,
    /// The search text as a `LIKE` pattern on the subject.
    pattern: Option<String>,
    /// The same through the search index, where it serves.
    phrase: Option<String>,
}

/// One page of the trust store.
pub fn list(conn: &mut AnyConnection, query: &CaQuery) -> AppResult<Page<CaSummary>> {
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
    let f = ca_filters(conn, query)?;
    let total: i64 = filtered(query, &f).count().get_result(conn)?;
    let q = sorted(
        filtered(query, &f),
        query.sort.as_deref().unwrap_or("-created"),
    );
    let rows: Vec<SummaryColumns> = q
        .select(summary_columns())
        .limit(size)
        .offset(offset)
        .load(conn)?;
    let items = rows.into_iter().map(summary).collect();
    Ok(Page::new(items, total, page_no, size))
}

/// The query's domain, kind, expiry window (0 to 3650 days) and search text, checked in that
/// order.
fn ca_filters(conn: &mut AnyConnection, query: &CaQuery) -> AppResult<CaFilters> {
    let domain = match query.domain.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => Some(check_domain(d)?),
        None => None,
    };
    let kind = match query.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => Some(CaKind::parse(k).ok_or_else(|| {
            AppError::validation("kind", "PMS_CERT_KIND", "Kind is ROOT or INTERMEDIATE.")
        })?),
        None => None,
    };
    let expiring = match query.expiring_within_days {
        Some(d) if !(0..=3650).contains(&d) => {
            return Err(AppError::validation(
                "expiring_within_days",
                "PMS_CERT_EXPIRING",
                "Expiring within: a number of days from 0 to 3650.",
            ))
        }
        other => other,
    };
    let now = clock::now_ms();
    Ok(CaFilters {
        domain,
        kind,
        expiring,
        now,
        pattern: page::search_pattern(query.q.as_deref())?,
        phrase: crate::search::phrase(conn, query.q.as_deref()),
    })
}

/// The CAs matching the filters and the query's status (active or inactive).
fn filtered<'a>(query: &CaQuery, f: &CaFilters) -> Cas<'a> {
    let mut q = ca_certificates::table.into_boxed();
    if let Some(d) = f.domain {
        q = q.filter(ca_certificates::cert_domain.eq(d.as_str()));
    }
    if let Some(k) = f.kind {
        q = q.filter(ca_certificates::kind.eq(k.as_str()));
    }
    match query.status.as_deref() {
        Some("active") => q = q.filter(ca_certificates::active.eq(true)),
        Some("inactive") => q = q.filter(ca_certificates::active.eq(false)),
        _ => {}
    }
    if let Some(days) = f.expiring {
        q = q.filter(ca_certificates::not_after.le(f.now + days * 86_400_000));
    }
    if let Some(phrase) = &f.phrase {
        q = q.filter(crate::search::matching(
            crate::search::Index::CaCertificates,
            phrase,
        ));
    } else if let Some(pattern) = &f.pattern {
        q = q.filter(
            crate::account::lower(ca_certificates::subject)
                .like(pattern.clone())
                .escape('\\'),
        );
    }
    q
}

/// The CAs in the order `sort` names (newest first by default), ties broken by id.
fn sorted<'a>(q: Cas<'a>, sort: &str) -> Cas<'a> {
    match sort {
        "not_after" => q.order((ca_certificates::not_after.asc(), ca_certificates::id.asc())),
        "-not_after" => q.order((
            ca_certificates::not_after.desc(),
            ca_certificates::id.desc(),
        )),
        "subject" => q.order((ca_certificates::subject.asc(), ca_certificates::id.asc())),
        "-subject" => q.order((ca_certificates::subject.desc(), ca_certificates::id.desc())),
        "created" => q.order((ca_certificates::created_at.asc(), ca_certificates::id.asc())),
        _ => q.order((
            ca_certificates::created_at.desc(),
            ca_certificates::id.desc(),
        )),
    }
}

/// One CA with its facts and chain.
pub fn detail(conn: &mut AnyConnection, id: &str) -> AppResult<CaDetail> {
    type DetailRow = (SummaryColumns, Vec<u8>, Option<String>, Option<String>);
    let found: Option<DetailRow> = ca_certificates::table
        .left_join(accounts::table.on(accounts::id.nullable().eq(ca_certificates::created_by)))
        .filter(ca_certificates::id.eq(id))
        .select((
            summary_columns(),
            ca_certificates::der,
            ca_certificates::issuer_id,
            accounts::email.nullable(),
        ))
        .first(conn)
        .optional()?;
    let (row, der, mut issuer_id, created_by) =
        found.ok_or_else(|| AppError::not_found("The certificate"))?;
    let summary = summary(row);
    let facts = inspect(&der)
        .map_err(|v| {
            tracing::error!(id, problem = %v.message, "stored CA does not parse");
            AppError::internal()
        })?
        .facts;
    let mut chain = vec![ChainLink {
        id: summary.id.clone(),
        subject: summary.subject.clone(),
        kind: summary.kind,
        active: summary.active,
    }];
    // Chains are short (depth checks keep them so); the bound guards against a bad row.
    while let Some(next) = issuer_id.take() {
        if chain.len() > 8 {
            break;
        }
        let link: Option<(String, String, String, bool, Option<String>)> = ca_certificates::table
            .filter(ca_certificates::id.eq(&next))
            .select((
                ca_certificates::id,
                ca_certificates::subject,
                ca_certificates::kind,
                ca_certificates::active,
                ca_certificates::issuer_id,
            ))
            .first(conn)
            .optional()?;
        let Some((lid, subject, kind, active, parent)) = link else {
            break;
        };
        chain.push(ChainLink {
            id: lid,
            subject,
            kind: CaKind::parse(&kind).unwrap_or(CaKind::Intermediate),
            active,
        });
        issuer_id = parent;
    }
    let issued_active: i64 = ca_certificates::table
        .filter(ca_certificates::issuer_id.eq(id))
        .filter(ca_certificates::active.eq(true))
        .count()
        .get_result(conn)?;
    Ok(CaDetail {
        pem: to_pem(&der),
        summary,
        facts,
        chain,
        issued_active,
        created_by,
    })
}
