//! Errors of the audit trail.

use std::{io, path::Path};

/// Why the audit trail could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A file operation failed (disk full, read-only file system, I/O error, permissions).
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// Stored state is damaged or inconsistent.
    #[error("{0}")]
    Corrupt(String),
    /// The writer has stopped (the server is shutting down).
    #[error("the audit trail is closed")]
    Closed,
}

impl AuditError {
    /// An I/O error while doing `what` on `path`.
    pub fn io(what: &str, path: &Path, source: io::Error) -> Self {
        AuditError::Io {
            context: format!("cannot {what} {}", path.display()),
            source,
        }
    }
}
