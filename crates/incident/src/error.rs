//! What can go wrong in incident management, with messages a user can act on.

use crate::model::IncidentState;

/// Why an incident operation failed.
#[derive(Debug, thiserror::Error)]
pub enum IncidentError {
    /// No incident with this id (in the caller's tenant).
    #[error("no incident {0}")]
    NotFound(i64),
    /// The lifecycle does not allow the move.
    #[error("incident {id} cannot go from {} to {}{hint}", from.as_str(), to.as_str())]
    InvalidTransition {
        /// The incident.
        id: i64,
        /// Its state.
        from: IncidentState,
        /// The state asked for.
        to: IncidentState,
        /// What to do instead.
        hint: &'static str,
    },
    /// The request itself is wrong (unknown state, empty note, bad merge).
    #[error("{0}")]
    BadRequest(String),
    /// The state store failed.
    #[error(transparent)]
    State(#[from] palisade_state::StateError),
}

impl From<palisade_state::rusqlite::Error> for IncidentError {
    fn from(e: palisade_state::rusqlite::Error) -> Self {
        IncidentError::State(e.into())
    }
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, IncidentError>;
