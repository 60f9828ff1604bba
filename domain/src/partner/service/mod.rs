//! Partner storage and use cases (server only). Every change writes its audit row, its status
//! history and its PARTNER_UPDATED event in the same transaction as the change itself.

use super::*;
use crate::account::{self, check_password, normalize_email, CurrentUser, PortalMail};
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::FieldErrors;
use crate::outbox;
use crate::page;
use crate::schema::{
    account_roles, accounts, partner_certificates, partner_contacts, partner_counts,
    partner_status_history, partner_types, partners, policy_groups,
};
use diesel::prelude::*;
use serde_json::json;

mod changes;
mod list;
mod register;
mod verify;
mod views;
pub use changes::*;
pub use list::*;
pub use register::*;
pub use verify::*;
pub use views::*;

/// Topic of partner events for downstream services.
pub const PARTNER_UPDATED: &str = "PARTNER_UPDATED";

/// A stored partner row.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = partners)]
pub struct PartnerRow {
    /// Partner id.
    pub id: String,
    /// Owning account.
    pub account_id: String,
    /// Organisation.
    pub organisation: String,
    /// Type code.
    pub partner_type: String,
    /// Policy group.
    pub policy_group_id: Option<String>,
    /// Contact email.
    pub email: String,
    /// Phone.
    pub phone: String,
    /// Address.
    pub address: String,
    /// Language.
    pub language: String,
    /// Status spelling.
    pub status: String,
    /// Reason of the last rejection / deactivation.
    pub status_reason: Option<String>,
    /// Created, UTC ms.
    pub created_at: i64,
    /// Updated, UTC ms.
    pub updated_at: i64,
    /// Creator account.
    pub created_by: Option<String>,
    /// Last updater account.
    pub updated_by: Option<String>,
}

fn status_of(s: &str) -> PartnerStatus {
    // The column is only ever written from PartnerStatus; an unknown value means a bad row.
    PartnerStatus::parse(s).unwrap_or(PartnerStatus::Pending)
}
