//! End-to-end tests: the real `palisade` binary on ephemeral ports in a temporary directory,
//! fed by real clients (util-linux `logger`, a TLS client, HTTP), searched through the API and
//! the CLI, killed with SIGKILL and restarted.

mod crash;
mod harness;
mod hunt;
mod ingest_search;
mod operability;
mod retention;
mod syslog;
