//! The form view of a MISP policy: what the MISP may do for its relying parties.

use super::Ed;
use domain::policy::document::MispPolicy;
use leptos::prelude::*;

/// The form of a MISP policy.
#[component]
pub(super) fn MispForm(ed: Ed) -> impl IntoView {
    let flag = |label: &'static str,
                testid: &'static str,
                get: fn(&MispPolicy) -> bool,
                put: fn(&mut MispPolicy, bool)| {
        view! {
            <div class="field checkbox">
                <label>
                    <input type="checkbox" data-testid=testid prop:checked=move || ed.read_misp(get)
                        on:change=move |ev| { let v = event_target_checked(&ev); ed.misp(|m| put(m, v)) }/>
                    " " {label}
                </label>
            </div>
        }
    };
    view! {
        <fieldset>
            <legend>"What the MISP may do for its relying parties"</legend>
            {flag("Forward authentication requests", "pe-misp-auth", |m| m.allow_auth_request_delegation, |m, v| m.allow_auth_request_delegation = v)}
            {flag("Forward KYC requests", "pe-misp-kyc", |m| m.allow_kyc_request_delegation, |m, v| m.allow_kyc_request_delegation = v)}
            {flag("Trust binded auth verification tokens", "pe-misp-token", |m| m.trust_binded_auth_verification_token.unwrap_or(false), |m, v| m.trust_binded_auth_verification_token = Some(v))}
        </fieldset>
    }
}
