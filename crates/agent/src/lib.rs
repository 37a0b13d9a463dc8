//! Palisade's host agent and the server's registry of agents.
//!
//! `palisade agent` runs on a monitored host: it tails configured log files (the read
//! position survives restarts; rotation by rename and by truncation is followed; a partial
//! last line waits for its newline), writes every batch to a disk buffer *before* sending it
//! to the server's `POST /api/v1/ingest` over HTTPS, and deletes it only once the server has
//! acknowledged it, so nothing is lost while the server is away. It reports its version and
//! health to `POST /api/v1/agents/heartbeat`, and it enrols once with a one-time enrolment
//! token. On a schedule it also runs baseline configuration checks ([`checks`], shipped as
//! OCSF Compliance Findings), takes package inventories ([`inventory`], matched by the server
//! against its advisories: [`inventory_match`]) and watches configuration files ([`watch`],
//! changes shipped as OCSF File System Activity with the diff). The [`registry`] module is
//! the server's side: enrolment tokens, agent tokens (kept hashed) and heartbeats in the
//! state store.

pub mod buffer;
pub mod checks;
pub mod cli;
pub mod client;
pub mod config;
pub mod heartbeat;
pub mod inventory;
pub mod inventory_match;
pub mod positions;
pub mod posture;
pub mod posture_config;
#[cfg(test)]
mod posture_tests;
pub mod registry;
pub mod run;
pub mod schedule;
pub mod tail;
mod token;
pub mod watch;
