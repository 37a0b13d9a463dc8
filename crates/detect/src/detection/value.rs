//! Compiled tests on one value: strings with wildcards, regular expressions, numeric and
//! time-part comparisons, and CIDR ranges.

use super::pattern::StringMatcher;
use chrono::{DateTime, Datelike, NaiveDateTime, Timelike};
use regex::Regex;
use std::net::IpAddr;

/// A numeric comparison (`lt`, `lte`, `gt`, `gte`, or equality for time parts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Comparison {
    /// Equal.
    Eq,
    /// Less than.
    Lt,
    /// Less than or equal.
    Lte,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Gte,
}

impl Comparison {
    fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Comparison::Eq => left == right,
            Comparison::Lt => left < right,
            Comparison::Lte => left <= right,
            Comparison::Gt => left > right,
            Comparison::Gte => left >= right,
        }
    }
}

/// The part of a date-time that a time modifier extracts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimePart {
    /// Minute of the hour, 0-59.
    Minute,
    /// Hour of the day, 0-23.
    Hour,
    /// Day of the month, 1-31.
    Day,
    /// ISO week of the year, 1-53.
    Week,
    /// Month, 1-12.
    Month,
    /// Year.
    Year,
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, PartialEq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Reads `10.0.0.0/8`, `2001:db8::/32` or a bare address (a /32 or /128).
    pub fn parse(text: &str) -> Result<Self, String> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.trim(), None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| format!("cidr: {text:?} is not an IPv4 or IPv6 network"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("cidr: prefix length in {text:?} must be 0 to {max}"))?,
            None => max,
        };
        Ok(Cidr { network, prefix })
    }

    /// True when `ip` lies inside the network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        fn masked(bits: u128, width: u32, prefix: u8) -> u128 {
            if prefix == 0 {
                0
            } else {
                bits >> (width - u32::from(prefix))
            }
        }
        match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                masked(u32::from(n).into(), 32, self.prefix)
                    == masked(u32::from(a).into(), 32, self.prefix)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                masked(u128::from(n), 128, self.prefix) == masked(u128::from(a), 128, self.prefix)
            }
            _ => false,
        }
    }
}

/// One compiled test on a field's value.
#[derive(Debug, Clone)]
pub enum ValueMatcher {
    /// A Sigma string (wildcards, case folding).
    Text(StringMatcher),
    /// A regular expression (`re`), unanchored as the spec says.
    Regex(Regex),
    /// A numeric comparison (`lt`, `lte`, `gt`, `gte`).
    Number(Comparison, f64),
    /// A time-part comparison (`minute` ... `year`), alone or followed by `lt`/`gt`/...
    Time(TimePart, Comparison, f64),
    /// An address range (`cidr`).
    Network(Cidr),
}

impl ValueMatcher {
    /// Tests a value given as text (`original`) and its lower-case form (`lower`, computed
    /// only when [`ValueMatcher::needs_lowercase`] says so; otherwise equal to `original`).
    pub fn is_match(&self, original: &str, lower: &str) -> bool {
        match self {
            ValueMatcher::Text(m) => m.is_match(original, lower),
            ValueMatcher::Regex(re) => re.is_match(original),
            ValueMatcher::Number(cmp, n) => original
                .trim()
                .parse::<f64>()
                .is_ok_and(|v| cmp.holds(v, *n)),
            ValueMatcher::Time(part, cmp, n) => {
                time_part(original, *part).is_some_and(|v| cmp.holds(v as f64, *n))
            }
            ValueMatcher::Network(cidr) => original
                .trim()
                .parse::<IpAddr>()
                .is_ok_and(|ip| cidr.contains(ip)),
        }
    }

    /// True when the test reads the lower-case form of the value.
    pub fn needs_lowercase(&self) -> bool {
        matches!(self, ValueMatcher::Text(m) if m.folds_case())
    }
}

/// Extracts a part of a timestamp written as RFC 3339, `YYYY-MM-DD HH:MM:SS[.fff]` (as Sysmon
/// writes `UtcTime`) or epoch milliseconds.
fn time_part(text: &str, part: TimePart) -> Option<u32> {
    let text = text.trim();
    let time: NaiveDateTime = if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        t.naive_utc()
    } else if let Ok(t) = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f") {
        t
    } else {
        DateTime::from_timestamp_millis(text.parse().ok()?)?.naive_utc()
    };
    Some(match part {
        TimePart::Minute => time.minute(),
        TimePart::Hour => time.hour(),
        TimePart::Day => time.day(),
        TimePart::Week => time.iso_week().week(),
        TimePart::Month => time.month(),
        TimePart::Year => u32::try_from(time.year()).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_v4_and_v6() {
        let net = Cidr::parse("10.1.0.0/16").expect("valid");
        assert!(net.contains("10.1.200.3".parse().expect("ip")));
        assert!(!net.contains("10.2.0.1".parse().expect("ip")));
        let net6 = Cidr::parse("2001:db8::/32").expect("valid");
        assert!(net6.contains("2001:db8:ffff::1".parse().expect("ip")));
        assert!(!net6.contains("2001:db9::1".parse().expect("ip")));
        assert!(!net6.contains("10.1.0.1".parse().expect("ip")));
        assert!(Cidr::parse("0.0.0.0/0")
            .expect("valid")
            .contains("8.8.8.8".parse().expect("ip")));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("banana/8").is_err());
    }

    #[test]
    fn time_parts_of_every_supported_format() {
        let hour = ValueMatcher::Time(TimePart::Hour, Comparison::Eq, 7.0);
        assert!(hour.is_match("2025-11-27T07:40:10.165324Z", ""));
        assert!(hour.is_match("2025-11-27 07:40:10.132", ""));
        assert!(!hour.is_match("2025-11-27 08:40:10.132", ""));
        let late = ValueMatcher::Time(TimePart::Hour, Comparison::Gte, 22.0);
        // 1700000000000 ms is 2023-11-14T22:13:20Z.
        assert!(late.is_match("1700000000000", ""));
        let week = ValueMatcher::Time(TimePart::Week, Comparison::Eq, 1.0);
        assert!(week.is_match("2026-01-01T00:00:00Z", ""));
        assert!(!ValueMatcher::Time(TimePart::Year, Comparison::Eq, 2025.0).is_match("soon", ""));
    }

    #[test]
    fn numeric_comparisons() {
        assert!(ValueMatcher::Number(Comparison::Lt, 10.0).is_match("9", "9"));
        assert!(!ValueMatcher::Number(Comparison::Lt, 10.0).is_match("10", "10"));
        assert!(ValueMatcher::Number(Comparison::Lte, 10.0).is_match("10", "10"));
        assert!(ValueMatcher::Number(Comparison::Gte, 1.5).is_match("2", "2"));
        assert!(!ValueMatcher::Number(Comparison::Gt, 1.0).is_match("abc", "abc"));
    }
}
