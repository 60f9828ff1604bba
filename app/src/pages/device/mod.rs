//! SBI, device and FTM chip pages: the providers' own, and the partner admins' queues.

pub mod admin;
pub mod chips;
pub mod provider;

use domain::device::ItemStatus;
use leptos::prelude::*;

/// A status badge for an SBI, device or chip.
#[component]
pub fn ItemBadge(status: ItemStatus) -> impl IntoView {
    let class = match status {
        ItemStatus::Approved => "badge ok",
        ItemStatus::PendingApproval | ItemStatus::PendingCertUpload => "badge wait",
        ItemStatus::Rejected => "badge bad",
        ItemStatus::Deactivated => "badge off",
    };
    view! { <span class=class data-testid="item-status">{status.label()}</span> }
}
