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
    #[prop(optional)]
    help: Option<&'static str>,
) -> impl IntoView {
    let id = format!("f-{name}");
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
                aria-invalid=invalid
                aria-describedby=err_id.clone()
                data-testid=format!("input-{name}")
            />
            {help.map(|h| view! { <p class="help">{h}</p> })}
            <p class="field-error" id=err_id data-testid=format!("error-{name}")>{message}</p>
        </div>
    }
}
