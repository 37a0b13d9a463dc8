//! What identity operations fail with.

/// Why an identity operation failed; each maps to one HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum IamError {
    /// The credential is missing, wrong, expired or revoked (401).
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated, but not allowed (403).
    #[error("{0}")]
    Forbidden(String),
    /// Too many failed logins: try again after this many milliseconds (429).
    #[error("account locked after repeated failed logins; try again in {0} ms")]
    Locked(i64),
    /// Too many failed logins from this source address, across accounts: try again after
    /// this many milliseconds (429).
    #[error("too many failed logins from this address; try again in {0} ms")]
    SourceLocked(i64),
    /// No such tenant, user or token (404).
    #[error("{0}")]
    NotFound(String),
    /// It exists already (409).
    #[error("{0}")]
    Conflict(String),
    /// The request is wrong: names the field and the rule (400).
    #[error("{0}")]
    BadInput(String),
    /// The state store failed (500).
    #[error(transparent)]
    State(#[from] palisade_state::StateError),
}

impl From<palisade_state::rusqlite::Error> for IamError {
    fn from(e: palisade_state::rusqlite::Error) -> Self {
        IamError::State(palisade_state::StateError::Sql(e))
    }
}
