//! Accounts: who can sign in, with which roles. Types and rules shared with the browser.

use crate::error::{AppError, AppResult};
use crate::role::Role;
use serde::{Deserialize, Serialize};

mod lists;
pub use lists::*;
#[cfg(feature = "server")]
mod reset;
#[cfg(feature = "server")]
pub use reset::*;
#[cfg(feature = "server")]
mod service;
#[cfg(feature = "server")]
pub use service::*;
#[cfg(feature = "server")]
mod terms;
#[cfg(feature = "server")]
pub use terms::*;
#[cfg(feature = "server")]
mod two_factor;
#[cfg(feature = "server")]
pub use two_factor::*;

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 12;
/// Longest password accepted (argon2 has no limit, but a megabyte password is an attack).
pub const MAX_PASSWORD_LEN: usize = 256;
/// Longest email accepted (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;
/// Longest display name.
pub const MAX_NAME_LEN: usize = 128;

/// The signed-in account, as every layer sees it. Holds nothing secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    /// Account id.
    pub id: String,
    /// Login email (lower case).
    pub email: String,
    /// Name shown in the header.
    pub display_name: String,
    /// Roles held, sorted.
    pub roles: Vec<Role>,
    /// The version of the terms of use the account has still to accept before using the
    /// portal (None: nothing to accept).
    #[serde(default)]
    pub terms_to_accept: Option<i32>,
    /// The account signs in with a second factor (confirmed).
    #[serde(default)]
    pub two_factor: bool,
    /// The account's roles need a second factor and it has none yet: it sets one up before
    /// using the portal. Set per request from the portal's setting.
    #[serde(default)]
    pub two_factor_setup_needed: bool,
}

impl CurrentUser {
    /// Whether the account holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the account holds any of `roles`.
    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }
}

/// A version of the terms of use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    /// Version number, from 1.
    pub version: i32,
    /// The text (plain, paragraphs separated by blank lines).
    pub body: String,
    /// Publication time, RFC 3339 UTC.
    pub published_at: String,
}

/// The terms as the account page shows them: the current version and the caller's acceptance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsStatus {
    /// The current version, if any was published.
    pub current: Option<Terms>,
    /// The newest version the caller accepted, and when (RFC 3339 UTC).
    pub accepted: Option<(i32, String)>,
}

/// A session's idle deadline, for the browser's warning before it ends (server times, UTC ms).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClock {
    /// The server's time when answering (the browser corrects its own clock by it).
    pub now_ms: i64,
    /// When the session ends unless used before (its absolute end if sooner).
    pub idle_deadline_ms: i64,
    /// The idle timeout.
    pub idle_ms: i64,
}

/// The caller's second factor, as the account page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    /// Sign-in asks for a code.
    pub enabled: bool,
    /// When it was turned on, RFC 3339 UTC.
    pub enabled_at: Option<String>,
    /// Recovery codes not used yet.
    pub recovery_codes_left: i64,
    /// The account's roles need it: it cannot be turned off.
    pub required: bool,
}

/// A second factor being set up: shown once, while the account confirms it with a code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorEnrolment {
    /// The shared secret in base32, grouped by four, for typing into an app.
    pub secret: String,
    /// The `otpauth://` address the QR code holds.
    pub uri: String,
    /// The QR code as an SVG document, drawn on the server.
    pub qr_svg: String,
}

/// Shortest and longest terms text accepted.
pub const TERMS_LEN: std::ops::RangeInclusive<usize> = 20..=20_000;

/// One of the caller's sessions, as the account page lists it (never the token or its hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSession {
    /// A public id derived from the stored hash, for "sign out".
    pub id: String,
    /// Sign-in time, RFC 3339 UTC.
    pub created_at: String,
    /// Last use (to the minute), RFC 3339 UTC.
    pub last_seen_at: String,
    /// Address it signed in from.
    pub ip: Option<String>,
    /// Browser, as its User-Agent named it.
    pub user_agent: Option<String>,
    /// The session of this request.
    pub current: bool,
}

/// An account as listed for administrators.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// Account id.
    pub id: String,
    /// Login email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Roles held.
    pub roles: Vec<Role>,
    /// False once deactivated.
    pub active: bool,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
    /// Signs in with a second factor (filled by the list).
    #[serde(default)]
    pub two_factor: bool,
}

/// Filters and sort for the accounts list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountQuery {
    /// 1-based page.
    pub page: Option<i64>,
    /// Rows per page.
    pub page_size: Option<i64>,
    /// Free text on email and name.
    pub q: Option<String>,
    /// Only accounts with this role.
    pub role: Option<Role>,
    /// Only active (true) or deactivated (false).
    pub active: Option<bool>,
    /// `email`, `name` or `created` (default), `-` prefix for descending.
    pub sort: Option<String>,
}

/// Normalise and check an email address; returns the lower-case form.
pub fn normalize_email(field: &str, email: &str) -> AppResult<String> {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Err(AppError::validation(
            field,
            "PMS_EMAIL_REQUIRED",
            "Email is required.",
        ));
    }
    if email.len() > MAX_EMAIL_LEN {
        return Err(AppError::validation(
            field,
            "PMS_EMAIL_TOO_LONG",
            format!("Email must be at most {MAX_EMAIL_LEN} characters."),
        ));
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
                && email
                    .chars()
                    .all(|c| !c.is_whitespace() && !c.is_control() && c != ',' && c != ';')
        }
        None => false,
    };
    if !valid {
        return Err(AppError::validation(
            field,
            "PMS_EMAIL_INVALID",
            "Enter an email address such as name@example.org.",
        ));
    }
    Ok(email)
}

/// Check a new password: length bounds, and not built from the account's own email.
pub fn check_password(field: &str, password: &str, email: &str) -> AppResult<()> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(AppError::validation(
            field,
            "PMS_PASSWORD_TOO_SHORT",
            format!("Password must be at least {MIN_PASSWORD_LEN} characters."),
        ));
    }
    if len > MAX_PASSWORD_LEN {
        return Err(AppError::validation(
            field,
            "PMS_PASSWORD_TOO_LONG",
            format!("Password must be at most {MAX_PASSWORD_LEN} characters."),
        ));
    }
    let lower = password.to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if (!email.is_empty() && lower.contains(&email)) || (local.len() >= 4 && lower.contains(local))
    {
        return Err(AppError::validation(
            field,
            "PMS_PASSWORD_CONTAINS_EMAIL",
            "Password must not contain your email address or its name part.",
        ));
    }
    Ok(())
}

/// Check a display name; returns it trimmed.
pub fn check_display_name(field: &str, name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::validation(
            field,
            "PMS_NAME_REQUIRED",
            "Name is required.",
        ));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(AppError::validation(
            field,
            "PMS_NAME_TOO_LONG",
            format!("Name must be at most {MAX_NAME_LEN} characters."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::validation(
            field,
            "PMS_NAME_INVALID",
            "Name must not contain control characters.",
        ));
    }
    crate::text::refuse_invisible(field, "Name", name)?;
    Ok(crate::text::nfc(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalize_email("email", "  Ana@Example.ORG ").expect("valid"),
            "ana@example.org"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.org",
            "ana@x",
            "a b@x.org",
            "a@x..org",
            "a@@x.org",
        ] {
            let err = normalize_email("email", bad).expect_err(bad);
            assert_eq!(err.field.as_deref(), Some("email"), "{bad}");
        }
        let long = format!("{}@x.org", "a".repeat(260));
        assert_eq!(
            normalize_email("email", &long).expect_err("long").code,
            "PMS_EMAIL_TOO_LONG"
        );
    }

    #[test]
    fn passwords_need_length_and_must_not_contain_the_email() {
        assert_eq!(
            check_password("password", "short", "a@x.org")
                .expect_err("short")
                .code,
            "PMS_PASSWORD_TOO_SHORT"
        );
        assert_eq!(
            check_password("password", "Operator.Ana@x.org", "operator.ana@x.org")
                .expect_err("email")
                .code,
            "PMS_PASSWORD_CONTAINS_EMAIL"
        );
        assert_eq!(
            check_password("password", "xxOPERATOR.ANA123", "operator.ana@x.org")
                .expect_err("local part")
                .code,
            "PMS_PASSWORD_CONTAINS_EMAIL"
        );
        assert!(check_password("password", "correct horse battery", "ana@x.org").is_ok());
        assert_eq!(
            check_password("password", &"x".repeat(300), "a@x.org")
                .expect_err("long")
                .code,
            "PMS_PASSWORD_TOO_LONG"
        );
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(check_display_name("n", "  Ana ").expect("ok"), "Ana");
        assert!(check_display_name("n", "   ").is_err());
        assert!(check_display_name("n", &"x".repeat(129)).is_err());
        assert!(check_display_name("n", "a\u{0}b").is_err());
    }
}
