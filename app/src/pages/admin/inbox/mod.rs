//! The partner admin's triage inbox: everything waiting for a decision in one list, the facts
//! of the current item beside it, decisions without leaving the page, keyboard shortcuts and
//! bulk decisions with a result per item.

use crate::components::layout::RequireRole;
use crate::components::table::query_of;
use crate::components::table::ListState;
use domain::account::CurrentUser;
use domain::inbox::{InboxItem, InboxQuery};
use domain::{AppError, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::params::ParamsMap;

mod parts;
mod state;

use parts::{
    BulkBar, BulkResults, DecidePane, InboxFilters, InboxHead, InboxList, KindCounts, OutcomeNote,
};
use state::Inbox;

const INBOX: ListState = ListState::of::<domain::inbox::Inbox>();

/// Partner types a filter can name (those that submit items).
const TYPES: [&str; 9] = [
    "Auth_Partner",
    "Credential_Partner",
    "ABIS_Partner",
    "Manual_Adjudication",
    "Print_Partner",
    "Device_Provider",
    "FTM_Provider",
    "MISP_Partner",
    "Online_Verification_Partner",
];

fn inbox_query(q: &ParamsMap) -> InboxQuery {
    query_of::<domain::inbox::Inbox>(q)
}

/// "3 days", "5 hours", "just now".
fn age(now: i64, at: i64) -> String {
    let mins = (now - at).max(0) / 60_000;
    match mins {
        0 => "just now".into(),
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h", m / 60),
        m => format!("{} days", m / (24 * 60)),
    }
}

/// The inbox page.
#[component]
pub fn InboxPage() -> impl IntoView {
    view! {
        <Title text="Inbox"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <InboxBody/> }/>
    }
}

type Key = (String, String);

fn key_of(i: &InboxItem) -> Key {
    (i.kind.as_str().to_string(), i.id.clone())
}

/// What the last decision did, shown above the list.
#[derive(Clone)]
enum Outcome {
    Done(String),
    Refused(AppError),
}

/// Whether a refusal says the item was decided meanwhile (someone else was quicker).
fn stale(e: &AppError) -> bool {
    e.code.ends_with("ILLEGAL_TRANSITION") || e.code == "PMS_CHANGED_MEANWHILE"
}

/// The inbox: head, counts, filters, outcome, bulk bar and results, the list and the pane.
#[component]
fn InboxBody() -> impl IntoView {
    let inbox = Inbox::new();
    inbox.follow_list();
    inbox.follow_decisions();
    inbox.follow_bulk();
    #[cfg(feature = "hydrate")]
    inbox.shortcuts();
    view! {
        <InboxHead inbox/>
        <KindCounts inbox/>
        <InboxFilters/>
        <OutcomeNote inbox/>
        <BulkBar inbox/>
        <BulkResults inbox/>
        <div class="inbox">
            <InboxList inbox/>
            <DecidePane inbox/>
        </div>
    }
}
