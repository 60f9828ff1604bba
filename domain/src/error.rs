//! The one error type every layer speaks: kind + field + message + stable code.
//!
//! Services return it, server functions return it to the browser, and the REST edge turns it
//! into an HTTP response with a real status.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What went wrong, in terms a caller can act on. Each kind has one HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Input failed a rule (422).
    Validation,
    /// No valid session (401).
    Unauthenticated,
    /// Signed in, but not allowed (403).
    Forbidden,
    /// The thing does not exist, or the caller may not know it exists (404).
    NotFound,
    /// A uniqueness rule or a concurrent change (409).
    Conflict,
    /// Too many attempts (429).
    RateLimited,
    /// The request itself is malformed (400).
    BadRequest,
    /// Anything else: details are logged, never shown (500).
    Internal,
}

impl ErrorKind {
    /// The HTTP status code for this kind.
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::Validation => 422,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::RateLimited => 429,
            ErrorKind::BadRequest => 400,
            ErrorKind::Internal => 500,
        }
    }
}

/// An error as shown to a caller: never carries internal detail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError {
    /// Category, which fixes the HTTP status.
    pub kind: ErrorKind,
    /// Stable machine-readable code, e.g. `PMS_AUTH_INVALID_CREDENTIALS`.
    pub code: String,
    /// The input field at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Human-readable reason.
    pub message: String,
    /// Request id, filled in at the edge so a user can quote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Every problem found, when one input has several (e.g. schema violations of a document).
    /// A boxed slice rather than a Vec keeps AppError (returned everywhere) small.
    #[serde(default, skip_serializing_if = "<[Violation]>::is_empty")]
    pub details: Box<[Violation]>,
}

/// One problem inside a structured input, located by a JSON Pointer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// JSON Pointer into the input (`/allowedAuthTypes/0/authType`; empty = the root).
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

impl AppError {
    /// A new error of `kind` with a stable `code` and a message.
    pub fn new(kind: ErrorKind, code: &str, message: impl Into<String>) -> Self {
        AppError {
            kind,
            code: code.to_string(),
            field: None,
            message: message.into(),
            request_id: None,
            details: Box::default(),
        }
    }

    /// A validation error on one field.
    pub fn validation(field: &str, code: &str, message: impl Into<String>) -> Self {
        AppError::new(ErrorKind::Validation, code, message).with_field(field)
    }

    /// No session, or it expired.
    pub fn unauthenticated() -> Self {
        AppError::new(
            ErrorKind::Unauthenticated,
            "PMS_AUTH_REQUIRED",
            "Please sign in to continue.",
        )
    }

    /// Signed in without the needed role or ownership.
    pub fn forbidden() -> Self {
        AppError::new(
            ErrorKind::Forbidden,
            "PMS_AUTH_FORBIDDEN",
            "You do not have access to this.",
        )
    }

    /// The named thing does not exist.
    pub fn not_found(what: &str) -> Self {
        AppError::new(
            ErrorKind::NotFound,
            "PMS_NOT_FOUND",
            format!("{what} was not found."),
        )
    }

    /// A generic internal error; the detail must already have been logged.
    pub fn internal() -> Self {
        AppError::new(
            ErrorKind::Internal,
            "PMS_INTERNAL",
            "Something went wrong on our side. Please try again; if it persists, quote the request id.",
        )
    }

    /// Attach the field at fault.
    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }

    /// Attach the request id.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// The message for form field `field`: the error's own field, or one of the problems a
    /// form check collected ([`FieldErrors`]: details at `/field`).
    pub fn message_for(&self, field: &str) -> Option<&str> {
        if self.field.as_deref() == Some(field) {
            return Some(&self.message);
        }
        self.details
            .iter()
            .find(|v| v.path.strip_prefix('/') == Some(field))
            .map(|v| v.message.as_str())
    }

    /// HTTP status code.
    pub fn status(&self) -> u16 {
        self.kind.status()
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for AppError {}

impl server_fn::error::FromServerFnError for AppError {
    type Encoder = server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        use server_fn::error::ServerFnErrorErr as E;
        match value {
            // Argument decoding failures are the caller's mistake (missing or malformed fields).
            E::Args(msg) | E::Deserialization(msg) => AppError::new(
                ErrorKind::BadRequest,
                "PMS_BAD_REQUEST",
                format!("The request could not be read: {msg}"),
            ),
            E::Request(_) | E::Response(_) => AppError::new(
                ErrorKind::Internal,
                "PMS_NETWORK",
                "The server could not be reached. Check your connection and try again.",
            ),
            _ => AppError::internal(),
        }
    }
}

#[cfg(feature = "server")]
mod server_impls {
    use super::{AppError, ErrorKind};
    use diesel::result::{DatabaseErrorKind, Error as DbError};

    impl From<DbError> for AppError {
        fn from(err: DbError) -> Self {
            match err {
                DbError::NotFound => AppError::not_found("The record"),
                DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                    tracing::info!(detail = info.message(), "unique violation");
                    AppError::new(
                        ErrorKind::Conflict,
                        "PMS_CONFLICT",
                        "A record with the same unique value already exists.",
                    )
                }
                other => {
                    tracing::error!(error = %other, "database error");
                    AppError::internal()
                }
            }
        }
    }

    impl From<diesel::r2d2::PoolError> for AppError {
        fn from(err: diesel::r2d2::PoolError) -> Self {
            tracing::error!(error = %err, "database pool error");
            AppError::internal()
        }
    }

    impl axum::response::IntoResponse for AppError {
        fn into_response(self) -> axum::response::Response {
            let status = axum::http::StatusCode::from_u16(self.status())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
            (status, axum::Json(serde_json::json!({ "error": self }))).into_response()
        }
    }
}

/// Result alias used across the domain.
pub type AppResult<T> = Result<T, AppError>;

/// Collects the problem of every field of a form, so that one submit reports them all: the
/// error returned is the first problem (its code, field and message, as a single error would
/// be), with every field's problem in `details` at `/field`.
#[derive(Debug, Default)]
pub struct FieldErrors {
    first: Option<AppError>,
    all: Vec<Violation>,
}

impl FieldErrors {
    /// No problem yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The checked value, or `None` with its problem kept.
    pub fn take<T>(&mut self, checked: AppResult<T>) -> Option<T> {
        checked.map_err(|e| self.push(e)).ok()
    }

    /// [`take`](Self::take) for a check that itself collects field problems (its details are
    /// fields, not paths inside a document).
    pub fn take_all<T>(&mut self, checked: AppResult<T>) -> Option<T> {
        checked
            .map_err(|mut e| {
                let inner = std::mem::take(&mut e.details);
                if inner.is_empty() {
                    self.push(e);
                } else {
                    self.all.extend(inner.into_vec());
                    self.first.get_or_insert(e);
                }
            })
            .ok()
    }

    /// Keep a problem.
    pub fn push(&mut self, e: AppError) {
        if let Some(field) = &e.field {
            if !self
                .all
                .iter()
                .any(|v| v.path.strip_prefix('/') == Some(field))
            {
                self.all.push(Violation {
                    path: format!("/{field}"),
                    message: e.message.clone(),
                });
            }
        }
        self.first.get_or_insert(e);
    }

    /// Whether a problem was kept.
    pub fn any(&self) -> bool {
        self.first.is_some()
    }

    /// `Ok` when every field was fine; otherwise the first problem carrying all of them.
    pub fn finish(self) -> AppResult<()> {
        match self.first {
            None => Ok(()),
            Some(mut e) => {
                if self.all.len() > 1 && e.details.is_empty() {
                    e.details = self.all.into_boxed_slice();
                }
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod field_errors_tests {
    use super::*;

    fn bad(field: &str) -> AppResult<String> {
        Err(AppError::validation(
            field,
            "PMS_X",
            format!("{field} is wrong."),
        ))
    }

    #[test]
    fn every_field_is_reported_under_the_first_problem() {
        let mut errs = FieldErrors::new();
        assert_eq!(errs.take(Ok::<_, AppError>(1)), Some(1));
        assert_eq!(errs.take(bad("email")), None);
        assert_eq!(errs.take(bad("phone")), None);
        let e = errs.finish().expect_err("two problems");
        assert_eq!(
            (e.field.as_deref(), e.message.as_str()),
            (Some("email"), "email is wrong.")
        );
        assert_eq!(e.message_for("email"), Some("email is wrong."));
        assert_eq!(e.message_for("phone"), Some("phone is wrong."));
        assert_eq!(e.message_for("address"), None);
    }

    #[test]
    fn one_problem_is_a_plain_error_and_none_is_ok() {
        assert!(FieldErrors::new().finish().is_ok());
        let mut errs = FieldErrors::new();
        errs.take(bad("email"));
        let e = errs.finish().expect_err("one");
        assert!(e.details.is_empty());
        assert_eq!(e.message_for("email"), Some("email is wrong."));
    }

    #[test]
    fn a_nested_collection_is_merged_field_by_field() {
        let mut inner = FieldErrors::new();
        inner.take(bad("email"));
        inner.take(bad("phone"));
        let mut outer = FieldErrors::new();
        outer.take_all(inner.finish());
        outer.take(bad("password"));
        let e = outer.finish().expect_err("three");
        let paths: Vec<_> = e.details.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(paths, ["/email", "/phone", "/password"]);
        assert_eq!(e.field.as_deref(), Some("email"));
    }
}
