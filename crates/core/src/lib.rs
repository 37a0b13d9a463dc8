//! Palisade's shared vocabulary, at the bottom of the dependency graph.
//!
//! Every other crate speaks in these types: the canonical OCSF-based [`Event`] (a flat list of
//! dotted field paths and scalar [`Value`]s, nested again only for export), the [`Alert`]
//! detection raises, the [`RawRecord`] a collector hands to the write-ahead log, the [`TenantId`] carried by every record, the
//! [`IngestSink`] seam between collectors and the pipeline, the [`Sealer`] seam through which
//! every stored block passes, the tokenizer shared by indexing and search, and the typed
//! configuration read from `palisade.toml`.

pub mod agents_config;
pub mod alert;
pub mod audit_config;
pub mod config;
pub mod detection_config;
pub mod detector;
pub mod event;
pub mod fields;
pub mod iam_config;
pub mod incident_config;
pub mod kms_config;
pub mod pkcs11_config;
pub mod posture_config;
pub mod raw;
pub mod seal;
pub mod sink;
pub mod tenant;
pub mod time;
pub mod tokenize;
pub mod value;
pub mod wal_seal;

pub use alert::{Alert, AlertChange, AlertKind, AlertLevel, AlertSink};
pub use detector::Detector;
pub use event::{Event, EventId, FieldName};
pub use raw::{PayloadFormat, RawRecord, Transport};
pub use seal::{IdentitySealer, SealError, Sealer};
pub use sink::{IngestError, IngestSink, SinkFuture};
pub use tenant::TenantId;
pub use value::{Text, Value, ValueRef};
