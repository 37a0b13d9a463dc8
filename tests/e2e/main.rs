//! End-to-end tests: the real `palisade` binary on ephemeral ports in a temporary directory,
//! fed by real clients (util-linux `logger`, a TLS client, HTTP), searched through the API and
//! the CLI, killed with SIGKILL and restarted.

mod access;
mod agent;
mod agent_posture;
mod aggregate;
mod alerts;
mod at_rest;
mod audit;
mod audit_tamper;
mod audit_verify;
mod check_cli;
mod connection_reuse;
mod console;
mod console_ops;
mod crash;
mod es_bulk;
mod harness;
mod held_tenant;
mod hunt;
mod iam;
mod iam_network;
mod incident_actions;
mod incident_chain;
mod incident_notify;
mod incident_peers;
mod incidents;
mod ingest_search;
mod kms;
mod kms_audit;
mod kms_pkcs11;
mod operability;
mod parse_cli;
mod parser_api;
mod parser_chains;
mod posture;
mod retention;
mod store_key_audit;
mod syslog;
mod templates;
mod tenant_rules;
mod vuln;
mod wal_encryption;
