//! The triage inbox, declared once (see [`crate::list`]).

use super::{InboxItem, InboxPage, InboxQuery};
use crate::list::{number, text, List};
use crate::page::Page;
use crate::role::Role;

/// Everything waiting for a partner admin (`/admin/inbox`), with counts per kind.
pub struct Inbox;

impl From<InboxPage> for Page<InboxItem> {
    fn from(inbox: InboxPage) -> Self {
        inbox.page
    }
}

impl List for Inbox {
    type Query = InboxQuery;
    type Row = InboxItem;
    type Out = InboxPage;
    const NAME: &'static str = "inbox";
    const PATH: &'static str = "/admin/inbox";
    const ROLES: &'static [Role] = &[Role::PartnerAdmin];
    const KEYS: &'static [&'static str] = &["kind", "partner", "type", "age", "sort", "page"];
    const DEFAULT_SORT: &'static str = "oldest";

    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> InboxQuery {
        InboxQuery {
            kind: text(get, "kind"),
            partner: text(get, "partner"),
            partner_type: text(get, "type"),
            min_age_days: number(get, "age"),
            sort: text(get, "sort"),
            page: number(get, "page"),
            page_size: Some(25),
        }
    }

    #[cfg(feature = "server")]
    fn run(conn: &mut crate::db::AnyConnection, query: &InboxQuery) -> crate::AppResult<InboxPage> {
        super::list(conn, query)
    }
}
