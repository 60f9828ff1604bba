//! Form pieces: labelled fields with their own error, the form-level error banner, the
//! confirmed deactivation of a list row, and the file a file input picked.

use domain::{AppError, ErrorKind};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::{client::Client, codec::PostUrl, request::ClientReq, Http, ServerFn};
use leptos_router::hooks::use_query_map;

/// The text inside a `<textarea>`, for every textarea with initial content. Leptos 0.8 writes
/// a textarea's children into server-rendered HTML unescaped (it treats them like `<script>`),
/// so a stored `</textarea><img onerror=...>` would become a live element. On the server the
/// text is escaped here (the browser decodes `&lt;` back inside a textarea, and hydration does
/// not touch textarea children); in the browser it becomes a text node, which is never markup.
pub fn textarea_text(s: &str) -> String {
    #[cfg(feature = "ssr")]
    {
        let mut out = String::with_capacity(s.len() + 8);
        // The HTML parser drops one newline right after `<textarea>`: keep the author's.
        if s.starts_with('\n') {
            out.push('\n');
        }
        for c in s.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                c => out.push(c),
            }
        }
        out
    }
    #[cfg(not(feature = "ssr"))]
    {
        s.to_string()
    }
}

/// Cookie carrying the error of a plain form post to the page the browser is sent back to.
pub const FLASH_COOKIE: &str = "pms_flash";

/// The flash cookie's value: nonce, field and message, each percent-encoded, joined by '!'.
pub fn flash_value(nonce: &str, field: Option<&str>, message: &str) -> String {
    use crate::util::encode_query;
    format!(
        "{}!{}!{}",
        encode_query(nonce),
        encode_query(field.unwrap_or_default()),
        encode_query(message)
    )
}

fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The flash cookie of this request (server) or page (browser), as (nonce, field, message).
fn flash() -> Option<(String, Option<String>, String)> {
    #[cfg(feature = "ssr")]
    let cookies: Option<String> = use_context::<http::request::Parts>().map(|p| {
        p.headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join("; ")
    });
    #[cfg(feature = "hydrate")]
    let cookies: Option<String> = {
        use leptos::wasm_bindgen::JsCast;
        document()
            .dyn_into::<web_sys::HtmlDocument>()
            .ok()
            .and_then(|d| d.cookie().ok())
    };
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let cookies: Option<String> = None;
    let cookies = cookies?;
    let value = cookies
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == FLASH_COOKIE)?
        .1;
    let mut parts = value.splitn(3, '!');
    let nonce = decode(parts.next()?)?;
    let field = decode(parts.next()?)?;
    let message = decode(parts.next()?)?;
    Some((nonce, (!field.is_empty()).then_some(field), message))
}

/// The error to show for a form: the action's last result, or (before WASM, after a plain
/// form post) the error the server redirected back with: the URL names it by a nonce, the
/// message comes from the server's flash cookie of that nonce, so no link can make the
/// portal say what its author wants.
pub fn form_error<T>(
    value: impl Fn() -> Option<Result<T, AppError>> + Send + Sync + 'static,
) -> Signal<Option<AppError>>
where
    T: 'static,
{
    let query = use_query_map();
    Signal::derive(move || match value() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => query.with(|q| {
            let nonce = q.get("error")?;
            let (flash_nonce, field, message) = flash()?;
            (flash_nonce == nonce).then(|| AppError {
                kind: ErrorKind::Validation,
                code: String::new(),
                field,
                message,
                request_id: None,
                details: Box::default(),
            })
        }),
    })
}

/// Banner for errors that are not about one field.
#[component]
pub fn FormError(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().filter(|e| e.field.is_none()).map(|e| {
            view! {
                <div class="alert" role="alert" data-testid="form-error">
                    {e.message.clone()}
                    {e.request_id.clone().filter(|_| e.kind == ErrorKind::Internal).map(|id| view! { <span class="muted">" (request id " {id} ")"</span> })}
                </div>
            }
        })
    }
}

/// A labelled input with its error beneath it.
#[component]
pub fn Field(
    /// Input name (also the server function argument).
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// Error signal of the form.
    error: Signal<Option<AppError>>,
    /// Input type.
    #[prop(default = "text")]
    kind: &'static str,
    /// Autocomplete hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Whether the field is required.
    #[prop(default = true)]
    required: bool,
    /// Help text.
    #[prop(optional, into)]
    help: Option<String>,
    /// Initial value (edit forms).
    #[prop(optional, into)]
    value: Option<String>,
    /// Largest number of characters (mirrors the server rule).
    #[prop(optional)]
    maxlength: Option<usize>,
    /// Smallest value (dates, numbers), mirroring the server rule.
    #[prop(optional, into)]
    min: MaybeProp<String>,
    /// Largest value (dates, numbers), mirroring the server rule.
    #[prop(optional, into)]
    max: MaybeProp<String>,
    /// The input element, for pages that move focus to it.
    #[prop(optional)]
    node_ref: Option<NodeRef<leptos::html::Input>>,
) -> impl IntoView {
    let id = format!("f-{name}");
    let node_ref = node_ref.unwrap_or_default();
    let err_id = format!("{id}-error");
    let message = move || field_message(error, name);
    let invalid = move || message().is_some().to_string();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                value=value
                maxlength=maxlength
                min=move || min.get()
                max=move || max.get()
                node_ref=node_ref
                aria-invalid=invalid
                aria-describedby=err_id.clone()
                data-testid=format!("input-{name}")
            />
            {help.map(|h| view! { <p class="help">{h}</p> })}
            <p class="field-error" id=err_id data-testid=format!("error-{name}")>{message}</p>
        </div>
    }
}

/// The error message of `name` in `error`, if any: its own field's, or one of every field's
/// problems the server reported at once.
pub fn field_message(error: Signal<Option<AppError>>, name: &str) -> Option<String> {
    error.with(|e| {
        e.as_ref()
            .and_then(|e| e.message_for(name))
            .map(str::to_string)
    })
}

/// A labelled select with its error beneath it. `options` are (value, label).
#[component]
pub fn SelectField(
    /// Select name (also the server function argument).
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// Error signal of the form.
    error: Signal<Option<AppError>>,
    /// (value, label) pairs.
    options: Vec<(String, String)>,
    /// Initially selected value.
    #[prop(optional, into)]
    selected: Option<String>,
    /// First, empty option's label (none when absent).
    #[prop(optional)]
    placeholder: Option<&'static str>,
    /// Help text.
    #[prop(optional, into)]
    help: Option<Signal<String>>,
    /// Disabled (e.g. not applicable to the current choice).
    #[prop(optional, into)]
    disabled: Option<Signal<bool>>,
    /// Called with the new value on change.
    #[prop(optional)]
    on_change: Option<Callback<String>>,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    let selected = selected.unwrap_or_default();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select
                id=id.clone()
                name=name
                aria-invalid=move || field_message(error, name).is_some().to_string()
                aria-describedby=err_id.clone()
                data-testid=format!("input-{name}")
                disabled=move || disabled.map(|d| d.get()).unwrap_or(false)
                on:change=move |ev| {
                    if let Some(cb) = on_change {
                        cb.run(event_target_value(&ev));
                    }
                }
            >
                {placeholder.map(|p| view! { <option value="">{p}</option> })}
                {options.into_iter().map(|(v, l)| {
                    let is = v == selected;
                    view! { <option value=v selected=is>{l}</option> }
                }).collect_view()}
            </select>
            {move || help.map(|h| view! { <p class="help">{h.get()}</p> })}
            <p class="field-error" id=err_id data-testid=format!("error-{name}")>{move || field_message(error, name)}</p>
        </div>
    }
}

/// A labelled multi-line text input with its error beneath it.
#[component]
pub fn TextAreaField(
    /// Name (also the server function argument).
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// Error signal of the form.
    error: Signal<Option<AppError>>,
    /// Initial value.
    #[prop(optional, into)]
    value: Option<String>,
    /// Largest number of characters.
    #[prop(optional)]
    maxlength: Option<usize>,
    /// Whether the field is required.
    #[prop(default = true)]
    required: bool,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <textarea
                id=id.clone()
                name=name
                rows="3"
                required=required
                maxlength=maxlength
                aria-invalid=move || field_message(error, name).is_some().to_string()
                aria-describedby=err_id.clone()
                data-testid=format!("input-{name}")
            >{textarea_text(&value.unwrap_or_default())}</textarea>
            <p class="field-error" id=err_id data-testid=format!("error-{name}")>{move || field_message(error, name)}</p>
        </div>
    }
}

/// The file picked in the `<input type="file">` an event came from, and that input.
#[cfg(feature = "hydrate")]
pub fn picked_file(ev: &leptos::ev::Event) -> Option<(web_sys::HtmlInputElement, gloo_file::File)> {
    use leptos::wasm_bindgen::JsCast;
    let input = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())?;
    let file = input.files().and_then(|l| l.get(0))?;
    Some((input, gloo_file::File::from(file)))
}

/// "Deactivate" that asks first: an inline confirmation with the consequence, the form that
/// confirms (`children`: an `ActionForm` posting the id) and a cancel button.
#[component]
pub fn ConfirmDeactivate(
    /// The question ("Deactivate key X? ...").
    question: String,
    /// Prefix of the test ids ("apikey" gives apikey-deactivate, apikey-deactivate-cancel).
    test_id: &'static str,
    children: Children,
) -> impl IntoView {
    let details = NodeRef::<leptos::html::Details>::new();
    view! {
        <details class="confirm" node_ref=details>
            <summary data-testid=format!("{test_id}-deactivate")>"Deactivate"</summary>
            <div class="confirm-box">
                <p data-testid=format!("{test_id}-question")>{question}</p>
                {children()}
                <button type="button" class="secondary" data-testid=format!("{test_id}-deactivate-cancel")
                    on:click=move |_| { if let Some(d) = details.get() { d.set_open(false); } }>"Cancel"</button>
            </div>
        </details>
    }
}

/// "Deactivate" on a list row: asks `question` first, then posts the row's `id` through
/// `action` (with the fields of `children`, if any: a retirement's reason).
#[component]
pub fn DeactivateRow<S, O>(
    /// Posts `id`.
    action: ServerAction<S>,
    /// The row's id.
    id: String,
    /// The question ("Deactivate key X? ...").
    question: String,
    /// Prefix of the test ids ("apikey" gives apikey-deactivate-confirm).
    test_id: &'static str,
    /// The confirming button's words.
    #[prop(default = "Yes, deactivate")]
    confirm: &'static str,
    /// Whether that button is off while the action runs.
    #[prop(optional)]
    lock: bool,
    /// Further fields the confirmation posts; with them the form is a block of its own, test
    /// id `{test_id}-retire-form`.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView
where
    S: serde::de::DeserializeOwned
        + ServerFn<Protocol = Http<PostUrl, O>>
        + Clone
        + Send
        + Sync
        + 'static,
    <<S::Client as Client<S::Error>>::Request as ClientReq<S::Error>>::FormData:
        From<leptos::web_sys::FormData>,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
    S::Client: Client<S::Error>,
    O: 'static,
{
    let button = move || {
        view! { <button type="submit" class="danger" disabled=move || lock && action.pending().get() data-testid=format!("{test_id}-deactivate-confirm")>{confirm}</button> }
    };
    let form = match children {
        Some(fields) => Either::Left(view! {
            <ActionForm action attr:data-testid=format!("{test_id}-retire-form")>
                <input type="hidden" name="id" value=id/>
                {fields()}
                {button()}
            </ActionForm>
        }),
        None => Either::Right(view! {
            <ActionForm action attr:class="inline">
                <input type="hidden" name="id" value=id/>
                {button()}
            </ActionForm>
        }),
    };
    view! { <ConfirmDeactivate question test_id>{form}</ConfirmDeactivate> }
}
