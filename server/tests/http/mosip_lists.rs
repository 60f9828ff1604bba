//! MOSIP's lists of devices, SBIs, FTM chips and policies, and its device approval, through the
//! router: filters, sorts, paging checks in MOSIP's order, item shapes, roles and ownership.

use super::*;
use domain::device::{sbi, DeviceInput, ItemStatus, SbiInput};
use domain::partner::Decision;
use serde_json::{json, Value};

fn code(reply: &Reply) -> String {
    reply.json()["errors"][0]["errorCode"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn total(v: &Value) -> i64 {
    v["response"]["totalResults"].as_i64().unwrap_or(-1)
}

fn column<'a>(v: &'a Value, name: &str) -> Vec<&'a str> {
    v["response"]["data"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| r[name].as_str().unwrap_or(""))
                .collect()
        })
        .unwrap_or_default()
}

fn sbi_of(
    conn: &mut domain::db::AnyConnection,
    who: &domain::testing::SignedUp,
    version: &str,
    approve: bool,
) -> String {
    let day = |d: i64| {
        chrono::DateTime::from_timestamp_millis(domain::clock::now_ms() + d * 86_400_000)
            .expect("day")
            .format("%Y-%m-%d")
            .to_string()
    };
    let input = SbiInput {
        version: version.into(),
        binary_hash: "a".repeat(64),
        created_on: day(-30),
        expires_on: day(365),
    };
    let s = sbi::create(conn, &who.actor, &who.user, &input, 5).expect("sbi");
    if approve {
        sbi::decide(conn, &Actor::system(), &s.id, Decision::Approve, None).expect("approved");
    }
    s.id
}

fn device_of(
    conn: &mut domain::db::AnyConnection,
    who: &domain::testing::SignedUp,
    sbi: &str,
    kind: (&str, &str),
    make: &str,
    model: &str,
) -> String {
    let input = DeviceInput {
        sbi_ids: vec![sbi.to_string()],
        device_type: kind.0.into(),
        sub_type: kind.1.into(),
        make: make.into(),
        model: model.into(),
    };
    domain::device::model::create(conn, &who.actor, &who.user, &input)
        .expect("device")
        .id
}

struct Fixture {
    one_sbi: String,
    two_sbi: String,
    finger: String,
    iris: String,
    theirs: String,
}

fn fixture(h: &Harness) -> Fixture {
    let mut conn = h.db.conn();
    let one = domain::testing::sign_up(&mut conn, "dp-one", "Device_Provider", None);
    let two = domain::testing::sign_up(&mut conn, "dp-two", "Device_Provider", None);
    let ftm = domain::testing::sign_up(&mut conn, "ftm-one", "FTM_Provider", None);
    for id in ["dp-one", "dp-two", "ftm-one"] {
        domain::partner::decide(&mut conn, &Actor::system(), id, Decision::Approve, None)
            .expect("partner approved");
    }
    let one_sbi = sbi_of(&mut conn, &one, "1.0.0", true);
    sbi_of(&mut conn, &one, "2.0.0", false);
    let two_sbi = sbi_of(&mut conn, &two, "3.0.0", true);
    let finger = device_of(&mut conn, &one, &one_sbi, ("Finger", "Slap"), "Acme", "A1");
    let iris = device_of(&mut conn, &one, &one_sbi, ("Iris", "Double"), "Zeta", "Z9");
    let theirs = device_of(&mut conn, &two, &two_sbi, ("Finger", "Slap"), "Other", "O1");
    domain::device::chip::create(&mut conn, &ftm.actor, &ftm.user, "ChipCo", "Secure 1")
        .expect("chip");
    domain::device::chip::create(&mut conn, &ftm.actor, &ftm.user, "Kernel", "K2").expect("chip");
    Fixture {
        one_sbi,
        two_sbi,
        finger,
        iris,
        theirs,
    }
}

impl Harness {
    async fn get_as(&self, path: &str, token: &str) -> Reply {
        let req = Request::get(path)
            .header(header::COOKIE, format!("Authorization={token}"))
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    async fn token_of(&self, user: &str) -> String {
        let body = json!({ "id": "string", "version": "string", "requesttime": "2026-12-04T10:11:12.345Z", "request": { "userName": user, "password": PASSWORD, "appId": "partner", "clientId": "mosip-pms-client", "clientSecret": "x" } });
        let req = Request::post("/v1/authmanager/authenticate/internal/useridPwd")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        let reply = self.send(req).await;
        reply.json()["response"]["token"]
            .as_str()
            .expect("token")
            .to_string()
    }
}

#[tokio::test]
async fn devices_sbis_and_chips_list_with_mosips_filters_sorts_codes_and_roles() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    let f = fixture(&h);
    let admin = h.token_of("admin@example.org").await;
    let dp = h.token_of("dp-one@example.org").await;
    let ftm = h.token_of("ftm-one@example.org").await;
    let devices = |q: &str| format!("/v1/partnermanager/devicedetail{q}");

    // Devices: page 0 of 8 by default, MOSIP's item shape, "contains" filters on every column.
    let all = h.get_as(&devices(""), &admin).await.json();
    assert_eq!(all["id"], "mosip.pms.get.all.device.details.get");
    assert_eq!(total(&all), 3);
    assert_eq!(
        (&all["response"]["pageNo"], &all["response"]["pageSize"]),
        (&json!(0), &json!(8))
    );
    let finger = h.get_as(&devices("?make=ACM"), &admin).await.json();
    let row = &finger["response"]["data"][0];
    assert_eq!(total(&finger), 1);
    assert_eq!(row["deviceId"], f.finger.as_str());
    assert_eq!(row["partnerId"], "dp-one");
    assert_eq!(row["orgName"], "dp-one Ltd");
    assert_eq!(row["deviceType"], "Finger");
    assert_eq!(row["deviceSubType"], "Slap");
    assert_eq!(row["status"], "pending_approval");
    assert_eq!(row["sbiId"], f.one_sbi.as_str());
    assert_eq!(row["sbiVersion"], "1.0.0");
    assert!(row["createdDateTime"].is_string());
    for (q, n) in [
        ("?sbiVersion=1.0", 2),
        ("?sbiVersion=3.0&deviceType=fing", 1),
        ("?orgName=two", 1),
        ("?deviceSubType=doub", 1),
        ("?model=z9&partnerId=dp-one", 1),
        (&format!("?deviceId={}", &f.theirs[..8]) as &str, 1),
        ("?sbiId=nothing-like-it", 0),
        ("?status=pending_approval", 3),
        ("?status=approved", 0),
    ] {
        assert_eq!(total(&h.get_as(&devices(q), &admin).await.json()), n, "{q}");
    }
    // MOSIP's status spelling is exact: anything else matches nothing (no error).
    let odd = h
        .get_as(&devices("?status=PENDING_APPROVAL"), &admin)
        .await
        .json();
    assert_eq!(
        odd["response"],
        json!({ "pageNo": 0, "pageSize": 0, "totalResults": 0, "data": [] })
    );
    let by_make = h
        .get_as(&devices("?sortFieldName=make&sortType=desc"), &admin)
        .await
        .json();
    assert_eq!(column(&by_make, "make"), vec!["Zeta", "Other", "Acme"]);
    let by_sbi = h
        .get_as(
            &devices("?sortFieldName=sbiVersion&sortType=ASC&pageSize=2&pageNo=1"),
            &admin,
        )
        .await
        .json();
    assert_eq!(column(&by_sbi, "sbiVersion"), vec!["3.0.0"]);
    assert_eq!(
        (total(&by_sbi), &by_sbi["response"]["pageNo"]),
        (3, &json!(1))
    );
    let past = h.get_as(&devices("?pageNo=5"), &admin).await.json();
    assert_eq!(past["response"]["data"], json!([]));
    for (q, expected) in [
        ("?sortFieldName=make", "PMS_PS_ERROR_007"),
        ("?sortFieldName=colour&sortType=asc", "PMS_PRT_357"),
        ("?sortFieldName=make&sortType=up", "PMS_PRT_358"),
        ("?pageNo=-1", "PMS_PRT_360"),
        ("?pageSize=0", "PMS_PRT_361"),
    ] {
        let r = h.get_as(&devices(q), &admin).await;
        assert_eq!(
            (r.status, code(&r)),
            (StatusCode::OK, expected.to_string()),
            "{q}"
        );
        assert_eq!(r.json()["id"], "mosip.pms.get.all.device.details.get");
    }
    assert_eq!(
        h.get_as(&devices(""), &dp).await.status,
        StatusCode::FORBIDDEN
    );
    let anon = h
        .send(
            Request::get(devices(""))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(
        (anon.status, code(&anon)),
        (StatusCode::UNAUTHORIZED, "KER-ATH-401".into())
    );

    // SBIs: a partner admin sees every provider's, a device provider its own; no paging default.
    let sbis = |q: &str| format!("/v1/partnermanager/securebiometricinterface{q}");
    let every = h.get_as(&sbis(""), &admin).await.json();
    assert_eq!(every["id"], "mosip.pms.all.sbi.details.get");
    assert_eq!(
        (total(&every), &every["response"]["pageSize"]),
        (3, &json!(3))
    );
    let own = h
        .get_as(
            &sbis("?sortFieldName=sbiVersion&sortType=desc&pageNo=0&pageSize=5"),
            &dp,
        )
        .await
        .json();
    assert_eq!(column(&own, "sbiVersion"), vec!["2.0.0", "1.0.0"]);
    let first = h
        .get_as(&sbis(&format!("?sbiId={}", f.one_sbi)), &admin)
        .await
        .json();
    let row = &first["response"]["data"][0];
    assert_eq!(
        (
            &row["status"],
            &row["isActive"],
            &row["sbiExpiryStatus"],
            &row["countOfAssociatedDevices"],
            &row["countOfPendingDevices"],
            &row["countOfApprovedDevices"]
        ),
        (
            &json!("approved"),
            &json!(true),
            &json!("valid"),
            &json!(2),
            &json!(2),
            &json!(0)
        ),
        "{first}"
    );
    assert_eq!(
        total(
            &h.get_as(&sbis("?sbiExpiryStatus=valid&orgName=TWO"), &admin)
                .await
                .json()
        ),
        1
    );
    assert_eq!(
        total(
            &h.get_as(&sbis("?sbiExpiryStatus=expired"), &admin)
                .await
                .json()
        ),
        0
    );
    assert_eq!(
        total(
            &h.get_as(&sbis("?status=pending_approval"), &dp)
                .await
                .json()
        ),
        1
    );
    let busiest = h
        .get_as(
            &sbis("?sortFieldName=countOfAssociatedDevices&sortType=desc&pageNo=0&pageSize=1"),
            &admin,
        )
        .await
        .json();
    assert_eq!(column(&busiest, "sbiId"), vec![f.one_sbi.as_str()]);
    for (q, expected) in [
        ("?pageNo=0", "PMS_PS_ERROR_006"),
        ("?sortFieldName=sbiId&sortType=asc", "PMS_PS_ERROR_008"),
        ("?sortType=asc&pageNo=0&pageSize=2", "PMS_PS_ERROR_007"),
        (
            "?sortFieldName=x&sortType=asc&pageNo=0&pageSize=2",
            "PMS_PRT_357",
        ),
    ] {
        let r = h.get_as(&sbis(q), &dp).await;
        assert_eq!(code(&r), expected, "{q}: {}", r.body);
    }
    assert_eq!(
        h.get_as(&sbis(""), &ftm).await.status,
        StatusCode::FORBIDDEN
    );

    // FTM chips: partner admins only.
    let chips = |q: &str| format!("/v1/partnermanager/ftpchipdetail/v2{q}");
    let listed = h
        .get_as(&chips("?sortFieldName=make&sortType=desc"), &admin)
        .await
        .json();
    assert_eq!(listed["id"], "mosip.pms.partners.ftm.chip.details.get");
    assert_eq!(column(&listed, "make"), vec!["Kernel", "ChipCo"]);
    let row = &listed["response"]["data"][1];
    assert_eq!(
        (
            &row["status"],
            &row["isActive"],
            &row["isCertificateAvailable"],
            &row["partnerId"],
            &row["model"]
        ),
        (
            &json!("pending_cert_upload"),
            &json!(false),
            &json!(false),
            &json!("ftm-one"),
            &json!("Secure 1")
        )
    );
    assert_eq!(
        total(
            &h.get_as(&chips("?model=k2&orgName=ftm"), &admin)
                .await
                .json()
        ),
        1
    );
    assert_eq!(
        total(
            &h.get_as(&chips("?status=pending_cert_upload"), &admin)
                .await
                .json()
        ),
        2
    );
    assert_eq!(
        h.get_as(&chips(""), &ftm).await.status,
        StatusCode::FORBIDDEN
    );
    let _ = (f.two_sbi, f.iris);
}

#[tokio::test]
async fn a_partner_admin_decides_a_device_through_mosips_approval_call() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    let f = fixture(&h);
    let admin = h.token_of("admin@example.org").await;
    let dp = h.token_of("dp-one@example.org").await;
    const ID: &str = "mosip.pms.approval.mapping.device.to.sbi.post";
    let body = |request: Value| {
        json!({ "id": ID, "version": "1.0", "requestTime": pms::mosip::envelope::now_text(), "metadata": {}, "request": request }).to_string()
    };
    let post = |device: String, body: String, token: String| {
        let hr = &h;
        async move {
            let req = Request::post(format!("/v1/partnermanager/devicedetail/{device}/approval"))
                .header(header::COOKIE, format!("Authorization={token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .expect("request");
            hr.send(req).await
        }
    };
    let ok = json!({ "partnerId": "dp-one", "sbiId": f.one_sbi, "status": "approved" });
    let no_request =
        json!({ "id": ID, "version": "1.0", "requestTime": pms::mosip::envelope::now_text() })
            .to_string();
    let r = post(f.finger.clone(), no_request, admin.clone()).await;
    assert_eq!(
        (r.status, code(&r)),
        (StatusCode::BAD_REQUEST, "PMS_COR_001".into())
    );
    for (device, body, expected) in [
        (
            f.finger.clone(),
            body(ok.clone()).replace(ID, "mosip.other"),
            "PMS_REQUEST_ERROR_002",
        ),
        (
            f.finger.clone(),
            body(ok.clone()).replace("\"1.0\"", "\"2\""),
            "PMS_REQUEST_ERROR_003",
        ),
        (
            f.finger.clone(),
            body(json!({ "sbiId": f.one_sbi, "status": "approved" })),
            "PMS_REQUEST_ERROR_001",
        ),
        (
            f.finger.clone(),
            body(json!({ "partnerId": "dp-one", "sbiId": f.one_sbi, "status": "Approved" })),
            "PMS_DEVICE_ERROR_027",
        ),
        (
            f.finger.clone(),
            body(json!({ "partnerId": "dp-one", "status": "approved" })),
            "PMS_DEVICE_ERROR_024",
        ),
        (
            f.finger.clone(),
            body(json!({ "partnerId": "dp-one", "status": "rejected" })),
            "PMS_DEVICE_ERROR_025",
        ),
        (
            f.finger.clone(),
            body(json!({ "partnerId": "dp-one", "sbiId": "nope", "status": "approved" })),
            "PMS_DEVICE_ERROR_005",
        ),
        (
            f.finger.clone(),
            body(json!({ "partnerId": "dp-two", "sbiId": f.one_sbi, "status": "approved" })),
            "PMS_DEVICE_ERROR_002",
        ),
        (
            "no-such-device".to_string(),
            body(ok.clone()),
            "PMS_DEVICE_ERROR_006",
        ),
        (f.theirs.clone(), body(ok.clone()), "PMS_DEVICE_ERROR_007"),
        (
            f.theirs.clone(),
            body(json!({ "partnerId": "dp-two", "sbiId": f.one_sbi, "status": "approved" })),
            "PMS_DEVICE_ERROR_002",
        ),
    ] {
        let r = post(device, body, admin.clone()).await;
        assert_eq!(
            (r.status, code(&r)),
            (StatusCode::OK, expected.to_string()),
            "{}",
            r.body
        );
        assert_eq!(r.json()["id"], ID);
    }
    // A device provider may not decide, not even its own.
    assert_eq!(
        post(f.finger.clone(), body(ok.clone()), dp).await.status,
        StatusCode::FORBIDDEN
    );
    {
        let mut conn = h.db.conn();
        let d = domain::device::model::get(&mut conn, &f.finger).expect("device");
        assert_eq!(
            d.status,
            ItemStatus::PendingApproval,
            "refusals change nothing"
        );
    }
    let done = post(f.finger.clone(), body(ok.clone()), admin.clone()).await;
    assert_eq!(done.json()["response"], json!(true), "{}", done.body);
    let again = post(f.finger.clone(), body(ok.clone()), admin.clone()).await;
    assert_eq!(code(&again), "PMS_DEVICE_ERROR_010");
    let rejected = post(
        f.iris.clone(),
        body(json!({ "partnerId": "dp-one", "sbiId": f.one_sbi, "status": "rejected" })),
        admin.clone(),
    )
    .await;
    assert_eq!(
        rejected.json()["response"],
        json!(true),
        "{}",
        rejected.body
    );
    {
        let mut conn = h.db.conn();
        let status = |id: &str, conn: &mut domain::db::AnyConnection| {
            domain::device::model::get(conn, id).expect("device").status
        };
        assert_eq!(status(&f.finger, &mut conn), ItemStatus::Approved);
        assert_eq!(status(&f.iris, &mut conn), ItemStatus::Rejected);
        // A deactivated SBI refuses its devices' decisions with its own code.
        diesel::update(domain::schema::sbis::table.find(&f.two_sbi))
            .set(domain::schema::sbis::status.eq(ItemStatus::Deactivated.as_str()))
            .execute(&mut conn)
            .expect("sbi deactivated");
    }
    let on_dead = post(
        f.theirs.clone(),
        body(json!({ "partnerId": "dp-two", "sbiId": f.two_sbi, "status": "approved" })),
        admin,
    )
    .await;
    assert_eq!(code(&on_dead), "PMS_DEVICE_ERROR_029");
}

#[tokio::test]
async fn policies_list_as_mosips_policy_manager_answers() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("rp@example.org", &[Role::AuthPartner]);
    {
        let mut conn = h.db.conn();
        let g = domain::policy::group::create(&mut conn, &Actor::system(), "Banks", "banks")
            .expect("group");
        for (name, desc) in [
            ("alpha-kyc", "KYC for banks"),
            ("beta-auth", "auth only"),
            ("gamma-kyc", "second KYC"),
        ] {
            let input = domain::policy::PolicyInput {
                group_id: g.id.clone(),
                name: name.into(),
                description: desc.into(),
                policy_type: "Auth".into(),
                document: domain::policy::PolicyType::Auth.template().into(),
            };
            let p = domain::policy::create(&mut conn, &Actor::system(), &input).expect("draft");
            if name == "beta-auth" {
                let until = domain::clock::now_ms() + 86_400_000;
                domain::policy::publish(&mut conn, &Actor::system(), &p.summary.id, until)
                    .expect("published");
            }
        }
    }
    let admin = h.token_of("admin@example.org").await;
    let rp = h.token_of("rp@example.org").await;
    let list = |q: &str| format!("/v1/policymanager/policies/v2{q}");
    let all = h
        .get_as(&list("?sortFieldName=policyName&sortType=asc"), &admin)
        .await
        .json();
    assert_eq!(all["id"], "mosip.pms.policies.get");
    assert_eq!(
        column(&all, "policyName"),
        vec!["alpha-kyc", "beta-auth", "gamma-kyc"]
    );
    let row = &all["response"]["data"][1];
    assert_eq!(
        (
            &row["status"],
            &row["policyType"],
            &row["policyGroupName"],
            &row["policyDescription"]
        ),
        (
            &json!("activated"),
            &json!("Auth"),
            &json!("Banks"),
            &json!("auth only")
        )
    );
    assert!(row["policyGroupId"].is_string() && row["createdDateTime"].is_string());
    for (q, n) in [
        ("?policyName=KYC", 2),
        ("?policyDescription=bank", 1),
        ("?status=draft", 2),
        ("?status=activated&policyType=auth", 1),
        ("?policyGroupName=BANK", 3),
        ("?status=published", 0),
    ] {
        assert_eq!(total(&h.get_as(&list(q), &admin).await.json()), n, "{q}");
    }
    // Half a sort is ignored here; an unknown field gets the policy module's words.
    let half = h.get_as(&list("?sortFieldName=policyName"), &admin).await;
    assert_eq!((code(&half), total(&half.json())), (String::new(), 3));
    let bad = h
        .get_as(&list("?sortFieldName=policyType&sortType=asc"), &admin)
        .await
        .json();
    assert_eq!(
        bad["errors"][0]["message"],
        "Sorting is not supported for policyType field"
    );
    let paged = h
        .get_as(
            &list("?sortFieldName=policyName&sortType=desc&pageNo=1&pageSize=2"),
            &admin,
        )
        .await
        .json();
    assert_eq!(column(&paged, "policyName"), vec!["alpha-kyc"]);
    assert_eq!(h.get_as(&list(""), &rp).await.status, StatusCode::FORBIDDEN);
}

/// A published policy of `group`.
fn published(conn: &mut domain::db::AnyConnection, group: &str, name: &str) -> String {
    let input = domain::policy::PolicyInput {
        group_id: group.into(),
        name: name.into(),
        description: format!("{name} described"),
        policy_type: "Auth".into(),
        document: r#"{"authTokenType":"partner","allowedAuthTypes":[{"authType":"otp","mandatory":false}],"allowedKycAttributes":[{"attributeName":"fullName"}]}"#.into(),
    };
    let id = domain::policy::create(conn, &Actor::system(), &input)
        .expect("draft")
        .summary
        .id;
    domain::policy::publish(
        conn,
        &Actor::system(),
        &id,
        domain::clock::now_ms() + 86_400_000 * 300,
    )
    .expect("published");
    id
}

#[tokio::test]
async fn api_keys_and_policy_requests_list_every_partners_for_admins_and_the_callers_own_otherwise()
{
    use domain::access::{apikey, request, AccessConfig, ApiKeyInput, RequestInput};
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("lonely@example.org", &[Role::AuthPartner]);
    {
        let mut conn = h.db.conn();
        let group =
            domain::policy::group::create(&mut conn, &Actor::system(), "Banks", "banks group")
                .expect("group")
                .id;
        let kyc = published(&mut conn, &group, "kyc");
        let otp = published(&mut conn, &group, "otp-only");
        for id in ["rp-one", "rp-two"] {
            let p = domain::testing::sign_up(&mut conn, id, "Auth_Partner", Some(&group));
            domain::partner::decide(&mut conn, &Actor::system(), id, Decision::Approve, None)
                .expect("approved");
            domain::testing::fake_certificate(
                &mut conn,
                id,
                domain::clock::now_ms() + 86_400_000 * 365,
            );
            let ask = |policy: &str, conn: &mut domain::db::AnyConnection| {
                request::create(
                    conn,
                    &p.actor,
                    &p.user,
                    &RequestInput {
                        policy_id: policy.into(),
                        use_case: format!("{id} onboards customers"),
                    },
                )
                .expect("request")
            };
            let r = ask(&kyc, &mut conn);
            request::decide(&mut conn, &Actor::system(), &r.id, true, None).expect("approved");
            if id == "rp-one" {
                ask(&otp, &mut conn);
                for label in ["branch", "mobile"] {
                    let input = ApiKeyInput {
                        policy_id: kyc.clone(),
                        label: label.into(),
                        valid_to: None,
                    };
                    apikey::create(
                        &mut conn,
                        &p.actor,
                        &p.user,
                        &input,
                        &AccessConfig::default(),
                    )
                    .expect("key");
                }
            } else {
                let input = ApiKeyInput {
                    policy_id: kyc.clone(),
                    label: "web".into(),
                    valid_to: None,
                };
                let k = apikey::create(
                    &mut conn,
                    &p.actor,
                    &p.user,
                    &input,
                    &AccessConfig::default(),
                )
                .expect("key");
                apikey::deactivate(&mut conn, &Actor::system(), &k.item.id, None)
                    .expect("deactivated");
            }
        }
    }
    let admin = h.token_of("admin@example.org").await;
    let one = h.token_of("rp-one@example.org").await;
    let lonely = h.token_of("lonely@example.org").await;

    // API keys: every partner's for the admin, unpaged unless asked; never a secret.
    let keys = |q: &str| format!("/v1/partnermanager/partner-api-keys{q}");
    let all = h.get_as(&keys(""), &admin).await;
    let body = all.json();
    assert_eq!(body["id"], "mosip.pms.all.api.key.requests.get");
    assert_eq!(
        (total(&body), &body["response"]["pageSize"]),
        (3, &json!(3)),
        "{}",
        all.body
    );
    assert!(!all.body.contains("secret") && !all.body.contains("prefix"));
    let row = &h.get_as(&keys("?apiKeyLabel=WEB"), &admin).await.json()["response"]["data"][0];
    assert_eq!(
        (
            &row["partnerId"],
            &row["status"],
            &row["policyName"],
            &row["policyGroupName"],
            &row["policyGroupDescription"],
            &row["policyDescription"]
        ),
        (
            &json!("rp-two"),
            &json!("deactivated"),
            &json!("kyc"),
            &json!("Banks"),
            &json!("banks group"),
            &json!("kyc described")
        )
    );
    assert!(row["createdDateTime"].is_string() && row["apiKeyExpiryDateTime"].is_string());
    assert_eq!(
        total(&h.get_as(&keys("?status=activated"), &admin).await.json()),
        2
    );
    assert_eq!(
        total(&h.get_as(&keys("?status=ACTIVE"), &admin).await.json()),
        0
    );
    let own = h
        .get_as(
            &keys("?sortFieldName=apiKeyLabel&sortType=desc&pageNo=0&pageSize=5"),
            &one,
        )
        .await
        .json();
    assert_eq!(column(&own, "apiKeyLabel"), vec!["mobile", "branch"]);
    assert_eq!(
        total(&h.get_as(&keys("?partnerId=rp-two"), &one).await.json()),
        0,
        "another partner's keys are not the caller's"
    );
    for (q, expected) in [
        ("?pageSize=2", "PMS_PS_ERROR_006"),
        (
            "?sortFieldName=apiKeyLabel&sortType=asc",
            "PMS_PS_ERROR_008",
        ),
        (
            "?sortFieldName=apiKey&sortType=asc&pageNo=0&pageSize=1",
            "PMS_PRT_357",
        ),
    ] {
        let r = h.get_as(&keys(q), &one).await;
        assert_eq!(code(&r), expected, "{q}: {}", r.body);
    }
    let nobody = h.get_as(&keys(""), &lonely).await;
    assert_eq!(
        code(&nobody),
        "PMS_CERTIFICATE_ERROR_002",
        "{}",
        nobody.body
    );

    // Policy requests: the same scopes; MOSIP's spellings of both statuses.
    let requests = |q: &str| format!("/v1/partnermanager/partner-policy-requests{q}");
    let every = h
        .get_as(
            &requests("?sortFieldName=policyName&sortType=asc&pageNo=0&pageSize=10"),
            &admin,
        )
        .await
        .json();
    assert_eq!(
        every["id"],
        "mosip.pms.all.partner.policy.mapping.requests.get"
    );
    assert_eq!(column(&every, "policyName"), vec!["kyc", "kyc", "otp-only"]);
    let pending = h.get_as(&requests("?status=InProgress"), &one).await.json();
    let row = &pending["response"]["data"][0];
    assert_eq!(
        (
            &row["partnerId"],
            &row["partnerStatus"],
            &row["policyName"],
            &row["partnerComment"],
            &row["partnerType"],
            &row["status"]
        ),
        (
            &json!("rp-one"),
            &json!("activated"),
            &json!("otp-only"),
            &json!("rp-one onboards customers"),
            &json!("Auth_Partner"),
            &json!("InProgress")
        ),
        "{pending}"
    );
    assert!(
        row["id"].is_string()
            && row["policyGroupId"].is_string()
            && row["updatedDateTime"].is_string()
    );
    assert_eq!(
        total(
            &h.get_as(&requests("?partnerComment=RP-TWO"), &admin)
                .await
                .json()
        ),
        1
    );
    assert_eq!(
        total(&h.get_as(&requests("?status=approved"), &one).await.json()),
        1
    );
    assert_eq!(total(&h.get_as(&requests(""), &one).await.json()), 2);
    let r = h
        .get_as(
            &requests("?sortFieldName=partnerComment&sortType=asc&pageNo=0&pageSize=1"),
            &admin,
        )
        .await;
    assert_eq!(code(&r), "PMS_PRT_357");
    assert_eq!(
        code(&h.get_as(&requests(""), &lonely).await),
        "PMS_CERTIFICATE_ERROR_002"
    );
    let dp = {
        h.account("dp@example.org", &[Role::DeviceProvider]);
        h.token_of("dp@example.org").await
    };
    assert_eq!(
        h.get_as(&requests(""), &dp).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(h.get_as(&keys(""), &dp).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn devices_and_policies_are_deactivated_through_mosips_patch_calls() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("manager@example.org", &[Role::PolicyManager]);
    let f = fixture(&h);
    let (free, asked) = {
        let mut conn = h.db.conn();
        for d in [&f.finger, &f.iris, &f.theirs] {
            domain::device::model::decide(&mut conn, &Actor::system(), d, Decision::Approve, None)
                .expect("approved");
        }
        let group = domain::policy::group::create(&mut conn, &Actor::system(), "Banks", "")
            .expect("group")
            .id;
        let free = published(&mut conn, &group, "free");
        let asked = published(&mut conn, &group, "asked");
        let rp = domain::testing::sign_up(&mut conn, "rp-one", "Auth_Partner", Some(&group));
        domain::partner::decide(
            &mut conn,
            &Actor::system(),
            "rp-one",
            Decision::Approve,
            None,
        )
        .expect("approved");
        domain::testing::fake_certificate(
            &mut conn,
            "rp-one",
            domain::clock::now_ms() + 86_400_000 * 365,
        );
        domain::access::request::create(
            &mut conn,
            &rp.actor,
            &rp.user,
            &domain::access::RequestInput {
                policy_id: asked.clone(),
                use_case: "onboarding".into(),
            },
        )
        .expect("request");
        (free, asked)
    };
    let admin = h.token_of("admin@example.org").await;
    let manager = h.token_of("manager@example.org").await;
    let dp = h.token_of("dp-one@example.org").await;
    let two = h.token_of("dp-two@example.org").await;
    let patch = |path: String, body: String, token: String| {
        let hr = &h;
        async move {
            let req = Request::patch(path)
                .header(header::COOKIE, format!("Authorization={token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .expect("request");
            hr.send(req).await
        }
    };
    let revamp = |id: &str, status: &str| {
        json!({ "id": id, "version": "1.0", "requestTime": pms::mosip::envelope::now_text(), "metadata": {}, "request": { "status": status } }).to_string()
    };

    // Devices: the provider its own, once; another provider's is not its own.
    let dev = "mosip.pms.deactivate.device.patch";
    let path = |id: &str| format!("/v1/partnermanager/devicedetail/{id}");
    for (id, body, token, expected) in [
        (
            f.finger.clone(),
            revamp("other", "De-Activate"),
            dp.clone(),
            "PMS_REQUEST_ERROR_002",
        ),
        (
            f.finger.clone(),
            revamp(dev, "Activate"),
            dp.clone(),
            "PMS_DEVICE_ERROR_026",
        ),
        (
            "nope".to_string(),
            revamp(dev, "De-Activate"),
            dp.clone(),
            "PMS_DEVICE_ERROR_006",
        ),
        (
            f.finger.clone(),
            revamp(dev, "De-Activate"),
            two.clone(),
            "PMS_DEVICE_ERROR_016",
        ),
    ] {
        let r = patch(path(&id), body, token).await;
        assert_eq!(code(&r), expected, "{}", r.body);
        assert_eq!(r.json()["id"], dev);
    }
    let done = patch(path(&f.finger), revamp(dev, "De-Activate"), dp.clone()).await;
    assert_eq!(
        done.json()["response"],
        json!({ "deviceId": f.finger, "status": "approved", "isActive": false }),
        "{}",
        done.body
    );
    assert_eq!(
        code(&patch(path(&f.finger), revamp(dev, "De-Activate"), dp.clone()).await),
        "PMS_DEVICE_ERROR_014"
    );
    let by_admin = patch(path(&f.theirs), revamp(dev, "De-Activate"), admin.clone()).await;
    assert_eq!(code(&by_admin), "", "{}", by_admin.body);
    assert_eq!(
        patch(path(&f.iris), revamp(dev, "De-Activate"), manager.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    {
        let mut conn = h.db.conn();
        let status = |id: &str, conn: &mut domain::db::AnyConnection| {
            domain::device::model::get(conn, id).expect("device").status
        };
        assert_eq!(status(&f.finger, &mut conn), ItemStatus::Deactivated);
        assert_eq!(
            status(&f.iris, &mut conn),
            ItemStatus::Approved,
            "untouched"
        );
    }

    // Policies: a requested one is refused with MOSIP's code, a free one deactivated once.
    let pol = "mosip.pms.deactivate.policy.patch";
    let path = |id: &str| format!("/v1/policymanager/policies/{id}");
    assert_eq!(
        code(&patch(path("nope"), revamp(pol, "De-Activate"), manager.clone()).await),
        "PMS_POL_065"
    );
    assert_eq!(
        code(&patch(path(&free), revamp(pol, "Deactivate"), manager.clone()).await),
        "PMS_POL_073"
    );
    assert_eq!(
        code(&patch(path(&asked), revamp(pol, "De-Activate"), manager.clone()).await),
        "PMS_POL_064"
    );
    let off = patch(path(&free), revamp(pol, "De-Activate"), admin.clone()).await;
    assert_eq!(
        off.json()["response"],
        json!({ "policyId": free, "isActive": false }),
        "{}",
        off.body
    );
    assert_eq!(
        code(&patch(path(&free), revamp(pol, "De-Activate"), manager.clone()).await),
        "PMS_POL_062"
    );
    assert_eq!(
        patch(path(&asked), revamp(pol, "De-Activate"), dp)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_authentication_partner_creates_an_oidc_client_through_mosips_oauth_call() {
    use domain::access::{request, RequestInput};
    let h = harness();
    {
        let mut conn = h.db.conn();
        let group = domain::policy::group::create(&mut conn, &Actor::system(), "Banks", "")
            .expect("group")
            .id;
        let input = domain::policy::PolicyInput {
            group_id: group.clone(),
            name: "kyc".into(),
            description: String::new(),
            policy_type: "Auth".into(),
            document: r#"{"authTokenType":"partner","allowedAuthTypes":[{"authType":"otp","mandatory":false}],"allowedKycAttributes":[{"attributeName":"fullName"},{"attributeName":"email"}]}"#.into(),
        };
        let kyc = domain::policy::create(&mut conn, &Actor::system(), &input)
            .expect("draft")
            .summary
            .id;
        domain::policy::publish(
            &mut conn,
            &Actor::system(),
            &kyc,
            domain::clock::now_ms() + 86_400_000 * 300,
        )
        .expect("published");
        for id in ["rp-one", "rp-two"] {
            let p = domain::testing::sign_up(&mut conn, id, "Auth_Partner", Some(&group));
            domain::partner::decide(&mut conn, &Actor::system(), id, Decision::Approve, None)
                .expect("approved");
            domain::testing::fake_certificate(
                &mut conn,
                id,
                domain::clock::now_ms() + 86_400_000 * 365,
            );
            let r = request::create(
                &mut conn,
                &p.actor,
                &p.user,
                &RequestInput {
                    policy_id: kyc.clone(),
                    use_case: "login".into(),
                },
            )
            .expect("request");
            request::decide(&mut conn, &Actor::system(), &r.id, true, None).expect("approved");
        }
    }
    let policy: String = {
        let mut conn = h.db.conn();
        use domain::schema::policies;
        policies::table
            .select(policies::id)
            .first(&mut conn)
            .expect("policy")
    };
    let one = h.token_of("rp-one@example.org").await;
    let jwk = json!({ "kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" });
    let request = |partner: &str, key: Value| {
        json!({ "name": "Bank login", "policyId": policy, "publicKey": key, "authPartnerId": partner,
                "logoUri": "https://bank.example/logo.png", "redirectUris": ["https://bank.example/cb"],
                "grantTypes": ["authorization_code"], "clientAuthMethods": ["private_key_jwt"],
                "clientNameLangMap": { "eng": "Bank login" } })
    };
    let post = |body: Value| {
        let hr = &h;
        let token = one.clone();
        async move {
            let env = json!({ "id": "string", "version": "string", "requesttime": "2026-12-04T10:11:12.345Z", "request": body });
            let req = Request::post("/v1/partnermanager/oauth/client")
                .header(header::COOKIE, format!("Authorization={token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(env.to_string()))
                .expect("request");
            hr.send(req).await
        }
    };
    let mut no_names = request("rp-one", jwk.clone());
    no_names
        .as_object_mut()
        .map(|o| o.remove("clientNameLangMap"));
    assert_eq!(code(&post(no_names).await), "PMS_COR_001");
    assert_eq!(
        code(&post(request("rp-two", jwk.clone())).await),
        "PMS_POLICY_ERROR_009"
    );
    let bad_key = post(request(
        "rp-one",
        json!({ "kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA" }),
    ))
    .await;
    assert_eq!(code(&bad_key), "PMS_ESI_007", "{}", bad_key.body);
    let made = post(request("rp-one", jwk.clone())).await;
    assert_eq!(made.json()["response"]["status"], "ACTIVE", "{}", made.body);
    let client_id = made.json()["response"]["clientId"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(!client_id.is_empty());
    {
        let mut conn = h.db.conn();
        let c = domain::access::oidc::get(&mut conn, &client_id).expect("client");
        assert_eq!(
            (c.partner_id.as_str(), c.name.as_str()),
            ("rp-one", "Bank login")
        );
    }
    assert_eq!(code(&post(request("rp-one", jwk)).await), "PMS_ESI_001");
}

/// Every operation of MOSIP's PMS API the OpenAPI document says needs a token answers 401
/// (KER-ATH-401) without one, and 403 to a token whose roles it does not list, before reading
/// anything. (The Keycloak subset answers as Keycloak does; its own tests cover it.)
#[tokio::test]
async fn every_token_operation_refuses_anonymous_callers_and_foreign_roles() {
    let h = harness();
    let mut tokens = Vec::new();
    for role in Role::ALL {
        let email = format!("{}@example.org", role.as_str().to_lowercase());
        h.account(&email, &[role]);
        tokens.push((role, h.token_of(&email).await));
    }
    for op in pms::openapi::OPS {
        let pms::openapi::Auth::Token(roles) = op.auth else {
            continue;
        };
        if !op.path.starts_with("/v1/") {
            continue;
        }
        let path = op
            .path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let method = op.method.to_uppercase();
        let call = |token: Option<String>| {
            let hr = &h;
            let (method, path) = (method.clone(), path.clone());
            async move {
                let mut req = Request::builder()
                    .method(method.as_str())
                    .uri(path.as_str())
                    .header(header::CONTENT_TYPE, "application/json");
                if let Some(t) = token {
                    req = req.header(header::COOKIE, format!("Authorization={t}"));
                }
                hr.send(req.body(Body::from("{}")).expect("request")).await
            }
        };
        let anon = call(None).await;
        assert_eq!(
            (anon.status, code(&anon)),
            (StatusCode::UNAUTHORIZED, "KER-ATH-401".to_string()),
            "{method} {path} without a token: {}",
            anon.body
        );
        if let Some((role, token)) = tokens.iter().find(|(r, _)| !roles.contains(&r.as_str())) {
            let foreign = call(Some(token.clone())).await;
            assert_eq!(
                foreign.status,
                StatusCode::FORBIDDEN,
                "{method} {path} as {}: {}",
                role.as_str(),
                foreign.body
            );
        }
    }
}

#[tokio::test]
async fn policy_request_and_misp_license_filter_values_keep_partners_to_their_own() {
    use domain::access::{request, RequestInput};
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    {
        let mut conn = h.db.conn();
        let group = domain::policy::group::create(&mut conn, &Actor::system(), "Banks", "")
            .expect("group")
            .id;
        let kyc = published(&mut conn, &group, "kyc");
        for id in ["rp-one", "rp-two"] {
            let p = domain::testing::sign_up(&mut conn, id, "Auth_Partner", Some(&group));
            domain::partner::decide(&mut conn, &Actor::system(), id, Decision::Approve, None)
                .expect("approved");
            domain::testing::fake_certificate(
                &mut conn,
                id,
                domain::clock::now_ms() + 86_400_000 * 365,
            );
            request::create(
                &mut conn,
                &p.actor,
                &p.user,
                &RequestInput {
                    policy_id: kyc.clone(),
                    use_case: format!("{id} use"),
                },
            )
            .expect("request");
        }
    }
    let admin = h.token_of("admin@example.org").await;
    let one = h.token_of("rp-one@example.org").await;
    let post = |path: &'static str, request: Value, token: String| {
        let hr = &h;
        async move {
            let body = json!({ "id": "x", "version": "1.0", "requesttime": "2026-12-04T10:11:12.345Z", "request": request });
            let req = Request::post(path)
                .header(header::COOKIE, format!("Authorization={token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .expect("request");
            hr.send(req).await
        }
    };
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
    let path = "/v1/partnermanager/partners/apikey/request/filtervalues";
    let ask = json!({ "filters": [{ "columnName": "requestDetail", "type": "all", "text": "" }] });
    let all = post(path, ask.clone(), admin.clone()).await.json();
    assert_eq!(values(&all), vec!["rp-one use", "rp-two use"], "{all}");
    let own = post(path, ask, one.clone()).await.json();
    assert_eq!(values(&own), vec!["rp-one use"]);
    let status = post(
        path,
        json!({ "filters": [{ "columnName": "statusCode", "type": "unique", "text": "" }] }),
        admin.clone(),
    )
    .await
    .json();
    assert_eq!(
        values(&status),
        vec!["InProgress", "InProgress"],
        "distinct (code, value) pairs, as MOSIP"
    );
    let misp = "/v1/partnermanager/misps/filtervalues";
    let none = post(
        misp,
        json!({ "filters": [{ "columnName": "mispId", "type": "all", "text": "" }] }),
        admin,
    )
    .await
    .json();
    assert_eq!(none["response"]["filters"], json!([]), "{none}");
    assert_eq!(
        post(misp, json!({ "filters": [] }), one).await.status,
        StatusCode::FORBIDDEN
    );
}
