//! The partner management portal's rules.
//!
//! Types and validation shared with the browser compile everywhere; storage and services
//! (diesel, hashing) sit behind the `server` feature so they never reach the WASM bundle.

pub mod access;
pub mod account;
pub mod cert;
pub mod dashboard;
pub mod device;
pub mod error;
pub mod events;
pub mod history;
pub mod inbox;
pub mod list;
pub mod notification;
pub mod page;
pub mod partner;
pub mod policy;
pub mod role;
pub mod sso;
pub mod text;

#[cfg(feature = "server")]
pub mod audit;
#[cfg(feature = "server")]
pub mod auth;
#[cfg(feature = "server")]
pub mod clock;
#[cfg(feature = "server")]
pub mod db;
#[cfg(feature = "server")]
pub mod idp;
#[cfg(feature = "server")]
pub mod mosip_search;
#[cfg(feature = "server")]
pub mod outbox;
#[cfg(feature = "server")]
pub mod query;
#[cfg(feature = "server")]
pub(crate) mod registry;
#[cfg(feature = "server")]
pub mod schema;
#[cfg(feature = "server")]
pub mod search;
#[cfg(feature = "server")]
pub mod session;
#[cfg(feature = "server")]
pub mod throttle;

pub use error::{AppError, AppResult, ErrorKind};
pub use partner::PartnerType;
pub use role::Role;
#[cfg(feature = "server")]
pub mod testing;
