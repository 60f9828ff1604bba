//! MOSIP's old search calls through the router: filters, sorts and pages named in the request,
//! MOSIP's checks and codes in its order, both services' envelopes, and whom each caller sees.

use super::*;
use domain::partner::Decision;
use serde_json::{json, Value};

fn code(reply: &Reply) -> String {
    reply.json()["errors"][0]["errorCode"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn ids<'a>(v: &'a Value, key: &str) -> Vec<&'a str> {
    v["response"]["data"]
        .as_array()
        .map(|rows| rows.iter().map(|r| r[key].as_str().unwrap_or("")).collect())
        .unwrap_or_default()
}

impl Harness {
    async fn search(&self, path: &str, request: Value, token: &str) -> Reply {
        let body = json!({ "id": "mosip.search", "version": "1.0", "requesttime": "2026-12-04T10:11:12.345Z", "request": request });
        let req = Request::post(path)
            .header(header::COOKIE, format!("Authorization={token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        self.send(req).await
    }

    async fn token_for(&self, user: &str) -> String {
        let body = json!({ "id": "string", "version": "string", "requesttime": "2026-12-04T10:11:12.345Z", "request": { "userName": user, "password": PASSWORD, "appId": "partner", "clientId": "mosip-pms-client", "clientSecret": "x" } });
        let req = Request::post("/v1/authmanager/authenticate/internal/useridPwd")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        self.send(req).await.json()["response"]["token"]
            .as_str()
            .expect("token")
            .to_string()
    }
}

fn print_group(conn: &mut domain::db::AnyConnection) -> String {
    use domain::schema::policy_groups;
    policy_groups::table
        .filter(policy_groups::name.eq("mpolicygroup-default-print"))
        .select(policy_groups::id)
        .first(conn)
        .expect("MOSIP's print group")
}

fn search(filters: Value, sort: Value, start: i64, fetch: i64) -> Value {
    json!({ "filters": filters, "sort": sort, "pagination": { "pageStart": start, "pageFetch": fetch } })
}

#[tokio::test]
async fn partners_and_partner_types_are_searched_as_mosip_with_callers_seeing_only_their_own() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    {
        let mut conn = h.db.conn();
        domain::partner::seed_mosip_defaults(&mut conn).expect("defaults");
        let group = print_group(&mut conn);
        domain::testing::sign_up(&mut conn, "rp-bank", "Auth_Partner", Some(&group));
        domain::partner::decide(
            &mut conn,
            &Actor::system(),
            "rp-bank",
            Decision::Approve,
            None,
        )
        .expect("approved");
    }
    let admin = h.token_for("admin@example.org").await;
    let rp = h.token_for("rp-bank@example.org").await;
    let path = "/v1/partnermanager/partners/search";
    let with_type = |mut s: Value, t: &str| {
        s["partnerType"] = json!(t);
        s
    };

    // Every partner for the admin, sorted by name, paged by page index.
    let all = h
        .search(
            path,
            with_type(
                search(
                    json!([]),
                    json!([{ "sortField": "name", "sortType": "ASC" }]),
                    0,
                    2,
                ),
                "all",
            ),
            &admin,
        )
        .await;
    let body = all.json();
    assert_eq!(
        (all.status, &body["id"], &body["errors"]),
        (StatusCode::OK, &Value::Null, &json!([])),
        "{}",
        all.body
    );
    assert!(body["responsetime"].is_string() && body.get("metadata").is_some());
    assert_eq!(body["response"]["totalRecord"], 4, "{}", all.body);
    assert_eq!(
        (
            &body["response"]["fromRecord"],
            &body["response"]["toRecord"]
        ),
        (&json!(1), &json!(2))
    );
    assert_eq!(ids(&body, "name"), vec!["IIITB", "mpartner-default-abis"]);
    let second = h
        .search(
            path,
            with_type(
                search(
                    json!([]),
                    json!([{ "sortField": "name", "sortType": "asc" }]),
                    1,
                    2,
                ),
                "all",
            ),
            &admin,
        )
        .await
        .json();
    assert_eq!(
        ids(&second, "name"),
        vec!["residentapp-partner", "rp-bank Ltd"]
    );
    assert_eq!(second["response"]["fromRecord"], 3);
    let row = &h
        .search(
            path,
            with_type(
                search(
                    json!([{ "columnName": "id", "type": "contains", "value": "*BANK" }]),
                    json!([]),
                    0,
                    10,
                ),
                "Auth_Partner",
            ),
            &admin,
        )
        .await
        .json()["response"]["data"][0];
    assert_eq!(
        (
            &row["id"],
            &row["partnerTypeCode"],
            &row["approvalStatus"],
            &row["isActive"],
            &row["isDeleted"],
            &row["emailId"]
        ),
        (
            &json!("rp-bank"),
            &json!("Auth_Partner"),
            &json!("approved"),
            &json!(true),
            &json!(false),
            &json!("rp-bank@example.org")
        )
    );
    assert!(row["crDtimes"].as_str().is_some_and(|t| t.ends_with('Z')));
    for (filters, n) in [
        (
            json!([{ "columnName": "name", "type": "startsWith", "value": "mpartner*" }]),
            1,
        ),
        (
            json!([{ "columnName": "isActive", "type": "equals", "value": "true" }]),
            4,
        ),
        (
            json!([{ "columnName": "PARTNERTYPECODE", "type": "in", "values": ["Auth_Partner", "Credential_Partner"] }]),
            3,
        ),
        (
            json!([{ "columnName": "name", "type": "equals", "value": "iiitb" }]),
            1,
        ),
        (
            json!([{ "columnName": "name", "type": "fuzzy", "value": "x" }]),
            4,
        ),
    ] {
        let r = h
            .search(
                path,
                with_type(search(filters.clone(), json!([]), 0, 10), "all"),
                &admin,
            )
            .await
            .json();
        assert_eq!(r["response"]["totalRecord"], n, "{filters}: {r}");
    }
    let none = h
        .search(
            path,
            with_type(
                search(
                    json!([{ "columnName": "name", "type": "contains", "value": "nobody" }]),
                    json!([]),
                    0,
                    10,
                ),
                "all",
            ),
            &admin,
        )
        .await
        .json();
    assert_eq!(
        none["response"],
        json!({ "fromRecord": 0, "toRecord": 0, "totalRecord": 0, "data": null })
    );

    // MOSIP's checks in its order.
    for (request, expected) in [
        (
            search(
                json!([{ "type": "contains", "value": "x" }]),
                json!([]),
                0,
                10,
            ),
            "PMS-MSD-311",
        ),
        (
            search(
                json!([{ "columnName": "colour", "type": "contains", "value": "x" }]),
                json!([]),
                0,
                10,
            ),
            "PMS-MSD-310",
        ),
        (
            search(
                json!([{ "columnName": "name", "value": "x" }]),
                json!([]),
                0,
                10,
            ),
            "PMS-MSD-312",
        ),
        (
            search(
                json!([{ "columnName": "name", "type": "in", "value": "x", "values": ["y"] }]),
                json!([]),
                0,
                10,
            ),
            "PMS-MSD-392",
        ),
        (
            search(
                json!([{ "columnName": "isActive", "type": "equals", "value": "maybe" }]),
                json!([]),
                0,
                10,
            ),
            "PMS-MSD-390",
        ),
        (
            search(
                json!([{ "columnName": "name", "type": "in" }]),
                json!([]),
                0,
                10,
            ),
            "PMS-MSD-391",
        ),
        (
            search(
                json!([{ "columnName": "name", "type": "contains", "value": "" }]),
                json!([]),
                0,
                10,
            ),
            "PMS-MSD-390",
        ),
        (
            search(
                json!([{ "columnName": "crDtimes", "type": "between", "fromValue": "2020-01-01" }]),
                json!([]),
                0,
                10,
            ),
            "PMS-MSD-315",
        ),
        (
            search(json!([]), json!([{ "sortField": "name" }]), 0, 10),
            "PMS-MSD-314",
        ),
        (
            search(
                json!([]),
                json!([{ "sortField": "Name", "sortType": "asc" }]),
                0,
                10,
            ),
            "PMS-MSD-357",
        ),
        (
            search(
                json!([]),
                json!([{ "sortField": "name", "sortType": "up" }]),
                0,
                10,
            ),
            "PMS-MSD-358",
        ),
        (search(json!([]), json!([]), -1, 10), "PMS-MSD-313"),
        (search(json!([]), json!([]), 0, 0), "PMS-MSD-313"),
        (
            search(
                json!([{ "columnName": "emailId", "type": "contains", "value": "x" }]),
                json!([]),
                0,
                10,
            ),
            "KER_PRT_391",
        ),
        (
            search(
                json!([]),
                json!([{ "sortField": "contactNo", "sortType": "asc" }]),
                0,
                10,
            ),
            "KER_PRT_391",
        ),
        (json!({ "filters": [], "sort": [] }), "PMS_COR_003"),
    ] {
        let r = h
            .search(path, with_type(request.clone(), "all"), &admin)
            .await;
        assert_eq!(
            (r.status, code(&r)),
            (StatusCode::OK, expected.to_string()),
            "{request}: {}",
            r.body
        );
        assert_eq!(r.json()["id"], "mosip.partnermanagement");
    }
    let untyped = h
        .search(path, search(json!([]), json!([]), 0, 10), &admin)
        .await;
    assert_eq!(
        (untyped.status, code(&untyped)),
        (StatusCode::BAD_REQUEST, "PMS_COR_001".into())
    );
    let between = h
        .search(path, with_type(search(json!([{ "columnName": "crDtimes", "type": "between", "fromValue": "2000-01-01T00:00:00.000Z", "toValue": "2999-01-01" }]), json!([]), 0, 10), "all"), &admin)
        .await
        .json();
    assert_eq!(between["response"]["totalRecord"], 4, "{between}");

    // A partner finds only itself, whatever it asks.
    let own = h
        .search(
            path,
            with_type(search(json!([]), json!([]), 0, 10), "all"),
            &rp,
        )
        .await
        .json();
    assert_eq!(ids(&own, "id"), vec!["rp-bank"], "{own}");
    let others = h
        .search(
            path,
            with_type(
                search(
                    json!([{ "columnName": "id", "type": "contains", "value": "mpartner" }]),
                    json!([]),
                    0,
                    10,
                ),
                "all",
            ),
            &rp,
        )
        .await
        .json();
    assert_eq!(others["response"]["totalRecord"], 0);

    // Partner types.
    let types = h
        .search(
            "/v1/partnermanager/partners/partnertype/search",
            search(
                json!([{ "columnName": "code", "type": "contains", "value": "partner" }]),
                json!([{ "sortField": "code", "sortType": "desc" }]),
                0,
                50,
            ),
            &rp,
        )
        .await
        .json();
    let codes = ids(&types, "code");
    assert!(
        codes.contains(&"Auth_Partner") && !codes.contains(&"Device_Provider"),
        "{types}"
    );
    let mut sorted = codes.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(codes, sorted);
    assert!(types["response"]["data"][0]["isPolicyRequired"].is_boolean());
    let anon = h
        .send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .expect("request"),
        )
        .await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn policies_and_policy_groups_are_searched_with_partners_seeing_their_groups_published_policies(
) {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("manager@example.org", &[Role::PolicyManager]);
    {
        let mut conn = h.db.conn();
        domain::partner::seed_mosip_defaults(&mut conn).expect("defaults");
        let group = domain::policy::group::create(&mut conn, &Actor::system(), "Banks", "banks")
            .expect("group")
            .id;
        let input = domain::policy::PolicyInput {
            group_id: group.clone(),
            name: "bank-draft".into(),
            description: "not yet".into(),
            policy_type: "Auth".into(),
            document: domain::policy::PolicyType::Auth.template().into(),
        };
        domain::policy::create(&mut conn, &Actor::system(), &input).expect("draft");
        let print = print_group(&mut conn);
        domain::testing::sign_up(&mut conn, "rp-print", "Credential_Partner", Some(&print));
        domain::partner::decide(
            &mut conn,
            &Actor::system(),
            "rp-print",
            Decision::Approve,
            None,
        )
        .expect("approved");
    }
    let manager = h.token_for("manager@example.org").await;
    let partner = h.token_for("rp-print@example.org").await;
    let path = "/v1/policymanager/policies/search";
    let typed = |mut s: Value, t: &str| {
        s["policyType"] = json!(t);
        s
    };
    let all = h
        .search(
            path,
            typed(
                search(
                    json!([]),
                    json!([{ "sortField": "name", "sortType": "asc" }]),
                    0,
                    50,
                ),
                "all",
            ),
            &manager,
        )
        .await;
    let body = all.json();
    assert!(
        body.get("metadata").is_none() && body["id"].is_null(),
        "{}",
        all.body
    );
    let names = ids(&body, "name");
    assert!(
        names.contains(&"bank-draft") && names.contains(&"mpolicy-default-qrcode"),
        "{names:?}"
    );
    let datashare = h
        .search(
            path,
            typed(search(json!([]), json!([]), 0, 50), "datashare"),
            &manager,
        )
        .await
        .json();
    assert!(!ids(&datashare, "name").contains(&"bank-draft"));
    let row = &h
        .search(
            path,
            typed(
                search(
                    json!([{ "columnName": "descr", "type": "contains", "value": "NOT YET" }]),
                    json!([]),
                    0,
                    5,
                ),
                "Auth",
            ),
            &manager,
        )
        .await
        .json()["response"]["data"][0];
    assert_eq!(
        (
            &row["name"],
            &row["desc"],
            &row["isActive"],
            &row["policyGroupName"],
            &row["policyType"]
        ),
        (
            &json!("bank-draft"),
            &json!("not yet"),
            &json!(false),
            &json!("Banks"),
            &json!("Auth")
        )
    );
    assert!(row["policies"].is_string() && row["policyGroupId"].is_string());
    let by_group = h
        .search(path, typed(search(json!([{ "columnName": "policyGroupName", "type": "contains", "value": "print" }]), json!([]), 0, 50), "all"), &manager)
        .await
        .json();
    let print_total = by_group["response"]["totalRecord"].as_i64().unwrap_or(0);
    assert!(print_total >= 3, "{by_group}");
    let unsortable = h
        .search(
            path,
            typed(
                search(
                    json!([]),
                    json!([{ "sortField": "policyGroupName", "sortType": "asc" }]),
                    0,
                    5,
                ),
                "all",
            ),
            &manager,
        )
        .await;
    assert_eq!(code(&unsortable), "PMS-MSD-357");
    assert!(unsortable.json()["id"].is_null());
    let untyped = h
        .search(path, search(json!([]), json!([]), 0, 5), &manager)
        .await;
    assert_eq!(untyped.status, StatusCode::BAD_REQUEST);

    // A partner sees its group's published policies only.
    let mine = h
        .search(
            path,
            typed(search(json!([]), json!([]), 0, 50), "all"),
            &partner,
        )
        .await
        .json();
    assert_eq!(
        mine["response"]["totalRecord"].as_i64(),
        Some(print_total),
        "{mine}"
    );
    assert!(!ids(&mine, "name").contains(&"bank-draft"));

    // Policy groups: operators only.
    let groups = h
        .search(
            "/v1/policymanager/policies/group/search",
            search(
                json!([{ "columnName": "name", "type": "contains", "value": "bank" }]),
                json!([{ "sortField": "name", "sortType": "asc" }]),
                0,
                10,
            ),
            &manager,
        )
        .await
        .json();
    assert_eq!(ids(&groups, "name"), vec!["Banks"], "{groups}");
    assert_eq!(groups["response"]["data"][0]["isActive"], true);
    let refused = h
        .search(
            "/v1/policymanager/policies/group/search",
            search(json!([]), json!([]), 0, 10),
            &partner,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn devices_and_device_types_are_searched_with_providers_seeing_their_own() {
    use domain::device::{DeviceInput, SbiInput};
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    {
        let mut conn = h.db.conn();
        for (id, make) in [("dp-one", "Acme"), ("dp-two", "Zeta")] {
            let who = domain::testing::sign_up(&mut conn, id, "Device_Provider", None);
            domain::partner::decide(&mut conn, &Actor::system(), id, Decision::Approve, None)
                .expect("approved");
            let day = |d: i64| {
                chrono::DateTime::from_timestamp_millis(domain::clock::now_ms() + d * 86_400_000)
                    .expect("day")
                    .format("%Y-%m-%d")
                    .to_string()
            };
            let sbi = domain::device::sbi::create(
                &mut conn,
                &who.actor,
                &who.user,
                &SbiInput {
                    version: "1.0".into(),
                    binary_hash: "a".repeat(64),
                    created_on: day(-1),
                    expires_on: day(300),
                },
                5,
            )
            .expect("sbi");
            domain::device::sbi::decide(
                &mut conn,
                &Actor::system(),
                &sbi.id,
                Decision::Approve,
                None,
            )
            .expect("approved");
            let d = domain::device::model::create(
                &mut conn,
                &who.actor,
                &who.user,
                &DeviceInput {
                    sbi_ids: vec![sbi.id],
                    device_type: "Finger".into(),
                    sub_type: "Slap".into(),
                    make: make.into(),
                    model: "M1".into(),
                },
            )
            .expect("device");
            if id == "dp-two" {
                domain::device::model::decide(
                    &mut conn,
                    &Actor::system(),
                    &d.id,
                    Decision::Approve,
                    None,
                )
                .expect("approved");
            }
        }
    }
    let admin = h.token_for("admin@example.org").await;
    let one = h.token_for("dp-one@example.org").await;
    let path = "/v1/partnermanager/devicedetail/search";
    let all = h
        .search(
            path,
            search(
                json!([]),
                json!([{ "sortField": "make", "sortType": "desc" }]),
                0,
                10,
            ),
            &admin,
        )
        .await
        .json();
    assert_eq!(ids(&all, "make"), vec!["Zeta", "Acme"], "{all}");
    let row = &all["response"]["data"][0];
    assert_eq!(
        (
            &row["deviceProviderId"],
            &row["deviceTypeCode"],
            &row["deviceSubTypeCode"],
            &row["approvalStatus"],
            &row["isActive"],
            &row["partnerOrganizationName"]
        ),
        (
            &json!("dp-two"),
            &json!("Finger"),
            &json!("Slap"),
            &json!("approved"),
            &json!(true),
            &json!("dp-two Ltd")
        )
    );
    let pending = h
        .search(path, search(json!([{ "columnName": "approvalStatus", "type": "equals", "value": "pending_approval" }]), json!([]), 0, 10), &admin)
        .await
        .json();
    assert_eq!(ids(&pending, "make"), vec!["Acme"]);
    // A provider finds only its own devices.
    let own = h
        .search(path, search(json!([]), json!([]), 0, 10), &one)
        .await
        .json();
    assert_eq!(ids(&own, "deviceProviderId"), vec!["dp-one"], "{own}");
    let bad = h
        .search(
            path,
            search(
                json!([{ "columnName": "colour", "type": "equals", "value": "x" }]),
                json!([]),
                0,
                10,
            ),
            &admin,
        )
        .await;
    assert_eq!(code(&bad), "PMS-MSD-310");

    let types = h
        .search(
            "/v1/partnermanager/devicedetail/deviceType/search",
            search(
                json!([{ "columnName": "deviceType", "type": "equals", "value": "finger" }]),
                json!([{ "sortField": "code", "sortType": "asc" }]),
                0,
                50,
            ),
            &one,
        )
        .await
        .json();
    let codes = ids(&types, "code");
    assert!(codes.contains(&"Slap"), "{types}");
    assert!(types["response"]["data"][0]["active"].is_boolean());
    assert!(types["response"]["data"][0].get("desciption").is_some());
}

#[tokio::test]
async fn a_partner_reads_its_own_partners_and_its_certificate() {
    // MOSIP's profile: its sample roots lack keyCertSign.
    let h = harness_with_certs(SessionPolicy::default(), false, |c| {
        c.allow_ca_without_key_cert_sign = true;
        c.min_ca_validity_days = 0;
    });
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    {
        let mut conn = h.db.conn();
        domain::partner::seed_mosip_defaults(&mut conn).expect("defaults");
        let group = print_group(&mut conn);
        for id in ["rp-one", "rp-two"] {
            domain::testing::sign_up(&mut conn, id, "Auth_Partner", Some(&group));
        }
        domain::partner::decide(
            &mut conn,
            &Actor::system(),
            "rp-one",
            Decision::Approve,
            None,
        )
        .expect("approved");
    }
    let admin = h.token_for("admin@example.org").await;
    let one = h.token_for("rp-one@example.org").await;
    let two = h.token_for("rp-two@example.org").await;
    let get = |path: String, token: String| {
        let hr = &h;
        async move {
            let req = Request::get(path)
                .header(header::COOKIE, format!("Authorization={token}"))
                .body(Body::empty())
                .expect("request");
            hr.send(req).await
        }
    };
    let v3 = |q: &str| format!("/v1/partnermanager/partners/v3{q}");
    let mine = get(
        v3("?status=approved&policyGroupAvailable=true&partnerType=Auth_Partner"),
        one.clone(),
    )
    .await
    .json();
    assert_eq!(mine["id"], "mosip.pms.partners.v3.get");
    let row = &mine["response"][0];
    assert_eq!(
        (
            &row["partnerId"],
            &row["partnerType"],
            &row["policyGroupName"]
        ),
        (
            &json!("rp-one"),
            &json!("Auth_Partner"),
            &json!("mpolicygroup-default-print")
        ),
        "{mine}"
    );
    assert!(row["policyGroupId"].is_string() && row["policyGroupDescription"].is_string());
    let no_group = get(v3("?status=approved"), one.clone()).await.json();
    assert_eq!(no_group["response"][0]["policyGroupName"], Value::Null);
    assert_eq!(
        get(v3("?status=InProgress"), one.clone()).await.json()["response"],
        json!([])
    );
    assert_eq!(
        get(v3("?status=InProgress"), two.clone()).await.json()["response"][0]["partnerId"],
        "rp-two"
    );
    assert_eq!(
        get(v3(""), one.clone()).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        code(&get(v3("?status=approved"), admin.clone()).await),
        "PMS_CERTIFICATE_ERROR_002"
    );

    // MOSIP's print partner gets its certificate through MOSIP's calls; then it can be read.
    let upload = |path: &str, request: Value| {
        let hr = &h;
        let token = admin.clone();
        let path = path.to_string();
        async move {
            let body = json!({ "id": "string", "version": "string", "requesttime": "2026-12-04T10:11:12.345Z", "request": request });
            let req = Request::post(path)
                .header(header::COOKIE, format!("Authorization={token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .expect("request");
            hr.send(req).await
        }
    };
    let ca = upload(
        "/v1/partnermanager/partners/certificate/ca/upload",
        json!({ "certificateData": include_str!("../fixtures/mosip/print-root.pem"), "partnerDomain": "AUTH" }),
    )
    .await;
    assert_eq!(code(&ca), "", "{}", ca.body);
    let leaf = upload(
        "/v1/partnermanager/partners/certificate/upload",
        json!({ "certificateData": include_str!("../fixtures/mosip/print-client.pem"), "partnerDomain": "AUTH", "partnerId": "mpartner-default-print" }),
    )
    .await;
    assert_eq!(code(&leaf), "", "{}", leaf.body);
    let cert = |id: &str| format!("/v1/partnermanager/partners/{id}/certificate");
    let read = get(cert("mpartner-default-print"), admin.clone()).await;
    let body = read.json();
    assert!(
        body["id"].is_null() && body["responsetime"].is_string(),
        "{}",
        read.body
    );
    assert_eq!(
        body["response"]["certificateData"].as_str().map(str::trim),
        leaf.json()["response"]["signedCertificateData"]
            .as_str()
            .map(str::trim),
        "the certificate the ID system trusts: the re-signed one"
    );
    assert!(body["response"]["timestamp"].is_string());
    assert_eq!(
        code(&get(cert("mpartner-default-print"), two.clone()).await),
        "PMS_PRT_055",
        "another partner's"
    );
    assert_eq!(code(&get(cert("rp-two"), two.clone()).await), "PMS_PRT_108");
    assert_eq!(
        code(&get(cert("nobody"), admin.clone()).await),
        "PMS_PRT_005"
    );
}

#[tokio::test]
async fn filter_values_list_a_columns_values_with_mosips_checks_and_the_callers_scope() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("manager@example.org", &[Role::PolicyManager]);
    {
        let mut conn = h.db.conn();
        domain::partner::seed_mosip_defaults(&mut conn).expect("defaults");
        let group = print_group(&mut conn);
        domain::testing::sign_up(&mut conn, "rp-bank", "Auth_Partner", Some(&group));
        domain::partner::decide(
            &mut conn,
            &Actor::system(),
            "rp-bank",
            Decision::Approve,
            None,
        )
        .expect("approved");
    }
    let admin = h.token_for("admin@example.org").await;
    let manager = h.token_for("manager@example.org").await;
    let rp = h.token_for("rp-bank@example.org").await;
    let values = |v: &Value| -> Vec<String> {
        v["response"]["filters"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| f["fieldValue"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let path = "/v1/partnermanager/partners/filtervalues";
    let names = h
        .search(
            path,
            json!({ "filters": [{ "columnName": "name", "type": "unique", "text": "" }] }),
            &admin,
        )
        .await;
    let body = names.json();
    assert!(body["id"].is_null(), "{}", names.body);
    let all = values(&body);
    assert_eq!(all.len(), 4, "{body}");
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "ordered by value");
    let first = &body["response"]["filters"][0];
    assert_eq!(first["fieldID"], "name");
    assert!(first["fieldCode"].is_string());
    let texted = h
        .search(
            path,
            json!({ "filters": [{ "columnName": "name", "type": "all", "text": "BANK" }] }),
            &admin,
        )
        .await
        .json();
    assert_eq!(values(&texted), vec!["rp-bank Ltd"]);
    let narrowed = h
        .search(path, json!({ "filters": [{ "columnName": "name", "type": "all", "text": "" }], "optionalFilters": [{ "columnName": "partnerTypeCode", "type": "equals", "value": "Auth_Partner" }] }), &admin)
        .await
        .json();
    assert_eq!(values(&narrowed), vec!["rp-bank Ltd"]);
    let flags = h
        .search(
            path,
            json!({ "filters": [{ "columnName": "isActive", "type": "unique", "text": "" }] }),
            &admin,
        )
        .await
        .json();
    assert_eq!(values(&flags), vec!["true", "false"]);
    // A partner sees only its own partner's values.
    let own = h
        .search(
            path,
            json!({ "filters": [{ "columnName": "id", "type": "all", "text": "" }] }),
            &rp,
        )
        .await
        .json();
    assert_eq!(values(&own), vec!["rp-bank"]);
    // MOSIP's checks: every filter's problems at once.
    let both = h
        .search(path, json!({ "filters": [{ "columnName": "colour", "type": "any", "text": "" }, { "columnName": "name", "type": " ", "text": "" }] }), &admin)
        .await;
    let codes: Vec<String> = both.json()["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["errorCode"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        codes,
        vec!["PMS-MSD-317", "PMS-MSD-324", "PMS-MSD-322"],
        "{}",
        both.body
    );
    let dates = h
        .search(
            path,
            json!({ "filters": [{ "columnName": "crDtimes", "type": "all", "text": "" }] }),
            &admin,
        )
        .await;
    assert_eq!(code(&dates), "PMS-MSD-324");
    let private = h
        .search(
            path,
            json!({ "filters": [{ "columnName": "emailId", "type": "all", "text": "" }] }),
            &admin,
        )
        .await;
    assert_eq!(code(&private), "KER_PRT_391");
    let blank = h
        .search(
            path,
            json!({ "filters": [{ "columnName": " ", "type": "all" }] }),
            &admin,
        )
        .await;
    assert_eq!(
        (blank.status, code(&blank)),
        (StatusCode::BAD_REQUEST, "PMS_COR_001".into())
    );

    // The policy service: group names as codes, its validator's codes as PMS_COR_003.
    let groups = h
        .search(
            "/v1/policymanager/policies/group/filtervalues",
            json!({ "filters": [{ "columnName": "name", "type": "unique", "text": "print" }] }),
            &manager,
        )
        .await
        .json();
    assert_eq!(values(&groups), vec!["mpolicygroup-default-print"]);
    assert_eq!(
        groups["response"]["filters"][0]["fieldCode"],
        "mpolicygroup-default-print"
    );
    let bad = h
        .search(
            "/v1/policymanager/policies/group/filtervalues",
            json!({ "filters": [{ "columnName": "colour", "type": "all", "text": "" }] }),
            &manager,
        )
        .await;
    assert_eq!(code(&bad), "PMS_COR_003");
    let policies = h
        .search("/v1/policymanager/policies/filtervalues", json!({ "policyType": "DataShare", "filters": [{ "columnName": "name", "type": "all", "text": "qrcode" }] }), &manager)
        .await
        .json();
    assert_eq!(
        values(&policies),
        vec!["mpolicy-default-qrcode"],
        "{policies}"
    );
    let typed = h
        .search(
            "/v1/policymanager/policies/filtervalues",
            json!({ "filters": [] }),
            &manager,
        )
        .await;
    assert_eq!(typed.status, StatusCode::BAD_REQUEST);
}
