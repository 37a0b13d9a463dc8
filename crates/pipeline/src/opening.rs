//! Opening the write-ahead log: at once when its keys are at hand, else once the key service
//! is unsealed. Until the log is open the pipeline refuses input (it never writes a received
//! record in the clear when the log is to be sealed) and replays nothing.

use crate::{consumer, Pipeline};
use palisade_core::{
    config::{StorageConfig, WalConfig},
    wal_seal::WalKeys,
};
use palisade_store::Wal;
use std::{path::PathBuf, sync::Arc, time::Duration};

/// How often a pipeline waiting for its log's keys looks again.
const KEY_POLL: Duration = Duration::from_millis(500);

/// What opening the log needs.
pub(crate) struct WalOpening {
    pub dir: PathBuf,
    pub wal: WalConfig,
    pub storage: StorageConfig,
    pub keys: Option<Arc<dyn WalKeys>>,
}

impl WalOpening {
    /// Why the log cannot be opened now, if it cannot.
    pub fn unavailable(&self) -> Option<String> {
        self.keys.as_ref().and_then(|k| k.unavailable())
    }
}

impl Pipeline {
    /// Opens the log, replays what the last run had not written to segments, and starts the
    /// consumer; the pipeline is ready afterwards.
    pub(crate) fn open_wal(self: &Arc<Self>, opening: &WalOpening) -> anyhow::Result<()> {
        let committed = self.store.committed_seq();
        let (wal, durable) =
            Wal::open_with(&opening.dir, &opening.wal, committed, opening.keys.clone())?;
        let chains = self.chains();
        let stages = consumer::Stages {
            chains: &chains,
            metrics: &self.metrics,
            templates: &self.templates,
            detector: self.detector.as_deref(),
            aggregation: &self.aggregation,
        };
        let replayed = consumer::replay(&wal, &self.store, &stages)?;
        if replayed > 0 {
            tracing::info!(
                replayed,
                "replayed acknowledged events from the write-ahead log"
            );
        }
        if self.wal.set(wal).is_err() {
            anyhow::bail!("the write-ahead log was opened twice");
        }
        consumer::spawn(self.clone(), durable, opening.storage.clone());
        self.set_waiting(None);
        self.ready.store(true, std::sync::atomic::Ordering::Release);
        Ok(())
    }
}

/// Waits until the log's keys are available (the key service is unsealed), then opens it.
/// A failure while keys are available (a damaged or altered file, a destroyed key) is not
/// retried: the pipeline stays not ready with that reason until the operator acts.
pub(crate) async fn open_when_available(pipeline: Arc<Pipeline>, opening: WalOpening) {
    loop {
        tokio::time::sleep(KEY_POLL).await;
        if opening.unavailable().is_some() {
            continue;
        }
        let opened = tokio::task::block_in_place(|| pipeline.open_wal(&opening));
        match opened {
            Ok(()) => {
                tracing::info!("key service unsealed: write-ahead log open, input accepted");
                return;
            }
            Err(e) if opening.unavailable().is_some() => {
                tracing::warn!(error = %e, "write-ahead log not opened; waiting for the key service");
            }
            Err(e) => {
                tracing::error!(
                    error = %e,
                    "cannot open the write-ahead log; input stays refused (restart after fixing)"
                );
                pipeline.set_waiting(Some(format!("cannot open the write-ahead log: {e:#}")));
                return;
            }
        }
    }
}
