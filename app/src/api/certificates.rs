//! Server functions for certificates. The trust store is the partner admins'; a partner's own
//! certificate is found from its account on the server, never from an id the browser sends.
//!
//! Uploads carry the file as `content` with `encoding` "text" (pasted or PEM text) or "base64"
//! (a file read as bytes, so DER and binary PKCS#7 survive the form encoding).

use domain::cert::{
    CaDetail, CaQuery, CaSummary, CaUploadReport, CertDomain, PartnerCertCheck, PartnerCertView,
    SigningCaView,
};
use domain::page::Page;
use domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::guard::{self, fail, Caller, ADMIN};
#[cfg(feature = "ssr")]
use domain::Role;

/// The bytes of an upload.
#[cfg(feature = "ssr")]
pub(crate) fn upload_bytes(content: &str, encoding: Option<&str>) -> Result<Vec<u8>, AppError> {
    use base64::Engine;
    match encoding.unwrap_or("text") {
        "text" => Ok(content.as_bytes().to_vec()),
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(content.trim())
            .map_err(|_| {
                AppError::validation(
                    "certificate",
                    "PMS_CERT_UNREADABLE",
                    "The uploaded file could not be decoded; try again.",
                )
            }),
        _ => Err(AppError::validation(
            "encoding",
            "PMS_CERT_ENCODING",
            "Encoding is text or base64.",
        )),
    }
}

/// The trust store, filtered, sorted and paged (PARTNER_ADMIN).
#[server(endpoint = "certificates/ca")]
pub async fn list_ca_certificates(
    #[server(default)] query: CaQuery,
) -> Result<Page<CaSummary>, AppError> {
    guard::list::<domain::cert::CaCertificates>(query).await
}

/// One trusted CA with its facts and chain (PARTNER_ADMIN).
#[server(endpoint = "certificates/ca/detail")]
pub async fn get_ca_certificate(id: String) -> Result<CaDetail, AppError> {
    guard::call(ADMIN, move |conn, _| domain::cert::trust::detail(conn, &id)).await
}

/// Check CA certificates without storing them: what each is and every failed check.
#[server(endpoint = "certificates/ca/check")]
pub async fn check_ca_certificates(
    domain: String,
    content: String,
    #[server(default)] encoding: Option<String>,
) -> Result<CaUploadReport, AppError> {
    let me = Caller::with_role(ADMIN)?;
    let input = upload_bytes(&content, encoding.as_deref()).map_err(fail)?;
    let config = guard::state()?.certs;
    guard::open(move |conn| {
        domain::cert::trust::upload(conn, &me.actor, &config, &domain, &input, true)
    })
    .await
}

/// Add CA certificates to the trust store (a bundle stores what passes, reports the rest).
#[server(endpoint = "certificates/ca/upload")]
pub async fn upload_ca_certificates(
    domain: String,
    content: String,
    #[server(default)] encoding: Option<String>,
) -> Result<CaUploadReport, AppError> {
    let me = Caller::with_role(ADMIN)?;
    let input = upload_bytes(&content, encoding.as_deref()).map_err(fail)?;
    let config = guard::state()?.certs;
    guard::open(move |conn| {
        domain::cert::trust::upload(conn, &me.actor, &config, &domain, &input, false)
    })
    .await
}

/// Stop trusting a CA (PARTNER_ADMIN).
#[server(endpoint = "certificates/ca/deactivate")]
pub async fn deactivate_ca_certificate(id: String) -> Result<CaSummary, AppError> {
    guard::call(ADMIN, move |conn, me| {
        domain::cert::trust::deactivate(conn, &me.actor, &id)
    })
    .await
}

/// The portal's signing CAs (public certificates; any signed-in account).
#[server(endpoint = "certificates/signing_cas")]
pub async fn get_signing_cas() -> Result<Vec<SigningCaView>, AppError> {
    guard::signed_in(|conn, _| domain::cert::signing::signing_cas(conn)).await
}

/// The domain of the signed-in partner's certificate and the certificate (None: not uploaded
/// yet); None altogether for an account without a partner profile.
#[server(endpoint = "certificates/mine")]
pub async fn get_my_certificate() -> Result<Option<(CertDomain, Option<PartnerCertView>)>, AppError>
{
    guard::call(&Role::PARTNER, |conn, me| {
        domain::cert::partner::own_with_domain(conn, &me.user)
    })
    .await
}

/// Check the partner's certificate before uploading it (stores nothing).
#[server(endpoint = "certificates/mine/check")]
pub async fn check_my_certificate(
    content: String,
    #[server(default)] encoding: Option<String>,
) -> Result<PartnerCertCheck, AppError> {
    let me = Caller::with_role(&Role::PARTNER)?;
    let input = upload_bytes(&content, encoding.as_deref()).map_err(fail)?;
    guard::open(move |conn| domain::cert::partner::check_own(conn, &me.user, &input)).await
}

/// Upload (or renew) the partner's certificate; the portal re-signs its key.
#[server(endpoint = "certificates/mine/upload")]
pub async fn upload_my_certificate(
    content: String,
    #[server(default)] encoding: Option<String>,
) -> Result<PartnerCertView, AppError> {
    let me = Caller::with_role(&Role::PARTNER)?;
    let input = upload_bytes(&content, encoding.as_deref()).map_err(fail)?;
    let config = guard::state()?.certs;
    guard::open(move |conn| {
        domain::cert::partner::upload_own(conn, &me.actor, &me.user, &config, &input)
    })
    .await
}

/// A partner's certificate, for partner admins.
#[server(endpoint = "certificates/partner")]
pub async fn get_partner_certificate(
    partner_id: String,
) -> Result<Option<PartnerCertView>, AppError> {
    guard::call(ADMIN, move |conn, _| {
        domain::cert::partner::of_partner(conn, &partner_id)
    })
    .await
}
