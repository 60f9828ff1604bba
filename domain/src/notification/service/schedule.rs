//! The scheduled jobs' lease, their run and the purge of old notifications.

use super::*;

/// Delete notifications older than the retention, and sent or failed mails as old.
pub fn purge(conn: &mut AnyConnection, now: i64) -> AppResult<usize> {
    let cutoff = now - RETENTION_DAYS * DAY_MS;
    let n = diesel::delete(notifications::table.filter(notifications::created_at.lt(cutoff)))
        .execute(conn)?;
    super::purge_mail(conn, cutoff)?;
    Ok(n)
}

/// Take (or keep) the lease of a job for `ttl_ms`. Only one holder gets it while it is live.
pub fn acquire_lease(
    conn: &mut AnyConnection,
    name: &str,
    holder: &str,
    now: i64,
    ttl_ms: i64,
) -> AppResult<bool> {
    let exists: i64 = job_leases::table
        .filter(job_leases::name.eq(name))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        // Two instances may race to create the row; the loser's insert fails harmlessly and
        // the guarded update below decides.
        let _ = diesel::insert_into(job_leases::table)
            .values((
                job_leases::name.eq(name),
                job_leases::holder.eq(""),
                job_leases::lease_until.eq(0_i64),
            ))
            .execute(conn);
    }
    let changed = diesel::update(
        job_leases::table.filter(job_leases::name.eq(name)).filter(
            job_leases::lease_until
                .lt(now)
                .or(job_leases::holder.eq(holder)),
        ),
    )
    .set((
        job_leases::holder.eq(holder),
        job_leases::lease_until.eq(now + ttl_ms),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Give a lease back early (the job finished).
pub fn release_lease(conn: &mut AnyConnection, name: &str, holder: &str) -> AppResult<()> {
    diesel::update(
        job_leases::table
            .filter(job_leases::name.eq(name))
            .filter(job_leases::holder.eq(holder)),
    )
    .set(job_leases::lease_until.eq(0_i64))
    .execute(conn)?;
    Ok(())
}

/// One tick of the scheduler: under the lease, run the daily job once per UTC day and the
/// weekly summary once per ISO week. `None` when another instance holds the lease or today's
/// run is done.
pub fn run_scheduled(
    conn: &mut AnyConnection,
    holder: &str,
    now: i64,
    mail: bool,
) -> AppResult<Option<DailyReport>> {
    if !acquire_lease(conn, DAILY_JOB, holder, now, 15 * 60_000)? {
        return Ok(None);
    }
    let (last_day, last_week): (Option<String>, Option<String>) = job_leases::table
        .find(DAILY_JOB)
        .select((job_leases::last_run_day, job_leases::last_weekly))
        .first(conn)?;
    let today = day(now);
    let week = iso_week(now);
    let mut report = None;
    if last_day.as_deref() != Some(today.as_str()) {
        let mut r = run_daily(conn, now, mail)?;
        if last_week.as_deref() != Some(week.as_str()) {
            r.summaries = weekly_summary(conn, now, mail)?;
        }
        diesel::update(job_leases::table.find(DAILY_JOB))
            .set((
                job_leases::last_run_day.eq(&today),
                job_leases::last_weekly.eq(&week),
            ))
            .execute(conn)?;
        report = Some(r);
    }
    release_lease(conn, DAILY_JOB, holder)?;
    Ok(report)
}
