//! Partner admin area: operator accounts, partners, audit log.

pub mod accounts;
pub mod audit;
pub mod inbox;
pub mod partner_detail;
pub mod partner_new;
pub mod partners;
