//! The wrapped data keys, one row each in the state store (`kms_data_keys`). A row never holds
//! a data key in the clear: `wrapped` is the key encrypted under the tenant's storage key
//! (`vault:vN:`), so rotating the storage key rewrites these rows and nothing else.

use palisade_state::{
    rusqlite::{params, OptionalExtension},
    StateError, StateStore,
};

/// The component name under which the table's migrations are recorded.
pub const COMPONENT: &str = "kms_at_rest";

const MIGRATIONS: &[&str] = &["CREATE TABLE kms_data_keys (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        storage_key TEXT NOT NULL,
        storage_version INTEGER NOT NULL,
        wrapped TEXT NOT NULL,
        created_ms INTEGER NOT NULL
    );
    CREATE INDEX kms_data_keys_tenant ON kms_data_keys (tenant, storage_key);"];

/// One wrapped data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedDataKey {
    /// The id blocks carry in their header (`KeyRef::id`).
    pub id: String,
    /// The tenant whose blocks it seals.
    pub tenant: String,
    /// The KMS key that wraps it.
    pub storage_key: String,
    /// The storage key version that wrapped it.
    pub storage_version: u32,
    /// The wrapped key, `vault:vN:<base64>`.
    pub wrapped: String,
    /// When it was made, epoch milliseconds.
    pub created_ms: i64,
}

/// Creates or upgrades the table.
pub fn migrate(state: &StateStore) -> Result<(), StateError> {
    state.migrate(COMPONENT, MIGRATIONS)
}

/// Stores a new wrapped data key.
pub fn insert(state: &StateStore, key: &WrappedDataKey) -> Result<(), StateError> {
    state.with(|conn| {
        conn.execute(
            "INSERT INTO kms_data_keys (id, tenant, storage_key, storage_version, wrapped, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                key.id,
                key.tenant,
                key.storage_key,
                key.storage_version,
                key.wrapped,
                key.created_ms
            ],
        )
        .map(|_| ())
    })
}

fn from_row(
    row: &palisade_state::rusqlite::Row<'_>,
) -> palisade_state::rusqlite::Result<WrappedDataKey> {
    Ok(WrappedDataKey {
        id: row.get(0)?,
        tenant: row.get(1)?,
        storage_key: row.get(2)?,
        storage_version: row.get(3)?,
        wrapped: row.get(4)?,
        created_ms: row.get(5)?,
    })
}

const COLUMNS: &str = "id, tenant, storage_key, storage_version, wrapped, created_ms";

/// The data key `id`, if there is one.
pub fn get(state: &StateStore, id: &str) -> Result<Option<WrappedDataKey>, StateError> {
    state.with(|conn| {
        conn.query_row(
            &format!("SELECT {COLUMNS} FROM kms_data_keys WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()
    })
}

/// The data keys wrapped by `storage_key` under a version older than `latest`.
pub fn stale(
    state: &StateStore,
    storage_key: &str,
    latest: u32,
) -> Result<Vec<WrappedDataKey>, StateError> {
    state.with(|conn| {
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM kms_data_keys WHERE storage_key = ?1 AND storage_version < ?2"
        ))?;
        let rows = stmt.query_map(params![storage_key, latest], from_row)?;
        rows.collect()
    })
}

/// Replaces the wrapping of several data keys in one transaction.
pub fn update_wrapping(
    state: &StateStore,
    rewrapped: &[(String, u32, String)],
) -> Result<(), StateError> {
    state.with(|conn| {
        let tx = conn.transaction()?;
        for (id, version, wrapped) in rewrapped {
            tx.execute(
                "UPDATE kms_data_keys SET storage_version = ?2, wrapped = ?3 WHERE id = ?1",
                params![id, version, wrapped],
            )?;
        }
        tx.commit()
    })
}

/// Per storage key of `tenant`: how many data keys it wraps, by wrapping version.
pub fn census(state: &StateStore, tenant: &str) -> Result<Vec<(String, u32, u64)>, StateError> {
    state.with(|conn| {
        let mut stmt = conn.prepare(
            "SELECT storage_key, storage_version, COUNT(*) FROM kms_data_keys
             WHERE tenant = ?1 GROUP BY storage_key, storage_version ORDER BY storage_key, storage_version",
        )?;
        let rows = stmt.query_map([tenant], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        rows.collect()
    })
}

/// Every storage key that wraps at least one data key.
pub fn storage_keys(state: &StateStore) -> Result<Vec<String>, StateError> {
    state.with(|conn| {
        let mut stmt = conn.prepare("SELECT DISTINCT storage_key FROM kms_data_keys")?;
        let rows = stmt.query_map([], |row| row.get(0))?;
        rows.collect()
    })
}
