//! The outgoing mail queue. Rows are written with their notification; a sender claims due rows
//! for a few minutes (so two instances never send the same mail at once), then marks each sent
//! or schedules a retry with exponential back-off.

use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::schema::mail_queue;
use diesel::prelude::*;

/// Attempts before a mail is given up (about two days of back-off).
pub const MAX_MAIL_ATTEMPTS: i32 = 16;
/// How long a claimed mail is reserved for its sender.
pub const CLAIM_MS: i64 = 5 * 60_000;

/// A mail waiting to be sent.
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct QueuedMail {
    /// Id.
    pub id: String,
    /// Recipient address.
    pub recipient: String,
    /// Language code it is written in.
    pub language: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Attempts so far.
    pub attempts: i32,
    /// Next attempt not before, UTC ms.
    pub next_attempt_at: i64,
}

/// Queue a mail (in the caller's transaction).
pub fn enqueue_mail(
    conn: &mut AnyConnection,
    notification_id: Option<&str>,
    recipient: &str,
    language: &str,
    subject: &str,
    body: &str,
    now: i64,
) -> AppResult<String> {
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(mail_queue::table)
        .values((
            mail_queue::id.eq(&id),
            mail_queue::notification_id.eq(notification_id),
            mail_queue::recipient.eq(recipient),
            mail_queue::language.eq(language),
            mail_queue::subject.eq(subject),
            mail_queue::body.eq(body),
            mail_queue::status.eq("PENDING"),
            mail_queue::attempts.eq(0),
            mail_queue::next_attempt_at.eq(now),
            mail_queue::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Claim up to `limit` due mails for this sender: each is reserved for [`CLAIM_MS`] by a
/// guarded update, so a mail another instance claimed first is skipped.
pub fn claim_due(conn: &mut AnyConnection, now: i64, limit: i64) -> AppResult<Vec<QueuedMail>> {
    let due: Vec<QueuedMail> = mail_queue::table
        .filter(mail_queue::status.eq("PENDING"))
        .filter(mail_queue::next_attempt_at.le(now))
        .order((mail_queue::next_attempt_at.asc(), mail_queue::id.asc()))
        .select((
            mail_queue::id,
            mail_queue::recipient,
            mail_queue::language,
            mail_queue::subject,
            mail_queue::body,
            mail_queue::attempts,
            mail_queue::next_attempt_at,
        ))
        .limit(limit)
        .load(conn)?;
    let mut claimed = Vec::with_capacity(due.len());
    for mail in due {
        let n = diesel::update(
            mail_queue::table
                .filter(mail_queue::id.eq(&mail.id))
                .filter(mail_queue::status.eq("PENDING"))
                .filter(mail_queue::next_attempt_at.eq(mail.next_attempt_at)),
        )
        .set(mail_queue::next_attempt_at.eq(now + CLAIM_MS))
        .execute(conn)?;
        if n == 1 {
            claimed.push(mail);
        }
    }
    Ok(claimed)
}

/// The mail was accepted by the SMTP server. Its body is dropped: a sent password-reset link
/// must not stay readable in the database (the notification keeps its own text).
pub fn mark_sent(conn: &mut AnyConnection, id: &str, now: i64) -> AppResult<()> {
    diesel::update(mail_queue::table.filter(mail_queue::id.eq(id)))
        .set((
            mail_queue::status.eq("SENT"),
            mail_queue::body.eq(""),
            mail_queue::sent_at.eq(now),
            mail_queue::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Delay before attempt `attempts + 1`: one minute, doubling, at most six hours.
pub fn backoff_ms(attempts: i32) -> i64 {
    let shift = attempts.clamp(0, 20) as u32;
    (60_000_i64 << shift).min(6 * 3_600_000)
}

/// Sending failed: retry later, or give up after [`MAX_MAIL_ATTEMPTS`].
pub fn mark_failed(
    conn: &mut AnyConnection,
    mail: &QueuedMail,
    now: i64,
    error: &str,
) -> AppResult<()> {
    let attempts = mail.attempts + 1;
    let status = if attempts >= MAX_MAIL_ATTEMPTS {
        "FAILED"
    } else {
        "PENDING"
    };
    let error: String = error.chars().take(500).collect();
    diesel::update(mail_queue::table.filter(mail_queue::id.eq(&mail.id)))
        .set((
            mail_queue::status.eq(status),
            mail_queue::attempts.eq(attempts),
            mail_queue::next_attempt_at.eq(now + backoff_ms(mail.attempts)),
            mail_queue::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// Mails by status (PENDING, SENT, FAILED): the dashboard's and the tests' view of the queue.
pub fn mail_counts(conn: &mut AnyConnection) -> AppResult<Vec<(String, i64)>> {
    Ok(mail_queue::table
        .group_by(mail_queue::status)
        .select((mail_queue::status, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Delete sent and failed mails created before `cutoff`.
pub(crate) fn purge_mail(conn: &mut AnyConnection, cutoff: i64) -> AppResult<usize> {
    Ok(diesel::delete(
        mail_queue::table
            .filter(mail_queue::status.ne("PENDING"))
            .filter(mail_queue::created_at.lt(cutoff)),
    )
    .execute(conn)?)
}
