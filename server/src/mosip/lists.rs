//! MOSIP's paged lists (`GET /admin-partners` …): its query parameters and their checks, on the
//! same indexed queries as the pages' lists, answered in MOSIP's second envelope.

use super::auth::require;
use super::envelope::{self, Fault, Meta};
use super::{run, MosipState};
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use domain::partner::{PartnerQuery, PartnerStatus};
use domain::Role;
use serde_json::json;

/// MOSIP's sort fields of the partner list, with the portal's sort key for each.
const PARTNER_SORTS: [(&str, &str); 10] = [
    ("partnerId", "id"),
    ("partnerType", "type"),
    ("orgName", "organisation"),
    ("policyGroupId", "group"),
    ("policyGroupName", "group_name"),
    ("emailAddress", "email"),
    ("certificateUploadStatus", "certificate"),
    ("status", "status"),
    ("isActive", "active"),
    ("createdDateTime", "created"),
];

/// A list query's parameters, by name (the last of a repeated name wins, as Spring's do).
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(raw: Option<String>) -> Params {
        Params(serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default())
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A filter: absent and empty are none.
    fn text(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty()).map(str::to_string)
    }
}

/// Paging and sort as MOSIP checks them, in its order: sort field and type together
/// (`PMS_PS_ERROR_007`), a known field (`PMS_PRT_357`), asc or desc (`PMS_PRT_358`), a page
/// number of 0 or more (`PMS_PRT_360`), a page size above 0 (`PMS_PRT_361`). Returns the
/// 0-based page, the size and the portal's sort key.
fn paging(p: &Params, sorts: &[(&str, &str)]) -> Result<(i64, i64, Option<String>), Fault> {
    let (field, kind) = (p.get("sortFieldName"), p.get("sortType"));
    if field.is_some() != kind.is_some() {
        return Err(Fault::new(
            "PMS_PS_ERROR_007",
            "Invalid Sorting request: 'sortType' and 'sortFieldName' must be specified together.",
        ));
    }
    let sort = match (field, kind) {
        (Some(f), Some(k)) => {
            let Some((_, key)) = sorts.iter().find(|(name, _)| *name == f) else {
                return Err(Fault::new("PMS_PRT_357", format!("Invalid sort field {f}")));
            };
            match k.to_ascii_lowercase().as_str() {
                "asc" => Some(key.to_string()),
                "desc" => Some(format!("-{key}")),
                _ => {
                    return Err(Fault::new(
                        "PMS_PRT_358",
                        format!("Sort type {k} is not supported"),
                    ))
                }
            }
        }
        _ => None,
    };
    let number = |name: &str, default: i64| -> Option<i64> {
        match p.get(name).filter(|v| !v.is_empty()) {
            None => Some(default),
            Some(v) => v.trim().parse().ok(),
        }
    };
    let page_no = number("pageNo", 0)
        .filter(|n| *n >= 0)
        .ok_or_else(|| Fault::new("PMS_PRT_360", "Invalid Page No"))?;
    let page_size = number("pageSize", 8)
        .filter(|n| *n > 0)
        .ok_or_else(|| Fault::new("PMS_PRT_361", "Invalid page size"))?;
    Ok((page_no, page_size, sort))
}

fn boolean(p: &Params, name: &str) -> Result<Option<bool>, Fault> {
    match p.text(name) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(Fault::new("KER_PRT_390", "Invalid filter value")),
    }
}

/// MOSIP's spelling of a partner status.
fn status_text(s: PartnerStatus) -> &'static str {
    match s {
        PartnerStatus::Pending => "InProgress",
        PartnerStatus::Approved => "approved",
        PartnerStatus::Rejected => "rejected",
        PartnerStatus::Deactivated => "deactivated",
    }
}

/// Errors of these lists come in MOSIP's first envelope (as its 1.2.2 answers them).
fn refuse(f: Fault) -> Response {
    envelope::reply(
        &Meta {
            id: Some("mosip.partnermanagement".into()),
            version: Some("1.0".into()),
        },
        Err(f),
    )
}

/// `GET /v1/partnermanager/admin-partners`: partners, paged (0-based), sorted and filtered
/// (case-insensitive "contains" on partnerId, partnerType, orgName, emailAddress,
/// policyGroupName; isActive; certificateUploadStatus `uploaded` / `not_uploaded`).
pub async fn admin_partners(
    State(state): State<MosipState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Err(f) = require(&state, &headers, &[Role::PartnerAdmin]).await {
        return refuse(f);
    }
    let p = Params::parse(raw);
    let (page_no, page_size, sort) = match paging(&p, &PARTNER_SORTS) {
        Ok(x) => x,
        Err(f) => return refuse(f),
    };
    let active = match boolean(&p, "isActive") {
        Ok(a) => a,
        Err(f) => return refuse(f),
    };
    let certificate = match p.get("certificateUploadStatus") {
        None => None,
        Some("uploaded") => Some(true),
        Some("not_uploaded") => Some(false),
        // MOSIP matches nothing for any other value.
        Some(_) => {
            return envelope::reply_v2("mosip.pms.admin.partners.get", Ok(envelope::empty_page()))
        }
    };
    let query = PartnerQuery {
        page: Some(page_no.saturating_add(1)),
        page_size: Some(page_size),
        sort: sort.or_else(|| Some("-created".into())),
        id_contains: p.text("partnerId"),
        type_contains: p.text("partnerType"),
        organisation_contains: p.text("orgName"),
        email_contains: p.text("emailAddress"),
        group_name_contains: p.get("policyGroupName").map(str::to_string),
        active,
        certificate,
        ..Default::default()
    };
    let list = match run(&state, move |conn| domain::partner::list(conn, &query)).await {
        Ok(l) => l,
        Err(f) => return refuse(f),
    };
    let page = list.page;
    if page.items.is_empty() {
        return envelope::reply_v2("mosip.pms.admin.partners.get", Ok(envelope::empty_page()));
    }
    let data: Vec<serde_json::Value> = page
        .items
        .iter()
        .map(|s| {
            json!({
                "partnerId": s.id,
                "partnerType": s.partner_type,
                "orgName": s.organisation,
                "policyGroupId": s.policy_group_id,
                "policyGroupName": s.policy_group_name,
                "emailAddress": s.email,
                "certificateUploadStatus": if s.has_certificate { "uploaded" } else { "not_uploaded" },
                "status": status_text(s.status),
                "isActive": s.status == PartnerStatus::Approved,
                "createdDateTime": s.created_at,
            })
        })
        .collect();
    envelope::reply_v2(
        "mosip.pms.admin.partners.get",
        Ok(
            json!({ "pageNo": page_no, "pageSize": page.page_size, "totalResults": page.total, "data": data }),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Params {
        Params::parse(Some(s.to_string()))
    }

    #[test]
    fn paging_is_checked_in_mosips_order_with_its_codes() {
        let code = |s: &str| {
            paging(&q(s), &PARTNER_SORTS)
                .err()
                .map(|f| f.code)
                .unwrap_or_default()
        };
        assert_eq!(
            code("sortType=3@@#&pageNo=0&pageSize=8"),
            "PMS_PS_ERROR_007"
        );
        assert_eq!(code("sortType="), "PMS_PS_ERROR_007");
        assert_eq!(code("sortFieldName=a2a33"), "PMS_PS_ERROR_007");
        assert_eq!(code("sortFieldName=-1&sortType=-1"), "PMS_PRT_357");
        assert_eq!(code("sortFieldName=partnerId&sortType=-1"), "PMS_PRT_358");
        assert_eq!(code("pageNo=-1"), "PMS_PRT_360");
        assert_eq!(code("pageNo=x"), "PMS_PRT_360");
        assert_eq!(code("pageSize=-12"), "PMS_PRT_361");
        assert_eq!(code("pageSize=0"), "PMS_PRT_361");
        assert_eq!(paging(&q(""), &PARTNER_SORTS).ok(), Some((0, 8, None)));
        assert_eq!(
            paging(
                &q("sortFieldName=orgName&sortType=DESC&pageNo=2&pageSize=5"),
                &PARTNER_SORTS
            )
            .ok(),
            Some((2, 5, Some("-organisation".into())))
        );
    }
}
