//! Time helpers. Palisade keeps every timestamp as milliseconds since the Unix epoch (UTC),
//! as OCSF's `time` does.

use chrono::{DateTime, SecondsFormat, Utc};

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Formats epoch milliseconds as RFC 3339 UTC with millisecond precision.
pub fn format_rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_else(|| ms.to_string())
}

/// Parses a user-supplied point in time: RFC 3339 (`2026-11-23T10:00:00Z`), a date
/// (`2026-11-23`, midnight UTC), epoch milliseconds, `now`, or a relative `now-15m` /
/// `-15m` (units `s`, `m`, `h`, `d`, `w`).
pub fn parse_time(input: &str, now: i64) -> Result<i64, String> {
    let s = input.trim();
    if s == "now" {
        return Ok(now);
    }
    let rel = s.strip_prefix("now").unwrap_or(s);
    if let Some(ago) = rel.strip_prefix('-') {
        if let Some(ms) = parse_duration_ms(ago) {
            return Ok(now - ms);
        }
    }
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(ms);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_millis());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(t.and_utc().timestamp_millis());
        }
    }
    Err(format!(
        "cannot read time {input:?}: use RFC 3339 (2026-11-23T10:00:00Z), a date (2026-11-23), \
         epoch milliseconds, now, or now-15m"
    ))
}

/// Parses a duration such as `500ms`, `30s`, `15m`, `1h`, `7d`, `2w` into milliseconds.
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (num, unit) = s.split_at(split);
    let n: i64 = num.parse().ok()?;
    let mul = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return None,
    };
    n.checked_mul(mul)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_form() {
        let now = 1_700_000_000_000;
        assert_eq!(parse_time("now", now), Ok(now));
        assert_eq!(parse_time("now-15m", now), Ok(now - 900_000));
        assert_eq!(parse_time("-2h", now), Ok(now - 7_200_000));
        assert_eq!(parse_time("1234", now), Ok(1234));
        assert_eq!(parse_time("1970-01-01T00:00:01Z", now), Ok(1000));
        assert_eq!(parse_time("1970-01-02", now), Ok(86_400_000));
        assert!(parse_time("yesterday", now).is_err());
        assert_eq!(parse_duration_ms("500ms"), Some(500));
        assert_eq!(parse_duration_ms("7x"), None);
    }
}
