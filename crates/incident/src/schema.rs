//! The incident component's tables in the state store (append-only list of migrations).

/// The component name the state store records migrations under.
pub const COMPONENT: &str = "incidents";

/// Migrations, in order; never edit one that shipped, append a new one.
pub const MIGRATIONS: &[&str] = &[
    "CREATE TABLE incidents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant TEXT NOT NULL,
        title TEXT NOT NULL,
        state TEXT NOT NULL,
        severity INTEGER NOT NULL,
        assignee TEXT,
        rule_id TEXT NOT NULL,
        group_key TEXT NOT NULL,
        entities TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        acknowledged_ms INTEGER,
        resolved_ms INTEGER,
        closed_ms INTEGER,
        merged_into INTEGER,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        ack_breached INTEGER NOT NULL DEFAULT 0,
        resolve_breached INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX incidents_group ON incidents (tenant, group_key, state);
    CREATE INDEX incidents_created ON incidents (tenant, created_ms);
    CREATE TABLE incident_alerts (
        incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        alert_id TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        rule_title TEXT NOT NULL,
        level INTEGER NOT NULL,
        count INTEGER NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        entities TEXT NOT NULL,
        event_ids TEXT NOT NULL,
        PRIMARY KEY (incident_id, alert_id)
    );
    CREATE INDEX incident_alerts_alert ON incident_alerts (alert_id);
    CREATE TABLE incident_events (
        incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        event_id TEXT NOT NULL,
        PRIMARY KEY (incident_id, event_id)
    );
    CREATE TABLE incident_notes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        time_ms INTEGER NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE TABLE incident_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        time_ms INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX incident_history_incident ON incident_history (incident_id);",
    "CREATE TABLE incident_notifications (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        channel TEXT NOT NULL,
        incident_id INTEGER NOT NULL,
        tenant TEXT NOT NULL,
        event TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        last_error TEXT,
        created_ms INTEGER NOT NULL,
        delivered_ms INTEGER
    );
    CREATE INDEX incident_notifications_due ON incident_notifications (status, next_attempt_ms);
    CREATE TABLE incident_action_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
        action TEXT NOT NULL,
        actor TEXT NOT NULL,
        status TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        finished_ms INTEGER,
        code INTEGER,
        output TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX incident_action_runs_status ON incident_action_runs (status);",
];
