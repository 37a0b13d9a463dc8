//! A test sink that collects what the collectors hand it, and helpers to wait for it.
// Each test binary compiles this module and uses only some of the helpers.
#![allow(dead_code)]

use palisade_core::{IngestError, IngestSink, RawRecord, SinkFuture, TenantId};
use palisade_ingest::SyslogOptions;
use std::{
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

/// Collects submitted records and rejections; can be told to fail.
#[derive(Default)]
pub struct CollectingSink {
    pub records: Mutex<Vec<RawRecord>>,
    pub rejected: Mutex<Vec<(String, &'static str)>>,
    pub batches: AtomicUsize,
    pub fail: AtomicBool,
}

impl IngestSink for CollectingSink {
    fn submit(&self, batch: Vec<RawRecord>) -> SinkFuture<'_> {
        Box::pin(async move {
            if self.fail.load(Ordering::SeqCst) {
                return Err(IngestError::Unavailable("test sink told to fail".into()));
            }
            self.batches.fetch_add(1, Ordering::SeqCst);
            let mut records = self.records.lock().expect("lock");
            records.extend(batch);
            Ok(records.len() as u64)
        })
    }

    fn rejected(&self, source: &str, reason: &'static str) {
        self.rejected
            .lock()
            .expect("lock")
            .push((source.to_owned(), reason));
    }
}

impl CollectingSink {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Payloads received so far, as lossy text.
    pub fn payloads(&self) -> Vec<String> {
        self.records
            .lock()
            .expect("lock")
            .iter()
            .map(|r| String::from_utf8_lossy(&r.payload).into_owned())
            .collect()
    }

    pub fn rejections(&self) -> Vec<&'static str> {
        self.rejected
            .lock()
            .expect("lock")
            .iter()
            .map(|(_, r)| *r)
            .collect()
    }

    /// Waits (up to 5 s) until `done` holds for the sink.
    pub async fn wait_until(&self, what: &str, done: impl Fn(&Self) -> bool) {
        for _ in 0..500 {
            if done(self) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "timed out waiting for {what}; records {:?}, rejected {:?}",
            self.payloads(),
            self.rejections()
        );
    }

    pub async fn wait_records(&self, n: usize) -> Vec<String> {
        self.wait_until(&format!("{n} records"), |s| s.payloads().len() >= n)
            .await;
        self.payloads()
    }
}

pub fn options(max_message_bytes: usize, max_connections: usize) -> SyslogOptions {
    SyslogOptions {
        tenant: TenantId::new("acme").expect("valid tenant"),
        max_message_bytes,
        max_connections,
        idle_timeout: std::time::Duration::from_secs(600),
    }
}
