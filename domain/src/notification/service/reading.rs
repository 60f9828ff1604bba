//! An account's notifications: the list, the bell, read and dismissed.

use super::*;

type NotificationRow = (
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    i64,
);

fn view(row: NotificationRow) -> NotificationView {
    let (id, kind, title, body, link, due_at, read_at, created_at) = row;
    NotificationView {
        id,
        kind: NotificationKind::parse(&kind).unwrap_or(NotificationKind::WeeklySummary),
        title,
        body,
        link,
        due_at,
        read: read_at.is_some(),
        created_at,
    }
}

macro_rules! columns {
    () => {
        (
            notifications::id,
            notifications::kind,
            notifications::title,
            notifications::body,
            notifications::link,
            notifications::due_at,
            notifications::read_at,
            notifications::created_at,
        )
    };
}

/// The account's notifications (not dismissed), newest first.
pub fn list(
    conn: &mut AnyConnection,
    account_id: &str,
    query: &NotificationQuery,
) -> AppResult<Page<NotificationView>> {
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
    let kind = match query
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(k) => Some(NotificationKind::parse(k).ok_or_else(|| {
            AppError::validation("kind", "PMS_NOTIFICATION_KIND", "Unknown kind.")
        })?),
    };
    let unread = match query.state.as_deref().map(str::trim) {
        None | Some("") | Some("all") => false,
        Some("unread") => true,
        Some(_) => {
            return Err(AppError::validation(
                "state",
                "PMS_STATE",
                "Show all or unread notifications.",
            ))
        }
    };
    let filtered = || {
        let mut q = notifications::table
            .filter(notifications::account_id.eq(account_id.to_string()))
            .filter(notifications::dismissed_at.is_null())
            .into_boxed();
        if let Some(k) = kind {
            q = q.filter(notifications::kind.eq(k.as_str()));
        }
        if unread {
            q = q.filter(notifications::read_at.is_null());
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<NotificationRow> = filtered()
        .order((notifications::created_at.desc(), notifications::id.desc()))
        .select(columns!())
        .limit(size)
        .offset(offset)
        .load(conn)?;
    let items = rows.into_iter().map(view).collect();
    Ok(Page::new(items, total, page_no, size))
}

/// Unread count and the latest five for the bell.
pub fn bell(conn: &mut AnyConnection, account_id: &str) -> AppResult<BellSummary> {
    let unread: i64 = notifications::table
        .filter(notifications::account_id.eq(account_id))
        .filter(notifications::read_at.is_null())
        .filter(notifications::dismissed_at.is_null())
        .count()
        .get_result(conn)?;
    let rows: Vec<NotificationRow> = notifications::table
        .filter(notifications::account_id.eq(account_id))
        .filter(notifications::dismissed_at.is_null())
        .order((notifications::created_at.desc(), notifications::id.desc()))
        .select(columns!())
        .limit(5)
        .load(conn)?;
    Ok(BellSummary {
        unread,
        latest: rows.into_iter().map(view).collect(),
    })
}

/// Mark the account's notification read (`id`) or all of them (`None`).
pub fn mark_read(conn: &mut AnyConnection, account_id: &str, id: Option<&str>) -> AppResult<usize> {
    let now = clock::now_ms();
    let mut q = diesel::update(notifications::table)
        .filter(notifications::account_id.eq(account_id.to_string()))
        .filter(notifications::read_at.is_null())
        .into_boxed();
    if let Some(id) = id {
        q = q.filter(notifications::id.eq(id.to_string()));
    }
    let n = q.set(notifications::read_at.eq(now)).execute(conn)?;
    if n == 0 {
        if let Some(id) = id {
            owned(conn, account_id, id)?;
        }
    }
    Ok(n)
}

fn owned(conn: &mut AnyConnection, account_id: &str, id: &str) -> AppResult<()> {
    let n: i64 = notifications::table
        .filter(notifications::id.eq(id))
        .filter(notifications::account_id.eq(account_id))
        .count()
        .get_result(conn)?;
    if n == 0 {
        return Err(AppError::not_found("The notification"));
    }
    Ok(())
}

/// Dismiss the account's notification: it leaves the bell and the page; audited.
pub fn dismiss(
    conn: &mut AnyConnection,
    actor: &Actor,
    account_id: &str,
    id: &str,
) -> AppResult<()> {
    crate::db::write_tx(conn, |conn| {
        owned(conn, account_id, id)?;
        let now = clock::now_ms();
        diesel::update(
            notifications::table
                .filter(notifications::id.eq(id))
                .filter(notifications::dismissed_at.is_null()),
        )
        .set((
            notifications::dismissed_at.eq(now),
            notifications::read_at.eq(now),
        ))
        .execute(conn)?;
        audit::record(
            conn,
            actor,
            "NOTIFICATION_DISMISSED",
            "notification",
            id,
            json!({}),
        )?;
        Ok(())
    })
}
