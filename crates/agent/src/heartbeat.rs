//! What an agent reports to the server every `heartbeat_interval`.

use serde::{Deserialize, Serialize};

/// What an agent reports in each heartbeat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// The agent's version.
    pub version: String,
    /// The host it runs on.
    pub hostname: String,
    /// How it is doing.
    pub health: Health,
}

/// An agent's health.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// Batches on disk waiting for the server.
    pub buffer_depth: u64,
    /// Files being tailed.
    pub files_tailed: u64,
    /// The last error the agent met, if it has not recovered from it.
    pub last_error: Option<String>,
}
