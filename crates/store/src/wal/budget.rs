//! A bound on the bytes of durable batches waiting for the consumer.
//!
//! The queue between the log's writer and the consumer used to be bounded by batches only,
//! and one batch can be a single record or a megabyte read from a busy connection: 64 large
//! batches held hundreds of megabytes. The writer now holds a share of a byte budget for each
//! batch it hands on, and the share is given back when the consumer drops the batch; while
//! the budget is spent the writer waits (and, behind it, the senders).

use std::sync::{Arc, Condvar, Mutex};

/// Bytes of queued durable batches (payloads plus a fixed cost per record) the writer may
/// have handed on and the consumer not yet finished.
pub(super) const QUEUED_BYTES: usize = 32 << 20;

/// The budget shared by the writer and the batches it hands on.
#[derive(Debug)]
pub(super) struct ByteBudget {
    limit: usize,
    in_use: Mutex<usize>,
    freed: Condvar,
}

impl ByteBudget {
    /// A budget of `limit` bytes.
    pub(super) fn new(limit: usize) -> Arc<Self> {
        Arc::new(ByteBudget {
            limit,
            in_use: Mutex::new(0),
            freed: Condvar::new(),
        })
    }

    /// Waits until `bytes` fit in the budget, then holds them until the share is dropped. A
    /// share larger than the whole budget waits for an empty queue, so it never waits forever.
    pub(super) fn hold(self: &Arc<Self>, bytes: usize) -> Share {
        let mut in_use = self.in_use.lock().unwrap_or_else(|e| e.into_inner());
        while *in_use > 0 && *in_use + bytes > self.limit {
            in_use = self.freed.wait(in_use).unwrap_or_else(|e| e.into_inner());
        }
        *in_use += bytes;
        Share {
            budget: Some(self.clone()),
            bytes,
        }
    }

    #[cfg(test)]
    fn in_use(&self) -> usize {
        *self.in_use.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A held part of a [`ByteBudget`], given back on drop. A clone holds nothing.
#[derive(Debug, Default)]
pub(super) struct Share {
    budget: Option<Arc<ByteBudget>>,
    bytes: usize,
}

impl Clone for Share {
    fn clone(&self) -> Self {
        Share::default()
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        if let Some(budget) = self.budget.take() {
            let mut in_use = budget.in_use.lock().unwrap_or_else(|e| e.into_inner());
            *in_use = in_use.saturating_sub(self.bytes);
            budget.freed.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_full_budget_waits_until_a_share_is_dropped() {
        let budget = ByteBudget::new(100);
        let first = budget.hold(60);
        let copy = first.clone();
        drop(copy);
        assert_eq!(budget.in_use(), 60, "a clone gives nothing back");
        let waiting = {
            let budget = budget.clone();
            std::thread::spawn(move || budget.hold(50))
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiting.is_finished(), "60 + 50 bytes exceed the budget");
        drop(first);
        let second = waiting.join().unwrap();
        assert_eq!(budget.in_use(), 50);
        drop(second);
        let _oversized = budget.hold(500);
        assert_eq!(budget.in_use(), 500, "an empty queue takes any batch");
    }
}
