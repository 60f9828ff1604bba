//! MOSIP's REST door through the router: sign-in, the Keycloak admin subset, the onboarder's
//! calls in order (and a second run), roles, ownership, and MOSIP's codes for bad input.

use super::*;
use serde_json::{json, Value};

const KB_ROOT: &str = include_str!("../fixtures/mosip/kb-root.pem");
const KB_CLIENT: &str = include_str!("../fixtures/mosip/kb-client.pem");
const PRINT_ROOT: &str = include_str!("../fixtures/mosip/print-root.pem");
const PRINT_CLIENT: &str = include_str!("../fixtures/mosip/print-client.pem");
const CLIENT_SECRET: &str = "deployment-client-secret-0123";
const KB_USER: &str = "mpartner-default-mimotokeybinding";
const KB_PASSWORD: &str = "mimotokeybinding-kc-mockuserpassword";

/// MOSIP's profile: partners activated by their certificate, CAs without keyCertSign.
fn mosip_harness() -> Harness {
    harness_with_certs(SessionPolicy::default(), false, |c| {
        c.activate_on_certificate = true;
        c.allow_ca_without_key_cert_sign = true;
        c.min_ca_validity_days = 0;
    })
}

fn envelope(request: Value) -> String {
    json!({ "id": "string", "version": "string", "requesttime": "2026-12-04T10:11:12.345Z", "metadata": {}, "request": request }).to_string()
}

impl Harness {
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        cookie: Option<&str>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b)),
            None => req.body(Body::empty()),
        };
        self.send(req.expect("request")).await
    }

    async fn mosip(&self, method: &str, path: &str, request: Value, token: &str) -> Reply {
        self.call(
            method,
            path,
            Some(envelope(request)),
            Some(&format!("Authorization={token}")),
        )
        .await
    }

    async fn bearer(&self, method: &str, path: &str, body: Option<Value>, token: &str) -> Reply {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => {
                req = req.header(header::CONTENT_LENGTH, 0);
                req.body(Body::empty())
            }
        };
        self.send(req.expect("request")).await
    }

    fn api_client(&self, id: &str, roles: &[Role]) {
        let mut conn = self.db.conn();
        domain::idp::clients::create(&mut conn, &Actor::system(), id, roles, Some(CLIENT_SECRET))
            .expect("client");
    }

    /// clientidsecretkey: the JWT from its Set-Cookie.
    async fn client_token(&self, id: &str) -> String {
        let reply = self
            .call(
                "POST",
                "/v1/authmanager/authenticate/clientidsecretkey",
                Some(envelope(
                    json!({ "clientId": id, "secretKey": CLIENT_SECRET, "appId": "ida" }),
                )),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let cookie = reply.header("set-cookie").expect("cookie");
        cookie
            .split(';')
            .next()
            .and_then(|p| p.strip_prefix("Authorization="))
            .expect("Authorization cookie")
            .to_string()
    }

    /// useridPwd: `response.token`.
    async fn user_token(&self, user: &str, password: &str) -> String {
        let reply = self
            .call(
                "POST",
                "/v1/authmanager/authenticate/internal/useridPwd",
                Some(envelope(json!({ "userName": user, "password": password, "appId": "partner", "clientId": "mosip-pms-client", "clientSecret": "x" }))),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.json()["response"]["token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    async fn keycloak_admin_token(&self, user: &str) -> String {
        let form = format!(
            "grant_type=password&client_id=admin-cli&username={}&password=correct+horse+battery",
            enc(user)
        );
        let req = Request::post("/auth/realms/master/protocol/openid-connect/token")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .expect("request");
        let reply = self.send(req).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.json()["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }
}

fn code(reply: &Reply) -> String {
    reply.json()["errors"][0]["errorCode"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn kb_policy(group: &str) -> Value {
    let auth = |t: &str, s: &str| json!({ "authSubType": s, "authType": t, "mandatory": false });
    let kyc: Vec<Value> = [
        "fullName",
        "gender",
        "phone",
        "email",
        "dateOfBirth",
        "city",
        "face",
        "addressLine1",
        "individual_id",
    ]
    .iter()
    .map(|a| json!({ "attributeName": a }))
    .collect();
    json!({
        "name": "mpolicy-default-mimotokeybinding",
        "desc": "mpolicy-default-mimotokeybinding Policy",
        "policies": {
            "authTokenType": "policy",
            "allowedKycAttributes": kyc,
            "allowedAuthTypes": [auth("bio", "IRIS"), auth("bio", "FINGER"), auth("otp", ""), auth("bio", "FACE"),
                auth("otp-request", ""), auth("kyc", ""), auth("demo", ""), auth("kycauth", ""), auth("kycexchange", ""),
                auth("keybinding", ""), auth("kbt", ""), auth("wla", ""), auth("vciexchange", "")]
        },
        "policyGroupName": group,
        "policyType": "Auth",
        "version": "1.1"
    })
}

/// One run of the mimoto-keybinding module (calls 1–18); returns each answer's code (empty
/// on success) by step, so a second run can be compared with MOSIP's answers.
async fn keybinding_run(h: &Harness) -> Vec<(&'static str, String)> {
    let mut codes = Vec::new();
    let admin = h.keycloak_admin_token("admin@example.org").await;
    let created = h
        .bearer(
            "POST",
            "/auth/admin/realms/mosip/users",
            Some(json!({ "username": KB_USER, "firstName": "Chaya", "lastName": "Rempel", "email": "chaya.rempel@example.com", "enabled": true,
                "credentials": [{ "temporary": false, "type": "password", "value": KB_PASSWORD }] })),
            &admin,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let found = h
        .bearer(
            "GET",
            &format!("/auth/admin/realms/mosip/users?username={KB_USER}"),
            None,
            &admin,
        )
        .await;
    let user_id = found.json()[0]["id"].as_str().expect("user id").to_string();
    assert_eq!(
        created.header("location").as_deref(),
        Some(format!("/auth/admin/realms/mosip/users/{user_id}").as_str())
    );
    let roles = h
        .bearer("GET", "/auth/admin/realms/mosip/roles", None, &admin)
        .await
        .json();
    let id_of = |name: &str| {
        roles
            .as_array()
            .expect("roles")
            .iter()
            .find(|r| r["name"] == name)
            .map(|r| r["id"].clone())
            .expect(name)
    };
    let mapped = h
        .bearer(
            "POST",
            &format!("/auth/admin/realms/mosip/users/{user_id}/role-mappings/realm"),
            Some(json!([{ "id": id_of("PARTNER_ADMIN"), "name": "PARTNER_ADMIN" }, { "id": id_of("AUTH_PARTNER"), "name": "AUTH_PARTNER" }])),
            &admin,
        )
        .await;
    assert_eq!(mapped.status, StatusCode::NO_CONTENT, "{}", mapped.body);

    let token = h.user_token(KB_USER, KB_PASSWORD).await;
    let group_name = "mpolicygroup-default-mimotokeybinding";
    let group = h
        .mosip(
            "POST",
            "/v1/policymanager/policies/group/new",
            json!({ "desc": "PolicyGroup", "name": group_name }),
            &token,
        )
        .await;
    assert_eq!(group.status, StatusCode::OK, "{}", group.body);
    codes.push(("group", code(&group)));
    let policy = h
        .mosip(
            "POST",
            "/v1/policymanager/policies",
            kb_policy(group_name),
            &token,
        )
        .await;
    codes.push(("policy", code(&policy)));
    if code(&group).is_empty() && code(&policy).is_empty() {
        let (gid, pid) = (
            group.json()["response"]["id"].clone(),
            policy.json()["response"]["id"].clone(),
        );
        assert_eq!(
            policy.json()["response"]["name"],
            "mpolicy-default-mimotokeybinding"
        );
        let published = h
            .call(
                "POST",
                &format!(
                    "/v1/policymanager/policies/{}/group/{}/publish",
                    pid.as_str().expect("pid"),
                    gid.as_str().expect("gid")
                ),
                None,
                Some(&format!("Authorization={token}")),
            )
            .await;
        assert_eq!(code(&published), "", "{}", published.body);
        assert_eq!(published.json()["response"]["status"], "PUBLISHED");
    }
    let partner = h
        .mosip(
            "POST",
            "/v1/partnermanager/partners",
            json!({ "address": "85608 Kathlyn Valleys", "contactNumber": "344-535-8262", "emailId": "Chaya.Rempel20@hotmail.com",
                "organizationName": "IITB", "partnerId": KB_USER, "partnerType": "Auth_Partner", "policyGroup": group_name }),
            &token,
        )
        .await;
    codes.push(("partner", code(&partner)));
    if code(&partner).is_empty() {
        assert_eq!(
            partner.json()["response"],
            json!({ "partnerId": KB_USER, "status": "InProgress" })
        );
    }
    let token = h.user_token(KB_USER, KB_PASSWORD).await;
    let ca = h
        .mosip(
            "POST",
            "/v1/partnermanager/partners/certificate/ca/upload",
            json!({ "certificateData": KB_ROOT, "partnerDomain": "Auth" }),
            &token,
        )
        .await;
    assert!(
        ca.body.contains("Upload Success.")
            || ca.body.contains("Certificate already exists in store"),
        "{}",
        ca.body
    );
    codes.push(("ca", code(&ca)));
    let leaf = h
        .mosip(
            "POST",
            "/v1/partnermanager/partners/certificate/upload",
            json!({ "certificateData": KB_CLIENT, "partnerDomain": "Auth", "partnerId": KB_USER }),
            &token,
        )
        .await;
    let signed = leaf.json()["response"]["signedCertificateData"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(signed.contains("BEGIN CERTIFICATE"), "{}", leaf.body);
    codes.push(("leaf", code(&leaf)));
    let map = h
        .mosip("POST", &format!("/v1/partnermanager/partners/{KB_USER}/policy/map"), json!({ "policyName": "mpolicy-default-mimotokeybinding", "useCaseDescription": "mapping partner to policy name" }), &token)
        .await;
    codes.push(("map", code(&map)));
    if code(&map).is_empty() {
        let key = map.json()["response"]["mappingkey"]
            .as_str()
            .expect("mappingkey")
            .to_string();
        let approve = h
            .mosip(
                "PUT",
                &format!("/v1/partnermanager/partners/policy/{key}"),
                json!({ "status": "Approved" }),
                &token,
            )
            .await;
        assert_eq!(
            approve.json()["response"],
            "Policy mapping approved successfully",
            "{}",
            approve.body
        );
    }
    let token = h.user_token(KB_USER, KB_PASSWORD).await;
    let key = h
        .mosip(
            "PATCH",
            &format!("/v1/partnermanager/partners/{KB_USER}/generate/apikey"),
            json!({ "policyName": "mpolicy-default-mimotokeybinding", "label": user_id }),
            &token,
        )
        .await;
    codes.push(("apikey", code(&key)));
    assert!(
        key.json()["response"]["apiKey"]
            .as_str()
            .is_some_and(|k| k.len() > 20),
        "{}",
        key.body
    );
    let deleted = h
        .bearer(
            "DELETE",
            &format!("/auth/admin/realms/mosip/users/{user_id}"),
            None,
            &admin,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    // The deleted user's token no longer opens anything.
    let after = h
        .mosip(
            "PATCH",
            &format!("/v1/partnermanager/partners/{KB_USER}/generate/apikey"),
            json!({ "policyName": "x", "label": "y" }),
            &token,
        )
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.body);
    codes
}

#[tokio::test]
async fn the_onboarders_keybinding_module_runs_and_a_second_run_gets_mosips_answers() {
    let h = mosip_harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    let first = keybinding_run(&h).await;
    assert!(first.iter().all(|(_, c)| c.is_empty()), "{first:?}");
    let second = keybinding_run(&h).await;
    assert_eq!(
        second,
        vec![
            ("group", "PMS_POL_014".to_string()),
            ("policy", "PMS_POL_009".to_string()),
            ("partner", "PMS_PRT_051".to_string()),
            ("ca", "KER-PCM-003".to_string()),
            ("leaf", String::new()),
            ("map", "PMS_PRT_060".to_string()),
            ("apikey", String::new()),
        ]
    );
    // Every change of both runs is in the audit trail, under who made it.
    let mut conn = h.db.conn();
    use domain::schema::audit_log;
    let actions: Vec<String> = audit_log::table
        .select(audit_log::action)
        .order(audit_log::id.asc())
        .load(&mut conn)
        .expect("audit");
    for a in [
        "ACCOUNT_CREATED",
        "ACCOUNT_ROLES_ADDED",
        "POLICY_GROUP_CREATED",
        "POLICY_CREATED",
        "PARTNER_CREATED",
        "CA_CERTIFICATE_ADDED",
        "PARTNER_CERTIFICATE_UPLOADED",
        "PARTNER_APPROVED",
        "POLICY_REQUESTED",
        "POLICY_REQUEST_APPROVED",
        "APIKEY_CREATED",
        "ACCOUNT_REMOVED",
        "PARTNER_ACCOUNT_MOVED",
        "PARTNER_CERTIFICATE_RENEWED",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
}

#[tokio::test]
async fn machine_sign_in_issues_tokens_for_valid_credentials_only() {
    let h = harness();
    h.api_client("mosip-deployment-client", &[Role::PartnerAdmin]);
    h.api_client("ida-client", &[Role::AuthPartner]);
    let bad = h
        .call("POST", "/v1/authmanager/authenticate/clientidsecretkey",
            Some(envelope(json!({ "clientId": "mosip-deployment-client", "secretKey": "wrong-secret-000000", "appId": "ida" }))), None)
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED, "{}", bad.body);
    assert_eq!(code(&bad), "KER-ATH-401");
    assert!(bad.header("set-cookie").is_none());
    let ok = h
        .call("POST", "/v1/authmanager/authenticate/clientidsecretkey",
            Some(envelope(json!({ "clientId": "mosip-deployment-client", "secretKey": CLIENT_SECRET, "appId": "ida" }))), None)
        .await;
    assert!(
        ok.body
            .contains("Clientid and Token combination had been validated successfully"),
        "{}",
        ok.body
    );
    let cookie = ok.header("set-cookie").expect("cookie");
    assert!(
        cookie.contains("HttpOnly") && !cookie.contains("Secure"),
        "{cookie}"
    );
    assert!(!ok.body.contains(CLIENT_SECRET));
    let token = h.client_token("mosip-deployment-client").await;

    let ca = |t: String| json!({ "certificateData": t, "partnerDomain": "AUTH" });
    let path = "/v1/partnermanager/partners/certificate/ca/upload";
    // newman sends the collection's placeholder cookie first and the jar's JWT second.
    let two = h
        .call(
            "POST",
            path,
            Some(envelope(ca(PRINT_ROOT.into()))),
            Some(&format!(
                "Authorization={{Authentication token }}; Authorization={token}"
            )),
        )
        .await;
    assert_eq!(two.status, StatusCode::OK, "{}", two.body);
    assert!(two.body.contains("Upload Success."), "{}", two.body);
    let again = h.mosip("POST", path, ca(PRINT_ROOT.into()), &token).await;
    assert_eq!(code(&again), "KER-PCM-003");
    assert!(again.body.contains("Certificate already exists in store"));
    // No token, a forged one, the wrong role, a revoked client.
    let none = h
        .call("POST", path, Some(envelope(ca(PRINT_ROOT.into()))), None)
        .await;
    assert_eq!(
        (none.status, code(&none)),
        (StatusCode::UNAUTHORIZED, "KER-ATH-401".to_string())
    );
    let mut forged = token.clone();
    forged.pop();
    forged.push(if token.ends_with('A') { 'B' } else { 'A' });
    let forged = h.mosip("POST", path, ca(PRINT_ROOT.into()), &forged).await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    let ida = h.client_token("ida-client").await;
    let wrong_role = h.mosip("POST", path, ca(PRINT_ROOT.into()), &ida).await;
    assert_eq!(
        (wrong_role.status, code(&wrong_role)),
        (StatusCode::FORBIDDEN, "KER-ATH-403".to_string())
    );
    {
        let mut conn = h.db.conn();
        let c = domain::idp::clients::find(&mut conn, "ida-client")
            .expect("find")
            .expect("client");
        domain::idp::clients::revoke(&mut conn, &Actor::system(), &c.id).expect("revoke");
    }
    let revoked = h.mosip("POST", path, ca(PRINT_ROOT.into()), &ida).await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    // A portal account signs in with its email; Bearer works as well as the cookie.
    h.account("ops@example.org", &[Role::PolicyManager]);
    let user = h.user_token("ops@example.org", PASSWORD).await;
    let group = h
        .bearer(
            "POST",
            "/v1/policymanager/policies/group/new",
            Some(json!({ "id": "", "version": "LTS", "request": { "name": "g1", "desc": "d" } })),
            &user,
        )
        .await;
    assert_eq!(code(&group), "", "{}", group.body);
    assert_eq!(group.json()["response"]["is_Active"], true);
    // Keycloak's token endpoint: a wrong password is invalid_grant, a policy manager is no admin.
    let req = Request::post("/auth/realms/master/protocol/openid-connect/token")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            "grant_type=password&client_id=admin-cli&username=ops%40example.org&password=nope",
        ))
        .expect("request");
    let wrong = h.send(req).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json()["error"], "invalid_grant");
    let ops = h.keycloak_admin_token("ops@example.org").await;
    let users = h
        .bearer(
            "GET",
            "/auth/admin/realms/mosip/users?username=x",
            None,
            &ops,
        )
        .await;
    assert_eq!(users.status, StatusCode::FORBIDDEN);
    let anon = h
        .call("GET", "/auth/admin/realms/mosip/roles", None, None)
        .await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tier_a_modules_work_on_mosips_defaults_and_the_portal_profile_keeps_admin_approval() {
    let h = harness();
    {
        let mut conn = h.db.conn();
        domain::partner::seed_mosip_defaults(&mut conn).expect("defaults");
    }
    h.api_client("mosip-deployment-client", &[Role::PartnerAdmin]);
    let token = h.client_token("mosip-deployment-client").await;
    // print: the CA, then the partner's certificate re-signed (twice: the module re-runs).
    let ca = h
        .mosip(
            "POST",
            "/v1/partnermanager/partners/certificate/ca/upload",
            json!({ "certificateData": PRINT_ROOT, "partnerDomain": "AUTH" }),
            &token,
        )
        .await;
    assert!(ca.body.contains("Upload Success."), "{}", ca.body);
    for _ in 0..2 {
        let leaf = h
            .mosip("POST", "/v1/partnermanager/partners/certificate/upload", json!({ "certificateData": PRINT_CLIENT, "partnerDomain": "AUTH", "partnerId": "mpartner-default-print" }), &token)
            .await;
        let r = &leaf.json()["response"];
        assert!(
            r["signedCertificateData"]
                .as_str()
                .is_some_and(|p| p.contains("BEGIN CERTIFICATE")),
            "{}",
            leaf.body
        );
        assert!(r["certificateId"].is_string() && r["timestamp"].is_string());
    }
    // mobileid: the credential type mapping the seed already holds, answered the same.
    for _ in 0..2 {
        let mapped = h
            .call("POST", "/v1/partnermanager/partners/mpartner-default-mobile/credentialtype/vercred/policies/mpolicy-default-mobile", None, Some(&format!("Authorization={token}")))
            .await;
        assert!(
            mapped
                .body
                .contains("Partner, policy and credentialType mapping done successfully"),
            "{}",
            mapped.body
        );
    }
    // Wrong domain for the partner, unknown partner, another group's policy.
    let wrong_domain = h
        .mosip("POST", "/v1/partnermanager/partners/certificate/upload", json!({ "certificateData": PRINT_CLIENT, "partnerDomain": "FTM", "partnerId": "mpartner-default-print" }), &token)
        .await;
    assert_eq!(code(&wrong_domain), "KER-PCM-011");
    let unknown = h
        .mosip("POST", "/v1/partnermanager/partners/certificate/upload", json!({ "certificateData": PRINT_CLIENT, "partnerDomain": "AUTH", "partnerId": "nobody" }), &token)
        .await;
    assert_eq!(code(&unknown), "PMS_PRT_005");
    let other_group = h
        .call("POST", "/v1/partnermanager/partners/mpartner-default-mobile/credentialtype/vercred/policies/mpolicy-default-abis", None, Some(&format!("Authorization={token}")))
        .await;
    assert_eq!(code(&other_group), "PMS_PRT_098");
    // Under the portal's own rules a self-registered partner waits for an admin: its
    // certificate does not activate it, so it cannot request policies yet.
    h.account("rp@example.org", &[Role::AuthPartner]);
    let rp = h.user_token("rp@example.org", PASSWORD).await;
    let reg = h
        .mosip("POST", "/v1/partnermanager/partners", json!({ "partnerId": "rp-one", "partnerType": "Auth_Partner", "organizationName": "IIITB", "policyGroup": "mpolicygroup-default-print", "emailId": "rp1@example.org", "contactNumber": "+91 80 1234 5678", "address": "1 Main St" }), &rp)
        .await;
    assert_eq!(code(&reg), "", "{}", reg.body);
    let leaf = h
        .mosip("POST", "/v1/partnermanager/partners/certificate/upload", json!({ "certificateData": PRINT_CLIENT, "partnerDomain": "AUTH", "partnerId": "rp-one" }), &rp)
        .await;
    // The print partner already holds this certificate: another organisation may not bind it.
    assert_eq!(code(&leaf), "KER-PCM-001", "{}", leaf.body);
    let map = h
        .mosip(
            "POST",
            "/v1/partnermanager/partners/rp-one/policy/map",
            json!({ "policyName": "mpolicy-default-euin", "useCaseDescription": "x" }),
            &rp,
        )
        .await;
    assert_eq!(code(&map), "PMS_PMP_016", "{}", map.body);
    // A partner's user cannot act for another partner.
    let foreign = h
        .mosip(
            "POST",
            "/v1/partnermanager/partners/mpartner-default-print/policy/map",
            json!({ "policyName": "mpolicy-default-euin", "useCaseDescription": "x" }),
            &rp,
        )
        .await;
    assert_eq!(code(&foreign), "PMS_PRT_055");
}

#[tokio::test]
async fn bad_input_gets_mosips_codes_and_changes_nothing() {
    let h = harness();
    h.account(
        "ops@example.org",
        &[Role::PolicyManager, Role::PartnerAdmin],
    );
    let token = h.user_token("ops@example.org", PASSWORD).await;
    let cookie = format!("Authorization={token}");
    let before = (
        h.count("policy_groups"),
        h.count("policies"),
        h.count("partners"),
        h.count("audit_log"),
    );
    let group_path = "/v1/policymanager/policies/group/new";
    for (body, expected) in [
        ("not json".to_string(), "PMS_COR_003"),
        ("[1, 2]".to_string(), "PMS_COR_003"),
        (json!({ "id": "x" }).to_string(), "PMS_COR_001"),
        (json!({ "request": "text" }).to_string(), "PMS_COR_003"),
        (envelope(json!({ "desc": "d" })), "PMS_COR_001"),
        (envelope(json!({ "name": " ", "desc": "d" })), "PMS_COR_001"),
        (envelope(json!({ "name": 5, "desc": "d" })), "PMS_COR_003"),
    ] {
        let r = h
            .call("POST", group_path, Some(body.clone()), Some(&cookie))
            .await;
        assert_eq!(
            (r.status, code(&r)),
            (StatusCode::OK, expected.to_string()),
            "{body}: {}",
            r.body
        );
        assert!(r.json()["response"].is_null());
    }
    let group = h
        .mosip(
            "POST",
            group_path,
            json!({ "name": "g", "desc": "d" }),
            &token,
        )
        .await;
    assert_eq!(code(&group), "");
    let mut doc = kb_policy("nope");
    let r = h
        .mosip("POST", "/v1/policymanager/policies", doc.clone(), &token)
        .await;
    assert_eq!(code(&r), "PMS_POL_019");
    doc["policyGroupName"] = json!("g");
    doc["policies"]["allowedAuthTypes"][0]["authType"] = json!("telepathy");
    let r = h
        .mosip("POST", "/v1/policymanager/policies", doc.clone(), &token)
        .await;
    assert_eq!(code(&r), "PMS_PV_005", "{}", r.body);
    doc["policies"]["allowedAuthTypes"][0]["authType"] = json!("otp");
    doc["policies"]
        .as_object_mut()
        .expect("policies")
        .remove("authTokenType");
    let r = h
        .mosip("POST", "/v1/policymanager/policies", doc.clone(), &token)
        .await;
    assert_eq!(code(&r), "PMS_PV_006", "{}", r.body);
    let r = h
        .call(
            "POST",
            "/v1/policymanager/policies/nope/group/nope/publish",
            None,
            Some(&cookie),
        )
        .await;
    assert_eq!(code(&r), "PMS_POL_008");
    let r = h
        .mosip("POST", "/v1/partnermanager/partners", json!({ "partnerId": "p1", "partnerType": "Spaceship", "organizationName": "O", "emailId": "p1@example.org", "contactNumber": "12345", "address": "A" }), &token)
        .await;
    assert_eq!(code(&r), "PMS_PRT_010", "{}", r.body);
    let r = h
        .mosip("POST", "/v1/partnermanager/partners", json!({ "partnerId": "p1", "partnerType": "Auth_Partner", "organizationName": "O", "emailId": "not-an-email", "contactNumber": "12345", "address": "A", "policyGroup": "g" }), &token)
        .await;
    assert_eq!(code(&r), "PMS_PRT_012", "{}", r.body);
    let r = h
        .mosip("POST", "/v1/partnermanager/partners/certificate/ca/upload", json!({ "certificateData": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "partnerDomain": "AUTH" }), &token)
        .await;
    assert_eq!(code(&r), "KER-CRY-003", "{}", r.body);
    let r = h
        .mosip(
            "POST",
            "/v1/partnermanager/partners/certificate/ca/upload",
            json!({ "certificateData": KB_ROOT, "partnerDomain": "AUTH" }),
            &token,
        )
        .await;
    // The portal's own rule: a CA must be allowed to sign certificates (keyCertSign).
    assert_eq!(code(&r), "KER-PCM-001", "{}", r.body);
    let r = h
        .mosip(
            "PUT",
            "/v1/partnermanager/partners/policy/nope",
            json!({ "status": "Approved" }),
            &token,
        )
        .await;
    assert_eq!(code(&r), "PMS_PMP_007");
    let r = h
        .mosip(
            "PUT",
            "/v1/partnermanager/partners/policy/nope",
            json!({ "status": "Maybe" }),
            &token,
        )
        .await;
    assert_eq!(code(&r), "PMS_PM_045");
    let after = (
        h.count("policy_groups"),
        h.count("policies"),
        h.count("partners"),
    );
    assert_eq!(after, (before.0 + 1, before.1, before.2));
}

#[tokio::test]
async fn the_openapi_document_is_valid_3_1_and_every_operation_in_it_is_routed() {
    let doc = pms::openapi::document();
    let text = doc.to_string();
    let spec = oas3::from_json(&text).expect("a valid OpenAPI 3.1 document");
    assert_eq!(spec.openapi, "3.1.0");
    let paths = spec.paths.as_ref().expect("paths");
    assert_eq!(
        paths
            .values()
            .map(|p| p.methods().into_iter().count())
            .sum::<usize>(),
        pms::openapi::OPS.len(),
        "every operation of the table is in the document once"
    );
    // Every $ref points at a schema the document defines.
    for (i, _) in text.match_indices("\"$ref\":\"#/components/schemas/") {
        let name: String = text[i + 29..].chars().take_while(|c| *c != '"').collect();
        assert!(
            doc["components"]["schemas"].get(&name).is_some(),
            "dangling $ref {name}"
        );
    }
    let h = harness();
    for op in pms::openapi::OPS {
        let path = op
            .path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let path = path.replace("/pki/signing-ca/x", "/pki/signing-ca/AUTH");
        let reply = h.call(&op.method.to_uppercase(), &path, None, None).await;
        let html = reply
            .header("content-type")
            .is_some_and(|c| c.contains("html"));
        assert!(
            reply.status != StatusCode::METHOD_NOT_ALLOWED
                && !(reply.status == StatusCode::NOT_FOUND && html),
            "{} {path} is documented but not routed ({})",
            op.method,
            reply.status
        );
        assert!(
            reply.status.as_u16() < 500,
            "{} {path}: {}",
            op.method,
            reply.status
        );
    }
    let served = h.call("GET", "/api/openapi.json", None, None).await;
    assert_eq!(served.json(), doc);
    let page = h.call("GET", "/api/docs", None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .body
        .contains("/v1/partnermanager/partners/certificate/upload"));
    assert!(!page.body.contains("<script"));
}

#[tokio::test]
async fn admin_partners_pages_sorts_and_filters_as_mosip_on_the_pages_query() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("rp@example.org", &[Role::AuthPartner]);
    {
        let mut conn = h.db.conn();
        domain::partner::seed_mosip_defaults(&mut conn).expect("defaults");
    }
    h.api_client("mosip-deployment-client", &[Role::PartnerAdmin]);
    let token = h.client_token("mosip-deployment-client").await;
    let ca = h
        .mosip(
            "POST",
            "/v1/partnermanager/partners/certificate/ca/upload",
            json!({ "certificateData": PRINT_ROOT, "partnerDomain": "AUTH" }),
            &token,
        )
        .await;
    assert!(ca.body.contains("Upload Success."), "{}", ca.body);
    let leaf = h
        .mosip("POST", "/v1/partnermanager/partners/certificate/upload", json!({ "certificateData": PRINT_CLIENT, "partnerDomain": "AUTH", "partnerId": "mpartner-default-print" }), &token)
        .await;
    assert_eq!(code(&leaf), "");
    let hr = &h;
    let tok = token.clone();
    let get = move |q: &str| {
        let path = format!("/v1/partnermanager/admin-partners{q}");
        let cookie = format!("Authorization={tok}");
        async move { hr.call("GET", &path, None, Some(&cookie)).await }
    };
    let all = get("").await;
    let body = all.json();
    assert_eq!(body["id"], "mosip.pms.admin.partners.get");
    assert!(body["responseTime"].is_string(), "{}", all.body);
    assert_eq!(body["response"]["totalResults"], 3);
    assert_eq!(body["response"]["pageNo"], 0);
    let sorted = get("?sortFieldName=orgName&sortType=DESC&pageSize=2")
        .await
        .json();
    let orgs: Vec<&str> = sorted["response"]["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|r| r["orgName"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(orgs, vec!["residentapp-partner", "mpartner-default-abis"]);
    assert_eq!(sorted["response"]["pageSize"], 2);
    let second = get("?sortFieldName=orgName&sortType=desc&pageSize=2&pageNo=1")
        .await
        .json();
    assert_eq!(second["response"]["data"][0]["orgName"], "IIITB");
    let row = &get("?partnerId=PRINT").await.json()["response"]["data"][0];
    assert_eq!(row["partnerId"], "mpartner-default-print");
    assert_eq!(row["certificateUploadStatus"], "uploaded");
    assert_eq!(row["isActive"], true);
    assert_eq!(row["status"], "approved");
    assert_eq!(row["policyGroupName"], "mpolicygroup-default-print");
    assert!(row["policyGroupId"].is_string());
    let total = |v: Value| v["response"]["totalResults"].as_i64().unwrap_or(-1);
    assert_eq!(
        total(get("?certificateUploadStatus=uploaded").await.json()),
        1
    );
    assert_eq!(
        total(get("?certificateUploadStatus=not_uploaded").await.json()),
        2
    );
    assert_eq!(
        total(get("?certificateUploadStatus=Uploaded").await.json()),
        0
    );
    assert_eq!(
        total(
            get("?policyGroupName=MOBILE&partnerType=credential")
                .await
                .json()
        ),
        1
    );
    assert_eq!(total(get("?orgName=nobody").await.json()), 0);
    assert_eq!(total(get("?isActive=false").await.json()), 0);
    let first_cert = get("?sortFieldName=certificateUploadStatus&sortType=asc")
        .await
        .json();
    assert_eq!(
        first_cert["response"]["data"][0]["partnerId"],
        "mpartner-default-print"
    );
    for (q, expected) in [
        (
            "?sortType=asc&certificateUploadStatus=uploaded",
            "PMS_PS_ERROR_007",
        ),
        ("?sortFieldName=-1&sortType=-1", "PMS_PRT_357"),
        ("?sortFieldName=partnerId&sortType=-1", "PMS_PRT_358"),
        ("?pageNo=-1", "PMS_PRT_360"),
        ("?pageSize=-12", "PMS_PRT_361"),
        ("?isActive=perhaps", "KER_PRT_390"),
    ] {
        let r = get(q).await;
        assert_eq!(
            (r.status, code(&r)),
            (StatusCode::OK, expected.to_string()),
            "{q}: {}",
            r.body
        );
    }
    // Partner admins only.
    let anon = h
        .call("GET", "/v1/partnermanager/admin-partners", None, None)
        .await;
    assert_eq!(
        (anon.status, code(&anon)),
        (StatusCode::UNAUTHORIZED, "KER-ATH-401".to_string())
    );
    let rp = h.user_token("rp@example.org", PASSWORD).await;
    let rp = h
        .call(
            "GET",
            "/v1/partnermanager/admin-partners",
            None,
            Some(&format!("Authorization={rp}")),
        )
        .await;
    assert_eq!(rp.status, StatusCode::FORBIDDEN);
}

/// MOSIP's revamp envelope around `request`, of today.
fn revamp(id: &str, request: Value) -> String {
    json!({ "id": id, "version": "1.0", "requestTime": pms::mosip::envelope::now_text(), "metadata": {}, "request": request }).to_string()
}

#[tokio::test]
async fn sbis_chips_and_policy_groups_are_deactivated_through_mosips_patch_calls() {
    use domain::device::{sbi, ItemStatus, SbiInput};
    use domain::partner::Decision;
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
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
    let (sbis, chip) = {
        let mut conn = h.db.conn();
        let dp = domain::testing::sign_up(&mut conn, "dp-one", "Device_Provider", None);
        let other = domain::testing::sign_up(&mut conn, "dp-two", "Device_Provider", None);
        let ftm = domain::testing::sign_up(&mut conn, "ftm-one", "FTM_Provider", None);
        for id in ["dp-one", "dp-two", "ftm-one"] {
            domain::partner::decide(&mut conn, &Actor::system(), id, Decision::Approve, None)
                .expect("partner approved");
        }
        let mine = sbi_of(&mut conn, &dp, "1.0.0", true);
        let theirs = sbi_of(&mut conn, &other, "1.0.0", true);
        let pending = sbi_of(&mut conn, &dp, "2.0.0", false);
        let chip = domain::device::chip::create(&mut conn, &ftm.actor, &ftm.user, "Acme", "Chip 1")
            .expect("chip");
        ((mine, theirs, pending), chip.id)
    };
    let (mine, theirs, pending) = sbis;
    let dp = h.user_token("dp-one@example.org", PASSWORD).await;
    let admin = h.user_token("admin@example.org", PASSWORD).await;
    let ftm = h.user_token("ftm-one@example.org", PASSWORD).await;
    let patch = |path: String, body: String, token: String| {
        let hr = &h;
        async move {
            hr.call(
                "PATCH",
                &path,
                Some(body),
                Some(&format!("Authorization={token}")),
            )
            .await
        }
    };
    let sbi_id = "mosip.pms.deactivate.sbi.patch";
    let off = json!({ "status": "De-Activate" });
    let sbi_path = |id: &str| format!("/v1/partnermanager/securebiometricinterface/{id}");

    // The envelope's and the request's checks, each with MOSIP's code; nothing changes.
    for (body, expected) in [
        (revamp("mosip.pms.other", off.clone()), "PMS_REQUEST_ERROR_002"),
        (
            revamp(sbi_id, off.clone()).replace("\"1.0\"", "\"9\""),
            "PMS_REQUEST_ERROR_003",
        ),
        (
            json!({ "id": sbi_id, "version": "1.0", "requestTime": "2020-01-01T00:00:00.000Z", "request": off }).to_string(),
            "PMS_REQUEST_ERROR_006",
        ),
        (
            json!({ "id": sbi_id, "version": "1.0", "request": off }).to_string(),
            "PMS_REQUEST_ERROR_004",
        ),
        (
            revamp(sbi_id, json!({ "status": "deactivate" })),
            "PMS_DEVICE_ERROR_026",
        ),
    ] {
        let r = patch(sbi_path(&mine), body, dp.clone()).await;
        assert_eq!((r.status, code(&r)), (StatusCode::OK, expected.into()), "{}", r.body);
        assert_eq!(r.json()["id"], sbi_id);
        assert!(r.json()["responseTime"].is_string());
    }
    for (id, expected) in [
        ("no-such-sbi", "PMS_DEVICE_ERROR_005"),
        (theirs.as_str(), "PMS_DEVICE_ERROR_019"),
        (pending.as_str(), "PMS_DEVICE_ERROR_022"),
    ] {
        let r = patch(sbi_path(id), revamp(sbi_id, off.clone()), dp.clone()).await;
        assert_eq!(code(&r), expected, "{id}: {}", r.body);
    }
    {
        let mut conn = h.db.conn();
        assert_eq!(
            sbi::get(&mut conn, &mine).expect("sbi").status,
            ItemStatus::Approved,
            "refusals change nothing"
        );
    }
    // The provider retires its own; a second call is "already deactivated".
    let done = patch(sbi_path(&mine), revamp(sbi_id, off.clone()), dp.clone()).await;
    assert_eq!(code(&done), "", "{}", done.body);
    assert_eq!(
        done.json()["response"],
        json!({ "sbiId": mine, "sbiVersion": "1.0.0", "status": "approved", "isActive": false })
    );
    let again = patch(sbi_path(&mine), revamp(sbi_id, off.clone()), dp.clone()).await;
    assert_eq!(code(&again), "PMS_DEVICE_ERROR_020");
    // A partner admin retires any provider's; an FTM provider may not call it.
    let by_admin = patch(
        sbi_path(&theirs),
        revamp(sbi_id, off.clone()),
        admin.clone(),
    )
    .await;
    assert_eq!(code(&by_admin), "", "{}", by_admin.body);
    let refused = patch(sbi_path(&pending), revamp(sbi_id, off.clone()), ftm.clone()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    {
        let mut conn = h.db.conn();
        assert_eq!(
            sbi::get(&mut conn, &mine).expect("sbi").status,
            ItemStatus::Deactivated
        );
        assert_eq!(
            sbi::get(&mut conn, &theirs).expect("sbi").status,
            ItemStatus::Deactivated
        );
    }

    // FTM chips: waiting for its certificate is "not approved"; approved, it retires once.
    let ftm_id = "mosip.pms.deactivate.ftm.patch";
    let chip_path = format!("/v1/partnermanager/ftpchipdetail/{chip}");
    let waiting = patch(chip_path.clone(), revamp(ftm_id, off.clone()), ftm.clone()).await;
    assert_eq!(code(&waiting), "PMS_FTM_ERROR_010", "{}", waiting.body);
    let unknown = patch(
        "/v1/partnermanager/ftpchipdetail/424242".into(),
        revamp(ftm_id, off.clone()),
        ftm.clone(),
    )
    .await;
    assert_eq!(code(&unknown), "PMS_FTM_ERROR_005");
    {
        // Its certificate's approval is the FTM journey's; here only the retirement matters.
        let mut conn = h.db.conn();
        diesel::update(domain::schema::ftm_chips::table.find(&chip))
            .set(domain::schema::ftm_chips::status.eq(ItemStatus::Approved.as_str()))
            .execute(&mut conn)
            .expect("approved");
    }
    let by_dp = patch(chip_path.clone(), revamp(ftm_id, off.clone()), dp.clone()).await;
    assert_eq!(by_dp.status, StatusCode::FORBIDDEN);
    let retired = patch(chip_path.clone(), revamp(ftm_id, off.clone()), ftm.clone()).await;
    assert_eq!(
        retired.json()["response"],
        json!({ "ftmId": chip, "status": "approved", "isActive": false }),
        "{}",
        retired.body
    );
    let twice = patch(chip_path, revamp(ftm_id, off.clone()), ftm.clone()).await;
    assert_eq!(code(&twice), "PMS_FTM_ERROR_007");

    // Policy groups: refused while a draft lives in it, then deactivated once.
    let group_id = "mosip.pms.deactivate.policy.group.patch";
    let (group, draft) = {
        let mut conn = h.db.conn();
        let g = domain::policy::group::create(&mut conn, &Actor::system(), "kb-group", "")
            .expect("group");
        let input = domain::policy::PolicyInput {
            group_id: g.id.clone(),
            name: "kb-policy".into(),
            description: String::new(),
            policy_type: "Auth".into(),
            document: kb_policy("kb-group")["policies"].to_string(),
        };
        let p = domain::policy::create(&mut conn, &Actor::system(), &input).expect("draft");
        (g.id, p.summary.id)
    };
    let group_path = format!("/v1/policymanager/policies/group/{group}");
    let blocked = patch(
        group_path.clone(),
        revamp(group_id, off.clone()),
        admin.clone(),
    )
    .await;
    assert_eq!(code(&blocked), "PMS_POL_070", "{}", blocked.body);
    let wrong = patch(
        group_path.clone(),
        revamp(group_id, json!({ "status": "Activate" })),
        admin.clone(),
    )
    .await;
    assert_eq!(code(&wrong), "PMS_POL_073");
    let missing = patch(
        "/v1/policymanager/policies/group/nope".into(),
        revamp(group_id, off.clone()),
        admin.clone(),
    )
    .await;
    assert_eq!(code(&missing), "PMS_POL_068");
    {
        let mut conn = h.db.conn();
        domain::policy::delete_draft(&mut conn, &Actor::system(), &draft).expect("draft deleted");
    }
    let off_group = patch(
        group_path.clone(),
        revamp(group_id, off.clone()),
        admin.clone(),
    )
    .await;
    assert_eq!(
        off_group.json()["response"],
        json!({ "policyGroupId": group, "isActive": false }),
        "{}",
        off_group.body
    );
    let twice = patch(
        group_path.clone(),
        revamp(group_id, off.clone()),
        admin.clone(),
    )
    .await;
    assert_eq!(code(&twice), "PMS_POL_067");
    let not_author = patch(group_path, revamp(group_id, off), dp).await;
    assert_eq!(not_author.status, StatusCode::FORBIDDEN);
}
