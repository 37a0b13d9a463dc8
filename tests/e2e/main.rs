//! End-to-end tests: the real `palisade` binary on ephemeral ports in a temporary directory,
//! fed by real clients (util-linux `logger`, a TLS client, HTTP), searched through the API and
//! the CLI, killed with SIGKILL and restarted.

mod audit;
mod audit_tamper;
mod check_cli;
mod crash;
mod es_bulk;
mod harness;
mod hunt;
mod ingest_search;
mod kms;
mod operability;
mod parse_cli;
mod parser_chains;
mod retention;
mod syslog;
mod templates;
