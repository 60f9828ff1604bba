//! Inbox queries and decisions over the registry's queues (`crate::registry::QUEUES`: each
//! aggregate owns its queue's query, facts and decision). Each kind keeps its own table and index
//! (`status, created_at, id`); a page is merged from the first `offset + size` rows of each kind,
//! so the first pages cost a few indexed range reads whatever the queue length.

use super::*;
use crate::audit::Actor;
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::page;
use crate::partner;
use crate::registry::{queue, QueueFilters, QueueRow};
use crate::schema::partner_certificates;
use diesel::prelude::*;

const DAY_MS: i64 = 86_400_000;

fn clean(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn filters(query: &InboxQuery, now: i64) -> AppResult<(QueueFilters, Option<InboxKind>)> {
    let kind = match clean(&query.kind) {
        None => None,
        Some(k) => Some(InboxKind::parse(&k).ok_or_else(|| {
            AppError::validation("kind", "PMS_INBOX_KIND", "Unknown kind of item.")
        })?),
    };
    let before = match query.min_age_days {
        None | Some(0) => None,
        Some(d) if (1..=3650).contains(&d) => Some(now - d * DAY_MS),
        Some(_) => {
            return Err(AppError::validation(
                "min_age_days",
                "PMS_INBOX_AGE",
                "Age must be between 0 and 3650 days.",
            ))
        }
    };
    let newest = match query.sort.as_deref().map(str::trim) {
        None | Some("") | Some("oldest") => false,
        Some("newest") => true,
        Some(_) => {
            return Err(AppError::validation(
                "sort",
                "PMS_SORT",
                "Sort by oldest or newest.",
            ))
        }
    };
    Ok((
        QueueFilters {
            partner: clean(&query.partner),
            partner_type: clean(&query.partner_type),
            before,
            newest,
        },
        kind,
    ))
}

fn item(kind: InboxKind, row: QueueRow) -> InboxItem {
    let (id, partner_id, organisation, partner_type, a, b, created_at) = row;
    InboxItem {
        kind,
        id,
        partner_id,
        title: queue(kind).title(&organisation, &a, &b),
        organisation,
        partner_type,
        created_at,
    }
}

/// A page of the inbox, with counts per kind under the same filters.
pub fn list(conn: &mut AnyConnection, query: &InboxQuery) -> AppResult<InboxPage> {
    let now = clock::now_ms();
    list_at(conn, query, now)
}

/// [`list`] with the clock given (tests, exports that must agree with a page).
pub fn list_at(conn: &mut AnyConnection, query: &InboxQuery, now: i64) -> AppResult<InboxPage> {
    let (f, only) = filters(query, now)?;
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
    // Deep pages would read many rows per kind; nobody triages page 200 of a queue.
    if offset > 10_000 {
        return Err(AppError::validation(
            "page",
            "PMS_PAGE_TOO_DEEP",
            "Narrow the filters instead of paging this deep.",
        ));
    }
    let take = offset + size;
    let mut counts = Vec::new();
    let mut merged: Vec<InboxItem> = Vec::new();
    let mut total = 0;
    for kind in InboxKind::ALL {
        let wanted = only.is_none_or(|k| k == kind);
        let (count, oldest, rows) = queue(kind).pending(conn, &f, if wanted { take } else { 0 })?;
        counts.push(KindCount {
            kind,
            count,
            oldest,
        });
        if wanted {
            total += count;
            merged.extend(rows.into_iter().map(|r| item(kind, r)));
        }
    }
    merged.sort_by(|a, b| {
        let ord = a
            .created_at
            .cmp(&b.created_at)
            .then_with(|| a.kind.as_str().cmp(b.kind.as_str()))
            .then_with(|| a.id.cmp(&b.id));
        if f.newest {
            ord.reverse()
        } else {
            ord
        }
    });
    let items = merged
        .into_iter()
        .skip(offset as usize)
        .take(size as usize)
        .collect();
    Ok(InboxPage {
        counts,
        page: page::Page::new(items, total, page_no, size),
        now,
    })
}

fn kind_of(value: &str) -> AppResult<InboxKind> {
    InboxKind::parse(value.trim())
        .ok_or_else(|| AppError::validation("kind", "PMS_INBOX_KIND", "Unknown kind of item."))
}

/// What a decision on one item needs: the partner, its certificate and the item's facts
/// (the item's own queue gives the facts).
pub fn detail(conn: &mut AnyConnection, kind: &str, id: &str) -> AppResult<InboxDetail> {
    let kind = kind_of(kind)?;
    let now = clock::now_ms();
    let d = queue(kind).detail(conn, id)?;
    let p = match d.partner {
        Some(p) => p,
        None => partner::load_view(conn, &d.partner_id)?,
    };
    let certificate = current_certificate(conn, &d.partner_id, now)?;
    Ok(InboxDetail {
        item: InboxItem {
            kind,
            id: id.to_string(),
            partner_id: d.partner_id,
            organisation: p.organisation.clone(),
            partner_type: p.partner_type.clone(),
            title: d.title,
            created_at: d.created_at,
        },
        partner: p,
        certificate,
        facts: d.facts,
        document: d.document,
        sbis: d.sbis,
    })
}

/// The partner's current certificate from its stored facts (no parsing of the DER).
pub fn current_certificate(
    conn: &mut AnyConnection,
    partner_id: &str,
    now: i64,
) -> AppResult<Option<CertStatus>> {
    let row: Option<(String, i64, i64)> = partner_certificates::table
        .filter(partner_certificates::partner_id.eq(partner_id))
        .filter(partner_certificates::is_current.eq(true))
        .select((
            partner_certificates::subject,
            partner_certificates::not_after,
            partner_certificates::resigned_not_after,
        ))
        .first(conn)
        .optional()?;
    Ok(
        row.map(|(subject, not_after, resigned_not_after)| CertStatus {
            subject,
            not_after,
            days_left: crate::cert::days_until(now, not_after),
            expired: not_after <= now,
            resigned_not_after,
        }),
    )
}

/// Approve or reject (reason required) one item with its own aggregate's rules, in its own
/// transaction. An item decided meanwhile is refused, never decided twice.
pub fn decide(
    conn: &mut AnyConnection,
    actor: &Actor,
    kind: &str,
    id: &str,
    approve: bool,
    reason: Option<&str>,
) -> AppResult<()> {
    let kind = kind_of(kind)?;
    let result = queue(kind).decide(conn, actor, id, approve, reason);
    // One field name for the reason, whichever aggregate refused it.
    result.map_err(|mut e| {
        if e.field.as_deref() == Some("comment") {
            e.field = Some("reason".into());
        }
        e
    })
}

/// Decide several items, each in its own transaction, reporting per item what happened.
/// A missing reason for a rejection refuses the whole request before anything is applied.
pub fn decide_many(
    conn: &mut AnyConnection,
    actor: &Actor,
    items: &[ItemRef],
    approve: bool,
    reason: Option<&str>,
) -> AppResult<Vec<ItemOutcome>> {
    if items.is_empty() {
        return Err(AppError::validation(
            "items",
            "PMS_BULK_EMPTY",
            "Select at least one item.",
        ));
    }
    if items.len() > MAX_BULK {
        return Err(AppError::validation(
            "items",
            "PMS_BULK_TOO_MANY",
            format!("Decide at most {MAX_BULK} items at once."),
        ));
    }
    crate::partner::check_reason(reason, !approve)?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for r in items {
        let outcome = if !seen.insert((r.kind.clone(), r.id.clone())) {
            Err(AppError::new(
                ErrorKind::BadRequest,
                "PMS_BULK_DUPLICATE",
                "Named twice in this request; decided once.",
            ))
        } else {
            decide(conn, actor, &r.kind, &r.id, approve, reason)
        };
        out.push(match outcome {
            Ok(()) => ItemOutcome {
                kind: r.kind.clone(),
                id: r.id.clone(),
                applied: true,
                code: None,
                message: if approve { "Approved." } else { "Rejected." }.into(),
            },
            Err(e) => ItemOutcome {
                kind: r.kind.clone(),
                id: r.id.clone(),
                applied: false,
                code: Some(e.code.clone()),
                message: e.message.clone(),
            },
        });
    }
    Ok(out)
}
