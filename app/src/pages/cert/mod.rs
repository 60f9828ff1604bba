//! A partner's own certificate page (the partner admins' trust store pages are under
//! `pages::admin`).

pub mod mine;
