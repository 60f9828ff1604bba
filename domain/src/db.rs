//! Database access: one binary, SQLite or PostgreSQL chosen by URL, migrations embedded.

use crate::error::{AppError, AppResult};
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool as R2d2Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

/// A connection to whichever database the deployment uses.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    /// Production database.
    Postgresql(PgConnection),
    /// Embedded default.
    Sqlite(SqliteConnection),
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// Which backend a URL names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbUrl {
    /// `postgres://` or `postgresql://` URL.
    Postgres(String),
    /// Path to a SQLite file.
    Sqlite(String),
}

impl DbUrl {
    /// Classify a URL: `postgres://...` is PostgreSQL, `sqlite://path` or a bare path is SQLite.
    pub fn parse(url: &str) -> DbUrl {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DbUrl::Postgres(url.to_string())
        } else {
            DbUrl::Sqlite(url.trim_start_matches("sqlite://").to_string())
        }
    }

    /// Backend name for logs (never the URL: it may hold a password).
    pub fn backend(&self) -> &'static str {
        match self {
            DbUrl::Postgres(_) => "postgresql",
            DbUrl::Sqlite(_) => "sqlite",
        }
    }
}

/// r2d2 manager that opens the backend the URL names (diesel's generic one would try each
/// backend in turn, and a typo could silently create a SQLite file).
#[derive(Debug)]
pub struct Manager {
    url: DbUrl,
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        match &self.url {
            DbUrl::Postgres(url) => PgConnection::establish(url)
                .map(AnyConnection::Postgresql)
                .map_err(r2d2::Error::ConnectionError),
            DbUrl::Sqlite(path) => {
                let mut conn =
                    SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                // The busy timeout first, so the WAL switch and every later write wait for a
                // lock instead of failing; WAL lets readers work during a write; SQLite leaves
                // foreign keys off unless asked. Memory-mapped reads share the OS page cache
                // instead of copying pages through read() into a small per-connection cache.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                     PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -16384;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        false
    }
}

/// Connection pool.
pub type Pool = R2d2Pool<Manager>;
/// A connection borrowed from the pool.
pub type Conn = PooledConnection<Manager>;

/// Open a pool for `url` (max `size` connections) and apply pending migrations.
pub fn connect(url: &str, size: u32) -> Result<Pool, String> {
    let url = DbUrl::parse(url);
    if let DbUrl::Sqlite(path) = &url {
        if let Some(dir) = std::path::Path::new(path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create data directory {}: {e}", dir.display()))?;
            }
        }
    }
    // r2d2 opens its connections at once; on a new file they would race for the WAL switch
    // (SQLITE_BUSY, retried with growing pauses). One connection switches it first.
    if matches!(url, DbUrl::Sqlite(_)) {
        drop(
            Manager { url: url.clone() }
                .connect()
                .map_err(|e| format!("cannot open the {} database: {e}", url.backend()))?,
        );
    }
    let pool = R2d2Pool::builder()
        .max_size(size)
        // A PostgreSQL connection can die with its server or the network, and diesel cannot
        // tell without asking: one `SELECT 1` per checkout. An open SQLite file cannot, so the
        // embedded default skips that statement on every request.
        .test_on_check_out(matches!(url, DbUrl::Postgres(_)))
        .connection_timeout(Duration::from_secs(10))
        .build(Manager { url: url.clone() })
        .map_err(|e| format!("cannot open the {} database: {e}", url.backend()))?;
    let mut conn = pool
        .get()
        .map_err(|e| format!("cannot open the {} database: {e}", url.backend()))?;
    migrate(&mut conn)?;
    Ok(pool)
}

/// Apply pending migrations for the connection's backend.
pub fn migrate(conn: &mut AnyConnection) -> Result<(), String> {
    let applied = match conn {
        AnyConnection::Postgresql(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len()),
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    }
    .map_err(|e| format!("migrations failed: {e}"))?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok(())
}

/// Run blocking database work on tokio's blocking pool, never on the async workers.
pub async fn run<T, F>(pool: &Pool, f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection) -> AppResult<T> + Send + 'static,
{
    let _permit = permit(pool).await?;
    blocking(pool, f).await
}

/// [`run`] for one short read (an indexed lookup of microseconds) on the hottest machine
/// route: on the embedded database it runs on the calling task's thread, sparing the two
/// thread switches of the blocking pool (most of that route's time under load, measured with
/// `perf`). PostgreSQL (a network round trip) and a pool with no connection free at once go
/// through the blocking pool as [`run`] does.
pub async fn run_short<T, F>(pool: &Pool, f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection) -> AppResult<T> + Send + 'static,
{
    let _permit = permit(pool).await?;
    if let Some(mut conn) = pool
        .try_get()
        .filter(|c| matches!(**c, AnyConnection::Sqlite(_)))
    {
        return f(&mut conn);
    }
    blocking(pool, f).await
}

/// Callers beyond the pool's size wait here, asynchronously, instead of each parking a
/// blocking thread inside `pool.get()` (under load, dozens of threads woken one at a time).
/// A server has one pool; the first pool a process uses sizes this (tests with several pools
/// share it, which only limits how many of their calls run at once).
async fn permit(pool: &Pool) -> AppResult<tokio::sync::SemaphorePermit<'static>> {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS
        .get_or_init(|| tokio::sync::Semaphore::new(pool.max_size() as usize))
        .acquire()
        .await
        .map_err(|_| AppError::internal())
}

/// The work on a blocking-pool thread, with a connection of its own.
async fn blocking<T, F>(pool: &Pool, f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut AnyConnection) -> AppResult<T> + Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "blocking database task failed");
        AppError::internal()
    })?
}

/// Whether the database answers (for `/readyz`).
pub async fn ping(pool: &Pool) -> bool {
    run(pool, |conn| {
        conn.batch_execute("SELECT 1").map_err(AppError::from)
    })
    .await
    .is_ok()
}

/// Run `f` in a write transaction. On SQLite it takes the write lock at BEGIN (`BEGIN
/// IMMEDIATE`): a deferred transaction that reads, then writes, fails at once with "database is
/// locked" when another writer committed meanwhile, instead of waiting its turn. Inside an
/// enclosing transaction it is a savepoint, as `Connection::transaction`.
pub fn write_tx<T>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> AppResult<T>,
) -> AppResult<T> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let AnyConnection::Sqlite(inner) = conn else {
        return conn.transaction(f);
    };
    let outer = AnsiTransactionManager::transaction_manager_status_mut(inner)
        .transaction_depth()
        .map(|d| d.is_some())
        .unwrap_or(true);
    if outer {
        return conn.transaction(f);
    }
    AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    let result = f(conn);
    let AnyConnection::Sqlite(inner) = conn else {
        return Err(AppError::internal());
    };
    match result {
        Ok(value) => match AnsiTransactionManager::commit_transaction(inner) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = AnsiTransactionManager::rollback_transaction(inner);
                Err(e.into())
            }
        },
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(inner)?;
            Err(e)
        }
    }
}

/// A function answering a tuple of columns to select, the tuple written once: column names
/// are unit structs, so the same tokens are the function's type and its value.
macro_rules! columns_fn {
    ($(#[$meta:meta])* $vis:vis fn $name:ident() -> $columns:tt) => {
        $(#[$meta])*
        $vis fn $name() -> $columns {
            $columns
        }
    };
}
pub(crate) use columns_fn;

/// A boxed query filtered by each `(column, pattern)` of `patterns`, a case-insensitive
/// "contains" (see [`crate::page::like_pattern`]) on the SQL column its arm names; the
/// `sort_only` columns filter nothing.
macro_rules! contains_filters {
    ($q:expr, $patterns:expr, { $($column:pat => $sql:expr),+ $(,)? } sort_only $other:pat) => {{
        let mut q = $q;
        for (column, p) in $patterns.iter().cloned() {
            q = match column {
                $($column => q.filter($crate::account::lower($sql).like(p).escape('\\')),)+
                $other => q,
            };
        }
        q
    }};
}
pub(crate) use contains_filters;

/// A boxed query in the order of the column `(column, descending)` names, by the SQL column its
/// arm names, ties broken by `then` (the id) in the same direction.
macro_rules! order_by_column {
    ($q:expr, $sort:expr, { $($column:pat => $sql:expr),+ $(,)? } then $id:expr) => {{
        let (q, (column, desc)) = ($q, $sort);
        let q = match column {
            $($column => if desc { q.order($sql.desc()) } else { q.order($sql.asc()) },)+
        };
        if desc {
            q.then_order_by($id.desc())
        } else {
            q.then_order_by($id.asc())
        }
    }};
}
pub(crate) use order_by_column;
