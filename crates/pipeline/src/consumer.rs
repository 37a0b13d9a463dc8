//! The consumer: durable batches in, parsed events into the store, segments out.

use crate::{aggregate::Aggregation, metrics::Metrics, Pipeline};
use palisade_core::{config::StorageConfig, Detector, Event, RawRecord};
use palisade_parse::{template::TemplateRegistry, ParserChains, Verdict};
use palisade_store::{DurableBatch, EventStore, Wal};
use std::{sync::Arc, time::Instant};
use tokio::sync::mpsc::Receiver;

/// Parses one record (its payload moves into the event) and runs the operator's parser
/// chains; `None` when a chain dropped it (counted per source as dropped by `filter`).
fn parse_one(
    seq: u64,
    rec: &mut RawRecord,
    chains: &ParserChains,
    metrics: &Metrics,
) -> Option<Event> {
    let mut event = palisade_parse::parse_record_taking_payload(seq, rec);
    match chains.apply(&rec.source, &mut event) {
        Verdict::Keep => Some(event),
        Verdict::Drop => {
            metrics.count_dropped(&rec.source, "filter");
            None
        }
    }
}

/// What happens to a record after it is durable: parser chains, templates, detection.
pub(crate) struct Stages<'a> {
    pub chains: &'a ParserChains,
    pub metrics: &'a Metrics,
    pub templates: &'a TemplateRegistry,
    pub detector: Option<&'a dyn Detector>,
    pub aggregation: &'a Aggregation,
}

impl Stages<'_> {
    /// Template annotation, counting and detection of parsed events about to be stored.
    fn finish(&self, events: &mut [Event]) {
        self.templates.annotate(events);
        self.metrics.count_parsed(events);
        if let Some(detector) = self.detector {
            detector.inspect(events);
        }
    }

    /// Stores finished events (after the aggregation stage); `through` is the seq of the
    /// last record they came from.
    fn store(&self, store: &EventStore, events: Vec<Event>, through: u64) {
        self.aggregation
            .insert(store, self.chains, self.metrics, events, through);
    }
}

/// Parses one batch of consecutive records (the first has sequence number `first_seq`).
/// Unparsed events get their tenant's template; then detection sees them.
fn parse_batch(first_seq: u64, records: &mut [RawRecord], stages: &Stages<'_>) -> Vec<Event> {
    let mut events: Vec<Event> = records
        .iter_mut()
        .zip(first_seq..)
        .filter_map(|(rec, seq)| parse_one(seq, rec, stages.chains, stages.metrics))
        .collect();
    stages.finish(&mut events);
    events
}

/// Re-inserts every record of the log that is not in a segment yet (those after the
/// committed seq, and a held-back tenant's below it); returns how many records that was.
pub(crate) fn replay(wal: &Wal, store: &EventStore, stages: &Stages<'_>) -> anyhow::Result<u64> {
    const CHUNK: usize = 8192;
    let mut pending: Vec<Event> = Vec::with_capacity(CHUNK);
    let mut count = 0;
    let mut last_seq = 0;
    wal.replay(store.replay_after(), |seq, mut rec| {
        if !store.needs_replay(seq, &rec.tenant) {
            return;
        }
        count += 1;
        last_seq = seq;
        pending.extend(parse_one(seq, &mut rec, stages.chains, stages.metrics));
        if pending.len() == CHUNK {
            stages.finish(&mut pending);
            stages.store(store, std::mem::take(&mut pending), last_seq);
        }
    })?;
    stages.finish(&mut pending);
    stages.store(store, pending, last_seq);
    Ok(count)
}

/// How many flushes' worth of events may wait in memory while a flush is running.
const MEMTABLE_LIMIT_FLUSHES: usize = 4;

/// Starts the consumer task: parse and insert every durable batch, flush on size or age.
pub(crate) fn spawn(
    pipeline: Arc<Pipeline>,
    mut durable: Receiver<DurableBatch>,
    cfg: StorageConfig,
) {
    tokio::spawn(async move {
        let interval = cfg.flush_interval.as_std();
        let mut last_flush = Instant::now();
        let mut last_retention = Instant::now();
        loop {
            if pipeline.aggregation.is_due() {
                tokio::task::block_in_place(|| pipeline.aggregation.expire(&pipeline.store));
            }
            let wait = interval.saturating_sub(last_flush.elapsed());
            let wait = pipeline.aggregation.wait_at_most(wait);
            match tokio::time::timeout(wait, durable.recv()).await {
                Ok(Some(mut batch)) => {
                    let p = pipeline.clone();
                    tokio::task::block_in_place(|| {
                        let chains = p.chains();
                        let stages = Stages {
                            chains: &chains,
                            metrics: &p.metrics,
                            templates: &p.templates,
                            detector: p.detector.as_deref(),
                            aggregation: &p.aggregation,
                        };
                        let events = parse_batch(batch.first_seq, &mut batch.records, &stages);
                        p.metrics.note_inserted(&batch);
                        let last_seq = batch.first_seq + batch.records.len() as u64;
                        stages.store(&p.store, events, last_seq.saturating_sub(1));
                    });
                    // Gives the batch's share of the queue's byte budget back to the writer.
                    drop(batch);
                    if pipeline.store.flushable_len() >= cfg.flush_events {
                        pipeline.flush_in_background();
                        last_flush = Instant::now();
                    }
                    // Memory stays bounded: while a slow flush runs, stop taking batches
                    // (the log's writer, then the senders, wait in turn).
                    while pipeline.store.flushable_len()
                        >= MEMTABLE_LIMIT_FLUSHES * cfg.flush_events
                        && pipeline.is_flushing()
                    {
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    }
                }
                Ok(None) => {
                    pipeline.flush();
                    return;
                }
                Err(_elapsed) => {
                    if last_flush.elapsed() < interval {
                        continue; // woken for an aggregate's window, not for a flush
                    }
                    if let Some(detector) = &pipeline.detector {
                        let now = palisade_core::time::now_ms();
                        tokio::task::block_in_place(|| detector.tick(now));
                    }
                    pipeline.flush_in_background();
                    last_flush = Instant::now();
                }
            }
            if last_retention.elapsed() >= cfg.retention_interval.as_std() {
                retention(&pipeline);
                last_retention = Instant::now();
            }
        }
    });
}

/// Applies the retention policy once.
fn retention(pipeline: &Pipeline) {
    let now = palisade_core::time::now_ms();
    match tokio::task::block_in_place(|| pipeline.store.apply_retention(now)) {
        Ok(report) if !report.deleted_partitions.is_empty() => tracing::info!(
            partitions = ?report.deleted_partitions,
            freed_bytes = report.freed_bytes,
            "retention deleted expired partitions"
        ),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "retention failed"),
    }
}
