//! The detector seam: a pipeline stage that looks at every parsed event before it is stored.
//!
//! The pipeline holds an optional [`Detector`] and hands it each batch of parsed events, in
//! sequence order, live and during write-ahead-log replay alike. The pipeline does not know
//! what the detector does (Sigma rules, correlation, alerts); the detection crates do not
//! know how events arrive.

use crate::event::Event;

/// A pipeline stage that inspects parsed events (detection). Called on the pipeline's
/// consumer thread: an implementation must not block for long.
pub trait Detector: Send + Sync + 'static {
    /// Inspects a batch of parsed events, in increasing event id order. During replay after
    /// a crash the same events may be inspected again; an implementation must not raise
    /// twice for them.
    fn inspect(&self, events: &[Event]);

    /// Tells the detector that wall-clock time is now `now_ms` while no events arrive, so
    /// time-windowed state can close windows on a quiet stream.
    fn tick(&self, now_ms: i64);
}
