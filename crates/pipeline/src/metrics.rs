//! Per-source counters and pipeline gauges, rendered in the Prometheus text format.
//!
//! Counters are plain atomics behind one map lookup per batch (not per event), so counting
//! costs nothing measurable on the ingest path.

use palisade_core::{fields, Event, RawRecord};
use palisade_store::DurableBatch;
use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{
        atomic::{AtomicI64, AtomicU64, Ordering::Relaxed},
        Arc, Mutex,
    },
};

/// Counters of one source (`syslog-udp`, `syslog-tcp`, `syslog-tls`, `http`, …).
#[derive(Debug, Default)]
pub struct SourceCounters {
    /// Records handed to the write-ahead log.
    pub received: AtomicU64,
    /// Records a parser understood.
    pub parsed: AtomicU64,
    /// Records kept with `unparsed = true`.
    pub unparsed: AtomicU64,
    /// Events inserted into the event store (searchable).
    pub stored: AtomicU64,
    /// Lines an `aggregate` step folded into an earlier event of their source (counted in
    /// that event's `count`, not stored as events of their own).
    pub aggregated: AtomicU64,
    /// Input refused before it became a record, by reason.
    pub dropped: Mutex<BTreeMap<&'static str, u64>>,
    /// When the source last sent anything, epoch ms.
    pub last_seen_ms: AtomicI64,
}

/// All of the pipeline's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    sources: Mutex<BTreeMap<String, Arc<SourceCounters>>>,
    /// Sequence number of the newest record inserted into the store.
    inserted_seq: AtomicU64,
    /// How long the newest inserted record waited between receipt and insertion, ms.
    lag_ms: AtomicI64,
}

/// Gauges read from elsewhere at scrape time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauges {
    /// Bytes of write-ahead log on disk.
    pub wal_bytes: u64,
    /// Events in memory waiting for the next segment.
    pub memtable_events: u64,
    /// Bytes of event segments on disk.
    pub store_bytes: u64,
    /// Highest event id in segments.
    pub committed_seq: u64,
}

impl Metrics {
    /// The counters of `source`, created on first use.
    pub fn source(&self, source: &str) -> Arc<SourceCounters> {
        let mut map = self.sources.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = map.get(source) {
            return c.clone();
        }
        let c = Arc::new(SourceCounters::default());
        map.insert(source.to_owned(), c.clone());
        c
    }

    /// Counts records handed to the log (one counter update per run of records from the
    /// same source, not per record).
    pub fn count_received(&self, batch: &[RawRecord]) {
        let now = palisade_core::time::now_ms();
        for run in batch.chunk_by(|a, b| a.source == b.source) {
            let c = self.source(&run[0].source);
            c.received.fetch_add(run.len() as u64, Relaxed);
            c.last_seen_ms.store(now, Relaxed);
        }
    }

    /// Counts parsed, unparsed and stored events (every event is stored, parsed or not).
    pub fn count_parsed(&self, events: &[Event]) {
        // One pass over each event's fields finds both its source and its unparsed mark.
        let mut run: Option<(&str, u64, u64)> = None;
        for event in events {
            let (source, unparsed) = source_and_unparsed(event);
            match &mut run {
                Some((current, total, unparsed_in_run)) if *current == source => {
                    *total += 1;
                    *unparsed_in_run += u64::from(unparsed);
                }
                _ => {
                    if let Some(done) = run.take() {
                        self.count_run(done);
                    }
                    run = Some((source, 1, u64::from(unparsed)));
                }
            }
        }
        if let Some(done) = run {
            self.count_run(done);
        }
    }

    /// Adds a run of events of one source: `(source, events, unparsed among them)`.
    fn count_run(&self, (source, events, unparsed): (&str, u64, u64)) {
        let c = self.source(source);
        c.parsed.fetch_add(events - unparsed, Relaxed);
        c.unparsed.fetch_add(unparsed, Relaxed);
        c.stored.fetch_add(events, Relaxed);
    }

    /// Counts lines folded into an aggregate: part of another stored event, not stored
    /// as events of their own.
    pub fn count_aggregated(&self, source: &str, lines: u64) {
        let c = self.source(source);
        c.aggregated.fetch_add(lines, Relaxed);
        c.stored.fetch_sub(lines, Relaxed);
    }

    /// Counts input refused before it became a record.
    pub fn count_dropped(&self, source: &str, reason: &'static str) {
        let c = self.source(source);
        *c.dropped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(reason)
            .or_default() += 1;
    }

    /// Notes the newest record inserted into the store (for the lag gauges).
    pub fn note_inserted(&self, batch: &DurableBatch) {
        if let Some(last) = batch.records.last() {
            let seq = batch.first_seq + batch.records.len() as u64 - 1;
            self.inserted_seq.store(seq, Relaxed);
            let lag = palisade_core::time::now_ms() - last.received_ms;
            self.lag_ms.store(lag.max(0), Relaxed);
        }
    }

    /// Renders every metric in the Prometheus text exposition format.
    pub fn render(&self, gauges: Gauges) -> String {
        let mut out = String::with_capacity(4096);
        let sources = self
            .sources
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let counters: [(&str, &str, CounterReader); 5] = [
            (
                "palisade_events_received_total",
                "Records received and written to the write-ahead log.",
                |c| c.received.load(Relaxed),
            ),
            (
                "palisade_events_parsed_total",
                "Records a parser understood.",
                |c| c.parsed.load(Relaxed),
            ),
            (
                "palisade_events_unparsed_total",
                "Records kept with unparsed=true.",
                |c| c.unparsed.load(Relaxed),
            ),
            (
                "palisade_events_stored_total",
                "Events inserted into the event store.",
                |c| c.stored.load(Relaxed),
            ),
            (
                "palisade_events_aggregated_total",
                "Lines folded into an earlier event's count by an aggregate step.",
                |c| c.aggregated.load(Relaxed),
            ),
        ];
        for (name, help, read) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (src, c) in &sources {
                let _ = writeln!(out, "{name}{{source=\"{}\"}} {}", escape(src), read(c));
            }
        }
        let name = "palisade_events_dropped_total";
        let _ = writeln!(
            out,
            "# HELP {name} Input refused before it became a record.\n# TYPE {name} counter"
        );
        for (src, c) in &sources {
            for (reason, n) in c.dropped.lock().unwrap_or_else(|p| p.into_inner()).iter() {
                let _ = writeln!(
                    out,
                    "{name}{{source=\"{}\",reason=\"{reason}\"}} {n}",
                    escape(src)
                );
            }
        }
        let name = "palisade_source_last_seen_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} When the source last sent anything (Unix time).\n# TYPE {name} gauge"
        );
        for (src, c) in &sources {
            let _ = writeln!(
                out,
                "{name}{{source=\"{}\"}} {:.3}",
                escape(src),
                c.last_seen_ms.load(Relaxed) as f64 / 1000.0
            );
        }
        let lag_s = self.lag_ms.load(Relaxed) as f64 / 1000.0;
        let gauges: [(&str, &str, f64); 6] = [
            (
                "palisade_wal_bytes",
                "Bytes of write-ahead log on disk.",
                gauges.wal_bytes as f64,
            ),
            (
                "palisade_store_bytes",
                "Bytes of event segments on disk.",
                gauges.store_bytes as f64,
            ),
            (
                "palisade_memtable_events",
                "Events in memory waiting for the next segment.",
                gauges.memtable_events as f64,
            ),
            (
                "palisade_committed_seq",
                "Highest event id written to segments.",
                gauges.committed_seq as f64,
            ),
            (
                "palisade_pipeline_inserted_seq",
                "Highest event id inserted into the store.",
                self.inserted_seq.load(Relaxed) as f64,
            ),
            (
                "palisade_pipeline_lag_seconds",
                "Time the newest inserted record waited between receipt and insertion.",
                lag_s,
            ),
        ];
        for (name, help, v) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        out
    }
}

/// Appends the gauges of the tenants whose events are held back because their storage key
/// cannot seal them (one series per tenant; none while every tenant flushes).
pub fn render_held(out: &mut String, held: &[palisade_store::HeldTenant]) {
    let series: [(&str, &str, HeldReader); 2] = [
        (
            "palisade_store_held_events",
            "Events of a tenant kept in memory and the write-ahead log because its storage key cannot seal them.",
            |h| h.events,
        ),
        (
            "palisade_store_held_flush_attempts",
            "Flushes in a row that could not write a held-back tenant's events.",
            |h| h.attempts,
        ),
    ];
    for (name, help, read) in series {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for h in held {
            let _ = writeln!(
                out,
                "{name}{{tenant=\"{}\"}} {}",
                escape(&h.tenant),
                read(h)
            );
        }
    }
}

/// The source an event came through, for its counters.
/// The event's source (its `metadata.log_name`, `unknown` without one) and whether it is
/// marked unparsed.
fn source_and_unparsed(event: &Event) -> (&str, bool) {
    let (mut source, mut unparsed) = (None, false);
    for (path, value) in &event.fields {
        match path.as_ref() {
            fields::LOG_NAME if source.is_none() => source = Some(value.as_str()),
            fields::UNPARSED => unparsed = true,
            _ => {}
        }
    }
    (source.flatten().unwrap_or("unknown"), unparsed)
}

/// Reads one gauge of a held-back tenant.
type HeldReader = fn(&palisade_store::HeldTenant) -> u64;

/// Reads one counter of a source.
type CounterReader = fn(&SourceCounters) -> u64;

/// Escapes a label value for the text format.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
