//! The seam between collectors and the pipeline.

use crate::raw::RawRecord;
use std::{future::Future, pin::Pin};

/// Why a batch was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The write-ahead log could not make the batch durable; the sender should retry.
    #[error("write-ahead log unavailable: {0}")]
    Unavailable(String),
    /// Palisade is shutting down.
    #[error("shutting down")]
    ShuttingDown,
}

/// The future returned by [`IngestSink::submit`]: the sequence number of the batch's last
/// record once the whole batch is durable.
pub type SinkFuture<'a> = Pin<Box<dyn Future<Output = Result<u64, IngestError>> + Send + 'a>>;

/// Where collectors send what they receive.
///
/// `submit` resolves only when every record of the batch is in the write-ahead log; only then
/// may a collector acknowledge the input (answer HTTP 200, read further from a TCP stream).
pub trait IngestSink: Send + Sync + 'static {
    /// Appends a batch durably.
    fn submit(&self, batch: Vec<RawRecord>) -> SinkFuture<'_>;

    /// Counts input that was refused before it became a record (oversized frame, bad
    /// framing, undecodable body), with a short reason for the log and metrics.
    fn rejected(&self, source: &str, reason: &'static str);
}
