//! SBI, device and FTM chip pages of the providers (the partner admins' queues are under
//! `pages::admin::devices`), and the pieces both share.

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

/// Fetches a chip's certificates on demand: an action, not a resource, because chip rows
/// render inside suspended lists, where creating a resource would break hydration.
pub fn chip_certs_action(
) -> Action<String, Result<domain::device::ChipCertificates, domain::AppError>> {
    Action::new(|id: &String| {
        let id = id.clone();
        async move { crate::api::devices::get_chip_certificates(id).await }
    })
}

/// Both downloads of a chip's certificate once `certs` has fetched them, or why not.
#[component]
pub fn ChipCertDownloads(
    certs: Action<String, Result<domain::device::ChipCertificates, domain::AppError>>,
    /// File name stem (make and model).
    stem: String,
) -> impl IntoView {
    use crate::components::cert::PemDownload;
    move || {
        let stem = stem.clone();
        certs.value().get().map(|r| match r {
            Ok(c) => view! {
                <span class="actions">
                    <PemDownload pem=c.pem file_name=format!("{stem}-chip.pem") label="Download certificate" test_id="chip-download"/>
                    " "
                    <PemDownload pem=c.resigned_pem file_name=format!("{stem}-chip-pms-signed.pem") label="Download re-signed" test_id="chip-download-resigned"/>
                </span>
            }
            .into_any(),
            Err(e) => view! { <span class="alert" role="alert">{e.message}</span> }.into_any(),
        })
    }
}

/// The reason a provider gives when it retires one of its own items (required, as the server
/// also checks), inside the confirming form.
#[component]
pub fn RetireReason(
    /// Test id prefix ("sbi" gives sbi-retire-reason).
    test_id: &'static str,
) -> impl IntoView {
    view! {
        <label>"Reason (the operator sees it)"
            <textarea name="reason" required maxlength=domain::partner::MAX_REASON_LEN
                data-testid=format!("{test_id}-retire-reason")></textarea>
        </label>
    }
}

/// A provider's refused retirement: why.
#[component]
pub fn RetireError(
    /// The last answer's error.
    error: Signal<Option<domain::AppError>>,
    /// Test id prefix ("sbi" gives sbi-retire-error).
    test_id: &'static str,
) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! { <p class="alert" role="alert" data-testid=format!("{test_id}-retire-error")>{e.message}</p> }
        })
    }
}
