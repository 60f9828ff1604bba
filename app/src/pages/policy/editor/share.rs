//! The form view of a data-share policy: its settings and its shareable attributes with their
//! sources and filters.

use super::{opt, options, split_list, Ed};
use domain::policy::document::{
    AttributeSource, DataSharePolicy, ShareableAttribute, SourceFilter, ENCRYPTION_TYPES,
    SHARE_TYPES,
};
use leptos::prelude::*;

/// The form of a data-share policy.
#[component]
pub(super) fn DataShareForm(ed: Ed) -> impl IntoView {
    let s = move |f: fn(&DataSharePolicy) -> String| move || ed.read_share(f);
    let type_of_share = s(|d| d.data_share_policies.type_of_share.clone());
    let encryption = s(|d| d.data_share_policies.encryption_type.clone());
    let n_attrs = Memo::new(move |_| ed.read_share(|d| d.shareable_attributes.len()));
    view! {
        <fieldset>
            <legend>"Data-share settings"</legend>
            <div class="grid2">
                <div class="field">
                    <label for="pe-share-type">"Type of share"</label>
                    <select id="pe-share-type" data-testid="pe-share-type" prop:value=type_of_share
                        on:change=move |ev| { let v = event_target_value(&ev); ed.share(|d| d.data_share_policies.type_of_share = v) }>
                        {options(SHARE_TYPES.map(|t| (t, t)), type_of_share)}
                    </select>
                </div>
                <div class="field">
                    <label for="pe-encryption">"Encryption"</label>
                    <select id="pe-encryption" data-testid="pe-encryption" prop:value=encryption
                        on:change=move |ev| { let v = event_target_value(&ev); ed.share(|d| d.data_share_policies.encryption_type = v) }>
                        {options(ENCRYPTION_TYPES.map(|t| (t, t)), encryption)}
                    </select>
                </div>
                <ShareText ed id="pe-valid-minutes" label="Valid for (minutes)" get=|d| d.data_share_policies.valid_for_in_minutes.clone() put=|d, v| d.data_share_policies.valid_for_in_minutes = v/>
                <ShareText ed id="pe-transactions" label="Reads allowed" get=|d| d.data_share_policies.transactions_allowed.clone() put=|d, v| d.data_share_policies.transactions_allowed = v/>
                <ShareText ed id="pe-share-domain" label="Share domain" get=|d| d.data_share_policies.share_domain.clone() put=|d, v| d.data_share_policies.share_domain = v/>
                <ShareText ed id="pe-source" label="Source" get=|d| d.data_share_policies.source.clone() put=|d, v| d.data_share_policies.source = v/>
            </div>
        </fieldset>
        <fieldset>
            <legend>"Shareable attributes"</legend>
            {move || (0..n_attrs.get()).map(|i| view! { <AttributeEditor ed i/> }).collect_view()}
            <button type="button" class="secondary" data-testid="pe-add-attribute"
                on:click=move |_| ed.share(|d| d.shareable_attributes.push(ShareableAttribute {
                    attribute_name: String::new(),
                    group: None,
                    source: vec![AttributeSource { attribute: String::new(), filter: None }],
                    encrypted: false,
                    format: None,
                }))>
                "Add an attribute"
            </button>
        </fieldset>
    }
}

/// A text setting of the data-share policy, read by `get` and written by `put`.
#[component]
fn ShareText(
    ed: Ed,
    id: &'static str,
    label: &'static str,
    get: fn(&DataSharePolicy) -> String,
    put: fn(&mut DataSharePolicy, String),
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id type="text" data-testid=id prop:value=move || ed.read_share(get)
                on:input=move |ev| { let v = event_target_value(&ev); ed.share(|d| put(d, v)) }/>
        </div>
    }
}

/// One shareable attribute: name, group, format, encryption and its sources.
#[component]
fn AttributeEditor(ed: Ed, i: usize) -> impl IntoView {
    let attr = move || ed.read_share(|d| d.shareable_attributes.get(i).cloned());
    let set = move |f: Box<dyn FnOnce(&mut ShareableAttribute)>| {
        ed.share(|d| {
            if let Some(a) = d.shareable_attributes.get_mut(i) {
                f(a)
            }
        })
    };
    let n_sources = Memo::new(move |_| attr().map(|a| a.source.len()).unwrap_or(0));
    view! {
        <div class="attribute" data-testid="pe-attribute">
            <div class="grid2">
                <div class="field">
                    <label for=format!("pe-attr-{i}")>"Attribute name"</label>
                    <input id=format!("pe-attr-{i}") type="text" data-testid="pe-attr-name" prop:value=move || attr().map(|a| a.attribute_name).unwrap_or_default()
                        on:input=move |ev| { let v = event_target_value(&ev); set(Box::new(move |a| a.attribute_name = v)) }/>
                </div>
                <div class="field">
                    <label for=format!("pe-group-{i}")>"Group (optional)"</label>
                    <input id=format!("pe-group-{i}") type="text" prop:value=move || attr().and_then(|a| a.group).unwrap_or_default()
                        on:input=move |ev| { let v = event_target_value(&ev); set(Box::new(move |a| a.group = opt(v))) }/>
                </div>
                <div class="field">
                    <label for=format!("pe-format-{i}")>"Format (optional)"</label>
                    <input id=format!("pe-format-{i}") type="text" placeholder="e.g. extraction, yyyy/MM/dd" prop:value=move || attr().and_then(|a| a.format).unwrap_or_default()
                        on:input=move |ev| { let v = event_target_value(&ev); set(Box::new(move |a| a.format = opt(v))) }/>
                </div>
                <div class="field checkbox">
                    <label>
                        <input type="checkbox" data-testid="pe-encrypted" prop:checked=move || attr().is_some_and(|a| a.encrypted)
                            on:change=move |ev| { let v = event_target_checked(&ev); set(Box::new(move |a| a.encrypted = v)) }/>
                        " Encrypted for the partner"
                    </label>
                </div>
            </div>
            <table class="list compact">
                <caption class="muted">"Sources"</caption>
                <thead><tr><th>"Source attribute"</th><th>"Filter type"</th><th>"Sub-types"</th><th>"Language"</th><th><span class="sr-only">"Remove"</span></th></tr></thead>
                <tbody>
                    {move || (0..n_sources.get()).map(|j| view! { <SourceRow ed i j/> }).collect_view()}
                </tbody>
            </table>
            <button type="button" class="link" on:click=move |_| set(Box::new(|a| a.source.push(AttributeSource::default())))>"Add a source"</button>
            " "
            <button type="button" class="link danger" data-testid="pe-remove-attribute"
                on:click=move |_| ed.share(|d| { if i < d.shareable_attributes.len() { d.shareable_attributes.remove(i); } })>"Remove this attribute"</button>
        </div>
    }
}

/// One source of an attribute, with its first filter (further ones stay in the JSON).
#[component]
fn SourceRow(ed: Ed, i: usize, j: usize) -> impl IntoView {
    let src = move || {
        ed.read_share(|d| {
            d.shareable_attributes
                .get(i)
                .and_then(|a| a.source.get(j).cloned())
        })
    };
    let first = move || src().and_then(|s| s.filter.and_then(|f| f.into_iter().next()));
    let more = src()
        .and_then(|s| s.filter)
        .map(|f| f.len().saturating_sub(1))
        .unwrap_or(0);
    let set = move |f: Box<dyn FnOnce(&mut AttributeSource)>| {
        ed.share(|d| {
            if let Some(s) = d
                .shareable_attributes
                .get_mut(i)
                .and_then(|a| a.source.get_mut(j))
            {
                f(s)
            }
        })
    };
    // The form edits the first filter; further ones stay as they are (JSON view).
    let set_filter = move |f: Box<dyn FnOnce(&mut SourceFilter)>| {
        set(Box::new(move |s| {
            let mut filters = s.filter.take().unwrap_or_default();
            if filters.is_empty() {
                filters.push(SourceFilter::default());
            }
            f(&mut filters[0]);
            let empty = filters.len() == 1 && filters[0] == SourceFilter::default();
            s.filter = (!empty).then_some(filters);
        }))
    };
    let subtypes = first()
        .and_then(|f| f.sub_type)
        .unwrap_or_default()
        .join(", ");
    let filter_type = move || first().and_then(|f| f.kind).unwrap_or_default();
    view! {
        <tr>
            <td><input type="text" aria-label="Source attribute" data-testid="pe-source-attr" prop:value=move || src().map(|s| s.attribute).unwrap_or_default()
                on:input=move |ev| { let v = event_target_value(&ev); set(Box::new(move |s| s.attribute = v)) }/></td>
            <td>
                <select aria-label="Filter type" prop:value=filter_type
                    on:change=move |ev| { let v = event_target_value(&ev); set_filter(Box::new(move |f| f.kind = opt(v))) }>
                    {options([("", "None"), ("Finger", "Finger"), ("Iris", "Iris"), ("Face", "Face")], filter_type)}
                </select>
            </td>
            <td><input type="text" aria-label="Sub-types" placeholder="Left Thumb, Right Thumb" value=subtypes
                on:input=move |ev| { let v = split_list(&event_target_value(&ev)); set_filter(Box::new(move |f| f.sub_type = (!v.is_empty()).then_some(v))) }/></td>
            <td><input type="text" aria-label="Language" size="5" prop:value=move || first().and_then(|f| f.language).unwrap_or_default()
                on:input=move |ev| { let v = event_target_value(&ev); set_filter(Box::new(move |f| f.language = opt(v))) }/>
                {(more > 0).then(|| view! { <span class="muted">{format!(" +{more} more filters (JSON view)")}</span> })}
            </td>
            <td><button type="button" class="link" aria-label="Remove source"
                on:click=move |_| ed.share(|d| { if let Some(a) = d.shareable_attributes.get_mut(i) { if j < a.source.len() { a.source.remove(j); } } })>"Remove"</button></td>
        </tr>
    }
}
