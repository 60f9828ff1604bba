//! Pages, one module per page, grouped by area.

pub mod access;
pub mod account;
pub mod admin;
pub mod cert;
pub mod dashboard;
pub mod device;
pub mod login;
pub mod not_found;
pub mod notifications;
pub mod partner;
pub mod password;
pub mod policy;
pub mod setup;
pub mod terms;
pub mod two_factor;
pub mod verify_email;
