//! Server functions for SBIs, devices and FTM chips. Providers act on their own items only
//! (found from their account on the server); partner admins see and decide on all of them.

use domain::device::{
    ChipCertificates, ChipView, DeviceTypeOption, DeviceView, ItemQuery, SbiImpact, SbiView,
};
use domain::page::Page;
use domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::guard::{self, fail};
#[cfg(feature = "ssr")]
use crate::guard::{actor_of, require_admin as admin};
#[cfg(feature = "ssr")]
use domain::Role;

#[cfg(feature = "ssr")]
fn device_provider() -> Result<domain::account::CurrentUser, AppError> {
    guard::require_role(&[Role::DeviceProvider]).map_err(fail)
}

#[cfg(feature = "ssr")]
fn ftm_provider() -> Result<domain::account::CurrentUser, AppError> {
    guard::require_role(&[Role::FtmProvider]).map_err(fail)
}

#[cfg(feature = "ssr")]
fn parse_decision(value: &str) -> Result<domain::partner::Decision, AppError> {
    match domain::partner::Decision::parse(value) {
        Some(
            d @ (domain::partner::Decision::Approve
            | domain::partner::Decision::Reject
            | domain::partner::Decision::Deactivate),
        ) => Ok(d),
        _ => Err(fail(AppError::new(
            domain::ErrorKind::BadRequest,
            "PMS_DECISION_INVALID",
            "Decision must be approve, reject or deactivate.",
        ))),
    }
}

/// Device types and their sub-types (any signed-in account).
#[server(endpoint = "devices/types")]
pub async fn get_device_types() -> Result<Vec<DeviceTypeOption>, AppError> {
    guard::require_user().map_err(fail)?;
    guard::db(domain::device::model::types).await.map_err(fail)
}

/// The device provider's SBIs.
#[server(endpoint = "sbis/mine")]
pub async fn my_sbis(#[server(default)] query: ItemQuery) -> Result<Page<SbiView>, AppError> {
    let user = device_provider()?;
    guard::db(move |conn| domain::device::sbi::list_own(conn, &user, &query))
        .await
        .map_err(fail)
}

/// The device provider's SBIs that a new device can use (approved, unexpired).
#[server(endpoint = "sbis/mine/usable")]
pub async fn my_usable_sbis() -> Result<Vec<SbiView>, AppError> {
    let user = device_provider()?;
    guard::db(move |conn| domain::device::sbi::usable(conn, &user))
        .await
        .map_err(fail)
}

/// One of the provider's SBIs (its devices: `devices/mine` with `query[sbi]`).
#[server(endpoint = "sbis/mine/detail")]
pub async fn my_sbi(id: String) -> Result<SbiView, AppError> {
    let user = device_provider()?;
    guard::db(move |conn| domain::device::sbi::get_own(conn, &user, &id))
        .await
        .map_err(fail)
}

/// Declare an SBI.
#[server(endpoint = "sbis/create")]
pub async fn create_sbi(
    version: String,
    binary_hash: String,
    created_on: String,
    expires_on: String,
) -> Result<SbiView, AppError> {
    let user = device_provider()?;
    let actor = actor_of(&user);
    let max_years = guard::state()?.sbi_max_years;
    let input = domain::device::SbiInput {
        version,
        binary_hash,
        created_on,
        expires_on,
    };
    guard::db(move |conn| domain::device::sbi::create(conn, &actor, &user, &input, max_years))
        .await
        .map_err(fail)
}

/// The device provider's devices.
#[server(endpoint = "devices/mine")]
pub async fn my_devices(#[server(default)] query: ItemQuery) -> Result<Page<DeviceView>, AppError> {
    let user = device_provider()?;
    guard::db(move |conn| domain::device::model::list_own(conn, &user, &query, None))
        .await
        .map_err(fail)
}

/// Add a device model to one or more usable SBIs.
#[server(endpoint = "devices/create")]
pub async fn create_device(
    #[server(default)] sbi_ids: Vec<String>,
    device_type: String,
    sub_type: String,
    make: String,
    model: String,
) -> Result<DeviceView, AppError> {
    let user = device_provider()?;
    let actor = actor_of(&user);
    let input = domain::device::DeviceInput {
        sbi_ids,
        device_type,
        sub_type,
        make,
        model,
    };
    guard::db(move |conn| domain::device::model::create(conn, &actor, &user, &input))
        .await
        .map_err(fail)
}

/// Link one of the provider's pending or approved devices to another of its usable SBIs.
#[server(endpoint = "devices/link")]
pub async fn link_device_sbi(device_id: String, sbi_id: String) -> Result<DeviceView, AppError> {
    let user = device_provider()?;
    let actor = actor_of(&user);
    guard::db(move |conn| domain::device::model::link_sbi(conn, &actor, &user, &device_id, &sbi_id))
        .await
        .map_err(fail)
}

/// How many years ahead an SBI may expire (the form's date limit).
#[server(endpoint = "sbis/max-years")]
pub async fn get_sbi_max_years() -> Result<i64, AppError> {
    device_provider()?;
    Ok(guard::state()?.sbi_max_years)
}

/// The FTM provider's chips.
#[server(endpoint = "chips/mine")]
pub async fn my_chips(#[server(default)] query: ItemQuery) -> Result<Page<ChipView>, AppError> {
    let user = ftm_provider()?;
    guard::db(move |conn| domain::device::chip::list_own(conn, &user, &query))
        .await
        .map_err(fail)
}

/// Declare a chip model.
#[server(endpoint = "chips/create")]
pub async fn create_chip(make: String, model: String) -> Result<ChipView, AppError> {
    let user = ftm_provider()?;
    let actor = actor_of(&user);
    guard::db(move |conn| domain::device::chip::create(conn, &actor, &user, &make, &model))
        .await
        .map_err(fail)
}

/// Upload a chip model's certificate (text or base64, as for partner certificates).
#[server(endpoint = "chips/certificate")]
pub async fn upload_chip_certificate(
    id: String,
    content: String,
    #[server(default)] encoding: Option<String>,
) -> Result<ChipView, AppError> {
    let user = ftm_provider()?;
    let actor = actor_of(&user);
    let input =
        crate::api::certificates::upload_bytes(&content, encoding.as_deref()).map_err(fail)?;
    let config = guard::state()?.certs;
    guard::db(move |conn| {
        domain::device::chip::upload_certificate(conn, &actor, &user, &config, &id, &input)
    })
    .await
    .map_err(fail)
}

/// A chip's certificate and its re-signed form: its provider, or partner admins.
#[server(endpoint = "chips/certificate/download")]
pub async fn get_chip_certificates(id: String) -> Result<ChipCertificates, AppError> {
    let user = guard::require_role(&[Role::FtmProvider, Role::PartnerAdmin]).map_err(fail)?;
    guard::db(move |conn| {
        let owner = (!user.has(Role::PartnerAdmin)).then_some(&user);
        domain::device::chip::certificates(conn, &id, owner)
    })
    .await
    .map_err(fail)
}

/// All SBIs, filtered (partner admins).
#[server(endpoint = "sbis")]
pub async fn list_sbis(#[server(default)] query: ItemQuery) -> Result<Page<SbiView>, AppError> {
    admin()?;
    guard::db(move |conn| domain::device::sbi::list(conn, &query, None))
        .await
        .map_err(fail)
}

/// All devices, filtered (partner admins).
#[server(endpoint = "devices")]
pub async fn list_devices(
    #[server(default)] query: ItemQuery,
) -> Result<Page<DeviceView>, AppError> {
    admin()?;
    guard::db(move |conn| domain::device::model::list(conn, &query, None, None))
        .await
        .map_err(fail)
}

/// All chips, filtered (partner admins).
#[server(endpoint = "chips")]
pub async fn list_chips(#[server(default)] query: ItemQuery) -> Result<Page<ChipView>, AppError> {
    admin()?;
    guard::db(move |conn| domain::device::chip::list(conn, &query, None))
        .await
        .map_err(fail)
}

/// What deactivating an SBI would do to its devices (partner admins).
#[server(endpoint = "sbis/impact")]
pub async fn get_sbi_impact(id: String) -> Result<SbiImpact, AppError> {
    admin()?;
    guard::db(move |conn| domain::device::sbi::impact(conn, &id))
        .await
        .map_err(fail)
}

/// The device provider retires one of its own approved SBIs, with a reason; its devices go
/// with it as with an admin's deactivation.
#[server(endpoint = "sbis/mine/deactivate")]
pub async fn retire_sbi(
    id: String,
    #[server(default)] reason: Option<String>,
) -> Result<(SbiView, SbiImpact), AppError> {
    let user = device_provider()?;
    let actor = actor_of(&user);
    guard::db(move |conn| {
        domain::device::sbi::retire_own(conn, &actor, &user, &id, reason.as_deref())
    })
    .await
    .map_err(fail)
}

/// The device provider retires one of its own approved devices, with a reason.
#[server(endpoint = "devices/mine/deactivate")]
pub async fn retire_device(
    id: String,
    #[server(default)] reason: Option<String>,
) -> Result<DeviceView, AppError> {
    let user = device_provider()?;
    let actor = actor_of(&user);
    guard::db(move |conn| {
        domain::device::model::retire_own(conn, &actor, &user, &id, reason.as_deref())
    })
    .await
    .map_err(fail)
}

/// The FTM provider retires one of its own approved chips, with a reason.
#[server(endpoint = "chips/mine/deactivate")]
pub async fn retire_chip(
    id: String,
    #[server(default)] reason: Option<String>,
) -> Result<ChipView, AppError> {
    let user = ftm_provider()?;
    let actor = actor_of(&user);
    guard::db(move |conn| {
        domain::device::chip::retire_own(conn, &actor, &user, &id, reason.as_deref())
    })
    .await
    .map_err(fail)
}

/// Approve, reject or deactivate an SBI (partner admins).
#[server(endpoint = "sbis/decide")]
pub async fn decide_sbi(
    id: String,
    decision: String,
    #[server(default)] reason: Option<String>,
) -> Result<(SbiView, SbiImpact), AppError> {
    let actor = admin()?;
    let d = parse_decision(&decision)?;
    guard::db(move |conn| domain::device::sbi::decide(conn, &actor, &id, d, reason.as_deref()))
        .await
        .map_err(fail)
}

/// Approve, reject or deactivate a device (partner admins).
#[server(endpoint = "devices/decide")]
pub async fn decide_device(
    id: String,
    decision: String,
    #[server(default)] reason: Option<String>,
) -> Result<DeviceView, AppError> {
    let actor = admin()?;
    let d = parse_decision(&decision)?;
    guard::db(move |conn| domain::device::model::decide(conn, &actor, &id, d, reason.as_deref()))
        .await
        .map_err(fail)
}

/// Approve, reject or deactivate a chip (partner admins).
#[server(endpoint = "chips/decide")]
pub async fn decide_chip(
    id: String,
    decision: String,
    #[server(default)] reason: Option<String>,
) -> Result<ChipView, AppError> {
    let actor = admin()?;
    let d = parse_decision(&decision)?;
    guard::db(move |conn| domain::device::chip::decide(conn, &actor, &id, d, reason.as_deref()))
        .await
        .map_err(fail)
}
