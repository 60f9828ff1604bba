//! Pieces shared by the certificate pages: the paste-or-pick input, a certificate's facts, the
//! list of failed checks, and PEM downloads.

use crate::components::form::FormError;
use crate::util::{encode_query, human_ms};
use domain::cert::{CertFacts, MAX_UPLOAD_BYTES};
use domain::error::Violation;
use leptos::prelude::*;

/// What the user is about to send: the text (pasted, or a PEM file) or a binary file as
/// base64, and a counter that changes on every edit (so a stale check is hidden).
#[derive(Clone, Copy)]
pub struct CertInputState {
    /// The `content` field.
    pub content: RwSignal<String>,
    /// The `encoding` field: "text" or "base64".
    pub encoding: RwSignal<String>,
    /// Bumped on each change.
    pub version: RwSignal<u32>,
    /// Name of the picked file, if any.
    pub file_name: RwSignal<Option<String>>,
}

impl CertInputState {
    /// Empty input.
    pub fn new() -> Self {
        CertInputState {
            content: RwSignal::new(String::new()),
            encoding: RwSignal::new("text".into()),
            version: RwSignal::new(0),
            file_name: RwSignal::new(None),
        }
    }
}

impl CertInputState {
    /// Back to empty (after a successful upload).
    pub fn clear(&self) {
        self.content.set(String::new());
        self.encoding.set("text".into());
        self.file_name.set(None);
        self.version.update(|v| *v += 1);
    }
}

impl Default for CertInputState {
    fn default() -> Self {
        Self::new()
    }
}

/// A file picker and a paste area feeding the `content` and `encoding` fields of the
/// surrounding form. A PEM file is shown as text; a binary (DER, .p7b) file is sent as base64.
#[component]
pub fn CertInput(
    state: CertInputState,
    error: Signal<Option<AppError>>,
    /// Element id of the paste area (unique when a page has several inputs).
    #[prop(optional, into)]
    id: Option<String>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| "cert-content".to_string());
    let error_id = format!("{id}-error");
    let pick_error = RwSignal::new(None::<String>);
    let field_error = move || {
        error
            .get()
            .filter(|e| e.field.as_deref() == Some("certificate"))
    };
    view! {
        <div class="field">
            <label class="upload">"Certificate file "
                <input type="file" accept=".pem,.crt,.cer,.der,.p7b,.p7c,.txt" data-testid="cert-file"
                    on:change=move |ev| pick(ev, state, pick_error)/>
            </label>
            {move || state.file_name.get().map(|n| view! { <span class="muted" data-testid="cert-file-name">" " {n}</span> })}
            {move || pick_error.get().map(|e| view! { <p class="field-error" role="alert" data-testid="cert-pick-error">{e}</p> })}
        </div>
        <div class="field">
            <label for=id.clone()>"Or paste the certificate (PEM)"</label>
            <textarea id=id.clone() name="content" rows="8" class="code" spellcheck="false"
                placeholder="-----BEGIN CERTIFICATE-----"
                aria-invalid=move || field_error().is_some().to_string()
                aria-describedby=error_id.clone()
                data-testid="cert-content"
                prop:value=move || state.content.get()
                on:input=move |ev| {
                    state.content.set(event_target_value(&ev));
                    state.encoding.set("text".into());
                    state.file_name.set(None);
                    state.version.update(|v| *v += 1);
                }></textarea>
            <input type="hidden" name="encoding" prop:value=move || state.encoding.get()/>
            <p class="help">"PEM, DER or a PKCS#7 (.p7b) bundle, at most " {MAX_UPLOAD_BYTES / 1024} " KB. Never paste a private key."</p>
            <div id=error_id>
                {move || field_error().map(|e| view! { <p class="field-error" role="alert" data-testid="cert-error">{e.message}</p> })}
                {move || field_error().filter(|e| !e.details.is_empty()).map(|e| view! { <Problems problems=e.details.to_vec()/> })}
            </div>
        </div>
    }
}

#[allow(unused_variables)]
fn pick(ev: leptos::ev::Event, state: CertInputState, pick_error: RwSignal<Option<String>>) {
    #[cfg(feature = "hydrate")]
    {
        use base64::Engine;
        let Some((input, file)) = crate::components::form::picked_file(&ev) else {
            return;
        };
        // Cleared so that choosing the same file again (a renewal after an upload) is a change.
        input.set_value("");
        if file.size() as usize > MAX_UPLOAD_BYTES {
            pick_error.set(Some(format!(
                "{} is {} KB; a certificate or bundle is at most {} KB. Is this the right file?",
                file.name(),
                (file.size() as usize).div_ceil(1024),
                MAX_UPLOAD_BYTES / 1024
            )));
            return;
        }
        leptos::task::spawn_local(async move {
            match gloo_file::futures::read_as_bytes(&file).await {
                Ok(bytes) => {
                    pick_error.set(None);
                    match String::from_utf8(bytes.clone()) {
                        Ok(text) if text.contains("-----BEGIN") => {
                            state.content.set(text);
                            state.encoding.set("text".into());
                        }
                        _ => {
                            state
                                .content
                                .set(base64::engine::general_purpose::STANDARD.encode(&bytes));
                            state.encoding.set("base64".into());
                        }
                    }
                    state.file_name.set(Some(file.name()));
                    state.version.update(|v| *v += 1);
                }
                Err(e) => pick_error.set(Some(format!("The file could not be read: {e}"))),
            }
        });
    }
}

/// Every failed check, in plain words.
#[component]
pub fn Problems(problems: Vec<Violation>) -> impl IntoView {
    view! {
        <ul class="cert-problems" data-testid="cert-problems">
            {problems.into_iter().map(|p| view! {
                <li data-testid="cert-problem" data-check=p.path.clone()>{p.message}</li>
            }).collect_view()}
        </ul>
    }
}

/// Days until `until` from now, in words.
pub fn expiry_words(until: i64) -> String {
    let days = domain::cert::days_until(crate::util::now_ms(), until);
    match days {
        d if d < 0 => format!("expired {} day{} ago", -d, if d == -1 { "" } else { "s" }),
        0 => "expires today".into(),
        1 => "expires tomorrow".into(),
        d => format!("{d} days left"),
    }
}

/// A certificate's facts.
#[component]
pub fn CertFactsView(facts: CertFacts) -> impl IntoView {
    let expired = facts.not_after < crate::util::now_ms();
    view! {
        <dl class="facts" data-testid="cert-facts">
            <dt>"Subject"</dt><dd data-testid="cert-subject">{facts.subject.clone()}</dd>
            <dt>"Issuer"</dt><dd data-testid="cert-issuer">{facts.issuer.clone()}</dd>
            <dt>"Serial"</dt><dd class="mono">{facts.serial.clone()}</dd>
            <dt>"Valid"</dt><dd>{format!("{} to {}", human_ms(facts.not_before), human_ms(facts.not_after))}
                " " <span class=if expired { "badge off" } else { "badge ok" } data-testid="cert-expiry">{expiry_words(facts.not_after)}</span></dd>
            <dt>"Key"</dt><dd data-testid="cert-key">{facts.key_type.clone()}</dd>
            <dt>"Signature"</dt><dd>{facts.sig_alg.clone()}</dd>
            <dt>"SHA-256 thumbprint"</dt><dd class="mono" data-testid="cert-thumbprint">{facts.thumbprint.clone()}</dd>
            <dt>"Kind"</dt><dd>{match (facts.is_ca, facts.self_signed) {
                (true, true) => "CA, self-signed (root)",
                (true, false) => "CA (intermediate)",
                (false, true) => "End entity, self-signed",
                (false, false) => "End entity",
            }}{format!(", X.509 v{}", facts.version)}</dd>
        </dl>
    }
}

/// A download link for a PEM certificate.
#[component]
pub fn PemDownload(
    pem: String,
    file_name: String,
    label: &'static str,
    #[prop(optional)] test_id: &'static str,
) -> impl IntoView {
    let href = format!(
        "data:application/x-pem-file;charset=utf-8,{}",
        encode_query(&pem)
    );
    view! { <a class="button secondary" href=href download=file_name data-testid=test_id>{label}</a> }
}

use domain::AppError;

/// An upload's refusal inside its confirming form: the banner for the form, or the message
/// with the certificate's problems when it is about the certificate.
#[component]
pub fn UploadError(error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <FormError error/>
        {move || error.get().filter(|e| e.field.is_some()).map(|e| view! {
            <p class="alert" role="alert">{e.message.clone()}</p>
            {(!e.details.is_empty()).then(|| view! { <Problems problems=e.details.to_vec()/> })}
        })}
    }
}
