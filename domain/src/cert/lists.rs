//! The trust store's list, declared once (see [`crate::list`]).

use super::{CaQuery, CaSummary};
use crate::list::{declare, number, text};
use crate::page::Page;
use crate::role::Role;

declare! {
    /// CA certificates of the trust store (`/admin/certificates`).
    pub struct CaCertificates;
    query CaQuery, row CaSummary, out Page<CaSummary>;
    name "certificates", path "/admin/certificates", roles &[Role::PartnerAdmin],
    default_sort "-created";
    keys &["domain", "kind", "status", "expiring", "q", "sort", "size", "page"];
    from_params |get| CaQuery {
        domain: text(get, "domain"),
        kind: text(get, "kind"),
        status: text(get, "status"),
        expiring_within_days: number(get, "expiring"),
        q: text(get, "q"),
        sort: text(get, "sort"),
        page: number(get, "page"),
        page_size: number(get, "size"),
    };
    run |conn, query| super::trust::list(conn, query);
}
