//! Checks of a partner's fields, shared by the browser's forms and the server.

use super::*;

/// Trimmed free text: required, at most `max` characters, no control characters (line breaks
/// allowed when `multiline`). Codes are `{code}_REQUIRED`, `{code}_TOO_LONG`, `PMS_TEXT_INVALID`.
pub(crate) fn bounded_text(
    field: &str,
    code: &str,
    label: &str,
    value: &str,
    max: usize,
    multiline: bool,
) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::validation(
            field,
            &format!("{code}_REQUIRED"),
            format!("{label} is required."),
        ));
    }
    if v.chars().count() > max {
        return Err(AppError::validation(
            field,
            &format!("{code}_TOO_LONG"),
            format!("{label} must be at most {max} characters."),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r')))
    {
        return Err(AppError::validation(
            field,
            "PMS_TEXT_INVALID",
            format!("{label} must not contain control characters."),
        ));
    }
    crate::text::refuse_invisible(field, label, v)?;
    Ok(crate::text::nfc(v))
}

/// Check a chosen partner id; returns it trimmed.
pub fn check_partner_id(value: &str) -> AppResult<String> {
    let id = value.trim();
    if id.is_empty() {
        return Err(AppError::validation(
            "partner_id",
            "PMS_PARTNER_ID_REQUIRED",
            "Partner id is required.",
        ));
    }
    if id.chars().count() > MAX_PARTNER_ID_LEN {
        return Err(AppError::validation(
            "partner_id",
            "PMS_PARTNER_ID_TOO_LONG",
            format!("Partner id must be at most {MAX_PARTNER_ID_LEN} characters."),
        ));
    }
    if id.chars().any(char::is_whitespace) {
        return Err(AppError::validation(
            "partner_id",
            "PMS_PARTNER_ID_SPACES",
            "Partner id must not contain spaces.",
        ));
    }
    // Ids appear in URLs, certificates and events: keep them to a safe alphabet.
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(AppError::validation(
            "partner_id",
            "PMS_PARTNER_ID_INVALID",
            "Partner id may use letters, digits, '-', '_' and '.' only.",
        ));
    }
    Ok(id.to_string())
}

/// Check an organisation name; returns it trimmed.
pub fn check_organisation(value: &str) -> AppResult<String> {
    bounded_text(
        "organisation",
        "PMS_ORGANISATION",
        "Organisation name",
        value,
        MAX_ORGANISATION_LEN,
        false,
    )
}

/// Check a phone number (digits with optional +, spaces, dashes, brackets; at most 16).
pub fn check_phone(field: &str, value: &str, required: bool) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() {
        if required {
            return Err(AppError::validation(
                field,
                "PMS_PHONE_REQUIRED",
                "Phone number is required.",
            ));
        }
        return Ok(String::new());
    }
    let compact = v
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .count();
    if v.chars().count() > MAX_PHONE_TYPED_LEN || compact > MAX_PHONE_LEN {
        return Err(AppError::validation(
            field,
            "PMS_PHONE_TOO_LONG",
            format!(
                "Phone number must be at most {} digits (with its leading '+'); spaces, '-' and brackets do not count.",
                MAX_PHONE_LEN
            ),
        ));
    }
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let allowed = v.chars().enumerate().all(|(i, c)| {
        c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0)
    });
    if !allowed || digits < 4 {
        return Err(AppError::validation(
            field,
            "PMS_PHONE_INVALID",
            "Enter a phone number such as +91 80 1234 5678 (digits, spaces, '-', brackets, a leading '+').",
        ));
    }
    Ok(v.to_string())
}

/// Check a postal address; returns it trimmed.
pub fn check_address(value: &str) -> AppResult<String> {
    bounded_text(
        "address",
        "PMS_ADDRESS",
        "Address",
        value,
        MAX_ADDRESS_LEN,
        true,
    )
}

/// Check a language code against the offered languages.
pub fn check_language(value: &str) -> AppResult<String> {
    let v = value.trim();
    if LANGUAGES.iter().any(|(code, _)| *code == v) {
        Ok(v.to_string())
    } else {
        Err(AppError::validation(
            "language",
            "PMS_LANGUAGE_UNKNOWN",
            "Choose one of the offered languages.",
        ))
    }
}

/// Check a reason for a rejection or deactivation; returns it trimmed.
pub fn check_reason(value: Option<&str>, required: bool) -> AppResult<Option<String>> {
    let v = value.map(str::trim).unwrap_or_default();
    if v.is_empty() {
        if required {
            return Err(AppError::validation(
                "reason",
                "PMS_REASON_REQUIRED",
                "Give a reason; the partner sees it.",
            ));
        }
        return Ok(None);
    }
    bounded_text("reason", "PMS_REASON", "Reason", v, MAX_REASON_LEN, true).map(Some)
}
