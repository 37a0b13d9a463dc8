//! The server's side: enrolment tokens, enrolled agents, their tokens and heartbeats, kept in
//! the state store (tables `agent_enrol_tokens` and `agents`), scoped by tenant.
//!
//! Tokens are stored only as the SHA-256 of their secret part and compared in constant time.
//! An enrolment token is good for one enrolment before it expires; the agent token it is
//! exchanged for authenticates only the agent's own routes (ingest and heartbeat).

use crate::{
    heartbeat::{Health, Heartbeat},
    token,
};
use palisade_core::TenantId;
use palisade_state::{rusqlite, StateError, StateStore};
use rusqlite::OptionalExtension;
use serde::Serialize;
use std::sync::Arc;
use zeroize::Zeroizing;

/// Token prefixes: enrolment tokens and agent tokens.
const ENROL_PREFIX: &str = "pae";
const AGENT_PREFIX: &str = "paa";

const MIGRATIONS: &[&str] = &[
    "CREATE TABLE agent_enrol_tokens (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        hash BLOB NOT NULL,
        created_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL,
        used_ms INTEGER,
        agent_id TEXT
    );
    CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        hostname TEXT NOT NULL,
        token_hash BLOB NOT NULL,
        enrolled_ms INTEGER NOT NULL,
        last_seen_ms INTEGER,
        version TEXT,
        health TEXT
    );
    CREATE INDEX agents_by_tenant ON agents (tenant);",
    "ALTER TABLE agents ADD COLUMN silence_reported INTEGER NOT NULL DEFAULT 0;",
];

/// Why a registry operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The enrolment token is unknown, expired or already used.
    #[error("the enrolment token is invalid, expired or already used")]
    InvalidEnrolToken,
    /// A field of a request is unacceptable.
    #[error("{0}")]
    BadRequest(String),
    /// The state store failed.
    #[error(transparent)]
    State(#[from] StateError),
}

/// An enrolled agent as the list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentStatus {
    /// Agent id.
    pub id: String,
    /// Its tenant.
    pub tenant: String,
    /// Its host name (from enrolment, then from heartbeats).
    pub hostname: String,
    /// Its version (from the last heartbeat).
    pub version: Option<String>,
    /// When it enrolled (ms since the epoch).
    pub enrolled_ms: i64,
    /// Its last heartbeat (ms since the epoch).
    pub last_seen_ms: Option<i64>,
    /// `online`, or `silent` when no heartbeat came within the configured time.
    pub status: &'static str,
    /// Its last reported health.
    pub health: Option<Health>,
}

/// A successful enrolment.
pub struct Enrolled {
    /// The new agent's id.
    pub agent_id: String,
    /// Its token (shown once).
    pub token: Zeroizing<String>,
    /// Its tenant.
    pub tenant: TenantId,
}

/// Agents in the state store.
pub struct Registry {
    store: Arc<StateStore>,
}

fn check_text(what: &str, value: &str, max: usize) -> Result<(), RegistryError> {
    if value.is_empty() || value.len() > max || value.chars().any(char::is_control) {
        return Err(RegistryError::BadRequest(format!(
            "{what} must be 1 to {max} printable characters"
        )));
    }
    Ok(())
}

impl Registry {
    /// Brings the agent tables up to date.
    pub fn open(store: Arc<StateStore>) -> Result<Registry, StateError> {
        store.migrate("agents", MIGRATIONS)?;
        Ok(Registry { store })
    }

    /// Creates a one-time enrolment token for `tenant`, valid for `ttl_ms`; returns it and
    /// its expiry.
    pub fn create_enrol_token(
        &self,
        tenant: &TenantId,
        ttl_ms: i64,
    ) -> Result<(Zeroizing<String>, i64), RegistryError> {
        let now = palisade_core::time::now_ms();
        let expires = now.saturating_add(ttl_ms);
        let new = token::generate(ENROL_PREFIX);
        self.store.with(|c| {
            c.execute(
                "INSERT INTO agent_enrol_tokens (id, tenant, hash, created_ms, expires_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![new.id, tenant.as_str(), new.hash, now, expires],
            )
        })?;
        Ok((new.token, expires))
    }

    /// Exchanges an enrolment token (once) for a new agent and its token.
    pub fn enrol(&self, enrol_token: &str, hostname: &str) -> Result<Enrolled, RegistryError> {
        check_text("hostname", hostname, 255)?;
        let (id, secret) =
            token::split(ENROL_PREFIX, enrol_token).ok_or(RegistryError::InvalidEnrolToken)?;
        let now = palisade_core::time::now_ms();
        let agent = token::generate(AGENT_PREFIX);
        let tenant = self.store.with(|c| {
            let tx = c.transaction()?;
            let row: Option<(String, Vec<u8>, i64, Option<i64>)> = tx
                .query_row(
                    "SELECT tenant, hash, expires_ms, used_ms FROM agent_enrol_tokens WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let Some((tenant, hash, expires, used)) = row else {
                return Ok(None);
            };
            if !token::verify(secret, &hash) || used.is_some() || expires <= now {
                return Ok(None);
            }
            tx.execute(
                "UPDATE agent_enrol_tokens SET used_ms = ?1, agent_id = ?2 WHERE id = ?3",
                rusqlite::params![now, agent.id, id],
            )?;
            tx.execute(
                "INSERT INTO agents (id, tenant, hostname, token_hash, enrolled_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![agent.id, tenant, hostname, agent.hash, now],
            )?;
            tx.commit()?;
            Ok(Some(tenant))
        })?;
        let tenant = tenant.ok_or(RegistryError::InvalidEnrolToken)?;
        let tenant = TenantId::new(&tenant).map_err(RegistryError::BadRequest)?;
        Ok(Enrolled {
            agent_id: agent.id,
            token: agent.token,
            tenant,
        })
    }

    /// The agent id and tenant of a valid agent token.
    pub fn authenticate(&self, presented: &str) -> Option<(String, TenantId)> {
        let (id, secret) = token::split(AGENT_PREFIX, presented)?;
        let row: Option<(String, Vec<u8>)> = self
            .store
            .with(|c| {
                c.query_row(
                    "SELECT tenant, token_hash FROM agents WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
            })
            .ok()
            .flatten();
        let (tenant, hash) = row?;
        if !token::verify(secret, &hash) {
            return None;
        }
        Some((id.to_owned(), TenantId::new(&tenant).ok()?))
    }

    /// Records a heartbeat of agent `agent_id`.
    pub fn heartbeat(&self, agent_id: &str, beat: &Heartbeat) -> Result<(), RegistryError> {
        check_text("version", &beat.version, 64)?;
        check_text("hostname", &beat.hostname, 255)?;
        let mut health = beat.health.clone();
        if let Some(e) = &mut health.last_error {
            if e.len() > 1024 {
                let mut cut = 1024;
                while !e.is_char_boundary(cut) {
                    cut -= 1;
                }
                e.truncate(cut);
            }
        }
        let health =
            serde_json::to_string(&health).map_err(|e| RegistryError::BadRequest(e.to_string()))?;
        let now = palisade_core::time::now_ms();
        self.store.with(|c| {
            c.execute(
                "UPDATE agents SET last_seen_ms = ?1, version = ?2, hostname = ?3, health = ?4,
                 silence_reported = 0 WHERE id = ?5",
                rusqlite::params![now, beat.version, beat.hostname, health, agent_id],
            )
        })?;
        Ok(())
    }

    /// Agents that fell silent (no heartbeat, or never heard from since enrolment, for
    /// `silent_after_ms`) since the last call, each reported once until it is heard from
    /// again: (agent id, tenant, host name, last heard from in ms).
    pub fn take_newly_silent(
        &self,
        silent_after_ms: i64,
    ) -> Result<Vec<(String, TenantId, String, i64)>, RegistryError> {
        let cutoff = palisade_core::time::now_ms().saturating_sub(silent_after_ms);
        let rows = self.store.with(|c| {
            let tx = c.transaction()?;
            let rows = {
                let mut stmt = tx.prepare(
                    "SELECT id, tenant, hostname, COALESCE(last_seen_ms, enrolled_ms) FROM agents
                     WHERE silence_reported = 0 AND COALESCE(last_seen_ms, enrolled_ms) < ?1",
                )?;
                let rows = stmt.query_map([cutoff], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get(2)?,
                        r.get(3)?,
                    ))
                })?;
                rows.collect::<rusqlite::Result<Vec<(String, String, String, i64)>>>()?
            };
            for (id, ..) in &rows {
                tx.execute("UPDATE agents SET silence_reported = 1 WHERE id = ?1", [id])?;
            }
            tx.commit()?;
            Ok(rows)
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, tenant, host, heard)| {
                Some((id, TenantId::new(&tenant).ok()?, host, heard))
            })
            .collect())
    }

    /// Agents of `tenant` (every tenant when None), each `silent` when its last heartbeat (or,
    /// never heard from, its enrolment) is older than `silent_after_ms`.
    pub fn list(
        &self,
        tenant: Option<&TenantId>,
        silent_after_ms: i64,
    ) -> Result<Vec<AgentStatus>, RegistryError> {
        let now = palisade_core::time::now_ms();
        let rows = self.store.with(|c| {
            let mut stmt = c.prepare(
                "SELECT id, tenant, hostname, version, enrolled_ms, last_seen_ms, health
                 FROM agents WHERE ?1 IS NULL OR tenant = ?1 ORDER BY tenant, hostname, id",
            )?;
            let rows = stmt.query_map([tenant.map(TenantId::as_str)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        Ok(rows
            .into_iter()
            .map(
                |(id, tenant, hostname, version, enrolled_ms, last_seen_ms, health)| {
                    let heard = last_seen_ms.unwrap_or(enrolled_ms);
                    AgentStatus {
                        id,
                        tenant,
                        hostname,
                        version,
                        enrolled_ms,
                        last_seen_ms,
                        status: if now - heard > silent_after_ms {
                            "silent"
                        } else {
                            "online"
                        },
                        health: health.and_then(|h| serde_json::from_str(&h).ok()),
                    }
                },
            )
            .collect())
    }
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
