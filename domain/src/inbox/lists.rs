//! The triage inbox, declared once (see [`crate::list`]).

use super::{InboxItem, InboxPage, InboxQuery};
use crate::list::{declare, number, text};
use crate::page::Page;
use crate::role::Role;

impl From<InboxPage> for Page<InboxItem> {
    fn from(inbox: InboxPage) -> Self {
        inbox.page
    }
}

declare! {
    /// Everything waiting for a partner admin (`/admin/inbox`), with counts per kind.
    pub struct Inbox;
    query InboxQuery, row InboxItem, out InboxPage;
    name "inbox", path "/admin/inbox", roles &[Role::PartnerAdmin], default_sort "oldest";
    keys &["kind", "partner", "type", "age", "sort", "page"];
    from_params |get| InboxQuery {
        kind: text(get, "kind"),
        partner: text(get, "partner"),
        partner_type: text(get, "type"),
        min_age_days: number(get, "age"),
        sort: text(get, "sort"),
        page: number(get, "page"),
        page_size: Some(25),
    };
    run |conn, query| super::list(conn, query);
}
