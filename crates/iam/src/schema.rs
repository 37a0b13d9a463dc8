//! The `iam_*` tables (migrations are only ever appended).

/// Migrations of the `iam` component, in order.
pub const MIGRATIONS: &[&str] = &[
    "CREATE TABLE iam_tenants (
        name TEXT PRIMARY KEY,
        suspended INTEGER NOT NULL DEFAULT 0,
        created_ms INTEGER NOT NULL
    );
    CREATE TABLE iam_users (
        id INTEGER PRIMARY KEY,
        tenant TEXT NOT NULL REFERENCES iam_tenants(name) ON DELETE CASCADE,
        name TEXT NOT NULL,
        roles TEXT NOT NULL,
        password_hash TEXT,
        totp_secret TEXT,
        totp_last_step INTEGER NOT NULL DEFAULT 0,
        disabled INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        locked_until_ms INTEGER NOT NULL DEFAULT 0,
        created_ms INTEGER NOT NULL,
        UNIQUE (tenant, name)
    );
    CREATE TABLE iam_tokens (
        id TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES iam_users(id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        digest BLOB NOT NULL,
        description TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        expires_ms INTEGER,
        revoked_ms INTEGER
    );
    CREATE TABLE iam_sessions (
        id TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES iam_users(id) ON DELETE CASCADE,
        digest BLOB NOT NULL,
        csrf_digest BLOB NOT NULL,
        expires_ms INTEGER NOT NULL
    );",
    "CREATE TABLE iam_source_failures (
        source TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        last_ms INTEGER NOT NULL,
        locked_until_ms INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE iam_token_networks (
        token_id TEXT NOT NULL,
        network TEXT NOT NULL,
        first_ms INTEGER NOT NULL,
        PRIMARY KEY (token_id, network)
    );",
    // Second-factor self-enrolment: the secret offered but not yet confirmed, and sessions
    // opened by a password alone that may do nothing but enrol.
    "ALTER TABLE iam_users ADD COLUMN totp_pending TEXT;
    ALTER TABLE iam_sessions ADD COLUMN totp_pending INTEGER NOT NULL DEFAULT 0;",
];
