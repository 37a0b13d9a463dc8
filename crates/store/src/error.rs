//! The store's error type.

use std::path::PathBuf;

/// Why a store operation failed. Every variant names the file involved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A file's contents are damaged or not in a format this version writes.
    #[error("{path}: corrupt: {detail}")]
    Corrupt {
        /// The damaged file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The sealer refused to seal or open a block.
    #[error("{path}: sealing: {detail}")]
    Seal {
        /// The segment file.
        path: PathBuf,
        /// What the sealer said.
        detail: String,
    },
    /// An earlier flush failed half-way and could not clean up after itself; restart to recover
    /// (the write-ahead log still holds the events).
    #[error("store is failed after an unrecoverable flush error: {0}")]
    Failed(String),
}

impl StoreError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }

    /// A corruption found in `path`.
    pub fn corrupt(path: impl Into<PathBuf>, detail: impl Into<String>) -> Self {
        StoreError::Corrupt {
            path: path.into(),
            detail: detail.into(),
        }
    }
}
