//! Shared UI pieces.

pub mod form;
pub mod layout;
pub mod table;
