//! The tenants' own parser chains, kept in the state store: added, replaced and removed
//! through the API, validated together with the configuration's chains, and handed to the
//! running pipeline at once (no restart).

use anyhow::Context;
use palisade_core::TenantId;
use palisade_parse::{ChainError, ParserChains, TenantChain};
use palisade_pipeline::Pipeline;
use palisade_state::StateStore;
use std::sync::{Arc, Mutex};

const MIGRATIONS: &[&str] = &["CREATE TABLE parser_chains (
        tenant TEXT NOT NULL,
        name TEXT NOT NULL,
        position INTEGER NOT NULL,
        spec TEXT NOT NULL,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (tenant, name)
    )"];

/// A stored chain as the API lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoredChain {
    /// The tenant whose events it parses.
    pub tenant: String,
    /// The chain's name, unique in the tenant.
    pub name: String,
    /// The chain as JSON (`sources`, `when`, `steps`).
    pub chain: serde_json::Value,
    /// Last change, milliseconds since the epoch.
    pub updated_ms: i64,
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChainChangeError {
    /// The chain does not compile (with the configuration's and the tenant's other chains).
    #[error(transparent)]
    Invalid(#[from] ChainError),
    /// The body is not a chain.
    #[error("{0}")]
    BadRequest(String),
    /// No such chain in the tenant.
    #[error("tenant {tenant} has no parser chain named {name:?}")]
    NotFound {
        /// The tenant asked about.
        tenant: String,
        /// The chain's name.
        name: String,
    },
    /// The state store failed.
    #[error(transparent)]
    Storage(#[from] anyhow::Error),
}

/// The tenants' chains and the configuration's, compiled into the pipeline.
pub struct ParserChainStore {
    state: Arc<StateStore>,
    config: Vec<toml::Table>,
    /// Serialises changes, so two of them never race between compiling and swapping.
    changing: Mutex<()>,
}

impl ParserChainStore {
    /// Prepares the table; `config` is the `[[parsers]]` of palisade.toml.
    pub fn open(state: Arc<StateStore>, config: Vec<toml::Table>) -> anyhow::Result<Self> {
        state
            .migrate("parser_chains", MIGRATIONS)
            .context("cannot prepare the parser chain table")?;
        Ok(ParserChainStore {
            state,
            config,
            changing: Mutex::new(()),
        })
    }

    /// Every chain compiled: the configuration's, then the tenants' in the order they were
    /// added.
    pub fn compile(&self) -> anyhow::Result<ParserChains> {
        let tenants = self.tenant_chains()?;
        ParserChains::compile(&self.config, &tenants).context("cannot compile the parser chains")
    }

    /// The names of the configuration's chains (read-only through the API).
    pub fn configured(&self) -> Vec<String> {
        self.config
            .iter()
            .filter_map(|t| t.get("name").and_then(toml::Value::as_str))
            .map(str::to_owned)
            .collect()
    }

    /// A tenant's chains, in order.
    pub fn list(&self, tenant: &TenantId) -> anyhow::Result<Vec<StoredChain>> {
        Ok(self
            .rows()?
            .into_iter()
            .filter(|c| c.tenant == tenant.as_str())
            .collect())
    }

    /// Adds or replaces `tenant`'s chain `name` from its JSON form, then gives the pipeline
    /// the new set. Nothing changes when any chain would fail to compile.
    pub fn put(
        &self,
        pipeline: &Pipeline,
        tenant: &TenantId,
        name: &str,
        chain: serde_json::Value,
    ) -> Result<StoredChain, ChainChangeError> {
        let mut table: toml::Table = serde_json::from_value(chain.clone())
            .map_err(|e| ChainChangeError::BadRequest(format!("not a parser chain: {e}")))?;
        match table.get("name").and_then(toml::Value::as_str) {
            Some(given) if given != name => {
                return Err(ChainChangeError::BadRequest(format!(
                    "the body names chain {given:?} but the path names {name:?}"
                )))
            }
            _ => table.insert("name".into(), name.into()),
        };
        let _change = self.changing.lock().unwrap_or_else(|e| e.into_inner());
        let mut tenants = self.tenant_chains()?;
        let candidate = TenantChain {
            tenant: tenant.clone(),
            table: table.clone(),
        };
        match tenants.iter_mut().find(|c| same(c, tenant, name)) {
            Some(existing) => *existing = candidate,
            None => tenants.push(candidate),
        }
        let compiled = ParserChains::compile(&self.config, &tenants)?;
        let stored = StoredChain {
            tenant: tenant.to_string(),
            name: name.to_owned(),
            chain: serde_json::to_value(&table).map_err(anyhow::Error::from)?,
            updated_ms: palisade_core::time::now_ms(),
        };
        self.state
            .with(|conn| {
                conn.execute(
                    "INSERT INTO parser_chains (tenant, name, position, spec, updated_ms)
                     VALUES (?1, ?2,
                             (SELECT COALESCE(MAX(position), 0) + 1 FROM parser_chains),
                             ?3, ?4)
                     ON CONFLICT (tenant, name)
                     DO UPDATE SET spec = excluded.spec, updated_ms = excluded.updated_ms",
                    rusqlite::params![
                        stored.tenant,
                        stored.name,
                        stored.chain.to_string(),
                        stored.updated_ms
                    ],
                )
            })
            .context("cannot store the parser chain")?;
        pipeline.set_chains(compiled);
        Ok(stored)
    }

    /// Removes `tenant`'s chain `name` (refused when another of its chains routes to it).
    pub fn delete(
        &self,
        pipeline: &Pipeline,
        tenant: &TenantId,
        name: &str,
    ) -> Result<(), ChainChangeError> {
        let _change = self.changing.lock().unwrap_or_else(|e| e.into_inner());
        let mut tenants = self.tenant_chains()?;
        let before = tenants.len();
        tenants.retain(|c| !same(c, tenant, name));
        if tenants.len() == before {
            return Err(ChainChangeError::NotFound {
                tenant: tenant.to_string(),
                name: name.to_owned(),
            });
        }
        let compiled = ParserChains::compile(&self.config, &tenants)?;
        self.state
            .with(|conn| {
                conn.execute(
                    "DELETE FROM parser_chains WHERE tenant = ?1 AND name = ?2",
                    rusqlite::params![tenant.as_str(), name],
                )
            })
            .context("cannot delete the parser chain")?;
        pipeline.set_chains(compiled);
        Ok(())
    }

    fn tenant_chains(&self) -> anyhow::Result<Vec<TenantChain>> {
        self.rows()?
            .into_iter()
            .map(|row| {
                let tenant = TenantId::new(&row.tenant).map_err(anyhow::Error::msg)?;
                let table = serde_json::from_value(row.chain)
                    .with_context(|| format!("stored parser chain {:?} is damaged", row.name))?;
                Ok(TenantChain { tenant, table })
            })
            .collect()
    }

    fn rows(&self) -> anyhow::Result<Vec<StoredChain>> {
        let rows = self
            .state
            .with(|conn| {
                let mut statement = conn.prepare(
                    "SELECT tenant, name, spec, updated_ms FROM parser_chains ORDER BY position",
                )?;
                let rows = statement
                    .query_map([], |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get::<_, String>(2)?,
                            row.get(3)?,
                        ))
                    })?
                    .collect::<rusqlite::Result<Vec<(String, String, String, i64)>>>();
                rows
            })
            .context("cannot read the parser chains")?;
        rows.into_iter()
            .map(|(tenant, name, spec, updated_ms)| {
                let chain = serde_json::from_str(&spec)
                    .with_context(|| format!("stored parser chain {name:?} is damaged"))?;
                Ok(StoredChain {
                    tenant,
                    name,
                    chain,
                    updated_ms,
                })
            })
            .collect()
    }
}

fn same(chain: &TenantChain, tenant: &TenantId, name: &str) -> bool {
    chain.tenant == *tenant && chain.table.get("name").and_then(toml::Value::as_str) == Some(name)
}
