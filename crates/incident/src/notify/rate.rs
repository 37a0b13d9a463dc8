//! Per-channel rate limits: a token bucket of `per_minute` tokens refilled evenly, so a storm
//! of incidents cannot flood a channel; what exceeds the rate waits in the queue.

use palisade_core::incident_config::ChannelConfig;
use std::collections::HashMap;

struct Bucket {
    per_minute: f64,
    tokens: f64,
    updated_ms: i64,
}

/// The buckets of every channel.
pub struct Limits {
    buckets: HashMap<String, Bucket>,
}

impl Limits {
    /// Full buckets for every rate-limited channel.
    pub fn new(channels: &[ChannelConfig]) -> Limits {
        let buckets = channels
            .iter()
            .filter(|c| c.per_minute > 0)
            .map(|c| {
                let rate = f64::from(c.per_minute);
                let bucket = Bucket {
                    per_minute: rate,
                    tokens: rate,
                    updated_ms: i64::MIN,
                };
                (c.name.clone(), bucket)
            })
            .collect();
        Limits { buckets }
    }

    /// Takes a token for `channel` at `now`; when none is left, the time one will be.
    pub fn take(&mut self, channel: &str, now: i64) -> Result<(), i64> {
        let Some(bucket) = self.buckets.get_mut(channel) else {
            return Ok(());
        };
        if bucket.updated_ms != i64::MIN {
            let elapsed = now.saturating_sub(bucket.updated_ms).max(0) as f64;
            bucket.tokens =
                (bucket.tokens + elapsed * bucket.per_minute / 60_000.0).min(bucket.per_minute);
        }
        bucket.updated_ms = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = ((1.0 - bucket.tokens) * 60_000.0 / bucket.per_minute).ceil() as i64;
        Err(now + wait.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::incident_config::ChannelTarget;

    #[test]
    fn a_burst_beyond_the_rate_waits_for_refill() {
        let channel = ChannelConfig {
            name: "hook".into(),
            target: ChannelTarget::Syslog {
                address: "127.0.0.1:514".parse().unwrap(),
                transport: Default::default(),
            },
            per_minute: 2,
            max_attempts: 3,
            backoff: palisade_core::config::Duration(1000),
        };
        let mut limits = Limits::new(&[channel]);
        assert!(limits.take("hook", 0).is_ok());
        assert!(limits.take("hook", 0).is_ok());
        let free_at = limits.take("hook", 0).unwrap_err();
        assert_eq!(free_at, 30_000);
        assert!(limits.take("hook", 30_000).is_ok());
        assert!(limits.take("other", 0).is_ok(), "unlimited channels pass");
    }
}
