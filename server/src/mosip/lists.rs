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
pub(super) struct Params(Vec<(String, String)>);

impl Params {
    pub(super) fn parse(raw: Option<String>) -> Params {
        Params(serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default())
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A filter: absent and empty are none.
    pub(super) fn text(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty()).map(str::to_string)
    }

    /// The "contains" filters present among `names`, with the column each stands for.
    pub(super) fn contains<C: Copy>(&self, names: &[(&str, C)]) -> Vec<(C, String)> {
        names
            .iter()
            .filter_map(|(name, c)| self.text(name).map(|v| (*c, v)))
            .collect()
    }
}

/// How a list takes its paging, as MOSIP's differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// Page 0 of 8 unless given (devices, chips, partners).
    Defaulted,
    /// No default: pageNo and pageSize together or neither, a sort only with them (API keys,
    /// policy requests, SBIs); without them the first rows up to the portal's largest page.
    Optional,
    /// Page 0 of 8 unless given, a sort field or type alone ignored, the policy module's words
    /// (`GET /policies/v2`).
    Policy,
}

/// A list's page as MOSIP asks it: the 0-based page, its size (`None`: not asked for), and
/// the sort (column, descending).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Paging<C> {
    pub page_no: i64,
    pub page_size: Option<i64>,
    pub sort: Option<(C, bool)>,
}

impl<C> Paging<C> {
    /// The portal's 1-based page and its size.
    pub(super) fn portal(&self) -> (Option<i64>, Option<i64>) {
        let size = self.page_size.unwrap_or(domain::page::MAX_PAGE_SIZE);
        (Some(self.page_no.saturating_add(1)), Some(size))
    }
}

/// Paging and sort as MOSIP checks them, in its order: sort field and type together
/// (`PMS_PS_ERROR_007`), page number and size together (`PMS_PS_ERROR_006`), a sort only with
/// paging (`PMS_PS_ERROR_008`), a known field (`PMS_PRT_357`), asc or desc (`PMS_PRT_358`), a
/// page number of 0 or more (`PMS_PRT_360`), a page size above 0 (`PMS_PRT_361`); which of
/// them apply depends on the list's [`Mode`].
pub(super) fn paging<C: Copy>(
    p: &Params,
    sorts: &[(&str, C)],
    mode: Mode,
) -> Result<Paging<C>, Fault> {
    let given = |name: &str| p.get(name).filter(|v| !v.is_empty());
    let (field, kind) = (given("sortFieldName"), given("sortType"));
    let (no, size) = (given("pageNo"), given("pageSize"));
    if mode != Mode::Policy && field.is_some() != kind.is_some() {
        return Err(Fault::new(
            "PMS_PS_ERROR_007",
            "Invalid Sorting request: 'sortType' and 'sortFieldName' must be specified together.",
        ));
    }
    if mode == Mode::Optional {
        if no.is_some() != size.is_some() {
            return Err(Fault::new(
                "PMS_PS_ERROR_006",
                "Invalid pagination request: 'pageNo' and 'pageSize' must be specified together.",
            ));
        }
        if field.is_some() && no.is_none() {
            return Err(Fault::new(
                "PMS_PS_ERROR_008",
                "Please provide pagination parameters ('pageNo' and 'pageSize') when requesting sorted data.",
            ));
        }
    }
    let column = match field {
        None => None,
        Some(f) => match sorts.iter().find(|(name, _)| *name == f) {
            Some((_, c)) => Some(*c),
            None if mode == Mode::Policy => {
                return Err(Fault::new(
                    "PMS_PRT_357",
                    format!("Sorting is not supported for {f} field"),
                ))
            }
            None => return Err(Fault::new("PMS_PRT_357", format!("Invalid sort field {f}"))),
        },
    };
    let desc = match kind {
        None => None,
        Some(k) => match k.to_ascii_lowercase().as_str() {
            "asc" => Some(false),
            "desc" => Some(true),
            _ => {
                return Err(Fault::new(
                    "PMS_PRT_358",
                    format!("Sort type {k} is not supported"),
                ))
            }
        },
    };
    let number = |v: Option<&str>| -> Option<Option<i64>> {
        match v {
            None => Some(None),
            Some(v) => v.trim().parse().ok().map(Some),
        }
    };
    let page_no = number(no)
        .filter(|n| n.is_none_or(|n| n >= 0))
        .ok_or_else(|| Fault::new("PMS_PRT_360", "Invalid Page No"))?;
    let page_size = number(size)
        .filter(|n| n.is_none_or(|n| n > 0))
        .ok_or_else(|| Fault::new("PMS_PRT_361", "Invalid page size"))?;
    let defaulted = mode != Mode::Optional;
    Ok(Paging {
        page_no: page_no.unwrap_or(0),
        page_size: page_size.or(defaulted.then_some(8)),
        sort: column.zip(desc),
    })
}

/// MOSIP's empty page in a list's envelope: the answer to a filter value it matches nothing
/// with.
pub(super) fn empty(id: &str) -> Response {
    envelope::reply_v2(id, Ok(envelope::empty_page()))
}

/// A page's answer: MOSIP's empty page when it has no rows (a page past the end included), else
/// the rows with the page asked for (or, unpaged, page 0 of the rows given).
pub(super) fn page_answer<C>(
    id: &str,
    paging: &Paging<C>,
    total: i64,
    data: Vec<serde_json::Value>,
) -> Response {
    if data.is_empty() {
        return empty(id);
    }
    let size = paging.page_size.unwrap_or(data.len() as i64);
    envelope::reply_v2(
        id,
        Ok(
            json!({ "pageNo": paging.page_no, "pageSize": size, "totalResults": total, "data": data }),
        ),
    )
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
        // MOSIP has no partner before its email is verified (Keycloak verifies first).
        PartnerStatus::Unverified | PartnerStatus::Pending => "InProgress",
        PartnerStatus::Approved => "approved",
        PartnerStatus::Rejected => "rejected",
        PartnerStatus::Deactivated => "deactivated",
    }
}

/// An error of a revamp list, in the endpoint's own envelope (MOSIP 1.3 catches them in the
/// service); authentication's in the first envelope, as MOSIP's filter answers them.
pub(super) fn fail(id: &str, f: Fault) -> Response {
    if f.code.starts_with("KER-ATH") {
        envelope::reply(&Meta::default(), Err(f))
    } else {
        envelope::reply_v2(id, Err(f))
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
    let paging = match paging(&p, &PARTNER_SORTS, Mode::Defaulted) {
        Ok(x) => x,
        Err(f) => return refuse(f),
    };
    let sort = paging.sort.map(|(key, desc)| {
        if desc {
            format!("-{key}")
        } else {
            key.to_string()
        }
    });
    let (page, page_size) = paging.portal();
    let active = match boolean(&p, "isActive") {
        Ok(a) => a,
        Err(f) => return refuse(f),
    };
    let certificate = match p.get("certificateUploadStatus") {
        None => None,
        Some("uploaded") => Some(true),
        Some("not_uploaded") => Some(false),
        // MOSIP matches nothing for any other value.
        Some(_) => return empty("mosip.pms.admin.partners.get"),
    };
    let query = PartnerQuery {
        page,
        page_size,
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
    page_answer("mosip.pms.admin.partners.get", &paging, page.total, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Params {
        Params::parse(Some(s.to_string()))
    }

    fn code(s: &str, mode: Mode) -> String {
        paging(&q(s), &PARTNER_SORTS, mode)
            .err()
            .map(|f| f.code)
            .unwrap_or_default()
    }

    #[test]
    fn paging_is_checked_in_mosips_order_with_its_codes() {
        let d = Mode::Defaulted;
        assert_eq!(
            code("sortType=3@@#&pageNo=0&pageSize=8", d),
            "PMS_PS_ERROR_007"
        );
        assert_eq!(code("sortFieldName=a2a33", d), "PMS_PS_ERROR_007");
        assert_eq!(code("sortFieldName=-1&sortType=-1", d), "PMS_PRT_357");
        assert_eq!(
            code("sortFieldName=partnerId&sortType=-1", d),
            "PMS_PRT_358"
        );
        assert_eq!(code("pageNo=-1", d), "PMS_PRT_360");
        assert_eq!(code("pageNo=x", d), "PMS_PRT_360");
        assert_eq!(code("pageSize=-12", d), "PMS_PRT_361");
        assert_eq!(code("pageSize=0", d), "PMS_PRT_361");
        // A lone page number is fine where MOSIP has defaults.
        assert_eq!(code("pageNo=2", d), "");
        assert_eq!(
            paging(&q(""), &PARTNER_SORTS, d).ok(),
            Some(Paging {
                page_no: 0,
                page_size: Some(8),
                sort: None
            })
        );
        assert_eq!(
            paging(
                &q("sortFieldName=orgName&sortType=DESC&pageNo=2&pageSize=5"),
                &PARTNER_SORTS,
                d
            )
            .ok(),
            Some(Paging {
                page_no: 2,
                page_size: Some(5),
                sort: Some(("organisation", true))
            })
        );
    }

    #[test]
    fn lists_without_defaults_want_page_and_size_together_and_sorts_paged() {
        let o = Mode::Optional;
        assert_eq!(code("sortFieldName=orgName", o), "PMS_PS_ERROR_007");
        assert_eq!(code("pageNo=0", o), "PMS_PS_ERROR_006");
        assert_eq!(code("pageSize=4", o), "PMS_PS_ERROR_006");
        assert_eq!(
            code("sortFieldName=orgName&sortType=asc", o),
            "PMS_PS_ERROR_008"
        );
        assert_eq!(
            code("sortFieldName=nope&sortType=asc&pageNo=0&pageSize=2", o),
            "PMS_PRT_357"
        );
        assert_eq!(code("pageNo=-1&pageSize=2", o), "PMS_PRT_360");
        assert_eq!(
            paging(&q(""), &PARTNER_SORTS, o).ok(),
            Some(Paging {
                page_no: 0,
                page_size: None,
                sort: None
            })
        );
    }

    #[test]
    fn the_policy_list_ignores_half_a_sort_and_words_357_its_way() {
        let p = Mode::Policy;
        assert_eq!(code("sortFieldName=orgName", p), "");
        assert_eq!(code("sortType=asc", p), "");
        let f = paging(&q("sortFieldName=x&sortType=asc"), &PARTNER_SORTS, p).err();
        assert_eq!(
            f.map(|f| (f.code, f.message)),
            Some((
                "PMS_PRT_357".to_string(),
                "Sorting is not supported for x field".to_string()
            ))
        );
        assert_eq!(code("sortFieldName=orgName&sortType=up", p), "PMS_PRT_358");
    }
}
