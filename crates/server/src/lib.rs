//! Palisade's HTTP API and the `serve` orchestration.
//!
//! Every route goes through one request path: authentication (bearer token, constant-time
//! comparison) → authorization → audit record (fail closed: no record, no operation) → handler.
//! The admin token written at first start is the only identity until identity management
//! lands, and the audit sink is a no-op until the audit trail lands; both sit behind seams
//! ([`auth::Principal`], [`audit::AuditSink`]) so later capabilities replace them without
//! touching handlers. [`serve::run`] starts everything `palisade serve` needs.

pub mod api;
pub mod audit;
pub mod audit_trail;
pub mod auth;
pub mod http;
pub mod kms;
pub mod serve;
pub mod token;
