//! The accounts list, declared once (see [`crate::list`]).

use super::{AccountQuery, AccountView};
use crate::list::{declare, number, text};
use crate::page::Page;
use crate::role::Role;

declare! {
    /// Every account, operators and partners (`/admin/accounts`).
    pub struct Accounts;
    query AccountQuery, row AccountView, out Page<AccountView>;
    name "accounts", path "/admin/accounts", roles &[Role::PartnerAdmin], default_sort "-created";
    keys &["q", "role", "status", "sort", "size", "page"];
    from_params |get| AccountQuery {
        page: number(get, "page"),
        page_size: number(get, "size"),
        q: text(get, "q"),
        role: text(get, "role").and_then(|r| Role::parse(&r)),
        active: match text(get, "status").as_deref() {
            Some("active") => Some(true),
            Some("inactive") => Some(false),
            _ => None,
        },
        sort: text(get, "sort"),
    };
    run |conn, query| super::list_accounts(conn, query);
}
