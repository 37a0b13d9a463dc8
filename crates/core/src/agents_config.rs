//! `[agents]`: how the server treats host agents (docs/agent.md).

use crate::config::Duration;
use serde::{Deserialize, Serialize};

/// `[agents]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AgentsConfig {
    /// An agent without a heartbeat for this long is listed as `silent`.
    pub silent_after: Duration,
    /// How long a new enrolment token stays valid when the request names no `ttl`.
    pub enrol_token_ttl: Duration,
}

impl Default for AgentsConfig {
    fn default() -> Self {
        AgentsConfig {
            silent_after: Duration(120_000),
            enrol_token_ttl: Duration(24 * 3_600_000),
        }
    }
}
