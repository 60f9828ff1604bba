//! Test support: a fresh, migrated database per test. SQLite in a temp directory by default;
//! a throwaway PostgreSQL database when `TEST_DATABASE_URL` names a server.
#![doc(hidden)]

use crate::db::{self, Pool};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use std::path::PathBuf;

/// A migrated database that is removed when dropped.
pub struct TestDb {
    /// Pool on the fresh database.
    pub pool: Pool,
    /// Its URL, for another process (the server binary) to open.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Postgres { admin_url: String, name: String },
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let prefix = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

impl TestDb {
    /// A new empty database with every migration applied.
    pub fn new() -> TestDb {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if admin_url.starts_with("postgres") => {
                let name = format!("pms_test_{tag}");
                let mut admin = PgConnection::establish(&admin_url)
                    .unwrap_or_else(|e| panic!("TEST_DATABASE_URL unreachable: {e}"));
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap_or_else(|e| panic!("create test database: {e}"));
                let url = with_database(&admin_url, &name);
                let pool = db::connect(&url, 4).unwrap_or_else(|e| panic!("{e}"));
                TestDb {
                    pool,
                    url,
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
            _ => {
                let dir = std::env::temp_dir().join(format!("pms-test-{tag}"));
                let path = dir.join("pms.db");
                let url = path.to_string_lossy().into_owned();
                let pool = db::connect(&url, 4).unwrap_or_else(|e| panic!("{e}"));
                TestDb {
                    pool,
                    url,
                    cleanup: Cleanup::Dir(dir),
                }
            }
        }
    }

    /// A pooled connection.
    pub fn conn(&self) -> db::Conn {
        self.pool.get().unwrap_or_else(|e| panic!("test pool: {e}"))
    }

    /// Which backend this test runs on.
    pub fn backend(&self) -> &'static str {
        match self.cleanup {
            Cleanup::Dir(_) => "sqlite",
            Cleanup::Postgres { .. } => "postgresql",
        }
    }
}

impl Default for TestDb {
    fn default() -> Self {
        TestDb::new()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

/// A current certificate row with the facts the rules read (presence, expiry), as an upload
/// leaves it; its bytes are not a certificate (the upload's checks are tested on their own).
pub fn fake_certificate(conn: &mut crate::db::AnyConnection, partner_id: &str, not_after: i64) {
    use crate::schema::partner_certificates as pc;
    diesel::insert_into(pc::table)
        .values((
            pc::id.eq(uuid::Uuid::new_v4().to_string()),
            pc::partner_id.eq(partner_id),
            pc::cert_domain.eq("AUTH"),
            pc::subject.eq("O=Test"),
            pc::issuer.eq("O=CA"),
            pc::serial.eq("01"),
            pc::not_before.eq(0i64),
            pc::not_after.eq(not_after),
            pc::key_type.eq("EC P-256"),
            pc::sig_alg.eq("ecdsa-with-SHA256"),
            pc::thumbprint.eq(uuid::Uuid::new_v4().to_string()),
            pc::der.eq(vec![0u8]),
            pc::resigned_der.eq(vec![0u8]),
            pc::resigned_not_after.eq(not_after),
            pc::is_current.eq(true),
            pc::created_at.eq(0i64),
        ))
        .execute(conn)
        .expect("certificate row");
}

/// A partner registered through the public sign-up (password "correct horse battery"), as
/// its account is signed in: the account and an audit actor for it.
pub struct SignedUp {
    /// The account, as a session would load it.
    pub user: crate::account::CurrentUser,
    /// The account as the author of changes.
    pub actor: crate::audit::Actor,
}

/// Sign up partner `id` of `kind` (organisation "`id` Ltd", email `id`@example.org, English),
/// in `group` when its type needs one.
pub fn sign_up(
    conn: &mut crate::db::AnyConnection,
    id: &str,
    kind: &str,
    group: Option<&str>,
) -> SignedUp {
    let input = crate::partner::PartnerInput {
        partner_id: id.into(),
        organisation: format!("{id} Ltd"),
        partner_type: kind.into(),
        email: format!("{id}@example.org"),
        phone: "+91 80 1234 5678".into(),
        address: "1 Main Street".into(),
        language: "eng".into(),
        policy_group_id: group.map(str::to_string),
    };
    crate::partner::sign_up(
        conn,
        &input,
        "correct horse battery",
        &crate::account::PortalMail::off(),
    )
    .unwrap_or_else(|e| panic!("sign up {id}: {e:?}"));
    let row = crate::account::find_by_email(conn, &input.email)
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("account of {id}"));
    let user = crate::account::load_user(conn, &row.id)
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("active account of {id}"));
    SignedUp {
        actor: crate::audit::Actor::account(&user.id, &user.email),
        user,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced_keeping_the_query() {
        assert_eq!(
            super::with_database(
                "postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable",
                "x"
            ),
            "postgres://u:p@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(
            super::with_database("postgres://u@h/postgres", "y"),
            "postgres://u@h/y"
        );
    }
}
