//! Inbox queries and decisions. Each kind keeps its own table and index
//! (`status, created_at, id`); a page is merged from the first `offset + size` rows of each kind,
//! so the first pages cost a few indexed range reads whatever the queue length.

use super::*;
use crate::access::request as requests;
use crate::audit::Actor;
use crate::clock;
use crate::db::AnyConnection;
use crate::device::{chip, model, sbi, ItemStatus};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::page;
use crate::partner::{self, Decision, PartnerStatus};
use crate::schema::{
    devices, ftm_chips, partner_certificates, partners, policies, policy_requests, sbis,
};
use diesel::dsl::min;
use diesel::prelude::*;

const DAY_MS: i64 = 86_400_000;

/// (id, partner id, organisation, partner type, title part, title part, created_at)
type Row = (String, String, String, String, String, String, i64);

/// Filters as the branches use them.
struct Filters {
    partner: Option<String>,
    partner_type: Option<String>,
    before: Option<i64>,
    newest: bool,
}

fn clean(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn filters(query: &InboxQuery, now: i64) -> AppResult<(Filters, Option<InboxKind>)> {
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
        Filters {
            partner: clean(&query.partner),
            partner_type: clean(&query.partner_type),
            before,
            newest,
        },
        kind,
    ))
}

/// Runs one kind's queue: (count, oldest, first `take` rows in order).
macro_rules! branch {
    ($conn:expr, $f:expr, $take:expr, $base:expr, $status:expr, $pending:expr,
     $created:expr, $id:expr, $partner:expr, $select:expr) => {{
        let filtered = || {
            let mut q = $base.filter($status.eq($pending)).into_boxed();
            if let Some(p) = &$f.partner {
                q = q.filter($partner.eq(p.clone()));
            }
            if let Some(t) = &$f.partner_type {
                q = q.filter(partners::partner_type.eq(t.clone()));
            }
            if let Some(b) = $f.before {
                q = q.filter($created.le(b));
            }
            q
        };
        let count: i64 = filtered().count().get_result($conn)?;
        let oldest: Option<i64> = if count == 0 {
            None
        } else {
            filtered().select(min($created)).first($conn)?
        };
        let rows: Vec<Row> = if $take == 0 || count == 0 {
            Vec::new()
        } else {
            let q = if $f.newest {
                filtered().order(($created.desc(), $id.desc()))
            } else {
                filtered().order(($created.asc(), $id.asc()))
            };
            q.select($select).limit($take).load($conn)?
        };
        (count, oldest, rows)
    }};
}

fn run_kind(
    conn: &mut AnyConnection,
    kind: InboxKind,
    f: &Filters,
    take: i64,
) -> AppResult<(i64, Option<i64>, Vec<Row>)> {
    let pending = ItemStatus::PendingApproval.as_str();
    Ok(match kind {
        InboxKind::Partner => branch!(
            conn,
            f,
            take,
            partners::table,
            partners::status,
            PartnerStatus::Pending.as_str(),
            partners::created_at,
            partners::id,
            partners::id,
            (
                partners::id,
                partners::id,
                partners::organisation,
                partners::partner_type,
                partners::partner_type,
                partners::email,
                partners::created_at
            )
        ),
        InboxKind::PolicyRequest => branch!(
            conn,
            f,
            take,
            policy_requests::table
                .inner_join(partners::table)
                .inner_join(policies::table),
            policy_requests::status,
            crate::access::RequestStatus::Pending.as_str(),
            policy_requests::created_at,
            policy_requests::id,
            policy_requests::partner_id,
            (
                policy_requests::id,
                policy_requests::partner_id,
                partners::organisation,
                partners::partner_type,
                policies::name,
                policies::policy_type,
                policy_requests::created_at
            )
        ),
        InboxKind::Sbi => branch!(
            conn,
            f,
            take,
            sbis::table.inner_join(partners::table),
            sbis::status,
            pending,
            sbis::created_at,
            sbis::id,
            sbis::partner_id,
            (
                sbis::id,
                sbis::partner_id,
                partners::organisation,
                partners::partner_type,
                sbis::version,
                sbis::binary_hash,
                sbis::created_at
            )
        ),
        InboxKind::Device => branch!(
            conn,
            f,
            take,
            devices::table.inner_join(partners::table),
            devices::status,
            pending,
            devices::created_at,
            devices::id,
            devices::partner_id,
            (
                devices::id,
                devices::partner_id,
                partners::organisation,
                partners::partner_type,
                devices::make,
                devices::model,
                devices::created_at
            )
        ),
        InboxKind::Chip => branch!(
            conn,
            f,
            take,
            ftm_chips::table.inner_join(partners::table),
            ftm_chips::status,
            pending,
            ftm_chips::created_at,
            ftm_chips::id,
            ftm_chips::partner_id,
            (
                ftm_chips::id,
                ftm_chips::partner_id,
                partners::organisation,
                partners::partner_type,
                ftm_chips::make,
                ftm_chips::model,
                ftm_chips::created_at
            )
        ),
    })
}

fn item(kind: InboxKind, row: Row) -> InboxItem {
    let (id, partner_id, organisation, partner_type, a, b, created_at) = row;
    let title = match kind {
        InboxKind::Partner => format!("Registration of {organisation} ({a})"),
        InboxKind::PolicyRequest => format!("Request for {b} policy \u{201c}{a}\u{201d}"),
        InboxKind::Sbi => format!("SBI version {a}"),
        InboxKind::Device => format!("Device {a} {b}"),
        InboxKind::Chip => format!("FTM chip {a} {b}"),
    };
    InboxItem {
        kind,
        id,
        partner_id,
        organisation,
        partner_type,
        title,
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
        let (count, oldest, rows) = run_kind(conn, kind, &f, if wanted { take } else { 0 })?;
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
        page: page::Page {
            items,
            total,
            page: page_no,
            page_size: size,
        },
        now,
    })
}

fn kind_of(value: &str) -> AppResult<InboxKind> {
    InboxKind::parse(value.trim())
        .ok_or_else(|| AppError::validation("kind", "PMS_INBOX_KIND", "Unknown kind of item."))
}

fn day(ms: i64) -> String {
    clock::rfc3339(ms).chars().take(10).collect()
}

/// What a decision on one item needs: the partner, its certificate and the item's facts.
pub fn detail(conn: &mut AnyConnection, kind: &str, id: &str) -> AppResult<InboxDetail> {
    let kind = kind_of(kind)?;
    let now = clock::now_ms();
    let mut facts: Vec<(String, String)> = Vec::new();
    let mut document = None;
    let mut linked = Vec::new();
    let mut loaded = None;
    let (partner_id, title, created_at) = match kind {
        InboxKind::Partner => {
            let p = partner::load_view(conn, id)?;
            let created: i64 = partners::table
                .find(id)
                .select(partners::created_at)
                .first(conn)?;
            let head = (
                p.id.clone(),
                format!("Registration of {} ({})", p.organisation, p.partner_type),
                created,
            );
            // The registration is the partner itself: no second read below.
            loaded = Some(p);
            head
        }
        InboxKind::PolicyRequest => {
            let r = requests::get(conn, id)?;
            facts.push(("Policy".into(), r.policy_name.clone()));
            facts.push(("Policy type".into(), r.policy_type.clone()));
            facts.push(("Policy group".into(), r.group_name.clone()));
            facts.push(("Use case".into(), r.use_case.clone()));
            let doc: String = policies::table
                .find(&r.policy_id)
                .select(policies::document)
                .first(conn)?;
            document = Some(
                serde_json::from_str::<serde_json::Value>(&doc)
                    .and_then(|v| serde_json::to_string_pretty(&v))
                    .unwrap_or(doc),
            );
            (
                r.partner_id,
                format!(
                    "Request for {} policy \u{201c}{}\u{201d}",
                    r.policy_type, r.policy_name
                ),
                r.created_at,
            )
        }
        InboxKind::Sbi => {
            let s = sbi::get(conn, id)?;
            facts.push(("Version".into(), s.version.clone()));
            facts.push(("Binary hash".into(), s.binary_hash.clone()));
            facts.push(("Built on".into(), day(s.created_on)));
            facts.push(("Expires on".into(), day(s.expires_on)));
            facts.push(("Linked devices".into(), s.devices.to_string()));
            (
                s.partner_id,
                format!("SBI version {}", s.version),
                s.created_at,
            )
        }
        InboxKind::Device => {
            let d = model::get(conn, id)?;
            facts.push(("Type".into(), format!("{} / {}", d.device_type, d.sub_type)));
            facts.push(("Make".into(), d.make.clone()));
            facts.push(("Model".into(), d.model.clone()));
            for link in &d.sbis {
                linked.push(sbi::get(conn, &link.id)?);
            }
            (
                d.partner_id,
                format!("Device {} {}", d.make, d.model),
                d.created_at,
            )
        }
        InboxKind::Chip => {
            let c = chip::get(conn, id)?;
            facts.push(("Make".into(), c.make.clone()));
            facts.push(("Model".into(), c.model.clone()));
            facts.push((
                "Chip certificate".into(),
                c.cert_subject
                    .clone()
                    .unwrap_or_else(|| "not uploaded".into()),
            ));
            if let Some(t) = c.cert_not_after {
                facts.push(("Certificate valid until".into(), day(t)));
            }
            (
                c.partner_id,
                format!("FTM chip {} {}", c.make, c.model),
                c.created_at,
            )
        }
    };
    let p = match loaded {
        Some(p) => p,
        None => partner::load_view(conn, &partner_id)?,
    };
    let certificate = current_certificate(conn, &partner_id, now)?;
    Ok(InboxDetail {
        item: InboxItem {
            kind,
            id: id.to_string(),
            partner_id,
            organisation: p.organisation.clone(),
            partner_type: p.partner_type.clone(),
            title,
            created_at,
        },
        partner: p,
        certificate,
        facts,
        document,
        sbis: linked,
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
    let decision = if approve {
        Decision::Approve
    } else {
        Decision::Reject
    };
    let result = match kind {
        InboxKind::Partner => partner::decide(conn, actor, id, decision, reason).map(|_| ()),
        InboxKind::PolicyRequest => requests::decide(conn, actor, id, approve, reason).map(|_| ()),
        InboxKind::Sbi => sbi::decide(conn, actor, id, decision, reason).map(|_| ()),
        InboxKind::Device => model::decide(conn, actor, id, decision, reason).map(|_| ()),
        InboxKind::Chip => chip::decide(conn, actor, id, decision, reason).map(|_| ()),
    };
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
