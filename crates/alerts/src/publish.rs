//! Sending queued OCSF Detection Findings into the pipeline, through the same ingest path as
//! any other event, each to the event store of its alert's tenant.

use crate::ocsf::FINDING_SOURCE;
use crate::service::DetectionService;
use palisade_core::{time, IngestError, IngestSink, PayloadFormat, RawRecord, Transport};
use std::sync::Arc;
use std::time::Duration;

/// The most findings sent in one batch.
const BATCH: usize = 500;
/// How long to wait before trying again after a failure.
const RETRY: Duration = Duration::from_secs(1);
/// How often the outbox is looked at when nothing wakes the publisher.
const IDLE_CHECK: Duration = Duration::from_secs(5);

impl DetectionService {
    /// Sends every queued finding (left over from before a restart, and each new one) to
    /// `sink`, on a task of the current tokio runtime. A finding leaves the queue once the
    /// sink has made it durable.
    pub fn publish_findings(self: &Arc<Self>, sink: Arc<dyn IngestSink>) {
        tokio::spawn(publish(self.clone(), sink));
    }
}

async fn publish(service: Arc<DetectionService>, sink: Arc<dyn IngestSink>) {
    // The last finding the sink took: never sent twice, even when removing it failed.
    let mut sent_through = 0;
    loop {
        let reader = service.clone();
        let queued =
            tokio::task::spawn_blocking(move || reader.store.queued_findings(sent_through, BATCH))
                .await;
        let entries = match queued {
            Ok(Ok(entries)) => entries,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot read the queued findings");
                tokio::time::sleep(RETRY).await;
                continue;
            }
            Err(_) => return,
        };
        let Some(last) = entries.last().map(|e| e.seq) else {
            let _ = tokio::time::timeout(IDLE_CHECK, service.findings_queued.notified()).await;
            continue;
        };
        let now = time::now_ms();
        let batch = entries
            .into_iter()
            .map(|entry| RawRecord {
                tenant: entry.tenant,
                source: FINDING_SOURCE.into(),
                transport: Transport::Http,
                format: PayloadFormat::Json,
                received_ms: now,
                peer: None,
                payload: entry.payload.into_bytes(),
            })
            .collect();
        match sink.submit(batch).await {
            Ok(_) => {
                sent_through = last;
                let store = service.clone();
                let sent =
                    tokio::task::spawn_blocking(move || store.store.sent_findings(last)).await;
                if let Ok(Err(e)) = sent {
                    tracing::warn!(error = %e, "sent findings stay queued until the next start");
                }
            }
            Err(IngestError::ShuttingDown) => return,
            Err(e) => {
                tracing::warn!(error = %e, "findings not sent to the pipeline; retrying");
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}
