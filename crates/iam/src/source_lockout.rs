//! Lockout per source address: failed logins from one address are counted across every
//! account, so password spraying (one guess against many accounts) locks the address out with
//! the same back-off as an account.

use crate::{now_ms, Iam, IamError};
use palisade_state::rusqlite::{params, OptionalExtension};
use std::net::IpAddr;

/// The lockout length after `failures` failures against a `threshold`: `base` doubled for
/// every failure past the threshold, at most `max`; 0 below the threshold.
pub(crate) fn backoff_ms(failures: i64, threshold: i64, base: u64, max: u64) -> i64 {
    if failures < threshold {
        return 0;
    }
    let doublings = u32::try_from((failures - threshold).min(40)).unwrap_or(40);
    let base = i64::try_from(base).unwrap_or(i64::MAX);
    let max = i64::try_from(max).unwrap_or(i64::MAX);
    base.saturating_mul(1i64 << doublings).min(max)
}

/// The key a source address is counted under (an IPv4-mapped IPv6 address as IPv4).
fn source_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4).to_string(),
        v4 => v4.to_string(),
    }
}

impl Iam {
    /// How much longer logins from `source` are refused, in ms (`None`: not locked out).
    pub fn source_locked_for(&self, source: IpAddr) -> Result<Option<i64>, IamError> {
        let until: Option<i64> = self.store.with(|c| {
            c.query_row(
                "SELECT locked_until_ms FROM iam_source_failures WHERE source = ?1",
                [source_key(source)],
                |r| r.get(0),
            )
            .optional()
        })?;
        let now = now_ms();
        Ok(until.filter(|u| *u > now).map(|u| u - now))
    }

    /// Refuses a login from a locked-out source before any password is checked.
    pub(crate) fn check_source(&self, source: Option<IpAddr>) -> Result<(), IamError> {
        if self.config.source_lockout_threshold == 0 {
            return Ok(());
        }
        match source.map(|ip| self.source_locked_for(ip)).transpose()? {
            Some(Some(ms)) => Err(IamError::SourceLocked(ms)),
            _ => Ok(()),
        }
    }

    /// Counts a failed login from `source`; from `source_lockout_threshold` failures within
    /// `source_lockout_window` of each other on, the address is locked out with back-off.
    pub(crate) fn note_source_failure(&self, source: Option<IpAddr>) -> Result<(), IamError> {
        let threshold = i64::from(self.config.source_lockout_threshold);
        let Some(ip) = source.filter(|_| threshold > 0) else {
            return Ok(());
        };
        let key = source_key(ip);
        let now = now_ms();
        let window = i64::try_from(self.config.source_lockout_window.0).unwrap_or(i64::MAX);
        self.store.with(|c| {
            let previous: Option<(i64, i64)> = c
                .query_row(
                    "SELECT failures, last_ms FROM iam_source_failures WHERE source = ?1",
                    [&key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let failures = match previous {
                Some((n, last)) if now.saturating_sub(last) < window => n.saturating_add(1),
                _ => 1,
            };
            let length = backoff_ms(
                failures,
                threshold,
                self.config.lockout_base.0,
                self.config.lockout_max.0,
            );
            let locked_until = if length > 0 {
                now.saturating_add(length)
            } else {
                0
            };
            c.execute(
                "INSERT INTO iam_source_failures (source, failures, last_ms, locked_until_ms)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(source) DO UPDATE SET failures = excluded.failures,
                     last_ms = excluded.last_ms, locked_until_ms = excluded.locked_until_ms",
                params![key, failures, now, locked_until],
            )
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn backoff_doubles_from_the_threshold_up_to_the_cap() {
        assert_eq!(backoff_ms(2, 3, 100, 1_000), 0);
        assert_eq!(backoff_ms(3, 3, 100, 1_000), 100);
        assert_eq!(backoff_ms(4, 3, 100, 1_000), 200);
        assert_eq!(backoff_ms(9, 3, 100, 1_000), 1_000);
        assert_eq!(backoff_ms(i64::MAX, 1, u64::MAX, u64::MAX), i64::MAX);
    }
}
