//! Domain tests for policy groups and policies, on a real database (SQLite by default,
//! PostgreSQL when TEST_DATABASE_URL is set).

use diesel::prelude::*;
use domain::audit::Actor;
use domain::db::AnyConnection;
use domain::policy::group as policy_group;
use domain::policy::{
    self, validate, PolicyGroupQuery, PolicyInput, PolicyQuery, PolicyStatus, PolicyType,
};
use domain::schema::{audit_log, outbox, policies, policy_versions};
use domain::testing::TestDb;
use domain::ErrorKind;
use std::path::Path;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mosip");

fn manager() -> Actor {
    Actor::account("manager-id", "policy@example.org")
}

fn group(conn: &mut AnyConnection, name: &str) -> String {
    policy_group::create(conn, &manager(), name, "for tests")
        .expect("group")
        .id
}

fn auth_doc() -> String {
    std::fs::read_to_string(Path::new(FIXTURES).join("policies/auth-full.json")).expect("fixture")
}

fn draft(conn: &mut AnyConnection, group_id: &str, name: &str) -> String {
    policy::create(
        conn,
        &manager(),
        &PolicyInput {
            group_id: group_id.into(),
            name: name.into(),
            description: "KYC for banks".into(),
            policy_type: "Auth".into(),
            document: auth_doc(),
        },
    )
    .expect("draft")
    .summary
    .id
}

fn year() -> i64 {
    domain::clock::now_ms() + 365 * 24 * 3600 * 1000
}

fn writes(conn: &mut AnyConnection) -> (i64, i64, i64) {
    (
        policies::table.count().get_result(conn).expect("policies"),
        audit_log::table.count().get_result(conn).expect("audit"),
        outbox::table.count().get_result(conn).expect("outbox"),
    )
}

fn kind_of(file: &str) -> PolicyType {
    if file.starts_with("auth") {
        PolicyType::Auth
    } else if file.starts_with("datashare") {
        PolicyType::DataShare
    } else {
        PolicyType::Misp
    }
}

#[test]
fn every_reference_sample_is_accepted_unchanged_by_both_schemas() {
    let reference = |name: &str| -> jsonschema::Validator {
        let text = std::fs::read_to_string(Path::new(FIXTURES).join(name)).expect("schema");
        jsonschema::validator_for(&serde_json::from_str(&text).expect("json")).expect("compile")
    };
    let refs = [
        (PolicyType::Auth, reference("auth-policy-schema.json")),
        (
            PolicyType::DataShare,
            reference("data-share-policy-schema.json"),
        ),
        (PolicyType::Misp, reference("misp-policy-schema.json")),
    ];
    let mut seen = 0;
    for entry in std::fs::read_dir(Path::new(FIXTURES).join("policies")).expect("dir") {
        let path = entry.expect("entry").path();
        let file = path
            .file_name()
            .and_then(|f| f.to_str())
            .expect("name")
            .to_string();
        let text = std::fs::read_to_string(&path).expect("read");
        let kind = kind_of(&file);
        let value = validate::check(kind, &text)
            .unwrap_or_else(|e| panic!("{file} refused: {e} {:?}", e.details));
        let (_, r) = refs.iter().find(|(k, _)| *k == kind).expect("ref");
        assert!(r.is_valid(&value), "{file} fails the reference schema");
        seen += 1;
    }
    assert_eq!(seen, 12, "all reference samples were checked");
}

#[test]
fn samples_import_as_drafts_and_publish() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let g = group(conn, "mpolicygroup-default-print");
    for entry in std::fs::read_dir(Path::new(FIXTURES).join("policies")).expect("dir") {
        let path = entry.expect("entry").path();
        let file = path
            .file_name()
            .and_then(|f| f.to_str())
            .expect("name")
            .to_string();
        let created = policy::create(
            conn,
            &manager(),
            &PolicyInput {
                group_id: g.clone(),
                name: file.trim_end_matches(".json").into(),
                description: String::new(),
                policy_type: kind_of(&file).as_str().into(),
                document: std::fs::read_to_string(&path).expect("read"),
            },
        )
        .expect("import");
        let published =
            policy::publish(conn, &manager(), &created.summary.id, year()).expect("publish");
        // Stored pretty, but the same JSON as the file.
        let stored: serde_json::Value = serde_json::from_str(&published.document).expect("json");
        let original: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        assert_eq!(stored, original, "{file}");
    }
}

fn violations(kind: PolicyType, text: &str) -> (String, Vec<String>) {
    let err = validate::check(kind, text).expect_err("invalid");
    assert_eq!(err.kind, ErrorKind::Validation);
    assert_eq!(err.field.as_deref(), Some("document"));
    (
        err.code.clone(),
        err.details.iter().map(|v| v.path.clone()).collect(),
    )
}

#[test]
fn auth_documents_are_checked_and_every_violation_is_located() {
    // Missing fields, listed at the root.
    let (code, paths) = violations(PolicyType::Auth, r#"{"allowedAuthTypes": []}"#);
    assert_eq!(code, "PMS_POLICY_DOCUMENT_INVALID");
    assert!(paths.iter().any(|p| p.is_empty()), "{paths:?}");
    let err = validate::check(PolicyType::Auth, r#"{"allowedAuthTypes": []}"#).expect_err("x");
    let text: Vec<&str> = err.details.iter().map(|d| d.message.as_str()).collect();
    assert!(text.iter().any(|m| m.contains("authTokenType")), "{text:?}");
    assert!(
        text.iter().any(|m| m.contains("allowedKycAttributes")),
        "{text:?}"
    );
    // Empty auth type list.
    assert!(
        paths.contains(&"/allowedAuthTypes".to_string()),
        "{paths:?}"
    );
    // Unknown auth type, wrong types, bio without a sub-type, unknown key: all reported at once.
    let (_, paths) = violations(
        PolicyType::Auth,
        r#"{"authTokenType": "jwt", "allowedAuthTypes": [
            {"authType": "palm", "mandatory": false},
            {"authType": "otp", "mandatory": "yes"},
            {"authType": "bio", "mandatory": true}
        ], "allowedKycAttributes": [{"attributeName": 5}], "extra": 1}"#,
    );
    for want in [
        "/authTokenType",
        "/allowedAuthTypes/0/authType",
        "/allowedAuthTypes/1/mandatory",
        "/allowedAuthTypes/2",
        "/allowedKycAttributes/0/attributeName",
        "",
    ] {
        assert!(paths.contains(&want.to_string()), "{want} in {paths:?}");
    }
    // A bio sub-type outside the list.
    let (_, paths) = violations(
        PolicyType::Auth,
        r#"{"authTokenType": "partner", "allowedAuthTypes": [{"authType": "bio", "authSubType": "PALM", "mandatory": false}], "allowedKycAttributes": []}"#,
    );
    assert_eq!(paths, vec!["/allowedAuthTypes/0/authSubType".to_string()]);
}

#[test]
fn datashare_and_misp_documents_are_checked() {
    let (_, paths) = violations(
        PolicyType::DataShare,
        r#"{"dataSharePolicies": {"typeOfShare": "email", "validForInMinutes": 30, "transactionsAllowed": "2",
            "encryptionType": "none", "shareDomain": "", "source": "Print"},
           "shareableAttributes": [{"attributeName": "name", "source": [], "encrypted": "no"}]}"#,
    );
    for want in [
        "/dataSharePolicies/typeOfShare",
        "/dataSharePolicies/validForInMinutes",
        "/dataSharePolicies/shareDomain",
        "/shareableAttributes/0/source",
        "/shareableAttributes/0/encrypted",
    ] {
        assert!(paths.contains(&want.to_string()), "{want} in {paths:?}");
    }
    let (_, paths) = violations(PolicyType::DataShare, r#"{"shareableAttributes": {}}"#);
    assert!(
        paths.contains(&"/shareableAttributes".to_string()),
        "{paths:?}"
    );
    let (_, paths) = violations(
        PolicyType::Misp,
        r#"{"allowAuthRequestDelegation": "true", "other": false}"#,
    );
    assert!(paths.contains(&"/allowAuthRequestDelegation".to_string()));
    assert!(paths.contains(&String::new()));
    // A document of one type is not accepted as another.
    assert!(validate::check(PolicyType::Misp, &auth_doc()).is_err());
}

#[test]
fn malformed_huge_and_deep_documents_get_their_own_message() {
    let err = validate::check(PolicyType::Auth, "{\"authTokenType\": ").expect_err("malformed");
    assert_eq!(err.code, "PMS_POLICY_DOCUMENT_MALFORMED");
    assert!(err.message.contains("line 1"), "{}", err.message);
    let big = format!("{{\"authTokenType\": \"{}\"}}", "x".repeat(5 * 1024 * 1024));
    let err = validate::check(PolicyType::Auth, &big).expect_err("big");
    assert_eq!(err.code, "PMS_POLICY_DOCUMENT_TOO_LARGE");
    assert!(err.message.contains("256 KB"), "{}", err.message);
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let err = validate::check(PolicyType::Auth, &deep).expect_err("deep");
    assert_eq!(err.code, "PMS_POLICY_DOCUMENT_TOO_DEEP");
    let err = validate::check(PolicyType::Auth, "  ").expect_err("empty");
    assert_eq!(err.code, "PMS_POLICY_DOCUMENT_REQUIRED");
    assert_eq!(
        policy::check_document("Binding", "{}")
            .expect_err("type")
            .code,
        "PMS_POLICY_TYPE_UNKNOWN"
    );
}

#[test]
fn bad_input_changes_nothing() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let g = group(conn, "auth");
    let off = group(conn, "retired");
    policy_group::set_active(conn, &manager(), &off, false).expect("deactivate");
    draft(conn, &g, "KYC");
    let before = writes(conn);
    let base = PolicyInput {
        group_id: g.clone(),
        name: "Other".into(),
        description: String::new(),
        policy_type: "Auth".into(),
        document: auth_doc(),
    };
    let cases = [
        (
            PolicyInput {
                name: "KYC".into(),
                ..base.clone()
            },
            "PMS_POLICY_NAME_TAKEN",
            ErrorKind::Conflict,
        ),
        (
            PolicyInput {
                group_id: off.clone(),
                ..base.clone()
            },
            "PMS_POLICY_GROUP_INACTIVE",
            ErrorKind::Validation,
        ),
        (
            PolicyInput {
                group_id: "nope".into(),
                ..base.clone()
            },
            "PMS_POLICY_GROUP_NOT_FOUND",
            ErrorKind::Validation,
        ),
        (
            PolicyInput {
                document: "{".into(),
                ..base.clone()
            },
            "PMS_POLICY_DOCUMENT_MALFORMED",
            ErrorKind::Validation,
        ),
        (
            PolicyInput {
                name: " ".into(),
                ..base.clone()
            },
            "PMS_POLICY_NAME_REQUIRED",
            ErrorKind::Validation,
        ),
        (
            PolicyInput {
                name: "n".repeat(129),
                ..base.clone()
            },
            "PMS_POLICY_NAME_TOO_LONG",
            ErrorKind::Validation,
        ),
        (
            PolicyInput {
                description: "d".repeat(257),
                ..base.clone()
            },
            "PMS_DESCRIPTION_TOO_LONG",
            ErrorKind::Validation,
        ),
        (
            PolicyInput {
                policy_type: "Binding".into(),
                ..base.clone()
            },
            "PMS_POLICY_TYPE_UNKNOWN",
            ErrorKind::Validation,
        ),
    ];
    for (input, code, kind) in cases {
        let err = policy::create(conn, &manager(), &input).expect_err(code);
        assert_eq!((err.code.as_str(), err.kind), (code, kind));
    }
    assert_eq!(writes(conn), before);
    // The same name in another group is fine.
    let other = group(conn, "other");
    draft(conn, &other, "KYC");
}

#[test]
fn lifecycle_draft_publish_revise_deactivate_with_versions_audit_and_events() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let g = group(conn, "auth");
    let id = draft(conn, &g, "KYC");
    let (_, audit0, events0) = writes(conn);

    // A draft is edited in place, can't be deactivated, is invisible to partners.
    let doc2 = auth_doc().replace("\"policy\"", "\"partner\"");
    let d = policy::update(conn, &manager(), &id, "KYC v1", "desc", &doc2).expect("edit");
    assert_eq!(d.summary.name, "KYC v1");
    assert!(d.document.contains("\"partner\""));
    assert_eq!(
        policy::deactivate(conn, &manager(), &id)
            .expect_err("draft")
            .code,
        "PMS_POLICY_NOT_PUBLISHED"
    );
    assert!(policy::published_in_group(conn, &g, &id).is_err());
    assert_eq!(
        policy::start_revision(conn, &manager(), &id)
            .expect_err("draft")
            .code,
        "PMS_POLICY_REVISION_INVALID"
    );

    // Publish: validity, version 1; publishing twice is refused; editing is refused.
    let err =
        policy::publish(conn, &manager(), &id, domain::clock::now_ms() - 1).expect_err("past");
    assert_eq!(err.field.as_deref(), Some("valid_to"));
    let p = policy::publish(conn, &manager(), &id, year()).expect("publish");
    assert_eq!(
        (p.summary.status, p.summary.version),
        (PolicyStatus::Published, 1)
    );
    assert!(p.summary.valid_from.is_some() && p.summary.valid_to == Some(p.versions[0].valid_to));
    assert_eq!(
        policy::publish(conn, &manager(), &id, year())
            .expect_err("twice")
            .code,
        "PMS_POLICY_ALREADY_PUBLISHED"
    );
    assert_eq!(
        policy::update(conn, &manager(), &id, "KYC v1", "desc", &doc2)
            .expect_err("edit")
            .code,
        "PMS_POLICY_NOT_EDITABLE"
    );
    assert_eq!(
        policy::delete_draft(conn, &manager(), &id)
            .expect_err("delete")
            .code,
        "PMS_POLICY_NOT_DRAFT"
    );
    assert!(policy::published_in_group(conn, &g, &id).is_ok());

    // A revision: the live version stays, the revision is edited then published as version 2.
    let r = policy::start_revision(conn, &manager(), &id).expect("revise");
    assert_eq!(r.editable_document(), Some(r.document.as_str()));
    assert_eq!(
        policy::start_revision(conn, &manager(), &id)
            .expect_err("twice")
            .code,
        "PMS_POLICY_REVISION_EXISTS"
    );
    let doc3 = auth_doc().replace("\"ara\"", "\"fra\"");
    assert_eq!(
        policy::update(conn, &manager(), &id, "Renamed", "desc", &doc3)
            .expect_err("rename")
            .code,
        "PMS_POLICY_PUBLISHED_NAME_FIXED"
    );
    let r = policy::update(conn, &manager(), &id, "KYC v1", "desc", &doc3).expect("revision edit");
    assert!(
        r.document.contains("\"partner\"") && r.document.contains("ara"),
        "live unchanged"
    );
    assert!(r
        .draft_document
        .as_deref()
        .is_some_and(|d| d.contains("fra")));
    // Partners never see the revision.
    let seen = policy::published_in_group(conn, &g, &id).expect("visible");
    assert!(seen.draft_document.is_none() && !seen.document.contains("fra"));
    let v2 = policy::publish(conn, &manager(), &id, year()).expect("publish v2");
    assert_eq!(v2.summary.version, 2);
    assert!(v2.document.contains("fra") && v2.draft_document.is_none());
    assert_eq!(
        v2.versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1]
    );
    let diff = policy::diff(conn, &id, 1, 2).expect("diff");
    assert!(diff.iter().any(|l| l.op == '-' && l.text.contains("ara")));
    assert!(diff.iter().any(|l| l.op == '+' && l.text.contains("fra")));
    assert!(diff.iter().any(|l| l.op == ' '));
    assert_eq!(
        policy::diff(conn, &id, 1, 9).expect_err("missing").kind,
        ErrorKind::NotFound
    );

    // Publishing a revision with nothing new is refused (the README's promise); an edit that
    // only re-spaces the document is nothing new either.
    policy::start_revision(conn, &manager(), &id).expect("revise unchanged");
    let err = policy::publish(conn, &manager(), &id, year()).expect_err("unchanged");
    assert_eq!(
        (err.kind, err.code.as_str(), err.field.as_deref()),
        (
            ErrorKind::Validation,
            "PMS_POLICY_REVISION_UNCHANGED",
            Some("document")
        )
    );
    let live = policy::detail(conn, &id).expect("detail").document;
    let respaced =
        serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&live).expect("json"))
            .expect("compact");
    policy::update(conn, &manager(), &id, "KYC v1", "desc", &respaced).expect("respaced");
    assert_eq!(
        policy::publish(conn, &manager(), &id, year())
            .expect_err("still unchanged")
            .code,
        "PMS_POLICY_REVISION_UNCHANGED"
    );
    assert_eq!(
        policy::detail(conn, &id).expect("detail").summary.version,
        2
    );
    assert!(!policy::delete_draft(conn, &manager(), &id).expect("discard unchanged"));

    // Discarding a revision keeps the policy.
    policy::start_revision(conn, &manager(), &id).expect("revise again");
    assert!(!policy::delete_draft(conn, &manager(), &id).expect("discard"));
    assert!(policy::detail(conn, &id)
        .expect("still there")
        .draft_document
        .is_none());

    // Deactivate: final; nothing else applies.
    let d = policy::deactivate(conn, &manager(), &id).expect("deactivate");
    assert_eq!(d.summary.status, PolicyStatus::Deactivated);
    let codes = [
        policy::deactivate(conn, &manager(), &id)
            .expect_err("again")
            .code,
        policy::publish(conn, &manager(), &id, year())
            .expect_err("publish")
            .code,
        policy::update(conn, &manager(), &id, "KYC v1", "desc", &doc3)
            .expect_err("edit")
            .code,
        policy::start_revision(conn, &manager(), &id)
            .expect_err("revise")
            .code,
    ];
    assert_eq!(
        codes,
        [
            "PMS_POLICY_ALREADY_DEACTIVATED",
            "PMS_POLICY_DEACTIVATED",
            "PMS_POLICY_NOT_EDITABLE",
            "PMS_POLICY_REVISION_INVALID",
        ]
    );
    assert!(policy::published_in_group(conn, &g, &id).is_err());

    // Versions are immutable rows; every change audited and evented.
    let versions: i64 = policy_versions::table
        .count()
        .get_result(conn)
        .expect("versions");
    assert_eq!(versions, 2);
    let (_, audit1, events1) = writes(conn);
    let changes = 10; // edit, publish, revise, revision edit, publish, revise, discard, deactivate
    assert!(audit1 - audit0 >= changes - 2, "{audit0} -> {audit1}");
    assert_eq!(audit1 - audit0, events1 - events0);
    let last: String = outbox::table
        .order(outbox::id.desc())
        .select(outbox::payload)
        .first(conn)
        .expect("event");
    let event: serde_json::Value = serde_json::from_str(&last).expect("json");
    assert_eq!(event["topic"], "POLICY_UPDATED");
    assert_eq!(event["event"]["data"]["policyId"], id.as_str());
    assert_eq!(event["event"]["data"]["policyStatus"], "DEACTIVATED");
    assert_eq!(event["event"]["data"]["policies"]["kycLanguages"][1], "fra");
}

#[test]
fn drafts_are_deleted_and_clones_are_new_drafts() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let g = group(conn, "auth");
    let other = group(conn, "print");
    let id = draft(conn, &g, "KYC");
    policy::publish(conn, &manager(), &id, year()).expect("publish");

    // Same group needs a new name; another group may reuse it.
    assert_eq!(
        policy::clone_policy(conn, &manager(), &id, &g, "KYC", None)
            .expect_err("dup")
            .code,
        "PMS_POLICY_NAME_TAKEN"
    );
    let c = policy::clone_policy(conn, &manager(), &id, &g, "KYC copy", None).expect("clone");
    assert_eq!(
        (c.summary.status, c.summary.version),
        (PolicyStatus::Draft, 0)
    );
    assert_eq!(c.document, policy::detail(conn, &id).expect("src").document);
    // Another type starts from that type's template.
    let ds = policy::clone_policy(
        conn,
        &manager(),
        &id,
        &other,
        "Print share",
        Some("DataShare"),
    )
    .expect("clone as data share");
    assert_eq!(ds.summary.policy_type, PolicyType::DataShare);
    assert_eq!(ds.summary.group_name, "print");
    assert!(ds.document.contains("dataSharePolicies"));
    // Not into a deactivated group.
    let off = group(conn, "off");
    policy_group::set_active(conn, &manager(), &off, false).expect("off");
    assert_eq!(
        policy::clone_policy(conn, &manager(), &id, &off, "X", None)
            .expect_err("inactive")
            .code,
        "PMS_POLICY_GROUP_INACTIVE"
    );
    // A draft is deleted, with its audit row and event.
    assert!(policy::delete_draft(conn, &manager(), &c.summary.id).expect("delete"));
    assert_eq!(
        policy::detail(conn, &c.summary.id).expect_err("gone").kind,
        ErrorKind::NotFound
    );
}

#[test]
fn groups_edit_deactivate_and_list_with_counts() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let g = group(conn, "auth");
    let empty = group(conn, "empty");
    assert_eq!(
        policy_group::create(conn, &manager(), "auth", "")
            .expect_err("dup")
            .code,
        "PMS_POLICY_GROUP_NAME_TAKEN"
    );
    assert_eq!(
        policy_group::create(conn, &manager(), &"n".repeat(129), "")
            .expect_err("long")
            .code,
        "PMS_POLICY_GROUP_NAME_TOO_LONG"
    );
    assert_eq!(
        policy_group::create(conn, &manager(), "x", &"d".repeat(257))
            .expect_err("long")
            .code,
        "PMS_DESCRIPTION_TOO_LONG"
    );
    let u =
        policy_group::update_description(conn, &manager(), &g, "Relying parties").expect("edit");
    assert_eq!(u.description, "Relying parties");

    let a = draft(conn, &g, "A");
    let b = draft(conn, &g, "B");
    policy::publish(conn, &manager(), &b, year()).expect("publish");
    let err = policy_group::set_active(conn, &manager(), &g, false).expect_err("live");
    assert_eq!(err.code, "PMS_POLICY_GROUP_HAS_POLICIES");
    assert!(
        err.message.contains("1 published and 1 draft"),
        "{}",
        err.message
    );
    policy::delete_draft(conn, &manager(), &a).expect("delete");
    policy::deactivate(conn, &manager(), &b).expect("deactivate");
    let off = policy_group::set_active(conn, &manager(), &g, false).expect("now empty");
    assert!(!off.active);
    assert_eq!((off.policies, off.live_policies), (1, 0));
    assert_eq!(
        policy_group::set_active(conn, &manager(), &g, false)
            .expect_err("again")
            .code,
        "PMS_POLICY_GROUP_ALREADY_INACTIVE"
    );
    assert!(!policy_group::active_options(conn)
        .expect("opts")
        .iter()
        .any(|o| o.id == g));
    policy_group::set_active(conn, &manager(), &g, true).expect("reactivate");

    let all = policy_group::list(conn, &PolicyGroupQuery::default()).expect("list");
    assert_eq!(all.total, 2);
    assert_eq!(all.items[0].name, "auth");
    assert_eq!(all.items[0].policies, 1);
    assert_eq!(all.items[1].id, empty);
    let q = PolicyGroupQuery {
        q: Some("EMP".into()),
        ..Default::default()
    };
    assert_eq!(policy_group::list(conn, &q).expect("q").total, 1);
    policy_group::set_active(conn, &manager(), &empty, false).expect("off");
    let q = PolicyGroupQuery {
        state: Some("inactive".into()),
        sort: Some("-name".into()),
        ..Default::default()
    };
    let inactive = policy_group::list(conn, &q).expect("inactive");
    assert_eq!(
        inactive
            .items
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        vec!["empty"]
    );
}

#[test]
fn lists_filter_sort_page_and_partners_see_only_published_of_their_group() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let g = group(conn, "auth");
    let other = group(conn, "other");
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(draft(conn, &g, &format!("Policy_{i}")));
    }
    policy::publish(conn, &manager(), &ids[1], year()).expect("p1");
    policy::publish(conn, &manager(), &ids[3], year()).expect("p3");
    let elsewhere = draft(conn, &other, "Elsewhere");
    policy::publish(conn, &manager(), &elsewhere, year()).expect("p");

    let all = policy::list(conn, &PolicyQuery::default()).expect("all");
    assert_eq!(all.page.total, 6);
    assert_eq!(
        all.counts,
        vec![
            (PolicyStatus::Draft, 3),
            (PolicyStatus::Published, 3),
            (PolicyStatus::Deactivated, 0)
        ]
    );
    let q = PolicyQuery {
        status: Some("PUBLISHED".into()),
        group: Some(g.clone()),
        sort: Some("-name".into()),
        ..Default::default()
    };
    let names: Vec<String> = policy::list(conn, &q)
        .expect("q")
        .page
        .items
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, vec!["Policy_3", "Policy_1"]);
    // '_' is literal in the search.
    let q = PolicyQuery {
        q: Some("y_4".into()),
        ..Default::default()
    };
    assert_eq!(policy::list(conn, &q).expect("q").page.total, 1);
    let q = PolicyQuery {
        policy_type: Some("DataShare".into()),
        ..Default::default()
    };
    assert_eq!(policy::list(conn, &q).expect("q").page.total, 0);
    let q = PolicyQuery {
        page: Some(2),
        page_size: Some(4),
        sort: Some("name".into()),
        ..Default::default()
    };
    let p2 = policy::list(conn, &q).expect("page 2");
    assert_eq!(
        (p2.page.items.len(), p2.page.items[0].name.as_str()),
        (2, "Policy_3")
    );
    assert_eq!(
        policy::list(
            conn,
            &PolicyQuery {
                status: Some("LIVE".into()),
                ..Default::default()
            }
        )
        .expect_err("bad")
        .field
        .as_deref(),
        Some("status")
    );

    let seen = policy::published_of_group(conn, &g, None).expect("partner view");
    assert_eq!(
        seen.items.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
        vec![ids[1].clone(), ids[3].clone()]
    );
    assert!(
        policy::published_in_group(conn, &g, &elsewhere).is_err(),
        "another group's policy"
    );
    assert!(
        policy::published_in_group(conn, &g, &ids[0]).is_err(),
        "a draft"
    );
}

#[test]
fn seeding_spreads_policies_over_groups_types_and_statuses_and_runs_again() {
    let db = TestDb::new();
    let conn = &mut db.conn();
    let mut seen = Vec::new();
    assert_eq!(
        policy::seed_policies(conn, 300, |n| seen.push(n)).expect("seed"),
        300
    );
    assert_eq!(seen.last(), Some(&300));
    let list = policy::list(conn, &PolicyQuery::default()).expect("list");
    assert_eq!(list.page.total, 300);
    assert_eq!(
        list.counts,
        vec![
            (PolicyStatus::Draft, 90),
            (PolicyStatus::Published, 180),
            (PolicyStatus::Deactivated, 30)
        ]
    );
    let versions: i64 = policy_versions::table
        .count()
        .get_result(conn)
        .expect("versions");
    assert_eq!(versions, 210);
    for kind in PolicyType::ALL {
        let q = PolicyQuery {
            policy_type: Some(kind.as_str().into()),
            ..Default::default()
        };
        assert_eq!(policy::list(conn, &q).expect("type").page.total, 100);
    }
    let groups = policy_group::list(
        conn,
        &PolicyGroupQuery {
            page_size: Some(100),
            ..Default::default()
        },
    )
    .expect("groups");
    assert_eq!(groups.total, 50);
    assert!(groups.items.iter().all(|g| g.policies == 6));
    // Seeded documents are valid for their type.
    let any = policy::detail(conn, &list.page.items[0].id).expect("detail");
    assert!(validate::check(any.summary.policy_type, &any.document).is_ok());
    policy::seed_policies(conn, 10, |_| {}).expect("second run");
    assert_eq!(
        policy::list(conn, &PolicyQuery::default())
            .expect("list")
            .page
            .total,
        310
    );
}
