//! Partner admin area: every page under `/admin` — operator accounts, partners, the inbox,
//! audit log, events, API clients, the trust store, device approvals, and the access queues
//! (policy requests, API keys, OIDC clients, MISP licenses).

pub mod access;
pub mod accounts;
pub mod api_clients;
pub mod audit;
pub mod ca_certificate;
pub mod devices;
pub mod events;
pub mod inbox;
pub mod partner_detail;
pub mod partner_new;
pub mod partners;
pub mod terms;
pub mod trust;
