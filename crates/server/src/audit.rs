//! The audit seam. Every API call produces an [`AuditRecord`] before its handler runs; when the
//! sink cannot record it, the operation is refused. The result is recorded after the handler
//! (see docs/audit.md). Key-use calls, which change nothing, get the result record only, and
//! their answer is released once it is durable ([`crate::audit_mode`]). [`crate::audit_trail::TrailSink`] writes them to the tamper-evident
//! audit trail; [`NoAudit`] records nothing (for tests of other layers).

use crate::audit_mode::AuditMode;
use palisade_audit::Outcome;
use std::{future::Future, net::SocketAddr, pin::Pin};

/// One operation, as the audit trail will record it.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// Epoch milliseconds.
    pub time_ms: i64,
    /// Who: the principal's name.
    pub subject: String,
    /// Tenant the principal acts in.
    pub tenant: String,
    /// What was done: the HTTP method.
    pub action: String,
    /// Where from.
    pub source: Option<SocketAddr>,
    /// Kind of record: `api.request` (before the handler), `api.response` (after it),
    /// `authentication` (a refused credential), `authorization` (a refused request), `login`,
    /// `lockout.source`, `token.new_network`, `audit.verify`.
    pub event_type: &'static str,
    /// The role the principal acted in.
    pub role: String,
    /// On what: the request path and query.
    pub object: String,
    /// Correlates the records of one request (also sent back as `x-request-id`).
    pub request_id: String,
    /// How it ended (`pending` before the handler).
    pub result: Outcome,
    /// The HTTP status of the answer, once known.
    pub status: Option<u16>,
    /// How the route's calls are recorded, decided once per request: a successful key-use
    /// call ([`AuditMode::OutcomeOnly`]) is searchable through its key operation events.
    pub mode: AuditMode,
}

/// Why a record could not be written.
#[derive(Debug)]
pub struct AuditError(pub String);

impl std::fmt::Display for AuditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "audit record not written: {}", self.0)
    }
}

/// What [`AuditSink::record`] returns: resolves once the record is durable.
pub type AuditFuture<'a> = Pin<Box<dyn Future<Output = Result<(), AuditError>> + Send + 'a>>;

/// Where audit records go.
pub trait AuditSink: Send + Sync + 'static {
    /// Records durably, or fails (and the operation is refused).
    fn record(&self, rec: AuditRecord) -> AuditFuture<'_>;

    /// [`AuditSink::record`] with a detail the record's fields cannot say: why, where (a
    /// lockout's address, a token's new network, a verification failure's place).
    fn record_with_detail(&self, rec: AuditRecord, detail: String) -> AuditFuture<'_>;
}

/// Records nothing.
#[derive(Debug, Default)]
pub struct NoAudit;

impl AuditSink for NoAudit {
    fn record(&self, _rec: AuditRecord) -> AuditFuture<'_> {
        Box::pin(async { Ok(()) })
    }

    fn record_with_detail(&self, _rec: AuditRecord, _detail: String) -> AuditFuture<'_> {
        Box::pin(async { Ok(()) })
    }
}
