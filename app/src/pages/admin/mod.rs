//! Partner admin area: operator accounts, partners, audit log, events.

pub mod accounts;
pub mod api_clients;
pub mod audit;
pub mod events;
pub mod inbox;
pub mod partner_detail;
pub mod partner_new;
pub mod partners;
