//! The policy document editor: a form for each policy type and a raw JSON view, kept in sync,
//! with live validation against the server's schema, JSON file upload and download.
//!
//! The JSON text is the source of truth and is what the surrounding form submits (the
//! `document` textarea, present in both views, so a plain form post works before WASM loads).
//! Form edits rewrite the text from the model; JSON edits update the model when the text fits
//! it. The form is offered only for documents that round-trip through the model unchanged.

#[cfg(feature = "hydrate")]
use crate::api::policies::validate_policy;
use domain::policy::document::{AuthPolicy, DataSharePolicy, MispPolicy, Structured};
#[cfg(feature = "hydrate")]
use domain::policy::MAX_DOCUMENT_BYTES;
use domain::policy::{PolicyType, Violation};
use domain::AppError;
use leptos::prelude::*;

mod auth;
mod misp;
mod share;

use auth::AuthForm;
use misp::MispForm;
use share::DataShareForm;

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

/// A trimmed value, or None when blank.
fn opt(s: String) -> Option<String> {
    let t = s.trim().to_string();
    (!t.is_empty()).then_some(t)
}

/// A comma-separated list's items, trimmed, blanks left out.
fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// The editor's own state, shared by its parts.
#[derive(Clone, Copy)]
struct Editor {
    ed: Ed,
    kind: Signal<PolicyType>,
    view_mode: RwSignal<View>,
    /// Why the form view is not offered for the text as it is.
    why_no_form: RwSignal<Option<String>>,
    /// Bumped when the model is replaced wholesale (upload, back to the form), so fields that
    /// are not bound live (comma lists) are rebuilt from it.
    rebuild: RwSignal<usize>,
    upload_error: RwSignal<Option<String>>,
}

impl Editor {
    /// A JSON edit: the text changes, and the model follows when the text fits it.
    fn on_json_input(self, ev: leptos::ev::Event) {
        let value = event_target_value(&ev);
        self.ed.text.set(value.clone());
        match Structured::parse(self.kind.get_untracked(), &value) {
            Ok(s) => {
                self.ed.model.set(Some(s));
                self.why_no_form.set(None);
            }
            Err(why) => {
                self.ed.model.set(None);
                self.why_no_form.set(Some(why));
            }
        }
    }

    /// Back to the form view, when the text fits the model (else says why not).
    fn show_form(self) {
        match Structured::parse(self.kind.get_untracked(), &self.ed.text.get_untracked()) {
            Ok(s) => {
                self.ed.model.set(Some(s));
                self.why_no_form.set(None);
                self.view_mode.set(View::Form);
                self.rebuild.update(|n| *n += 1);
            }
            Err(why) => self.why_no_form.set(Some(why)),
        }
    }
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
    let e = Editor {
        ed,
        kind,
        view_mode,
        why_no_form: RwSignal::new(None),
        rebuild: RwSignal::new(0),
        upload_error: RwSignal::new(None),
    };
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
    let server_error = last_save_error(error, text);
    view! {
        <div class="policy-editor" data-testid="policy-editor">
            <EditorBar e file_name/>
            <noscript>
                <p class="notice" data-testid="editor-noscript">"JavaScript is off: the form view cannot save your edits. "
                    <a href="?view=json">"Edit the JSON document instead"</a>" (it is saved exactly as typed)."</p>
            </noscript>
            {move || e.upload_error.get().map(|msg| view! { <p class="field-error" role="alert" data-testid="upload-error">{msg}</p> })}
            {move || e.why_no_form.get().map(|w| view! { <p class="help" data-testid="form-unavailable">{w}</p> })}
            <div hidden=move || view_mode.get() != View::Form data-testid="form-view">
                {move || {
                    // Re-built when the type or view changes, not on each keystroke.
                    let _ = (view_mode.get(), e.rebuild.get());
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
                    on:input=move |ev| e.on_json_input(ev)>{crate::components::form::textarea_text(&text.get_untracked())}</textarea>
            </div>
            <DocumentCheck server_error check kind/>
        </div>
    }
}

/// The last save's document error, until the author changes the document.
fn last_save_error(
    error: Signal<Option<AppError>>,
    text: RwSignal<String>,
) -> Signal<Option<AppError>> {
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
    Signal::derive(move || {
        shown_error.get().or_else(|| {
            // Before hydration (plain form post) the error comes from the page itself.
            error
                .get_untracked()
                .filter(|e| e.field.as_deref() == Some("document") && e.details.is_empty())
                .filter(|_| cfg!(not(feature = "hydrate")))
        })
    })
}

/// The view tabs (form, JSON), the JSON file upload and the download.
#[component]
fn EditorBar(e: Editor, file_name: Signal<String>) -> impl IntoView {
    let (view_mode, text) = (e.view_mode, e.ed.text);
    let download_href = move || {
        format!(
            "data:application/json;charset=utf-8,{}",
            crate::util::encode_query(&text.get())
        )
    };
    view! {
        <div class="editor-bar">
            <div class="tabs" role="tablist" aria-label="Editor view">
                <button type="button" role="tab" data-testid="view-form"
                    aria-selected=move || (view_mode.get() == View::Form).to_string()
                    class=move || if view_mode.get() == View::Form { "active" } else { "" }
                    on:click=move |_| e.show_form()>"Form"</button>
                <button type="button" role="tab" data-testid="view-json"
                    aria-selected=move || (view_mode.get() == View::Json).to_string()
                    class=move || if view_mode.get() == View::Json { "active" } else { "" }
                    on:click=move |_| view_mode.set(View::Json)>"JSON"</button>
            </div>
            <label class="upload">"Upload JSON file "
                <input type="file" accept=".json,application/json" data-testid="upload"
                    on:change=move |ev| upload(ev, e)/>
            </label>
            <a class="button secondary" href=download_href download=move || file_name.get() data-testid="download">"Download"</a>
        </div>
    }
}

/// Where the document stands: the last save's error, else the live check's verdict.
#[component]
fn DocumentCheck(
    server_error: Signal<Option<AppError>>,
    check: RwSignal<Check>,
    kind: Signal<PolicyType>,
) -> impl IntoView {
    view! {
        <div id="document-check" aria-live="polite" data-testid="document-check">
            {move || match server_error.get() {
                Some(e) => view! { <Problems message=e.message.clone() details=e.details.to_vec() testid="document-error"/> }.into_any(),
                None => match check.get() {
                    Check::Pending => view! { <p class="muted">"Checked against the schema as you type."</p> }.into_any(),
                    Check::Valid => view! { <p class="ok" data-testid="document-valid">{format!("Valid {} policy.", kind.get().label())}</p> }.into_any(),
                    Check::Invalid(message, details) => view! { <Problems message details testid="document-invalid"/> }.into_any(),
                },
            }}
        </div>
    }
}

/// A refused document: the message and each violation with its path.
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

/// A JSON file picked for upload: its text replaces the document (within the size limit), and
/// the form view follows when the text fits the model.
#[allow(unused_variables)]
fn upload(ev: leptos::ev::Event, e: Editor) {
    #[cfg(feature = "hydrate")]
    {
        let Some((_, file)) = crate::components::form::picked_file(&ev) else {
            return;
        };
        if file.size() as usize > MAX_DOCUMENT_BYTES {
            e.upload_error.set(Some(format!(
                "{} is {} KB; a policy document may be at most {} KB.",
                file.name(),
                (file.size() as usize).div_ceil(1024),
                MAX_DOCUMENT_BYTES / 1024
            )));
            return;
        }
        let Editor {
            ed,
            kind,
            view_mode,
            why_no_form,
            rebuild,
            upload_error,
        } = e;
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

/// The options of a select bound to `current`, as (value, label).
fn options(
    values: impl IntoIterator<Item = (&'static str, &'static str)>,
    current: impl Fn() -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    values
        .into_iter()
        .map(|(v, l)| view! { <option value=v selected=move || current() == v>{l}</option> })
        .collect_view()
}
