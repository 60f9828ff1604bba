//! The operators' accounts list, declared once (see [`crate::list`]).

use super::{AccountQuery, AccountView};
use crate::list::{number, text, List};
use crate::page::Page;
use crate::role::Role;

/// Operator accounts (`/admin/accounts`).
pub struct Accounts;

impl List for Accounts {
    type Query = AccountQuery;
    type Row = AccountView;
    type Out = Page<AccountView>;
    const NAME: &'static str = "accounts";
    const PATH: &'static str = "/admin/accounts";
    const ROLES: &'static [Role] = &[Role::PartnerAdmin];
    const KEYS: &'static [&'static str] = &["q", "role", "status", "sort", "size", "page"];
    const DEFAULT_SORT: &'static str = "-created";

    fn from_params(get: &dyn Fn(&str) -> Option<String>) -> AccountQuery {
        AccountQuery {
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
        }
    }

    #[cfg(feature = "server")]
    fn run(
        conn: &mut crate::db::AnyConnection,
        query: &AccountQuery,
    ) -> crate::AppResult<Page<AccountView>> {
        super::list_operators(conn, query)
    }
}
