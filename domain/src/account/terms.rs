//! Terms of use: partner admins publish numbered versions; every account accepts the newest
//! before it uses the portal (at first sign-in and again after each new version). With no
//! version published there is nothing to accept.

use super::{CurrentUser, Terms, TermsStatus, TERMS_LEN};
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::schema::{terms, terms_acceptances};
use diesel::prelude::*;
use serde_json::json;

/// The refusal of anything but reading and accepting the terms while a version waits to be
/// accepted (server functions and the CSV export alike).
pub fn terms_not_accepted() -> AppError {
    AppError::new(
        ErrorKind::Forbidden,
        "PMS_TERMS_NOT_ACCEPTED",
        "Accept the current terms of use first (on the terms page).",
    )
}

fn current_version(conn: &mut AnyConnection) -> AppResult<Option<i32>> {
    Ok(terms::table
        .select(diesel::dsl::max(terms::version))
        .first::<Option<i32>>(conn)?)
}

/// The version the account still has to accept, if any (read with every session resolution).
pub fn terms_to_accept(conn: &mut AnyConnection, account_id: &str) -> AppResult<Option<i32>> {
    let Some(version) = current_version(conn)? else {
        return Ok(None);
    };
    let accepted: i64 = terms_acceptances::table
        .filter(terms_acceptances::account_id.eq(account_id))
        .filter(terms_acceptances::version.eq(version))
        .count()
        .get_result(conn)?;
    Ok((accepted == 0).then_some(version))
}

/// The newest published terms.
pub fn current_terms(conn: &mut AnyConnection) -> AppResult<Option<Terms>> {
    let row: Option<(i32, String, i64)> = terms::table
        .order(terms::version.desc())
        .select((terms::version, terms::body, terms::published_at))
        .first(conn)
        .optional()?;
    Ok(row.map(|(version, body, at)| Terms {
        version,
        body,
        published_at: clock::rfc3339(at),
    }))
}

/// The current terms and the caller's newest acceptance.
pub fn terms_status(conn: &mut AnyConnection, account_id: &str) -> AppResult<TermsStatus> {
    let current = current_terms(conn)?;
    let accepted: Option<(i32, i64)> = terms_acceptances::table
        .filter(terms_acceptances::account_id.eq(account_id))
        .order(terms_acceptances::version.desc())
        .select((terms_acceptances::version, terms_acceptances::accepted_at))
        .first(conn)
        .optional()?;
    Ok(TermsStatus {
        current,
        accepted: accepted.map(|(v, at)| (v, clock::rfc3339(at))),
    })
}

/// Publish a new version (partner admins; the caller checks the role). The publisher accepts
/// it in the same step; everyone else is asked at their next page.
pub fn publish_terms(conn: &mut AnyConnection, actor: &Actor, body: &str) -> AppResult<Terms> {
    let body = body.trim().replace("\r\n", "\n");
    let len = body.chars().count();
    if !TERMS_LEN.contains(&len) {
        return Err(AppError::validation(
            "body",
            "PMS_TERMS_LENGTH",
            format!(
                "The terms must be {} to {} characters long (now {len}).",
                TERMS_LEN.start(),
                TERMS_LEN.end()
            ),
        ));
    }
    let publisher = actor.id.clone().ok_or_else(AppError::unauthenticated)?;
    crate::db::write_tx(conn, |conn| {
        let version = current_version(conn)?.unwrap_or(0) + 1;
        let now = clock::now_ms();
        diesel::insert_into(terms::table)
            .values((
                terms::version.eq(version),
                terms::body.eq(&body),
                terms::published_at.eq(now),
                terms::published_by.eq(&publisher),
            ))
            .execute(conn)?;
        diesel::insert_into(terms_acceptances::table)
            .values((
                terms_acceptances::account_id.eq(&publisher),
                terms_acceptances::version.eq(version),
                terms_acceptances::accepted_at.eq(now),
            ))
            .execute(conn)?;
        // Every account's resolved session must learn of the new version now.
        crate::session::forget_all();
        audit::record(
            conn,
            actor,
            "TERMS_PUBLISHED",
            "terms",
            &version.to_string(),
            json!({ "version": version, "chars": len }),
        )?;
        Ok(Terms {
            version,
            body: body.clone(),
            published_at: clock::rfc3339(now),
        })
    })
}

/// The caller accepts `version`, which must be the current one (a newer version published
/// while they read is refused, so nobody accepts text they did not see).
pub fn accept_terms(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    version: i32,
    request_id: Option<String>,
) -> AppResult<()> {
    let actor = Actor::account(&user.id, &user.email).with_request_id(request_id);
    crate::db::write_tx(conn, |conn| {
        if current_version(conn)? != Some(version) {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_TERMS_OUTDATED",
                "These are not the current terms: a newer version was published. Read it and accept again.",
            ));
        }
        let already: i64 = terms_acceptances::table
            .filter(terms_acceptances::account_id.eq(&user.id))
            .filter(terms_acceptances::version.eq(version))
            .count()
            .get_result(conn)?;
        let inserted = if already == 0 {
            diesel::insert_into(terms_acceptances::table)
                .values((
                    terms_acceptances::account_id.eq(&user.id),
                    terms_acceptances::version.eq(version),
                    terms_acceptances::accepted_at.eq(clock::now_ms()),
                ))
                .execute(conn)?
        } else {
            0
        };
        crate::session::forget_account(&user.id);
        if inserted == 1 {
            audit::record(
                conn,
                &actor,
                "TERMS_ACCEPTED",
                "account",
                &user.id,
                json!({ "version": version }),
            )?;
        }
        Ok(())
    })
}
