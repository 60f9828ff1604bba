//! MOSIP's lists of devices, SBIs and FTM chips (`GET /devicedetail`,
//! `/securebiometricinterface`, `/ftpchipdetail/v2`) on the portal's device lists, with MOSIP's
//! filters, sorts, paging checks and item shapes.

use super::auth::require;
use super::envelope::{self, Fault};
use super::lists::{empty, fail, page_answer, paging, Mode, Paging, Params};
use super::{run, MosipState};
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use domain::device::{ChipColumn, DeviceColumn, ItemQuery, ItemStatus, SbiColumn, SbiFilter};
use domain::page::Columns;
use domain::Role;
use serde_json::{json, Value};

/// MOSIP's spelling of an item status (its derived status: lower case).
fn status_text(s: ItemStatus) -> String {
    s.as_str().to_ascii_lowercase()
}

/// MOSIP's exact status filter among `allowed`: `Ok(None)` without one, `Err(())` for a value
/// MOSIP matches nothing with.
fn status_of(p: &Params, allowed: &[ItemStatus]) -> Result<Option<ItemStatus>, ()> {
    match p.text("status") {
        None => Ok(None),
        Some(v) => allowed
            .iter()
            .find(|s| status_text(**s) == v)
            .map(|s| Some(*s))
            .ok_or(()),
    }
}

fn query(paging: &Paging<impl Copy>, status: Option<ItemStatus>) -> ItemQuery {
    let (page, page_size) = paging.portal();
    ItemQuery {
        status: status.map(|s| s.as_str().to_string()),
        page,
        page_size,
        ..Default::default()
    }
}

const DEVICE_SORTS: [(&str, DeviceColumn); 11] = [
    ("deviceId", DeviceColumn::Id),
    ("sbiId", DeviceColumn::SbiId),
    ("sbiVersion", DeviceColumn::SbiVersion),
    ("partnerId", DeviceColumn::Partner),
    ("orgName", DeviceColumn::Organisation),
    ("deviceType", DeviceColumn::Type),
    ("deviceSubType", DeviceColumn::SubType),
    ("make", DeviceColumn::Make),
    ("model", DeviceColumn::Model),
    ("createdDateTime", DeviceColumn::Created),
    ("status", DeviceColumn::Status),
];

const DEVICE_FILTERS: [(&str, DeviceColumn); 9] = [
    ("partnerId", DeviceColumn::Partner),
    ("orgName", DeviceColumn::Organisation),
    ("deviceType", DeviceColumn::Type),
    ("deviceSubType", DeviceColumn::SubType),
    ("make", DeviceColumn::Make),
    ("model", DeviceColumn::Model),
    ("sbiId", DeviceColumn::SbiId),
    ("sbiVersion", DeviceColumn::SbiVersion),
    ("deviceId", DeviceColumn::Id),
];

/// The statuses the device and SBI lists filter by (MOSIP has no pending certificate).
const LISTED: [ItemStatus; 4] = [
    ItemStatus::Approved,
    ItemStatus::Rejected,
    ItemStatus::PendingApproval,
    ItemStatus::Deactivated,
];

/// `GET /v1/partnermanager/devicedetail`: every provider's device models (partner admins), page
/// 0 of 8 unless asked; one row per device with its first linked SBI (by version).
pub async fn devices(
    State(state): State<MosipState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    const ID: &str = "mosip.pms.get.all.device.details.get";
    let a: Result<Response, Fault> = async {
        require(&state, &headers, &[Role::PartnerAdmin]).await?;
        let p = Params::parse(raw);
        let paging = paging(&p, &DEVICE_SORTS, Mode::Defaulted)?;
        let Ok(status) = status_of(&p, &LISTED) else {
            return Ok(empty(ID));
        };
        let query = query(&paging, status);
        let columns = Columns {
            contains: p.contains(&DEVICE_FILTERS),
            sort: paging.sort,
        };
        let page = run(&state, move |conn| {
            domain::device::model::list_by(conn, &query, None, None, &columns)
        })
        .await?;
        let data: Vec<Value> = page.items.iter().map(device_json).collect();
        Ok(page_answer(ID, &paging, page.total, data))
    }
    .await;
    a.unwrap_or_else(|f| fail(ID, f))
}

fn device_json(d: &domain::device::DeviceView) -> Value {
    let sbi = d.sbis.first();
    json!({
        "deviceId": d.id,
        "partnerId": d.partner_id,
        "orgName": d.organisation,
        "deviceType": d.device_type,
        "deviceSubType": d.sub_type,
        "status": status_text(d.status),
        "make": d.make,
        "model": d.model,
        "createdDateTime": envelope::time_text(d.created_at),
        "sbiId": sbi.map(|s| s.id.as_str()),
        "sbiVersion": sbi.map(|s| s.version.as_str()),
    })
}

const SBI_SORTS: [(&str, SbiColumn); 11] = [
    ("partnerId", SbiColumn::Partner),
    ("orgName", SbiColumn::Organisation),
    ("sbiId", SbiColumn::Id),
    ("sbiVersion", SbiColumn::Version),
    ("sbiCreatedDateTime", SbiColumn::CreatedOn),
    ("sbiExpiryDateTime", SbiColumn::ExpiresOn),
    ("createdDateTime", SbiColumn::Created),
    ("status", SbiColumn::Status),
    // Expired SBIs are those whose expiry is past: the expiry orders them.
    ("sbiExpiryStatus", SbiColumn::ExpiresOn),
    ("countOfAssociatedDevices", SbiColumn::Devices),
    // Every SBI's partner is a device provider: the order is the partner's.
    ("partnerType", SbiColumn::Partner),
];

const SBI_FILTERS: [(&str, SbiColumn); 4] = [
    ("partnerId", SbiColumn::Partner),
    ("orgName", SbiColumn::Organisation),
    ("sbiId", SbiColumn::Id),
    ("sbiVersion", SbiColumn::Version),
];

/// `GET /v1/partnermanager/securebiometricinterface`: SBIs, every provider's for partner
/// admins, the caller's own for device providers; unpaged unless asked (up to the portal's
/// largest page).
pub async fn sbis(
    State(state): State<MosipState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    const ID: &str = "mosip.pms.all.sbi.details.get";
    let a: Result<Response, Fault> = async {
        let roles = [Role::PartnerAdmin, Role::DeviceProvider];
        let who = require(&state, &headers, &roles).await?;
        let p = Params::parse(raw);
        let paging = paging(&p, &SBI_SORTS, Mode::Optional)?;
        let admin = who.has_any(&[Role::PartnerAdmin]);
        let user = who.account().cloned();
        if !admin && user.is_none() {
            return Err(Fault::unknown_user());
        }
        let Ok(status) = status_of(&p, &LISTED) else {
            return Ok(empty(ID));
        };
        let Some((expired, within)) = expiry_of(&p)? else {
            return Ok(empty(ID));
        };
        let query = query(&paging, status);
        let filter = SbiFilter {
            columns: Columns {
                contains: p.contains(&SBI_FILTERS),
                sort: paging.sort,
            },
            expired,
            expiring_within_days: within,
        };
        let found = run(&state, move |conn| {
            let page = match (admin, &user) {
                (false, Some(user)) => {
                    domain::device::sbi::list_own_by(conn, user, &query, &filter)
                }
                _ => domain::device::sbi::list_by(conn, &query, None, &filter),
            }?;
            let ids: Vec<&str> = page.items.iter().map(|s| s.id.as_str()).collect();
            let counts = domain::device::sbi::device_counts(conn, &ids)?;
            Ok((page, counts))
        })
        .await;
        let (page, counts) = match found {
            Ok(x) => x,
            Err(f) if f.code == "PMS_NOT_FOUND" => return Err(Fault::unknown_user()),
            Err(f) => return Err(f),
        };
        let now = domain::clock::now_ms();
        let data: Vec<Value> = page
            .items
            .iter()
            .map(|s| sbi_json(s, &counts, now))
            .collect();
        Ok(page_answer(ID, &paging, page.total, data))
    }
    .await;
    a.unwrap_or_else(|f| fail(ID, f))
}

/// Expired (or still valid) SBIs only, and expiring within how many days.
type Expiry = (Option<bool>, Option<i64>);

/// The SBI list's expiry filters: `sbiExpiryStatus` (`expired` or `valid`) and `expiryPeriod`
/// (1 to 30 days, else `PMS_COR_001`); `None` for an expiry status MOSIP matches nothing with.
fn expiry_of(p: &Params) -> Result<Option<Expiry>, Fault> {
    let expired = match p.text("sbiExpiryStatus").as_deref() {
        None => None,
        Some("expired") => Some(true),
        Some("valid") => Some(false),
        Some(_) => return Ok(None),
    };
    let within = match p.text("expiryPeriod") {
        None => None,
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if (1..=30).contains(&n) => Some(n),
            _ => {
                return Err(Fault::new(
                    "PMS_COR_001",
                    "Invalid request parameter - expiryPeriod must be between 1 and 30",
                ))
            }
        },
    };
    Ok(Some((expired, within)))
}

/// An SBI as MOSIP lists it, with its devices counted from `counts` (SBI id, status, count).
fn sbi_json(s: &domain::device::SbiView, counts: &[(String, ItemStatus, i64)], now: i64) -> Value {
    let count = |st: Option<ItemStatus>| -> i64 {
        counts
            .iter()
            .filter(|(i, c, _)| *i == s.id && st.is_none_or(|st| st == *c))
            .map(|(_, _, n)| n)
            .sum()
    };
    json!({
        "partnerId": s.partner_id,
        "orgName": s.organisation,
        "sbiId": s.id,
        "sbiVersion": s.version,
        "status": status_text(s.status),
        "isActive": s.status == ItemStatus::Approved,
        "sbiCreatedDateTime": envelope::time_text(s.created_on),
        "sbiExpiryDateTime": envelope::time_text(s.expires_on),
        "sbiExpiryStatus": if s.expires_on < now { "expired" } else { "valid" },
        "countOfAssociatedDevices": count(None),
        "countOfApprovedDevices": count(Some(ItemStatus::Approved)),
        "countOfPendingDevices": count(Some(ItemStatus::PendingApproval)),
        "createdDateTime": envelope::time_text(s.created_at),
    })
}

const CHIP_SORTS: [(&str, ChipColumn); 7] = [
    ("partnerId", ChipColumn::Partner),
    ("orgName", ChipColumn::Organisation),
    ("ftmId", ChipColumn::Id),
    ("make", ChipColumn::Make),
    ("model", ChipColumn::Model),
    ("createdDateTime", ChipColumn::Created),
    ("status", ChipColumn::Status),
];

const CHIP_FILTERS: [(&str, ChipColumn); 5] = [
    ("partnerId", ChipColumn::Partner),
    ("orgName", ChipColumn::Organisation),
    ("ftmId", ChipColumn::Id),
    ("make", ChipColumn::Make),
    ("model", ChipColumn::Model),
];

/// `GET /v1/partnermanager/ftpchipdetail/v2`: every provider's FTM chips (partner admins),
/// page 0 of 8 unless asked.
pub async fn chips(
    State(state): State<MosipState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    const ID: &str = "mosip.pms.partners.ftm.chip.details.get";
    let a: Result<Response, Fault> = async {
        require(&state, &headers, &[Role::PartnerAdmin]).await?;
        let p = Params::parse(raw);
        let paging = paging(&p, &CHIP_SORTS, Mode::Defaulted)?;
        let Ok(status) = status_of(&p, &ItemStatus::ALL) else {
            return Ok(empty(ID));
        };
        let query = query(&paging, status);
        let columns = Columns {
            contains: p.contains(&CHIP_FILTERS),
            sort: paging.sort,
        };
        let page = run(&state, move |conn| {
            domain::device::chip::list_by(conn, &query, None, &columns)
        })
        .await?;
        let data: Vec<Value> = page.items.iter().map(chip_json).collect();
        Ok(page_answer(ID, &paging, page.total, data))
    }
    .await;
    a.unwrap_or_else(|f| fail(ID, f))
}

fn chip_json(c: &domain::device::ChipView) -> Value {
    json!({
        "ftmId": c.id,
        "partnerId": c.partner_id,
        "orgName": c.organisation,
        "make": c.make,
        "model": c.model,
        "status": status_text(c.status),
        "isActive": c.status == ItemStatus::Approved,
        "isCertificateAvailable": c.cert_subject.is_some(),
        "createdDateTime": envelope::time_text(c.created_at),
    })
}
