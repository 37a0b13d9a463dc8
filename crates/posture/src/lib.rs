//! Compliance posture per tenant, built from live evidence.
//!
//! The [`catalog`] names the CSA Cloud Controls Matrix v4 domains and control ids (ids and
//! domain names only: the official control text is CSA's and is imported from a file the user
//! supplies, [`ccm_text`]); the [`responsibility`] matrix says, per control and cloud service
//! model (IaaS, PaaS, SaaS), whether the provider, the customer or both hold it. Both are data
//! files embedded in the binary and replaceable by files named in `palisade.toml`.
//! The [`collect`] modules turn evidence into per-control verdicts: check results (OCSF
//! Compliance Findings), the key service (seal type, key rotation age), the audit trail's
//! verification, incident handling times against the SLA, and the age of open vulnerability
//! findings. [`assess::build`] folds the verdicts into a [`Posture`]: a status per control and
//! domain (pass, fail, partial, no evidence) split by responsibility, which [`render`] prints
//! as a table, Markdown or a self-contained HTML report for an auditor.

pub mod assess;
pub mod catalog;
pub mod ccm_text;
pub mod collect;
pub mod csv;
pub mod model;
pub mod render;
pub mod responsibility;
pub mod store;

pub use catalog::Catalog;
pub use model::{ControlPosture, Counts, DomainPosture, Evidence, Posture, Source, Status};
pub use responsibility::{Matrix, Party};
