//! Palisade's HTTP API and the `serve` orchestration.
//!
//! Every route goes through one request path: authentication (an API token or a console
//! session, [`palisade_iam`]) → authorization (the route table, deny by default,
//! [`authz`]) → audit record (fail closed: no record, no operation) → handler. Handlers see
//! the caller as [`auth::Principal`] and [`palisade_iam::Identity`] in the request
//! extensions. [`serve::run`] starts everything `palisade serve` needs.

pub mod api;
pub mod audit;
pub mod audit_mode;
pub mod audit_trail;
pub mod audit_verify;
pub mod auth;
pub mod authz;
pub mod http;
pub mod kms;
pub mod parser_chains;
pub mod serve;
pub mod summary;
pub mod token;
mod token_source;
