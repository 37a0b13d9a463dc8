//! Palisade's storage (placeholder doc, rewritten below).
mod bloom;
mod codec;
mod column;
mod error;
mod fsutil;
mod row;
mod segment;
mod store;
pub mod wal;

pub use error::StoreError;
pub use row::EventRow;
pub use store::{
    Cursor, EventStore, RetentionReport, ScanStats, SearchPage, SearchRequest, StoreStats, TenantStats,
};
pub use wal::{DurableBatch, Wal};
