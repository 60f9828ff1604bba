//! The trust store's list, declared once (see [`crate::list`]).

use super::{CaQuery, CaSummary};
use crate::list::{number, text, List};
use crate::page::Page;
use crate::role::Role;

/// CA certificates of the trust store (`/admin/certificates`).
pub struct CaCertificates;

impl List for CaCertificates {
    type Query = CaQuery;
    type Row = CaSummary;
    type Out = Page<CaSummary>;
    const NAME: &'static str = "certificates";
    const PATH: &'static str = "/admin/certificates";
    const ROLES: &'static [Role] = &[Role::PartnerAdmin];
    const KEYS: &'static [&'static str] = &[
        "domain", "kind", "status", "expiring", "q", "sort", "size", "page",
    ];
    const DEFAULT_SORT: &'static str = "-created";

    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> CaQuery {
        CaQuery {
            domain: text(get, "domain"),
            kind: text(get, "kind"),
            status: text(get, "status"),
            expiring_within_days: number(get, "expiring"),
            q: text(get, "q"),
            sort: text(get, "sort"),
            page: number(get, "page"),
            page_size: number(get, "size"),
        }
    }

    #[cfg(feature = "server")]
    fn run(
        conn: &mut crate::db::AnyConnection,
        query: &CaQuery,
    ) -> crate::AppResult<Page<CaSummary>> {
        super::trust::list(conn, query)
    }
}
