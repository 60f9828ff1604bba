//! Two-factor sign-in (TOTP, RFC 6238): set-up with a QR code and a confirming code, ten
//! recovery codes shown once and stored as their SHA-256, each code accepted once, and the
//! short-lived challenge between a correct password and the code.

use super::service::{verify_password, AccountRow};
use super::{CurrentUser, TwoFactorEnrolment, TwoFactorStatus};
use crate::audit::{self, Actor};
use crate::cert::seal::MasterKey;
use crate::clock;
use crate::db::AnyConnection;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::schema::{accounts, recovery_codes, sign_in_challenges, two_factors};
use crate::session;
use diesel::prelude::*;
use rand::RngCore;
use serde_json::json;

/// How long the code step of a sign-in may take after the password.
pub const CHALLENGE_TTL_MS: i64 = 5 * 60_000;
/// Wrong codes one challenge takes before it is spent (sign in with the password again).
pub const CHALLENGE_MAX_FAILURES: i32 = 5;
/// Recovery codes made at a time.
pub const RECOVERY_CODES: usize = 10;
/// The name authenticator apps show next to the account.
const ISSUER: &str = "Partner Management Portal";

/// A stored factor (the secret still sealed).
#[derive(Queryable, Selectable)]
#[diesel(table_name = two_factors)]
struct FactorRow {
    account_id: String,
    secret_sealed: Vec<u8>,
    confirmed_at: Option<i64>,
    last_step: i64,
}

fn seal_domain(account_id: &str) -> String {
    format!("totp:{account_id}")
}

fn factor(conn: &mut AnyConnection, account_id: &str) -> AppResult<Option<FactorRow>> {
    Ok(two_factors::table
        .find(account_id)
        .select(FactorRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether the account signs in with a confirmed second factor.
pub fn two_factor_on(conn: &mut AnyConnection, account_id: &str) -> AppResult<bool> {
    let n: i64 = two_factors::table
        .filter(two_factors::account_id.eq(account_id))
        .filter(two_factors::confirmed_at.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

fn totp(key: &MasterKey, row: &FactorRow, label: &str) -> AppResult<totp_rs::Totp> {
    let secret = key
        .open(&seal_domain(&row.account_id), &row.secret_sealed)
        .map_err(|e| {
            tracing::error!(account = %row.account_id, "second factor secret: {e}");
            AppError::internal()
        })?;
    build(secret.to_vec(), label)
}

fn build(secret: Vec<u8>, label: &str) -> AppResult<totp_rs::Totp> {
    // Authenticator apps split the label at ':'; emails have none, but stay safe.
    let label = label.replace(':', " ");
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_account_name(label)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| {
            tracing::error!("second factor set-up: {e}");
            AppError::internal()
        })
}

/// The answer to a wrong or reused code.
pub fn invalid_code() -> AppError {
    AppError::validation(
        "code",
        "PMS_2FA_CODE_INVALID",
        "This code is not correct or was used already. Enter the current 6-digit code from your authenticator app.",
    )
}

/// The time step a 6-digit code matches (one step of clock drift either way), if it is newer
/// than the last accepted one: a code works once.
fn matching_step(totp: &totp_rs::Totp, row: &FactorRow, code: &str) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let now = u64::try_from(clock::now_ms() / 1000).ok()?;
    let step = i64::try_from(totp.check(&code, now)?).ok()?;
    (step > row.last_step).then_some(step)
}

/// Accept `code` for the factor: its step is remembered so the same code cannot be used again.
/// Runs inside the caller's transaction; the update only wins if no other request took a newer
/// step meanwhile.
fn accept_code(
    conn: &mut AnyConnection,
    key: &MasterKey,
    row: &FactorRow,
    label: &str,
    code: &str,
) -> AppResult<bool> {
    let totp = totp(key, row, label)?;
    let Some(step) = matching_step(&totp, row, code) else {
        return Ok(false);
    };
    let won = diesel::update(
        two_factors::table
            .find(&row.account_id)
            .filter(two_factors::last_step.lt(step)),
    )
    .set(two_factors::last_step.eq(step))
    .execute(conn)?;
    Ok(won == 1)
}

/// The caller's second factor as the account page shows it.
pub fn two_factor_status(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    required: bool,
) -> AppResult<TwoFactorStatus> {
    let row = factor(conn, &user.id)?.filter(|r| r.confirmed_at.is_some());
    let left: i64 = recovery_codes::table
        .filter(recovery_codes::account_id.eq(&user.id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(TwoFactorStatus {
        enabled: row.is_some(),
        enabled_at: row.and_then(|r| r.confirmed_at).map(clock::rfc3339),
        recovery_codes_left: left,
        required,
    })
}

/// Start setting up a second factor: a new secret (replacing an unconfirmed one), sealed at
/// rest; the QR code and the secret are shown once, until confirmed with a code.
pub fn begin_two_factor(
    conn: &mut AnyConnection,
    key: &MasterKey,
    actor: &Actor,
    user: &CurrentUser,
) -> AppResult<TwoFactorEnrolment> {
    let mut secret = vec![0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let totp = build(secret.clone(), &user.email)?;
    let sealed = key.seal(&seal_domain(&user.id), &secret)?;
    crate::db::write_tx(conn, |conn| {
        if factor(conn, &user.id)?.is_some_and(|r| r.confirmed_at.is_some()) {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_2FA_ALREADY_ON",
                "Two-factor sign-in is already on for this account.",
            ));
        }
        diesel::delete(two_factors::table.find(&user.id)).execute(conn)?;
        diesel::insert_into(two_factors::table)
            .values((
                two_factors::account_id.eq(&user.id),
                two_factors::secret_sealed.eq(&sealed),
                two_factors::created_at.eq(clock::now_ms()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            "TWO_FACTOR_SETUP_STARTED",
            "account",
            &user.id,
            json!({}),
        )
    })?;
    let uri = totp.to_url().map_err(|e| {
        tracing::error!("otpauth address: {e}");
        AppError::internal()
    })?;
    Ok(TwoFactorEnrolment {
        secret: group(&totp.secret().to_base32()),
        qr_svg: qr_svg(&uri)?,
        uri,
    })
}

fn group(base32: &str) -> String {
    let chars: Vec<char> = base32.trim_end_matches('=').chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

fn qr_svg(uri: &str) -> AppResult<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).map_err(|e| {
        tracing::error!("QR code: {e}");
        AppError::internal()
    })?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Inline in the page: drop the XML prolog, keep the <svg> element.
    Ok(svg
        .find("<svg")
        .map(|at| svg[at..].to_string())
        .unwrap_or(svg))
}

/// Confirm the set-up with a code from the app: sign-in asks for codes from now on. Returns
/// the recovery codes, shown this once.
pub fn confirm_two_factor(
    conn: &mut AnyConnection,
    key: &MasterKey,
    actor: &Actor,
    user: &CurrentUser,
    code: &str,
) -> AppResult<Vec<String>> {
    let codes = crate::db::write_tx(conn, |conn| {
        let row = factor(conn, &user.id)?
            .filter(|r| r.confirmed_at.is_none())
            .ok_or_else(|| {
                AppError::new(
                    ErrorKind::Conflict,
                    "PMS_2FA_NOT_STARTED",
                    "Start the set-up first: there is no code to confirm.",
                )
            })?;
        if !accept_code(conn, key, &row, &user.email, code)? {
            return Err(invalid_code());
        }
        diesel::update(two_factors::table.find(&user.id))
            .set(two_factors::confirmed_at.eq(clock::now_ms()))
            .execute(conn)?;
        let codes = replace_recovery_codes(conn, &user.id)?;
        audit::record(
            conn,
            actor,
            "TWO_FACTOR_ENABLED",
            "account",
            &user.id,
            json!({ "recovery_codes": codes.len() }),
        )?;
        Ok(codes)
    })?;
    session::forget_account(&user.id);
    Ok(codes)
}

/// New recovery codes (the old ones stop working), after a current code from the app.
pub fn renew_recovery_codes(
    conn: &mut AnyConnection,
    key: &MasterKey,
    actor: &Actor,
    user: &CurrentUser,
    code: &str,
) -> AppResult<Vec<String>> {
    crate::db::write_tx(conn, |conn| {
        let row = factor(conn, &user.id)?
            .filter(|r| r.confirmed_at.is_some())
            .ok_or_else(not_on)?;
        if !accept_code(conn, key, &row, &user.email, code)? {
            return Err(invalid_code());
        }
        let codes = replace_recovery_codes(conn, &user.id)?;
        audit::record(
            conn,
            actor,
            "TWO_FACTOR_RECOVERY_CODES_RENEWED",
            "account",
            &user.id,
            json!({ "recovery_codes": codes.len() }),
        )?;
        Ok(codes)
    })
}

/// The refusal while an account whose role needs a second factor has none yet.
pub fn two_factor_setup_needed() -> AppError {
    AppError::new(
        ErrorKind::Forbidden,
        "PMS_2FA_SETUP_REQUIRED",
        "Your role needs two-factor sign-in. Set it up at /account/two-factor before using the portal.",
    )
}

fn not_on() -> AppError {
    AppError::new(
        ErrorKind::Conflict,
        "PMS_2FA_NOT_ON",
        "Two-factor sign-in is not on for this account.",
    )
}

/// Turn the caller's second factor off, with the account's password. Refused when the
/// account's roles need it (a partner admin can reset it instead).
pub fn disable_two_factor(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: &CurrentUser,
    password: &str,
    required: bool,
) -> AppResult<()> {
    if required {
        return Err(AppError::new(
            ErrorKind::Forbidden,
            "PMS_2FA_REQUIRED",
            "Your role needs two-factor sign-in, so it cannot be turned off. If you lost your device, ask a partner admin to reset it.",
        ));
    }
    let row: AccountRow = accounts::table
        .find(&user.id)
        .select(AccountRow::as_select())
        .first(conn)?;
    if !verify_password(&row.password_hash, password) {
        return Err(AppError::validation(
            "password",
            "PMS_PASSWORD_WRONG",
            "The password is not correct.",
        ));
    }
    crate::db::write_tx(conn, |conn| {
        if remove(conn, &user.id)? == 0 {
            return Err(not_on());
        }
        audit::record(
            conn,
            actor,
            "TWO_FACTOR_DISABLED",
            "account",
            &user.id,
            json!({}),
        )
    })?;
    session::forget_account(&user.id);
    Ok(())
}

/// A partner admin resets another account's second factor (a lost device): it is removed with
/// its recovery codes and the account's sessions end; it sets one up again at next sign-in
/// where its role needs one.
pub fn reset_two_factor(
    conn: &mut AnyConnection,
    actor: &Actor,
    account_id: &str,
) -> AppResult<()> {
    if actor.id.as_deref() == Some(account_id) {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_ACCOUNT_SELF",
            "You cannot reset your own second factor here; use your account page.",
        ));
    }
    crate::db::write_tx(conn, |conn| {
        let exists: i64 = accounts::table
            .filter(accounts::id.eq(account_id))
            .count()
            .get_result(conn)?;
        if exists == 0 {
            return Err(AppError::not_found("The account"));
        }
        if remove(conn, account_id)? == 0 {
            return Err(not_on());
        }
        let ended = session::delete_for_account(conn, account_id)?;
        audit::record(
            conn,
            actor,
            "TWO_FACTOR_RESET",
            "account",
            account_id,
            json!({ "sessions_ended": ended }),
        )
    })?;
    session::forget_account(account_id);
    Ok(())
}

/// Remove the account's factor (confirmed or not) and recovery codes; returns how many
/// factors were removed.
fn remove(conn: &mut AnyConnection, account_id: &str) -> AppResult<usize> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::account_id.eq(account_id)))
        .execute(conn)?;
    diesel::delete(sign_in_challenges::table.filter(sign_in_challenges::account_id.eq(account_id)))
        .execute(conn)?;
    Ok(diesel::delete(two_factors::table.find(account_id)).execute(conn)?)
}

/// Ten new recovery codes of 80 random bits each (`xxxx-xxxx-xxxx-xxxx`, base32), replacing
/// the account's old ones; only their hashes are stored.
fn replace_recovery_codes(conn: &mut AnyConnection, account_id: &str) -> AppResult<Vec<String>> {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    diesel::delete(recovery_codes::table.filter(recovery_codes::account_id.eq(account_id)))
        .execute(conn)?;
    let now = clock::now_ms();
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let chars: Vec<char> = bytes
            .iter()
            .map(|b| ALPHABET[usize::from(b & 31)] as char)
            .collect();
        let code = chars
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("-");
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::code_hash.eq(recovery_hash(&code)),
                recovery_codes::account_id.eq(account_id),
                recovery_codes::created_at.eq(now),
            ))
            .execute(conn)?;
        codes.push(code);
    }
    Ok(codes)
}

/// A recovery code's stored form: typed with or without dashes, spaces or capitals.
fn recovery_hash(code: &str) -> String {
    let plain: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    session::hash_token(&format!("recovery:{plain}"))
}

/// Spend one unused recovery code of the account, if `code` is one.
fn spend_recovery_code(conn: &mut AnyConnection, account_id: &str, code: &str) -> AppResult<bool> {
    if code.len() > 64 {
        return Ok(false);
    }
    let spent = diesel::update(
        recovery_codes::table
            .find(recovery_hash(code))
            .filter(recovery_codes::account_id.eq(account_id))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(clock::now_ms()))
    .execute(conn)?;
    Ok(spent == 1)
}

/// After a correct password: a challenge the browser holds (cookie) while it asks for the code.
pub(crate) fn open_challenge(conn: &mut AnyConnection, account_id: &str) -> AppResult<String> {
    let token = session::new_token();
    let now = clock::now_ms();
    diesel::delete(sign_in_challenges::table.filter(sign_in_challenges::expires_at.le(now)))
        .execute(conn)?;
    diesel::insert_into(sign_in_challenges::table)
        .values((
            sign_in_challenges::token_hash.eq(session::hash_token(&token)),
            sign_in_challenges::account_id.eq(account_id),
            sign_in_challenges::created_at.eq(now),
            sign_in_challenges::expires_at.eq(now + CHALLENGE_TTL_MS),
        ))
        .execute(conn)?;
    Ok(token)
}

/// The account of a live challenge (not expired, not spent by wrong codes).
pub(crate) fn challenge_account(
    conn: &mut AnyConnection,
    token: &str,
) -> AppResult<Option<String>> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    Ok(sign_in_challenges::table
        .find(session::hash_token(token))
        .filter(sign_in_challenges::expires_at.gt(clock::now_ms()))
        .filter(sign_in_challenges::failures.lt(CHALLENGE_MAX_FAILURES))
        .select(sign_in_challenges::account_id)
        .first(conn)
        .optional()?)
}

/// How a second factor was proven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    /// A code from the authenticator app.
    Code,
    /// A recovery code (now spent).
    RecoveryCode,
}

/// Check the code of a sign-in challenge: a 6-digit app code or a recovery code. On success
/// the challenge is spent; on failure its failure count grows. Inside the caller's transaction.
pub(crate) fn prove(
    conn: &mut AnyConnection,
    key: &MasterKey,
    token: &str,
    account: &AccountRow,
    code: &str,
) -> AppResult<Option<Proof>> {
    let hash = session::hash_token(token);
    let row = factor(conn, &account.id)?.filter(|r| r.confirmed_at.is_some());
    let proof = match row {
        Some(row) if accept_code(conn, key, &row, &account.email, code)? => Some(Proof::Code),
        Some(_) if spend_recovery_code(conn, &account.id, code)? => Some(Proof::RecoveryCode),
        _ => None,
    };
    if proof.is_some() {
        diesel::delete(sign_in_challenges::table.find(&hash)).execute(conn)?;
    } else {
        diesel::update(sign_in_challenges::table.find(&hash))
            .set(sign_in_challenges::failures.eq(sign_in_challenges::failures + 1))
            .execute(conn)?;
    }
    Ok(proof)
}

/// The code a factor shows at `unix_secs` (tests and the command line only).
#[doc(hidden)]
pub fn code_at(secret_base32: &str, unix_secs: u64) -> Option<String> {
    let secret = totp_rs::Secret::try_from_base32(secret_base32.replace(' ', "")).ok()?;
    let totp = totp_rs::Builder::new().with_secret(secret).build().ok()?;
    Some(totp.generate(unix_secs).to_string())
}
