//! The audit seam. Every API call produces an [`AuditRecord`] before its handler runs; when the
//! sink cannot record it, the operation is refused. The tamper-evident audit trail replaces
//! [`NoAudit`] without touching the handlers.

use std::net::SocketAddr;

/// One operation, as the audit trail will record it.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// Epoch milliseconds.
    pub time_ms: i64,
    /// Who: the principal's name.
    pub subject: String,
    /// Tenant the principal acts in.
    pub tenant: String,
    /// What: `METHOD /path`.
    pub action: String,
    /// Where from.
    pub source: Option<SocketAddr>,
}

/// Why a record could not be written.
#[derive(Debug)]
pub struct AuditError(pub String);

impl std::fmt::Display for AuditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "audit record not written: {}", self.0)
    }
}

/// Where audit records go.
pub trait AuditSink: Send + Sync + 'static {
    /// Records durably, or fails (and the operation is refused).
    fn record(&self, rec: &AuditRecord) -> Result<(), AuditError>;
}

/// Records nothing (until the audit trail lands).
#[derive(Debug, Default)]
pub struct NoAudit;

impl AuditSink for NoAudit {
    fn record(&self, _rec: &AuditRecord) -> Result<(), AuditError> {
        Ok(())
    }
}
