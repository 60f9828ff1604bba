//! Server functions for SBIs, devices and FTM chips. Providers act on their own items only
//! (found from their account on the server); partner admins see and decide on all of them.

use domain::device::{
    ChipCertificates, ChipView, DeviceTypeOption, DeviceView, ItemQuery, SbiImpact, SbiView,
};
use domain::page::Page;
use domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::guard::{self, fail, Caller, ADMIN};
#[cfg(feature = "ssr")]
use domain::Role;

#[cfg(feature = "ssr")]
const DEVICE_PROVIDER: &[Role] = &[Role::DeviceProvider];
#[cfg(feature = "ssr")]
const FTM_PROVIDER: &[Role] = &[Role::FtmProvider];

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
    guard::signed_in(|conn, _| domain::device::model::types(conn)).await
}

/// The device provider's SBIs.
#[server(endpoint = "sbis/mine")]
pub async fn my_sbis(#[server(default)] query: ItemQuery) -> Result<Page<SbiView>, AppError> {
    guard::call(DEVICE_PROVIDER, move |conn, me| {
        domain::device::sbi::list_own(conn, &me.user, &query)
    })
    .await
}

/// The device provider's SBIs that a new device can use (approved, unexpired).
#[server(endpoint = "sbis/mine/usable")]
pub async fn my_usable_sbis() -> Result<Vec<SbiView>, AppError> {
    guard::call(DEVICE_PROVIDER, |conn, me| {
        domain::device::sbi::usable(conn, &me.user)
    })
    .await
}

/// One of the provider's SBIs (its devices: `devices/mine` with `query[sbi]`).
#[server(endpoint = "sbis/mine/detail")]
pub async fn my_sbi(id: String) -> Result<SbiView, AppError> {
    guard::call(DEVICE_PROVIDER, move |conn, me| {
        domain::device::sbi::get_own(conn, &me.user, &id)
    })
    .await
}

/// Declare an SBI.
#[server(endpoint = "sbis/create")]
pub async fn create_sbi(
    version: String,
    binary_hash: String,
    created_on: String,
    expires_on: String,
) -> Result<SbiView, AppError> {
    let me = Caller::with_role(DEVICE_PROVIDER)?;
    let max_years = guard::state()?.sbi_max_years;
    let input = domain::device::SbiInput {
        version,
        binary_hash,
        created_on,
        expires_on,
    };
    guard::open(move |conn| {
        domain::device::sbi::create(conn, &me.actor, &me.user, &input, max_years)
    })
    .await
}

/// The device provider's devices.
#[server(endpoint = "devices/mine")]
pub async fn my_devices(#[server(default)] query: ItemQuery) -> Result<Page<DeviceView>, AppError> {
    guard::call(DEVICE_PROVIDER, move |conn, me| {
        domain::device::model::list_own(conn, &me.user, &query, None)
    })
    .await
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
    let input = domain::device::DeviceInput {
        sbi_ids,
        device_type,
        sub_type,
        make,
        model,
    };
    guard::call(DEVICE_PROVIDER, move |conn, me| {
        domain::device::model::create(conn, &me.actor, &me.user, &input)
    })
    .await
}

/// Link one of the provider's pending or approved devices to another of its usable SBIs.
#[server(endpoint = "devices/link")]
pub async fn link_device_sbi(device_id: String, sbi_id: String) -> Result<DeviceView, AppError> {
    guard::call(DEVICE_PROVIDER, move |conn, me| {
        domain::device::model::link_sbi(conn, &me.actor, &me.user, &device_id, &sbi_id)
    })
    .await
}

/// How many years ahead an SBI may expire (the form's date limit).
#[server(endpoint = "sbis/max-years")]
pub async fn get_sbi_max_years() -> Result<i64, AppError> {
    Caller::with_role(DEVICE_PROVIDER)?;
    Ok(guard::state()?.sbi_max_years)
}

/// The FTM provider's chips.
#[server(endpoint = "chips/mine")]
pub async fn my_chips(#[server(default)] query: ItemQuery) -> Result<Page<ChipView>, AppError> {
    guard::call(FTM_PROVIDER, move |conn, me| {
        domain::device::chip::list_own(conn, &me.user, &query)
    })
    .await
}

/// Declare a chip model.
#[server(endpoint = "chips/create")]
pub async fn create_chip(make: String, model: String) -> Result<ChipView, AppError> {
    guard::call(FTM_PROVIDER, move |conn, me| {
        domain::device::chip::create(conn, &me.actor, &me.user, &make, &model)
    })
    .await
}

/// Upload a chip model's certificate (text or base64, as for partner certificates).
#[server(endpoint = "chips/certificate")]
pub async fn upload_chip_certificate(
    id: String,
    content: String,
    #[server(default)] encoding: Option<String>,
) -> Result<ChipView, AppError> {
    let me = Caller::with_role(FTM_PROVIDER)?;
    let input =
        crate::api::certificates::upload_bytes(&content, encoding.as_deref()).map_err(fail)?;
    let config = guard::state()?.certs;
    guard::open(move |conn| {
        domain::device::chip::upload_certificate(conn, &me.actor, &me.user, &config, &id, &input)
    })
    .await
}

/// A chip's certificate and its re-signed form: its provider, or partner admins.
#[server(endpoint = "chips/certificate/download")]
pub async fn get_chip_certificates(id: String) -> Result<ChipCertificates, AppError> {
    guard::call(&[Role::FtmProvider, Role::PartnerAdmin], move |conn, me| {
        let owner = (!me.user.has(Role::PartnerAdmin)).then_some(&me.user);
        domain::device::chip::certificates(conn, &id, owner)
    })
    .await
}

/// All SBIs, filtered (partner admins).
#[server(endpoint = "sbis")]
pub async fn list_sbis(#[server(default)] query: ItemQuery) -> Result<Page<SbiView>, AppError> {
    guard::list::<domain::device::Sbis>(query).await
}

/// All devices, filtered (partner admins).
#[server(endpoint = "devices")]
pub async fn list_devices(
    #[server(default)] query: ItemQuery,
) -> Result<Page<DeviceView>, AppError> {
    guard::list::<domain::device::Devices>(query).await
}

/// All chips, filtered (partner admins).
#[server(endpoint = "chips")]
pub async fn list_chips(#[server(default)] query: ItemQuery) -> Result<Page<ChipView>, AppError> {
    guard::list::<domain::device::Chips>(query).await
}

/// What deactivating an SBI would do to its devices (partner admins).
#[server(endpoint = "sbis/impact")]
pub async fn get_sbi_impact(id: String) -> Result<SbiImpact, AppError> {
    guard::call(ADMIN, move |conn, _| domain::device::sbi::impact(conn, &id)).await
}

/// The device provider retires one of its own approved SBIs, with a reason; its devices go
/// with it as with an admin's deactivation.
#[server(endpoint = "sbis/mine/deactivate")]
pub async fn retire_sbi(
    id: String,
    #[server(default)] reason: Option<String>,
) -> Result<(SbiView, SbiImpact), AppError> {
    guard::call(DEVICE_PROVIDER, move |conn, me| {
        domain::device::sbi::retire_own(conn, &me.actor, &me.user, &id, reason.as_deref())
    })
    .await
}

/// The device provider retires one of its own approved devices, with a reason.
#[server(endpoint = "devices/mine/deactivate")]
pub async fn retire_device(
    id: String,
    #[server(default)] reason: Option<String>,
) -> Result<DeviceView, AppError> {
    guard::call(DEVICE_PROVIDER, move |conn, me| {
        domain::device::model::retire_own(conn, &me.actor, &me.user, &id, reason.as_deref())
    })
    .await
}

/// The FTM provider retires one of its own approved chips, with a reason.
#[server(endpoint = "chips/mine/deactivate")]
pub async fn retire_chip(
    id: String,
    #[server(default)] reason: Option<String>,
) -> Result<ChipView, AppError> {
    guard::call(FTM_PROVIDER, move |conn, me| {
        domain::device::chip::retire_own(conn, &me.actor, &me.user, &id, reason.as_deref())
    })
    .await
}

/// Approve, reject or deactivate an SBI (partner admins).
#[server(endpoint = "sbis/decide")]
pub async fn decide_sbi(
    id: String,
    decision: String,
    #[server(default)] reason: Option<String>,
) -> Result<(SbiView, SbiImpact), AppError> {
    let me = Caller::with_role(ADMIN)?;
    let d = parse_decision(&decision)?;
    guard::open(move |conn| domain::device::sbi::decide(conn, &me.actor, &id, d, reason.as_deref()))
        .await
}

/// Approve, reject or deactivate a device (partner admins).
#[server(endpoint = "devices/decide")]
pub async fn decide_device(
    id: String,
    decision: String,
    #[server(default)] reason: Option<String>,
) -> Result<DeviceView, AppError> {
    let me = Caller::with_role(ADMIN)?;
    let d = parse_decision(&decision)?;
    guard::open(move |conn| {
        domain::device::model::decide(conn, &me.actor, &id, d, reason.as_deref())
    })
    .await
}

/// Approve, reject or deactivate a chip (partner admins).
#[server(endpoint = "chips/decide")]
pub async fn decide_chip(
    id: String,
    decision: String,
    #[server(default)] reason: Option<String>,
) -> Result<ChipView, AppError> {
    let me = Caller::with_role(ADMIN)?;
    let d = parse_decision(&decision)?;
    guard::open(move |conn| {
        domain::device::chip::decide(conn, &me.actor, &id, d, reason.as_deref())
    })
    .await
}
