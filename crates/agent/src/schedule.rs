//! When a periodic task is due: every `interval`, plus a random delay of up to `jitter` so
//! that many agents started together do not all run at the same moment.

use rand::Rng;
use std::time::{Duration, Instant};

/// The next run of one periodic task.
#[derive(Debug, Clone)]
pub struct Schedule {
    interval: Duration,
    jitter: Duration,
    next: Instant,
}

impl Schedule {
    /// A schedule whose first run is due after a random part of `jitter` from `now`.
    pub fn starting(now: Instant, interval: Duration, jitter: Duration) -> Schedule {
        Schedule {
            interval,
            jitter,
            next: now + random_up_to(jitter),
        }
    }

    /// Whether the task is due at `now`.
    pub fn due(&self, now: Instant) -> bool {
        now >= self.next
    }

    /// Moves the next run to one interval (plus jitter) after `now`.
    pub fn done(&mut self, now: Instant) {
        self.next = now + self.interval + random_up_to(self.jitter);
    }
}

fn random_up_to(limit: Duration) -> Duration {
    let millis = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
    if millis == 0 {
        return Duration::ZERO;
    }
    Duration::from_millis(rand::thread_rng().gen_range(0..=millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_once_per_interval_within_the_jitter() {
        let start = Instant::now();
        let mut s = Schedule::starting(start, Duration::from_secs(60), Duration::ZERO);
        assert!(s.due(start));
        s.done(start);
        assert!(!s.due(start + Duration::from_secs(59)));
        assert!(s.due(start + Duration::from_secs(60)));
        let jittered = Schedule::starting(start, Duration::from_secs(60), Duration::from_secs(5));
        assert!(jittered.due(start + Duration::from_secs(5)));
        assert!(jittered.next <= start + Duration::from_secs(5));
    }
}
