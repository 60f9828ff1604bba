//! The policy document editor: a form for each policy type and a raw JSON view, kept in sync,
//! with live validation against the server's schema, JSON file upload and download.
//!
//! The JSON text is the source of truth and is what the surrounding form submits (the
//! `document` textarea, present in both views, so a plain form post works before WASM loads).
//! Form edits rewrite the text from the model; JSON edits update the model when the text fits
//! it. The form is offered only for documents that round-trip through the model unchanged.

#[cfg(feature = "hydrate")]
use crate::api::policies::validate_policy;
use domain::policy::document::{
    AttributeSource, AuthPolicy, AuthTypeRule, DataSharePolicy, KycAttribute, MispPolicy,
    ShareableAttribute, SourceFilter, Structured, AUTH_TOKEN_TYPES, AUTH_TYPES, ENCRYPTION_TYPES,
    SHARE_TYPES,
};
#[cfg(feature = "hydrate")]
use domain::policy::MAX_DOCUMENT_BYTES;
use domain::policy::{PolicyType, Violation};
use domain::AppError;
use leptos::prelude::*;

#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    Form,
    Json,
}

/// Where the live check stands.
#[derive(Clone, Debug, PartialEq)]
enum Check {
    /// Not checked yet (before WASM, or while typing).
    Pending,
    /// The server accepted the document.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    Valid,
    /// Syntax error or schema violations.
    Invalid(String, Vec<Violation>),
}

/// Shared handles of one editor.
#[derive(Clone, Copy)]
struct Ed {
    text: RwSignal<String>,
    model: RwSignal<Option<Structured>>,
}

impl Ed {
    /// Apply a form edit to the model and rewrite the JSON text from it.
    fn edit(self, f: impl FnOnce(&mut Structured)) {
        self.model.update(|m| {
            if let Some(m) = m {
                f(m);
            }
        });
        if let Some(m) = self.model.get_untracked() {
            self.text.set(m.to_json());
        }
    }

    fn auth(self, f: impl FnOnce(&mut AuthPolicy)) {
        self.edit(|m| {
            if let Structured::Auth(a) = m {
                f(a)
            }
        });
    }

    fn share(self, f: impl FnOnce(&mut DataSharePolicy)) {
        self.edit(|m| {
            if let Structured::DataShare(d) = m {
                f(d)
            }
        });
    }

    fn misp(self, f: impl FnOnce(&mut MispPolicy)) {
        self.edit(|m| {
            if let Structured::Misp(d) = m {
                f(d)
            }
        });
    }

    fn read<T: Default>(self, f: impl FnOnce(&Structured) -> T) -> T {
        self.model.with(|m| m.as_ref().map(f).unwrap_or_default())
    }

    fn read_auth<T: Default>(self, f: impl FnOnce(&AuthPolicy) -> T) -> T {
        self.read(|m| match m {
            Structured::Auth(a) => f(a),
            _ => T::default(),
        })
    }

    fn read_share<T: Default>(self, f: impl FnOnce(&DataSharePolicy) -> T) -> T {
        self.read(|m| match m {
            Structured::DataShare(d) => f(d),
            _ => T::default(),
        })
    }

    fn read_misp<T: Default>(self, f: impl FnOnce(&MispPolicy) -> T) -> T {
        self.read(|m| match m {
            Structured::Misp(d) => f(d),
            _ => T::default(),
        })
    }
}

fn opt(s: String) -> Option<String> {
    let t = s.trim().to_string();
    (!t.is_empty()).then_some(t)
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// The editor. `text` holds the document; `kind` its type; `error` the last save's error (a
/// `document` field error is shown with its violations).
#[component]
pub fn PolicyEditor(
    kind: Signal<PolicyType>,
    text: RwSignal<String>,
    error: Signal<Option<AppError>>,
    /// File name offered for download.
    #[prop(into)]
    file_name: Signal<String>,
) -> impl IntoView {
    let initial = Structured::parse(kind.get_untracked(), &text.get_untracked()).ok();
    // `?view=json` opens the JSON view: the way to edit without JavaScript (the form view
    // needs it; its fields are not posted), offered by the notice below.
    let json_asked = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("view").as_deref() == Some("json"));
    let view_mode = RwSignal::new(if initial.is_some() && !json_asked {
        View::Form
    } else {
        View::Json
    });
    let ed = Ed {
        text,
        model: RwSignal::new(initial),
    };
    let why_no_form = RwSignal::new(None::<String>);
    // Bumped when the model is replaced wholesale (upload, back to the form), so fields that
    // are not bound live (comma lists) are rebuilt from it.
    let rebuild = RwSignal::new(0usize);
    // A new type (new-policy page): the parent has put that type's template in `text`.
    Effect::watch(
        move || kind.get(),
        move |k, _, _| {
            let parsed = Structured::parse(*k, &text.get_untracked());
            ed.model.set(parsed.ok());
        },
        false,
    );
    let check = RwSignal::new(Check::Pending);
    live_check(kind, text, check);
    let upload_error = RwSignal::new(None::<String>);

    let on_json_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        text.set(value.clone());
        match Structured::parse(kind.get_untracked(), &value) {
            Ok(s) => {
                ed.model.set(Some(s));
                why_no_form.set(None);
            }
            Err(why) => {
                ed.model.set(None);
                why_no_form.set(Some(why));
            }
        }
    };
    let show_form = move |_| match Structured::parse(kind.get_untracked(), &text.get_untracked()) {
        Ok(s) => {
            ed.model.set(Some(s));
            why_no_form.set(None);
            view_mode.set(View::Form);
            rebuild.update(|n| *n += 1);
        }
        Err(why) => why_no_form.set(Some(why)),
    };
    let download_href = move || {
        format!(
            "data:application/json;charset=utf-8,{}",
            crate::util::encode_query(&text.get())
        )
    };
    // The last save's document error, until the author changes the document.
    let shown_error = RwSignal::new(None::<AppError>);
    Effect::watch(
        move || error.get(),
        move |e, _, _| {
            shown_error.set(e.clone().filter(|e| e.field.as_deref() == Some("document")))
        },
        true,
    );
    Effect::watch(
        move || text.track(),
        move |_, _, _| shown_error.set(None),
        false,
    );
    let server_error = move || {
        shown_error.get().or_else(|| {
            // Before hydration (plain form post) the error comes from the page itself.
            error
                .get_untracked()
                .filter(|e| e.field.as_deref() == Some("document") && e.details.is_empty())
                .filter(|_| cfg!(not(feature = "hydrate")))
        })
    };

    view! {
        <div class="policy-editor" data-testid="policy-editor">
            <div class="editor-bar">
                <div class="tabs" role="tablist" aria-label="Editor view">
                    <button type="button" role="tab" data-testid="view-form"
                        aria-selected=move || (view_mode.get() == View::Form).to_string()
                        class=move || if view_mode.get() == View::Form { "active" } else { "" }
                        on:click=show_form>"Form"</button>
                    <button type="button" role="tab" data-testid="view-json"
                        aria-selected=move || (view_mode.get() == View::Json).to_string()
                        class=move || if view_mode.get() == View::Json { "active" } else { "" }
                        on:click=move |_| view_mode.set(View::Json)>"JSON"</button>
                </div>
                <label class="upload">"Upload JSON file "
                    <input type="file" accept=".json,application/json" data-testid="upload"
                        on:change=move |ev| upload(ev, ed, view_mode, kind, upload_error, why_no_form, rebuild)/>
                </label>
                <a class="button secondary" href=download_href download=move || file_name.get() data-testid="download">"Download"</a>
            </div>
            <noscript>
                <p class="notice" data-testid="editor-noscript">"JavaScript is off: the form view cannot save your edits. "
                    <a href="?view=json">"Edit the JSON document instead"</a>" (it is saved exactly as typed)."</p>
            </noscript>
            {move || upload_error.get().map(|e| view! { <p class="field-error" role="alert" data-testid="upload-error">{e}</p> })}
            {move || why_no_form.get().map(|w| view! { <p class="help" data-testid="form-unavailable">{w}</p> })}
            <div hidden=move || view_mode.get() != View::Form data-testid="form-view">
                {move || {
                    // Re-built when the type or view changes, not on each keystroke.
                    let _ = (view_mode.get(), rebuild.get());
                    match kind.get() {
                        PolicyType::Auth => view! { <AuthForm ed/> }.into_any(),
                        PolicyType::DataShare => view! { <DataShareForm ed/> }.into_any(),
                        PolicyType::Misp => view! { <MispForm ed/> }.into_any(),
                    }
                }}
            </div>
            <div class="field" hidden=move || view_mode.get() != View::Json>
                <label for="f-document">"Policy document (JSON)"</label>
                <textarea id="f-document" name="document" rows="18" spellcheck="false" class="code"
                    data-testid="input-document"
                    aria-describedby="document-check"
                    prop:value=move || text.get()
                    on:input=on_json_input>{crate::components::form::textarea_text(&text.get_untracked())}</textarea>
            </div>
            <div id="document-check" aria-live="polite" data-testid="document-check">
                {move || match server_error() {
                    Some(e) => view! { <Problems message=e.message.clone() details=e.details.to_vec() testid="document-error"/> }.into_any(),
                    None => match check.get() {
                        Check::Pending => view! { <p class="muted">"Checked against the schema as you type."</p> }.into_any(),
                        Check::Valid => view! { <p class="ok" data-testid="document-valid">{format!("Valid {} policy.", kind.get().label())}</p> }.into_any(),
                        Check::Invalid(message, details) => view! { <Problems message details testid="document-invalid"/> }.into_any(),
                    },
                }}
            </div>
        </div>
    }
}

#[component]
fn Problems(message: String, details: Vec<Violation>, testid: &'static str) -> impl IntoView {
    view! {
        <div class="problems" role="alert" data-testid=testid>
            <p class="field-error">{message}</p>
            {(!details.is_empty()).then(|| view! {
                <ul>
                    {details.into_iter().map(|v| view! {
                        <li data-testid="violation"><code>{if v.path.is_empty() { "(document)".to_string() } else { v.path }}</code> " " {v.message}</li>
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}

/// Check the text against the schema after the author pauses typing: syntax locally at once,
/// the schema on the server (the validator stays out of the browser bundle).
#[allow(unused_variables)]
fn live_check(kind: Signal<PolicyType>, text: RwSignal<String>, check: RwSignal<Check>) {
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let (k, t) = (kind.get(), text.get());
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        let syntax = serde_json::from_str::<serde_json::Value>(&t).err();
        if let Some(e) = &syntax {
            check.set(Check::Invalid(format!("Not valid JSON: {e}."), Vec::new()));
        }
        #[cfg(feature = "hydrate")]
        if syntax.is_none() {
            leptos::task::spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(350).await;
                // `try_`: the author may have left the page meanwhile (its values are gone,
                // and touching them would panic).
                if generation.try_get_value() != Some(mine) {
                    return;
                }
                let result = validate_policy(k.as_str().to_string(), t).await;
                if generation.try_get_value() != Some(mine) {
                    return;
                }
                let _ = check.try_set(match result {
                    Ok(()) => Check::Valid,
                    Err(e) => Check::Invalid(e.message, e.details.to_vec()),
                });
            });
        }
    });
}

#[allow(unused_variables)]
fn upload(
    ev: leptos::ev::Event,
    ed: Ed,
    view_mode: RwSignal<View>,
    kind: Signal<PolicyType>,
    upload_error: RwSignal<Option<String>>,
    why_no_form: RwSignal<Option<String>>,
    rebuild: RwSignal<usize>,
) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|l| l.get(0)) else {
            return;
        };
        let file = gloo_file::File::from(file);
        if file.size() as usize > MAX_DOCUMENT_BYTES {
            upload_error.set(Some(format!(
                "{} is {} KB; a policy document may be at most {} KB.",
                file.name(),
                (file.size() as usize).div_ceil(1024),
                MAX_DOCUMENT_BYTES / 1024
            )));
            return;
        }
        leptos::task::spawn_local(async move {
            match gloo_file::futures::read_as_text(&file).await {
                Ok(content) => {
                    upload_error.set(None);
                    ed.text.set(content.clone());
                    match Structured::parse(kind.get_untracked(), &content) {
                        Ok(s) => {
                            ed.model.set(Some(s));
                            why_no_form.set(None);
                            rebuild.update(|n| *n += 1);
                        }
                        Err(why) => {
                            ed.model.set(None);
                            why_no_form.set(Some(why));
                            view_mode.set(View::Json);
                        }
                    }
                }
                Err(e) => upload_error.set(Some(format!("The file could not be read: {e}."))),
            }
        });
    }
}

fn options(
    values: impl IntoIterator<Item = (&'static str, &'static str)>,
    current: impl Fn() -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    values
        .into_iter()
        .map(|(v, l)| view! { <option value=v selected=move || current() == v>{l}</option> })
        .collect_view()
}

#[component]
fn AuthForm(ed: Ed) -> impl IntoView {
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

#[component]
fn DataShareForm(ed: Ed) -> impl IntoView {
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

#[component]
fn MispForm(ed: Ed) -> impl IntoView {
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
