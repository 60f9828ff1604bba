//! Shared UI pieces.

pub mod cert;
pub mod chart;
pub mod filter;
pub mod form;
pub mod idle;
pub mod layout;
pub mod table;
