//! The form view of an authentication policy: token type, allowed authentication types, KYC
//! attributes and languages.

use super::{opt, options, split_list, Ed};
use domain::policy::document::{AuthTypeRule, KycAttribute, AUTH_TOKEN_TYPES, AUTH_TYPES};
use leptos::prelude::*;

/// The form of an authentication policy.
#[component]
pub(super) fn AuthForm(ed: Ed) -> impl IntoView {
    let token = move || ed.read_auth(|a| a.auth_token_type.clone());
    let n_types = Memo::new(move |_| ed.read_auth(|a| a.allowed_auth_types.len()));
    let n_attrs = Memo::new(move |_| ed.read_auth(|a| a.allowed_kyc_attributes.len()));
    let languages = ed.read_auth(|a| a.kyc_languages.clone().unwrap_or_default().join(", "));
    view! {
        <div class="field">
            <label for="pe-token">"Token type"</label>
            <select id="pe-token" data-testid="pe-token" prop:value=token
                on:change=move |ev| { let v = event_target_value(&ev); ed.auth(|a| a.auth_token_type = v) }>
                {options(AUTH_TOKEN_TYPES.map(|t| (t, t)), token)}
            </select>
            <p class="help">"What the partner receives after a successful authentication: a random token, one per partner, or one per policy."</p>
        </div>
        <fieldset>
            <legend>"Allowed authentication types"</legend>
            <table class="list compact">
                <thead><tr><th>"Type"</th><th>"Sub-type"</th><th>"Mandatory"</th><th><span class="sr-only">"Remove"</span></th></tr></thead>
                <tbody>
                    {move || (0..n_types.get()).map(|i| view! { <AuthTypeRow ed i/> }).collect_view()}
                </tbody>
            </table>
            <button type="button" class="secondary" data-testid="pe-add-auth-type"
                on:click=move |_| ed.auth(|a| a.allowed_auth_types.push(AuthTypeRule { auth_type: "otp".into(), auth_sub_type: None, mandatory: false }))>
                "Add an authentication type"
            </button>
        </fieldset>
        <fieldset>
            <legend>"KYC attributes the partner may receive"</legend>
            <ul class="rows">
                {move || (0..n_attrs.get()).map(|i| {
                    let value = move || ed.read_auth(|a| a.allowed_kyc_attributes.get(i).map(|k| k.attribute_name.clone()).unwrap_or_default());
                    view! {
                        <li>
                            <input type="text" aria-label=format!("KYC attribute {}", i + 1) data-testid="pe-kyc" prop:value=value
                                on:input=move |ev| { let v = event_target_value(&ev); ed.auth(|a| if let Some(k) = a.allowed_kyc_attributes.get_mut(i) { k.attribute_name = v }) }/>
                            <button type="button" class="link" aria-label=format!("Remove KYC attribute {}", i + 1)
                                on:click=move |_| ed.auth(|a| { if i < a.allowed_kyc_attributes.len() { a.allowed_kyc_attributes.remove(i); } })>"Remove"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <button type="button" class="secondary" data-testid="pe-add-kyc"
                on:click=move |_| ed.auth(|a| a.allowed_kyc_attributes.push(KycAttribute { attribute_name: String::new() }))>
                "Add a KYC attribute"
            </button>
        </fieldset>
        <div class="field">
            <label for="pe-langs">"KYC languages"</label>
            <input id="pe-langs" type="text" value=languages data-testid="pe-langs" placeholder="eng, ara"
                on:input=move |ev| { let v = split_list(&event_target_value(&ev)); ed.auth(|a| a.kyc_languages = (!v.is_empty()).then_some(v)) }/>
            <p class="help">"ISO 639-3 codes, separated by commas; empty for none."</p>
        </div>
    }
}

/// One allowed authentication type: type, sub-type (as the type allows), mandatory.
#[component]
fn AuthTypeRow(ed: Ed, i: usize) -> impl IntoView {
    let rule = move || ed.read_auth(|a| a.allowed_auth_types.get(i).cloned());
    let kind = move || rule().map(|r| r.auth_type).unwrap_or_default();
    let sub = move || rule().and_then(|r| r.auth_sub_type).unwrap_or_default();
    let subtypes = Memo::new(move |_| {
        let k = kind();
        AUTH_TYPES
            .iter()
            .find(|(t, _, _)| *t == k)
            .map(|(_, _, s)| s.to_vec())
            .unwrap_or_default()
    });
    let set = move |f: Box<dyn FnOnce(&mut AuthTypeRule)>| {
        ed.auth(|a| {
            if let Some(r) = a.allowed_auth_types.get_mut(i) {
                f(r)
            }
        })
    };
    view! {
        <tr data-testid="pe-auth-type-row">
            <td>
                <select aria-label=format!("Authentication type {}", i + 1) data-testid="pe-auth-type" prop:value=kind
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        // Sub-types follow the type: keep one only where it applies.
                        let first = AUTH_TYPES.iter().find(|(t, _, _)| *t == v).and_then(|(_, _, s)| s.first()).map(|s| s.to_string());
                        set(Box::new(move |r| { r.auth_type = v; r.auth_sub_type = first; }))
                    }>
                    {options(AUTH_TYPES.map(|(t, l, _)| (t, l)), kind)}
                </select>
            </td>
            <td>
                {move || {
                    let subs = subtypes.get();
                    if subs.is_empty() {
                        view! { <span class="muted">"—"</span> }.into_any()
                    } else {
                        view! {
                            <select aria-label=format!("Sub-type {}", i + 1) data-testid="pe-auth-subtype" prop:value=sub
                                on:change=move |ev| { let v = event_target_value(&ev); set(Box::new(move |r| r.auth_sub_type = opt(v))) }>
                                {subs.into_iter().map(|s| view! { <option value=s selected=move || sub() == s>{s}</option> }).collect_view()}
                            </select>
                        }.into_any()
                    }
                }}
            </td>
            <td>
                <input type="checkbox" aria-label=format!("Mandatory {}", i + 1) data-testid="pe-mandatory"
                    prop:checked=move || rule().is_some_and(|r| r.mandatory)
                    on:change=move |ev| { let v = event_target_checked(&ev); set(Box::new(move |r| r.mandatory = v)) }/>
            </td>
            <td>
                <button type="button" class="link" aria-label=format!("Remove authentication type {}", i + 1) data-testid="pe-remove-auth-type"
                    on:click=move |_| ed.auth(|a| { if i < a.allowed_auth_types.len() { a.allowed_auth_types.remove(i); } })>"Remove"</button>
            </td>
        </tr>
    }
}
