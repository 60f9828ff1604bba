//! The daily expiry job, its lease, and the recipients' queries.

use super::*;
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult};
use crate::page::{self, Page};
use crate::schema::{account_roles, accounts, job_leases, notifications, partners};
use diesel::prelude::*;
use serde_json::json;

mod reading;
mod schedule;
pub use reading::*;
pub use schedule::*;

const DAY_MS: i64 = 86_400_000;
/// Name of the daily job's lease row.
pub const DAILY_JOB: &str = "daily-notifications";

/// Something that expires, and who must hear of it.
pub(crate) struct Due {
    /// Its notification kind.
    pub(crate) kind: NotificationKind,
    /// What it is (the notification's entity type).
    pub(crate) entity_type: &'static str,
    /// Its id.
    pub(crate) entity_id: String,
    /// Its name in the notification.
    pub(crate) name: String,
    /// When it ends, UTC ms.
    pub(crate) due_at: i64,
    /// The partner told; None: every partner admin.
    pub(crate) partner_id: Option<String>,
    /// Where to act.
    pub(crate) link: String,
}

pub(super) struct Recipient {
    pub(super) account_id: String,
    pub(super) email: String,
    pub(super) language: String,
}

fn day(ms: i64) -> String {
    clock::rfc3339(ms).chars().take(10).collect()
}

/// Days left, by the portal's one rule for day counts.
fn days_left(due_at: i64, now: i64) -> i64 {
    crate::cert::days_until(now, due_at)
}

fn what(kind: NotificationKind, lang: &str) -> &'static str {
    use NotificationKind as K;
    match (lang, kind) {
        ("fra", K::CaCertExpiry) => "Le certificat d'autorité",
        ("fra", K::PartnerCertExpiry) => "Votre certificat",
        ("fra", K::ChipCertExpiry) => "Le certificat de la puce FTM",
        ("fra", K::ApiKeyExpiry) => "La clé d'API",
        ("fra", K::SbiExpiry) => "Le SBI",
        ("fra", K::LicenseExpiry) => "La licence MISP",
        ("ara", K::CaCertExpiry) => "شهادة المرجع المصدق",
        ("ara", K::PartnerCertExpiry) => "شهادتك",
        ("ara", K::ChipCertExpiry) => "شهادة شريحة FTM",
        ("ara", K::ApiKeyExpiry) => "مفتاح API",
        ("ara", K::SbiExpiry) => "SBI",
        ("ara", K::LicenseExpiry) => "ترخيص MISP",
        (_, K::CaCertExpiry) => "CA certificate",
        (_, K::PartnerCertExpiry) => "Your certificate",
        (_, K::ChipCertExpiry) => "FTM chip certificate",
        (_, K::ApiKeyExpiry) => "API key",
        (_, K::SbiExpiry) => "SBI",
        (_, K::LicenseExpiry) => "MISP license",
        (_, K::WeeklySummary) => "",
    }
}

/// Title and body of an expiry warning in the recipient's language (English otherwise).
pub fn expiry_text(
    kind: NotificationKind,
    lang: &str,
    name: &str,
    due_at: i64,
    days: i64,
) -> (String, String) {
    let w = what(kind, lang);
    let date = day(due_at);
    match lang {
        "fra" => (
            format!(
                "{w} expire dans {days} jour{}",
                if days > 1 { "s" } else { "" }
            ),
            format!("{w} « {name} » expire le {date} (UTC). Renouvelez-le avant cette date."),
        ),
        "ara" => (
            format!("{w}: تنتهي الصلاحية خلال {days} يوم"),
            format!("{w} «{name}» تنتهي صلاحيتها في {date} (UTC). جدّدها قبل هذا التاريخ."),
        ),
        _ => (
            format!(
                "{w} expires in {days} day{}",
                if days > 1 { "s" } else { "" }
            ),
            format!("{w} \u{201c}{name}\u{201d} expires on {date} (UTC). Renew it before then."),
        ),
    }
}

fn admins(conn: &mut AnyConnection) -> AppResult<Vec<Recipient>> {
    let rows: Vec<(String, String)> = accounts::table
        .inner_join(account_roles::table)
        .filter(account_roles::role.eq(crate::Role::PartnerAdmin.as_str()))
        .filter(accounts::active.eq(true))
        .select((accounts::id, accounts::email))
        .order(accounts::id.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(account_id, email)| Recipient {
            account_id,
            email,
            language: "eng".into(),
        })
        .collect())
}

pub(super) fn partner_recipient(
    conn: &mut AnyConnection,
    partner_id: &str,
) -> AppResult<Option<Recipient>> {
    let row: Option<(String, String, String, bool)> = partners::table
        .inner_join(accounts::table)
        .filter(partners::id.eq(partner_id))
        .select((
            partners::account_id,
            partners::email,
            partners::language,
            accounts::active,
        ))
        .first(conn)
        .optional()?;
    Ok(row
        .filter(|r| r.3)
        .map(|(account_id, email, language, _)| Recipient {
            account_id,
            email,
            language,
        }))
}

/// Everything ending within `horizon` days, from every aggregate (the registry's
/// `Part::expiry_notices`), in the order of [`NotificationKind::ALL`].
fn due_items(conn: &mut AnyConnection, now: i64, horizon: i64) -> AppResult<Vec<Due>> {
    let end = now + horizon * DAY_MS;
    let mut out = Vec::new();
    for part in crate::registry::PARTS {
        part.expiry_notices(conn, now, end, &mut out)?;
    }
    // Stable: within a kind, each part's own order is kept.
    out.sort_by_key(|d| NotificationKind::ALL.iter().position(|k| *k == d.kind));
    Ok(out)
}

/// A new notification (and its mail when `mail` is on), unless the same event was already
/// notified to the same account. Returns (notified, mailed).
#[expect(clippy::too_many_arguments)]
pub(super) fn notify(
    conn: &mut AnyConnection,
    to: &Recipient,
    partner_id: Option<&str>,
    kind: &str,
    entity: (&str, &str),
    dedup_key: &str,
    text: (String, String),
    link: &str,
    due_at: Option<i64>,
    now: i64,
    mail: bool,
) -> AppResult<(bool, bool)> {
    let exists: i64 = notifications::table
        .filter(notifications::account_id.eq(&to.account_id))
        .filter(notifications::dedup_key.eq(dedup_key))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok((false, false));
    }
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(notifications::table)
        .values((
            notifications::id.eq(&id),
            notifications::account_id.eq(&to.account_id),
            notifications::partner_id.eq(partner_id),
            notifications::kind.eq(kind),
            notifications::entity_type.eq(entity.0),
            notifications::entity_id.eq(entity.1),
            notifications::dedup_key.eq(dedup_key),
            notifications::title.eq(&text.0),
            notifications::body.eq(&text.1),
            notifications::link.eq(link),
            notifications::due_at.eq(due_at),
            notifications::created_at.eq(now),
        ))
        .execute(conn)?;
    let mailed = mail && !to.email.is_empty();
    if mailed {
        super::enqueue_mail(
            conn,
            Some(&id),
            &to.email,
            &to.language,
            &text.0,
            &text.1,
            now,
        )?;
    }
    Ok((true, mailed))
}

/// Create the expiry warnings due at `now` (each event once per recipient), and purge
/// notifications older than the retention. `mail`: queue a mail with each (SMTP configured).
pub fn run_daily(conn: &mut AnyConnection, now: i64, mail: bool) -> AppResult<DailyReport> {
    let mut report = DailyReport::default();
    let items = due_items(conn, now, THRESHOLDS[0])?;
    let admin_list = admins(conn)?;
    for item in items {
        let days = days_left(item.due_at, now);
        let Some(threshold) = bracket(days) else {
            continue;
        };
        let recipients = match &item.partner_id {
            None => admin_list.iter().map(clone_recipient).collect(),
            Some(p) => partner_recipient(conn, p)?.into_iter().collect::<Vec<_>>(),
        };
        // `kind:entity:threshold`; the re-signed certificate shares its upload's id, so its
        // warnings get their own suffix (keys already stored keep their meaning).
        let key = if item.entity_type == "partner_certificate_resigned" {
            format!(
                "{}:{}:resigned:{}",
                item.kind.as_str(),
                item.entity_id,
                threshold
            )
        } else {
            format!("{}:{}:{}", item.kind.as_str(), item.entity_id, threshold)
        };
        // One transaction per item: its notifications and mails land together or not at all.
        crate::db::write_tx(conn, |conn| {
            for to in &recipients {
                let text = expiry_text(item.kind, &to.language, &item.name, item.due_at, days);
                let (n, m) = notify(
                    conn,
                    to,
                    item.partner_id.as_deref(),
                    item.kind.as_str(),
                    (item.entity_type, &item.entity_id),
                    &key,
                    text,
                    &item.link,
                    Some(item.due_at),
                    now,
                    mail,
                )?;
                report.created += usize::from(n);
                report.mails += usize::from(m);
            }
            Ok(())
        })?;
    }
    report.purged = purge(conn, now)?;
    audit::record(
        conn,
        &Actor::system(),
        "NOTIFICATIONS_DAILY_RUN",
        "job",
        DAILY_JOB,
        json!({ "created": report.created, "mails": report.mails, "purged": report.purged }),
    )?;
    Ok(report)
}

fn clone_recipient(r: &Recipient) -> Recipient {
    Recipient {
        account_id: r.account_id.clone(),
        email: r.email.clone(),
        language: r.language.clone(),
    }
}

/// ISO week of `now`, e.g. `2026-W48`: the weekly summary's key.
pub fn iso_week(now: i64) -> String {
    use chrono::Datelike;
    let w = chrono::DateTime::from_timestamp_millis(now)
        .unwrap_or_default()
        .iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// The admins' weekly summary: what expires within 7 days, by kind. Once per ISO week.
pub fn weekly_summary(conn: &mut AnyConnection, now: i64, mail: bool) -> AppResult<usize> {
    let items = due_items(conn, now, SUMMARY_DAYS)?;
    let mut counts: Vec<(NotificationKind, usize)> = Vec::new();
    for item in &items {
        match counts.iter_mut().find(|(k, _)| *k == item.kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((item.kind, 1)),
        }
    }
    let week = iso_week(now);
    let title = format!(
        "Week {week}: {} item{} expire within {SUMMARY_DAYS} days",
        items.len(),
        if items.len() == 1 { "" } else { "s" }
    );
    let body = if counts.is_empty() {
        "Nothing expires within the next 7 days.".to_string()
    } else {
        counts
            .iter()
            .map(|(k, n)| format!("{}: {n}", k.label()))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let key = format!("WEEKLY:{week}");
    let mut created = 0;
    crate::db::write_tx(conn, |conn| {
        for to in admins(conn)? {
            let (n, _) = notify(
                conn,
                &to,
                None,
                NotificationKind::WeeklySummary.as_str(),
                ("job", DAILY_JOB),
                &key,
                (title.clone(), body.clone()),
                "/",
                None,
                now,
                mail,
            )?;
            created += usize::from(n);
        }
        Ok(())
    })?;
    Ok(created)
}
