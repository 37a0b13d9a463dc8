//! Hand-written timestamp readers (RFC 3339 and the BSD syslog form) and civil-date arithmetic,
//! all in epoch milliseconds UTC. Byte-level so that the hot path allocates nothing.

const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 for a proleptic Gregorian date (month 1..=12).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let m = i64::from(month);
    let shifted_month = if m > 2 { m - 3 } else { m + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The calendar year containing epoch milliseconds `ms`.
pub(crate) fn year_of(ms: i64) -> i64 {
    let days = ms.div_euclid(MS_PER_DAY) + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let year = year_of_era + era * 400;
    if shifted_month >= 10 {
        year + 1
    } else {
        year
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A wall-clock time of day with milliseconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeOfDay {
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millis: u32,
}

impl TimeOfDay {
    fn ms(self) -> i64 {
        i64::from(self.hour) * 3_600_000
            + i64::from(self.minute) * 60_000
            + i64::from(self.second) * 1_000
            + i64::from(self.millis)
    }
}

/// Epoch milliseconds of a UTC date and time, or `None` when the date does not exist.
fn civil_to_ms(year: i64, month: u32, day: u32, time: TimeOfDay) -> Option<i64> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day) * MS_PER_DAY + time.ms())
}

/// Reads exactly `n` ASCII digits at `at`.
fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let field = s.get(at..at + n)?;
    field.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// Reads `hh:mm:ss` and an optional `.fraction` at `at`; returns the time and the end offset.
fn time_of_day(s: &[u8], at: usize) -> Option<(TimeOfDay, usize)> {
    let hour = digits(s, at, 2)?;
    let minute = (s.get(at + 2) == Some(&b':')).then(|| digits(s, at + 3, 2))??;
    let second = (s.get(at + 5) == Some(&b':')).then(|| digits(s, at + 6, 2))??;
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut end = at + 8;
    let mut millis = 0;
    if s.get(end) == Some(&b'.') && s.get(end + 1).is_some_and(u8::is_ascii_digit) {
        end += 1;
        let mut scale = 100;
        while let Some(&b) = s.get(end).filter(|b| b.is_ascii_digit()) {
            millis += u32::from(b - b'0') * scale;
            scale /= 10;
            end += 1;
        }
    }
    let time = TimeOfDay {
        hour,
        minute,
        second: second.min(59),
        millis,
    };
    Some((time, end))
}

/// Reads an RFC 3339 timestamp at the start of `s` and returns epoch milliseconds and the
/// number of bytes read. Fractions beyond milliseconds are truncated. `lenient` also accepts
/// a space instead of `T`, an offset without a colon, and no offset at all (taken as UTC), as
/// ISO-8601 timestamps in real logs often look like that.
pub(crate) fn parse_rfc3339(s: &[u8], lenient: bool) -> Option<(i64, usize)> {
    let year = digits(s, 0, 4)?;
    let month = (s.get(4) == Some(&b'-')).then(|| digits(s, 5, 2))??;
    let day = (s.get(7) == Some(&b'-')).then(|| digits(s, 8, 2))??;
    match s.get(10) {
        Some(b'T' | b't') => {}
        Some(b' ') if lenient => {}
        _ => return None,
    }
    let (time, mut end) = time_of_day(s, 11)?;
    let utc = civil_to_ms(i64::from(year), month, day, time)?;
    let offset_minutes = match s.get(end) {
        Some(b'Z' | b'z') => {
            end += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            let hours = digits(s, end + 1, 2)?;
            let (minutes, len) = if s.get(end + 3) == Some(&b':') {
                (digits(s, end + 4, 2)?, 6)
            } else if lenient {
                (digits(s, end + 3, 2)?, 5)
            } else {
                return None;
            };
            if hours > 23 || minutes > 59 {
                return None;
            }
            end += len;
            let total = i64::from(hours * 60 + minutes);
            if sign == b'+' {
                total
            } else {
                -total
            }
        }
        _ if lenient => 0,
        _ => return None,
    };
    Some((utc - offset_minutes * 60_000, end))
}

/// Reads the access-log time `10/Oct/2000:13:55:36 -0700` (Common Log Format); returns epoch
/// milliseconds UTC and the bytes read.
pub(crate) fn parse_clf(s: &[u8]) -> Option<(i64, usize)> {
    let day = digits(s, 0, 2)?;
    let month = (s.get(2) == Some(&b'/')).then(|| month_number(s.get(3..6)?))??;
    let year = (s.get(6) == Some(&b'/')).then(|| digits(s, 7, 4))??;
    let (time, end) = (s.get(11) == Some(&b':')).then(|| time_of_day(s, 12))??;
    let utc = civil_to_ms(i64::from(year), month, day, time)?;
    match (s.get(end), s.get(end + 1)) {
        (Some(b' '), Some(&sign @ (b'+' | b'-'))) => {
            let hours = digits(s, end + 2, 2)?;
            let minutes = digits(s, end + 4, 2)?;
            let offset = i64::from(hours * 60 + minutes) * 60_000;
            let ms = if sign == b'+' {
                utc - offset
            } else {
                utc + offset
            };
            Some((ms, end + 6))
        }
        _ => Some((utc, end)),
    }
}

/// Reads `yyyy/mm/dd hh:mm:ss` (nginx's error log, local time taken as UTC); returns epoch
/// milliseconds and the bytes read.
pub(crate) fn parse_slashed(s: &[u8]) -> Option<(i64, usize)> {
    let year = digits(s, 0, 4)?;
    let month = (s.get(4) == Some(&b'/')).then(|| digits(s, 5, 2))??;
    let day = (s.get(7) == Some(&b'/')).then(|| digits(s, 8, 2))??;
    let (time, end) = (s.get(10) == Some(&b' ')).then(|| time_of_day(s, 11))??;
    Some((civil_to_ms(i64::from(year), month, day, time)?, end))
}

/// Reads ctime's `Www Mmm dd hh:mm:ss[.ffffff] yyyy` (Apache's error log, local time taken as
/// UTC); returns epoch milliseconds and the bytes read.
pub(crate) fn parse_ctime(s: &[u8]) -> Option<(i64, usize)> {
    let rest = s.get(4..)?;
    let (bsd, len) = parse_bsd(rest)?;
    let at = 4 + len;
    let year = (s.get(at) == Some(&b' ')).then(|| digits(s, at + 1, 4))??;
    Some((
        civil_to_ms(i64::from(year), bsd.month, bsd.day, bsd.time)?,
        at + 5,
    ))
}

/// The month number (1..=12) of a three-letter English month name, any case.
fn month_number(name: &[u8]) -> Option<u32> {
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(name))
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// A BSD syslog timestamp (`Mmm dd hh:mm:ss`), which carries no year and no zone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BsdTimestamp {
    month: u32,
    day: u32,
    year: Option<i64>,
    time: TimeOfDay,
}

const MONTHS: [&[u8; 3]; 12] = [
    b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
];

/// Reads `Mmm dd hh:mm:ss` (day space-padded or not, optional `.fraction`, and the
/// `Mmm dd yyyy hh:mm:ss` variant some devices send); returns it and the bytes read.
pub(crate) fn parse_bsd(s: &[u8]) -> Option<(BsdTimestamp, usize)> {
    let name = s.get(..3)?;
    let month = month_number(name)?;
    let mut at = 3;
    while s.get(at) == Some(&b' ') && at < 5 {
        at += 1;
    }
    if at == 3 {
        return None;
    }
    let day = if s.get(at + 1).is_some_and(u8::is_ascii_digit) {
        at += 2;
        digits(s, at - 2, 2)?
    } else {
        at += 1;
        digits(s, at - 1, 1)?
    };
    if s.get(at) != Some(&b' ') {
        return None;
    }
    at += 1;
    let year = match (digits(s, at, 4), s.get(at + 4)) {
        (Some(y), Some(b' ')) => {
            at += 5;
            Some(i64::from(y))
        }
        _ => None,
    };
    let (time, end) = time_of_day(s, at)?;
    Some((
        BsdTimestamp {
            month,
            day,
            year,
            time,
        },
        end,
    ))
}

impl BsdTimestamp {
    /// Epoch milliseconds, UTC. Without a year, the year of `received_ms` is used, or an
    /// earlier one when that would put the event more than a day after it was received.
    pub(crate) fn to_ms(self, received_ms: i64) -> Option<i64> {
        if let Some(year) = self.year {
            return civil_to_ms(year, self.month, self.day, self.time);
        }
        let received_year = year_of(received_ms);
        (0..=4).find_map(|back| {
            civil_to_ms(received_year - back, self.month, self.day, self.time)
                .filter(|ms| *ms <= received_ms.saturating_add(MS_PER_DAY))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(year_of(0), 1970);
        assert_eq!(year_of(951_782_400_000), 2000); // 2000-02-29
        assert_eq!(year_of(-1), 1969);
    }

    #[test]
    fn rfc3339_with_fraction_and_offset() {
        let (ms, len) = parse_rfc3339(b"2003-10-11T22:14:15.003Z rest", false).unwrap();
        assert_eq!(ms, 1_065_910_455_003);
        assert_eq!(len, 24);
        let (ms, _) = parse_rfc3339(b"2003-08-24T05:14:15.000003-07:00", false).unwrap();
        assert_eq!(ms, 1_061_727_255_000);
        assert!(parse_rfc3339(b"2003-08-24T05:14:15", false).is_none());
        assert!(parse_rfc3339(b"2003-02-29T05:14:15Z", false).is_none());
        assert!(parse_rfc3339(b"2003-08-24 05:14:15+0200", true).is_some());
    }

    #[test]
    fn web_server_timestamps() {
        let (ms, len) = parse_clf(b"10/Oct/2000:13:55:36 -0700] x").unwrap();
        assert_eq!((ms, len), (971_211_336_000, 26));
        assert!(parse_clf(b"10/Foo/2000:13:55:36 -0700").is_none());
        let (ms, len) = parse_slashed(b"2000/10/10 20:55:36 [error]").unwrap();
        assert_eq!((ms, len), (971_211_336_000, 19));
        let (ms, len) = parse_ctime(b"Tue Oct 10 20:55:36.123456 2000] x").unwrap();
        assert_eq!((ms, len), (971_211_336_123, 31));
    }
}
