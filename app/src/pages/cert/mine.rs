//! A partner's certificate: its status and days to expiry, the uploaded and the re-signed
//! certificate to download, earlier uploads, and upload or renewal after a check that shows the
//! certificate's details and every failed check in plain words.

use crate::api::certificates::{
    get_my_certificate, get_partner_certificate, get_signing_cas, CheckMyCertificate,
    UploadMyCertificate,
};
use crate::components::cert::{
    expiry_words, CertFactsView, CertInput, CertInputState, PemDownload, Problems, UploadError,
};
use crate::components::form::{form_error, FormError};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::util::human_ms;
use domain::account::CurrentUser;
use domain::cert::{CertDomain, PartnerCertView};
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;

/// The partner's certificate page.
#[component]
pub fn MyCertificatePage() -> impl IntoView {
    view! {
        <Title text="Certificate"/>
        <RequireRole roles=Role::PARTNER.to_vec() view=|_u: CurrentUser| view! { <MineBody/> }/>
    }
}

/// The partner's current certificate and its upload or renewal.
#[component]
fn MineBody() -> impl IntoView {
    let check = ServerAction::<CheckMyCertificate>::new();
    let upload = ServerAction::<UploadMyCertificate>::new();
    let current = Resource::new(move || upload.version().get(), |_| get_my_certificate());
    // Created here, at the top, not inside the Suspend that renders the certificate: a
    // resource created while hydrating a suspended branch breaks hydration.
    let signing = Resource::new(|| (), |_| get_signing_cas());
    let uploaded = move || upload.value().get().and_then(|r| r.ok());
    view! {
        <h1>"Your certificate"</h1>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading certificate…"</p> }>
            {move || Suspend::new(async move {
                match current.await {
                    Ok(Some((domain, Some(cert)))) => view! { <Current domain cert signing=Some(signing)/> }.into_any(),
                    Ok(None) => view! {
                        <p class="empty" data-testid="cert-no-profile">"This account has no partner profile; certificates belong to a registered organisation."</p>
                    }.into_any(),
                    Ok(Some((domain, None))) => view! {
                        <p class="empty" data-testid="cert-missing">
                            {format!("No certificate yet. Upload your organisation's certificate for the {} domain, issued by a CA the operator trusts; the portal then issues its own certificate for the same key.", domain.as_str())}
                        </p>
                    }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
        {move || uploaded().map(|_| view! { <p class="notice" role="status" data-testid="cert-uploaded">"Certificate accepted; the re-signed certificate is ready to download."</p> })}
        <CertUpload check upload/>
    }
}

/// Upload or renewal: check the certificate, see every check's result, then upload exactly
/// what was checked.
#[component]
fn CertUpload(
    check: ServerAction<CheckMyCertificate>,
    upload: ServerAction<UploadMyCertificate>,
) -> impl IntoView {
    let input = CertInputState::new();
    // What was sent for checking, with the input version it was taken from: the upload sends
    // exactly those bytes, and the result shows only while the input is unchanged.
    let checked = RwSignal::new(None::<(u32, CheckMyCertificate)>);
    let check_error = form_error(move || check.value().get());
    let upload_error = form_error(move || upload.value().get());
    Effect::new(move |_| {
        if let Some(args) = check.input().get() {
            checked.set(Some((input.version.get_untracked(), args)));
        }
    });
    // Once stored, the input is cleared so the next certificate starts from a clean form.
    Effect::new(move |_| {
        if matches!(upload.value().get(), Some(Ok(_))) {
            input.clear();
        }
    });
    let result = move || {
        let (version, args) = checked.get()?;
        if version != input.version.get() || check.pending().get() {
            return None;
        }
        check.value().get()?.ok().map(|r| (r, args))
    };
    view! {
        <section class="panel" data-testid="cert-upload">
            <h2>"Upload or renew"</h2>
            <p class="muted">"The subject's organisation (O=) must be your registered organisation name. RSA keys of 2048 bits or more, or EC P-256/P-384; SHA-2 signatures."</p>
            <ActionForm action=check attr:data-testid="cert-check-form">
                <FormError error=check_error/>
                <CertInput state=input error=check_error/>
                <button type="submit" class="primary" disabled=move || check.pending().get() data-testid="cert-check">"Check"</button>
            </ActionForm>
            {move || result().map(|(r, args)| {
                let ok = r.problems.is_empty();
                view! {
                    <div class="cert-report" data-testid="cert-check-result" data-ok=ok.to_string()>
                        {if ok {
                            view! { <p><span class="badge ok">"All checks passed"</span></p> }.into_any()
                        } else {
                            view! { <p><span class="badge off">"Not accepted"</span> " Fix these and check again:"</p> }.into_any()
                        }}
                        {r.facts.map(|f| view! { <CertFactsView facts=f/> })}
                        {(!ok).then(|| view! { <Problems problems=r.problems.clone()/> })}
                    </div>
                    {ok.then(|| view! {
                        <ActionForm action=upload attr:data-testid="cert-confirm-form">
                            <input type="hidden" name="content" value=args.content.clone()/>
                            <input type="hidden" name="encoding" value=args.encoding.clone().unwrap_or_default()/>
                            <UploadError error=upload_error/>
                            <button type="submit" class="primary" disabled=move || upload.pending().get() data-testid="cert-confirm">"Upload this certificate"</button>
                        </ActionForm>
                    })}
                }
            })}
        </section>
    }
}

#[component]
fn Current(
    domain: CertDomain,
    cert: PartnerCertView,
    /// The signing CAs, to offer the one of the domain (the partner's own page).
    signing: Option<Resource<Result<Vec<domain::cert::SigningCaView>, domain::AppError>>>,
) -> impl IntoView {
    let stem = cert.partner_id.clone();
    view! {
        <section class="panel" data-testid="cert-current">
            <h2>"Current certificate"</h2>
            <p>
                {if cert.expired {
                    view! { <span class="badge off" data-testid="cert-status">"Expired"</span> }.into_any()
                } else if cert.days_left <= 30 {
                    view! { <span class="badge wait" data-testid="cert-status">"Expiring soon"</span> }.into_any()
                } else {
                    view! { <span class="badge ok" data-testid="cert-status">"Valid"</span> }.into_any()
                }}
                " " <span data-testid="cert-days-left">{expiry_words(cert.facts.not_after)}</span>
                {format!(" · {} domain · uploaded {}", domain.as_str(), human_ms(cert.uploaded_at))}
            </p>
            <CertFactsView facts=cert.facts.clone()/>
            <div class="actions">
                <PemDownload pem=cert.pem.clone() file_name=format!("{stem}-ca-signed.pem") label="Download uploaded (CA-signed)" test_id="download-uploaded"/>
                " "
                <PemDownload pem=cert.resigned_pem.clone() file_name=format!("{stem}-pms-signed.pem") label="Download re-signed" test_id="download-resigned"/>
            </div>
            <p class="muted" data-testid="resigned-validity">
                {format!("Re-signed certificate valid until {}{}.", human_ms(cert.resigned_not_after), if cert.resigned_expired { " (expired: upload your certificate again to have it re-signed)" } else { "" })}
            </p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let cas = match signing { Some(s) => s.await.ok(), None => None };
                    cas.and_then(|cas| cas.into_iter().find(|c| c.domain == domain)).map(|ca| view! {
                        <p class="muted">"Re-signed by " {ca.subject.clone()} ". "
                            <PemDownload pem=ca.pem.clone() file_name=format!("pms-{}-signing-ca.pem", ca.domain.as_str().to_lowercase()) label="Download the portal's CA"/>
                        </p>
                    })
                })}
            </Transition>
            {(!cert.history.is_empty()).then(|| {
                let shown = cert.history.len() as i64;
                let total = cert.history_total;
                view! {
                    <h3>"Earlier uploads"</h3>
                    {(total > shown).then(|| view! { <p class="muted" data-testid="cert-history-more">{format!("The latest {shown} of {total} earlier uploads.")}</p> })}
                    <table class="list" data-testid="cert-history">
                        <thead><tr><th>"Uploaded"</th><th>"Subject"</th><th>"Valid until"</th><th>"Thumbprint"</th><th>"Download"</th></tr></thead>
                        <tbody>
                            {cert.history.into_iter().map(|h| {
                                let file = format!("{stem}-{}", h.uploaded_at);
                                view! {
                                    <tr data-testid="cert-history-row">
                                        <td>{human_ms(h.uploaded_at)}</td>
                                        <td>{h.subject}</td>
                                        <td>{human_ms(h.not_after)} {h.expired.then(|| view! { " " <span class="badge off">"expired"</span> })}</td>
                                        <td class="mono">{h.thumbprint.chars().take(16).collect::<String>()} "…"</td>
                                        <td class="actions">
                                            <PemDownload pem=h.pem file_name=format!("{file}-ca-signed.pem") label="Uploaded" test_id="history-download-uploaded"/>
                                            " "
                                            <PemDownload pem=h.resigned_pem file_name=format!("{file}-pms-signed.pem") label=if h.resigned_expired { "Re-signed (expired)" } else { "Re-signed" } test_id="history-download-resigned"/>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }
            })}
        </section>
    }
}

/// A partner's certificate as partner admins see it on the partner's page. Render it outside
/// any suspended branch (it owns its resource).
#[component]
pub fn PartnerCertificatePanel(partner_id: String) -> impl IntoView {
    let cert = Resource::new(move || partner_id.clone(), get_partner_certificate);
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading certificate…"</p> }>
            {move || Suspend::new(async move {
                match cert.await {
                    Ok(Some(c)) => view! { <Current domain=c.domain cert=c signing=None/> }.into_any(),
                    Ok(None) => view! {
                        <section class="panel" data-testid="cert-current">
                            <h2>"Certificate"</h2>
                            <p class="empty" data-testid="cert-missing">"No certificate uploaded yet."</p>
                        </section>
                    }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}
