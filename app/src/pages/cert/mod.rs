//! Certificate pages: the trust store and its detail (partner admins), and a partner's own
//! certificate.

pub mod detail;
pub mod mine;
pub mod trust;
