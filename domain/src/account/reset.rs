//! Password reset: a single-use token mailed to the account (stored as its SHA-256, valid for
//! 30 minutes), the same answer whether or not the email has an account, throttled per email
//! and per address; using it sets the password and ends every session of the account.

use super::service::{find_by_email, hash_password, AccountRow};
use super::{check_password, normalize_email};
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::notification::enqueue_mail;
use crate::schema::{accounts, password_resets};
use crate::session;
use crate::throttle::{self, ThrottlePolicy};
use diesel::prelude::*;
use serde_json::json;

/// How long a reset link works.
pub const RESET_TTL_MS: i64 = 30 * 60_000;
/// Reset mails to one account at most per hour; more requests are answered alike but send
/// nothing, so a stranger cannot fill someone's mailbox.
pub const RESETS_PER_HOUR: i64 = 3;
/// A stored password hash no password verifies against: set by a forced reset.
const NO_PASSWORD: &str = "!reset-required";

/// Where the links in the portal's mails point and whether mail can be sent at all.
#[derive(Clone, Debug)]
pub struct PortalMail {
    /// The portal's public address, e.g. `https://partners.example.org`.
    pub base_url: String,
    /// An SMTP server is configured.
    pub enabled: bool,
}

impl PortalMail {
    /// No mail server: nothing is mailed and nothing waits for a mailed link.
    pub fn off() -> PortalMail {
        PortalMail {
            base_url: String::new(),
            enabled: false,
        }
    }

    /// The absolute address of `path_and_query` on this portal.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base_url.trim_end_matches('/'))
    }

    fn link(&self, token: &str) -> String {
        self.url(&format!("/reset-password?token={token}"))
    }
}

/// Requests from one address: at most this many an hour (throttle table, own key space).
fn address_policy() -> ThrottlePolicy {
    ThrottlePolicy {
        account_max_failures: 10,
        address_max_failures: 10,
        window_ms: 3_600_000,
        lock_ms: 3_600_000,
        slow_after: i32::MAX,
        delay_step_ms: 0,
    }
}

fn unavailable() -> AppError {
    AppError::new(
        ErrorKind::Conflict,
        "PMS_RESET_UNAVAILABLE",
        "Password reset by mail is not set up on this portal. Ask a partner admin to reset your password.",
    )
}

fn invalid_token() -> AppError {
    AppError::validation(
        "token",
        "PMS_RESET_TOKEN_INVALID",
        "This reset link is not valid: it was used already, has expired or is incomplete. Ask for a new one.",
    )
}

/// "Forgot password": mail a reset link if the email belongs to an active account. The answer
/// is the same either way; only the address throttle and a missing mail server are said.
pub fn request_reset(
    conn: &mut AnyConnection,
    email: &str,
    ip: Option<&str>,
    mail: &PortalMail,
) -> AppResult<()> {
    if !mail.enabled {
        return Err(unavailable());
    }
    let email = normalize_email("email", email)?;
    if let Some(ip) = ip {
        let key = format!("reset-ip:{ip}");
        if throttle::check(conn, std::slice::from_ref(&key)).is_err() {
            return Err(AppError::new(
                ErrorKind::RateLimited,
                "PMS_RESET_THROTTLED",
                "Too many reset requests from this address. Try again in an hour.",
            ));
        }
        crate::db::write_tx(conn, |conn| {
            throttle::record_failure(conn, &key, None, &address_policy()).map(|_| ())
        })?;
    }
    let Some(row) = find_by_email(conn, &email)?.filter(|r| r.active) else {
        return Ok(());
    };
    let now = clock::now_ms();
    let recent: i64 = password_resets::table
        .filter(password_resets::account_id.eq(&row.id))
        .filter(password_resets::created_at.gt(now - 3_600_000))
        .count()
        .get_result(conn)?;
    if recent >= RESETS_PER_HOUR {
        return Ok(());
    }
    let actor = Actor {
        id: None,
        email: Some(email.clone()),
        request_id: None,
    };
    let by = ip.map(|ip| format!("ip:{ip}"));
    crate::db::write_tx(conn, |conn| {
        issue(conn, &row, by.as_deref(), mail)?;
        audit::record(
            conn,
            &actor,
            "PASSWORD_RESET_REQUESTED",
            "account",
            &row.id,
            json!({ "ip": ip }),
        )
    })
}

/// Store a new token for the account and queue its mail; returns the token.
fn issue(
    conn: &mut AnyConnection,
    row: &AccountRow,
    requested_by: Option<&str>,
    mail: &PortalMail,
) -> AppResult<String> {
    let token = session::new_token();
    let now = clock::now_ms();
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::token_hash.eq(session::hash_token(&token)),
            password_resets::account_id.eq(&row.id),
            password_resets::created_at.eq(now),
            password_resets::expires_at.eq(now + RESET_TTL_MS),
            password_resets::requested_by.eq(requested_by),
        ))
        .execute(conn)?;
    if mail.enabled {
        // A partner's account reads it in its organisation's language.
        let language: String = crate::schema::partners::table
            .filter(crate::schema::partners::account_id.eq(&row.id))
            .select(crate::schema::partners::language)
            .first(conn)
            .optional()?
            .unwrap_or_else(|| "eng".into());
        let (subject, body) = reset_text(&language, &row.display_name, &mail.link(&token));
        enqueue_mail(conn, None, &row.email, &language, subject, &body, now)?;
    }
    Ok(token)
}

/// The reset mail in `language` (English, French, Arabic).
fn reset_text(language: &str, name: &str, link: &str) -> (&'static str, String) {
    match language {
        "fra" => (
            "Réinitialisez votre mot de passe du portail des partenaires",
            format!("Bonjour {name},\n\nQuelqu'un a demandé à réinitialiser le mot de passe de votre compte sur le portail des partenaires.\nPour choisir un nouveau mot de passe, ouvrez ce lien dans les 30 minutes :\n\n{link}\n\nLe lien ne fonctionne qu'une fois. Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.\n"),
        ),
        "ara" => (
            "أعد تعيين كلمة مرور بوابة الشركاء",
            format!("مرحبًا {name}،\n\nطلب شخص ما إعادة تعيين كلمة مرور حسابك في بوابة الشركاء.\nلاختيار كلمة مرور جديدة، افتح هذا الرابط خلال 30 دقيقة:\n\n{link}\n\nيعمل الرابط مرة واحدة. إذا لم تطلب ذلك، فتجاهل هذه الرسالة: تبقى كلمة مرورك كما هي.\n"),
        ),
        _ => (
            "Reset your partner portal password",
            format!("Hello {name},\n\nSomeone asked to reset the password of your account on the partner portal.\nTo choose a new password, open this link within 30 minutes:\n\n{link}\n\nThe link works once. If you did not ask for it, ignore this mail: your password stays as it is.\n"),
        ),
    }
}

/// Whether a reset token can still be used (the reset page asks before showing its form).
pub fn token_usable(conn: &mut AnyConnection, token: &str) -> AppResult<bool> {
    Ok(usable(conn, token)?.is_some())
}

fn usable(conn: &mut AnyConnection, token: &str) -> AppResult<Option<(String, AccountRow)>> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let hash = session::hash_token(token);
    let now = clock::now_ms();
    let account_id: Option<String> = password_resets::table
        .find(&hash)
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now))
        .select(password_resets::account_id)
        .first(conn)
        .optional()?;
    let Some(account_id) = account_id else {
        return Ok(None);
    };
    let row: Option<AccountRow> = accounts::table
        .find(&account_id)
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.filter(|r| r.active).map(|r| (hash, r)))
}

/// Set a new password with a reset token: the token and every other open token of the account
/// are spent, every session ends and the sign-in throttle of the account is cleared.
pub fn complete_reset(
    conn: &mut AnyConnection,
    token: &str,
    new_password: &str,
    request_id: Option<String>,
) -> AppResult<()> {
    let (hash, row) = usable(conn, token.trim())?.ok_or_else(invalid_token)?;
    check_password("new_password", new_password, &row.email)?;
    let password_hash = hash_password(new_password)?;
    let actor = Actor::account(&row.id, &row.email).with_request_id(request_id);
    crate::db::write_tx(conn, |conn| {
        let now = clock::now_ms();
        // Guarded: of two uses racing, one finds the token spent.
        let spent = diesel::update(
            password_resets::table
                .find(&hash)
                .filter(password_resets::used_at.is_null()),
        )
        .set(password_resets::used_at.eq(now))
        .execute(conn)?;
        if spent != 1 {
            return Err(invalid_token());
        }
        diesel::update(
            password_resets::table
                .filter(password_resets::account_id.eq(&row.id))
                .filter(password_resets::used_at.is_null()),
        )
        .set(password_resets::used_at.eq(now))
        .execute(conn)?;
        diesel::update(accounts::table.find(&row.id))
            .set((
                accounts::password_hash.eq(&password_hash),
                accounts::updated_at.eq(now),
                accounts::updated_by.eq(Some(&row.id)),
            ))
            .execute(conn)?;
        let ended = session::delete_for_account(conn, &row.id)?;
        throttle::reset(conn, &throttle::account_key(&row.email))?;
        audit::record(
            conn,
            &actor,
            "PASSWORD_RESET",
            "account",
            &row.id,
            json!({ "sessions_ended": ended }),
        )
    })
}

/// An admin forces a reset: the password stops working at once, every session ends, and a
/// reset link is mailed (when mail is set up; otherwise the admin gives the link from
/// `pms admin reset-password`). Not for one's own account.
pub fn force_reset(
    conn: &mut AnyConnection,
    actor: &Actor,
    account_id: &str,
    mail: &PortalMail,
) -> AppResult<()> {
    if actor.id.as_deref() == Some(account_id) {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_ACCOUNT_SELF",
            "Change your own password on your account page.",
        ));
    }
    crate::db::write_tx(conn, |conn| {
        let row: AccountRow = accounts::table
            .find(account_id)
            .select(AccountRow::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| AppError::not_found("The account"))?;
        diesel::update(accounts::table.find(account_id))
            .set((
                accounts::password_hash.eq(NO_PASSWORD),
                accounts::updated_at.eq(clock::now_ms()),
                accounts::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)?;
        let ended = session::delete_for_account(conn, account_id)?;
        let by = actor.id.as_ref().map(|id| format!("account:{id}"));
        issue(conn, &row, by.as_deref(), mail)?;
        audit::record(
            conn,
            actor,
            "PASSWORD_RESET_FORCED",
            "account",
            account_id,
            json!({ "sessions_ended": ended, "mailed": mail.enabled }),
        )
    })
}

/// `pms admin reset-password`: a reset link for the account, printed for the operator to hand
/// over (no mail is sent). The current password keeps working until the link is used.
pub fn reset_link(conn: &mut AnyConnection, email: &str, base_url: &str) -> AppResult<String> {
    let email = normalize_email("email", email)?;
    let row = find_by_email(conn, &email)?
        .ok_or_else(|| AppError::not_found("An account with this email"))?;
    if !row.active {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_ACCOUNT_INACTIVE",
            "This account is deactivated; reactivate it first.",
        ));
    }
    let mail = PortalMail {
        base_url: base_url.to_string(),
        enabled: false,
    };
    crate::db::write_tx(conn, |conn| {
        let token = issue(conn, &row, Some("cli"), &mail)?;
        audit::record(
            conn,
            &Actor::system(),
            "PASSWORD_RESET_LINK",
            "account",
            &row.id,
            json!({ "by": "cli" }),
        )?;
        Ok(mail.link(&token))
    })
}
