//! Form pieces: labelled fields with their own error, and the form-level error banner.

use domain::{AppError, ErrorKind};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The error to show for a form: the action's last result, or (before WASM, after a plain
/// form post) the `error`/`field` query parameters the server redirected back with.
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
            q.get("error").map(|message| AppError {
                kind: ErrorKind::Validation,
                code: String::new(),
                field: q.get("field"),
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
    let message = move || {
        error
            .get()
            .filter(|e| e.field.as_deref() == Some(name))
            .map(|e| e.message)
    };
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

/// The error message of `name` in `error`, if any.
fn field_message(error: Signal<Option<AppError>>, name: &'static str) -> Option<String> {
    error
        .get()
        .filter(|e| e.field.as_deref() == Some(name))
        .map(|e| e.message)
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
            >{value.unwrap_or_default()}</textarea>
            <p class="field-error" id=err_id data-testid=format!("error-{name}")>{move || field_message(error, name)}</p>
        </div>
    }
}
