//! Policy documents: size and depth limits, JSON parsing and the per-type JSON Schema
//! (`domain/schemas/*.schema.json`), with every violation reported by JSON path.

use super::{PolicyType, Violation, MAX_DOCUMENT_BYTES, MAX_DOCUMENT_DEPTH};
use crate::error::{AppError, AppResult, ErrorKind};
use std::sync::LazyLock;

/// The product's schemas, kept in the repository next to the code that enforces them.
pub const AUTH_SCHEMA: &str = include_str!("../../schemas/auth-policy.schema.json");
/// Data-share policy schema.
pub const DATASHARE_SCHEMA: &str = include_str!("../../schemas/datashare-policy.schema.json");
/// MISP policy schema.
pub const MISP_SCHEMA: &str = include_str!("../../schemas/misp-policy.schema.json");

/// Most violations listed for one document; past that the author has the wrong type or file
/// (the message still gives the full count).
const MAX_VIOLATIONS: usize = 200;

fn compile(text: &str) -> jsonschema::Validator {
    // The schemas are part of the build; a broken one must fail the first test, loudly.
    #[allow(clippy::expect_used)]
    let schema: serde_json::Value = serde_json::from_str(text).expect("schema is valid JSON");
    #[allow(clippy::expect_used)]
    jsonschema::validator_for(&schema).expect("schema compiles")
}

static AUTH: LazyLock<jsonschema::Validator> = LazyLock::new(|| compile(AUTH_SCHEMA));
static DATASHARE: LazyLock<jsonschema::Validator> = LazyLock::new(|| compile(DATASHARE_SCHEMA));
static MISP: LazyLock<jsonschema::Validator> = LazyLock::new(|| compile(MISP_SCHEMA));

/// The schema text of a type (served for download).
pub fn schema_text(kind: PolicyType) -> &'static str {
    match kind {
        PolicyType::Auth => AUTH_SCHEMA,
        PolicyType::DataShare => DATASHARE_SCHEMA,
        PolicyType::Misp => MISP_SCHEMA,
    }
}

fn validator(kind: PolicyType) -> &'static jsonschema::Validator {
    match kind {
        PolicyType::Auth => &AUTH,
        PolicyType::DataShare => &DATASHARE,
        PolicyType::Misp => &MISP,
    }
}

/// Deepest nesting of `[`/`{` outside strings. Checked on the text before parsing, so a hostile
/// document is refused with a clear reason instead of exhausting the parser's recursion limit.
fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Schema violations of a parsed document (empty = valid).
pub fn violations(kind: PolicyType, value: &serde_json::Value) -> Vec<Violation> {
    let mut found: Vec<Violation> = validator(kind)
        .iter_errors(value)
        .take(MAX_VIOLATIONS)
        .map(|e| Violation {
            path: e.instance_path().to_string(),
            // Masked: the message names the rule, not the (possibly huge) offending value.
            message: e.masked().to_string(),
        })
        .collect();
    found.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.message.cmp(&b.message)));
    found.dedup();
    found
}

/// The violations to list, and how many there are in all.
fn listed(found: Vec<Violation>) -> (Vec<Violation>, usize) {
    let n = found.len();
    (found.into_iter().take(MAX_VIOLATIONS).collect(), n)
}

/// Check a document's text for `kind`: size, nesting, JSON syntax, then the schema. Returns the
/// parsed value, or a validation error on field `document` whose `details` list every
/// violation by JSON path.
pub fn check(kind: PolicyType, text: &str) -> AppResult<serde_json::Value> {
    if text.trim().is_empty() {
        return Err(AppError::validation(
            "document",
            "PMS_POLICY_DOCUMENT_REQUIRED",
            "The policy document is required.",
        ));
    }
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(too_large(text.len()));
    }
    let depth = nesting_depth(text);
    if depth > MAX_DOCUMENT_DEPTH {
        return Err(AppError::validation(
            "document",
            "PMS_POLICY_DOCUMENT_TOO_DEEP",
            format!(
                "The policy document is nested {depth} levels deep; at most {MAX_DOCUMENT_DEPTH} are allowed."
            ),
        ));
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        AppError::validation(
            "document",
            "PMS_POLICY_DOCUMENT_MALFORMED",
            format!(
                "The policy document is not valid JSON: {} (line {}, column {}).",
                syntax_reason(&e),
                e.line(),
                e.column()
            ),
        )
    })?;
    let (found, n) = listed(violations(kind, &value));
    if n > 0 {
        let mut err = AppError::validation(
            "document",
            "PMS_POLICY_DOCUMENT_INVALID",
            format!(
                "The document does not match the {} policy schema: {n} problem{}{}.",
                kind.label(),
                if n == 1 { "" } else { "s" },
                if n > found.len() {
                    format!(" (the first {} are listed)", found.len())
                } else {
                    String::new()
                }
            ),
        );
        err.details = found.into_boxed_slice();
        return Err(err);
    }
    Ok(value)
}

/// The refusal for an oversized document (also used by the HTTP edge for bodies over its limit).
pub fn too_large(bytes: usize) -> AppError {
    AppError::new(
        ErrorKind::Validation,
        "PMS_POLICY_DOCUMENT_TOO_LARGE",
        format!(
            "The policy document is {} KB; at most {} KB is allowed.",
            bytes.div_ceil(1024),
            MAX_DOCUMENT_BYTES / 1024
        ),
    )
    .with_field("document")
}

fn syntax_reason(e: &serde_json::Error) -> String {
    // serde_json's message ends with " at line L column C"; the position is given separately.
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Pretty JSON for storage and display, so versions diff line by line.
pub fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_ignores_brackets_in_strings() {
        assert_eq!(
            nesting_depth(r#"{"a": "[[[[{{{{", "b": [1, {"c": "\"]"}]}"#),
            3
        );
        assert_eq!(nesting_depth("[]"), 1);
    }
}
