//! Debian version ordering, as `dpkg --compare-versions` does it.
//!
//! A version is `[epoch:]upstream[-revision]`: the epoch is the digits before the first `:`,
//! the revision is everything after the last `-` (absent means empty, which compares equal to
//! `0`). Upstream and revision compare by alternating runs: a run of non-digits compares
//! character by character with `~` before everything (even the end of the string), then the
//! end, then letters, then every other character; a run of digits compares numerically.

use super::{compare_digits, digit_run, Number, Scheme, VersionError};
use std::{cmp::Ordering, fmt};

/// A parsed Debian package version.
#[derive(Debug, Clone)]
pub struct DebianVersion {
    epoch: Number,
    upstream: String,
    revision: String,
    text: String,
}

impl DebianVersion {
    /// Parses a Debian version. Surrounding whitespace is ignored; an empty version, a
    /// non-numeric epoch or embedded whitespace is an error.
    pub fn parse(text: &str) -> Result<Self, VersionError> {
        let bad = |reason| VersionError::new(Scheme::Dpkg, text, reason);
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(bad("the version is empty"));
        }
        if trimmed.bytes().any(|b| b.is_ascii_whitespace() || b < 0x20) {
            return Err(bad("a version has no whitespace or control characters"));
        }
        let (epoch, rest) = match trimmed.split_once(':') {
            Some((epoch, rest)) => {
                if epoch.is_empty() || digit_run(epoch.as_bytes()) != epoch.len() {
                    return Err(bad("the epoch (before ':') must be a number"));
                }
                (Number::from_digits(epoch), rest)
            }
            None => (Number::zero(), trimmed),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((upstream, revision)) => (upstream, revision),
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return Err(bad("the upstream version is empty"));
        }
        Ok(DebianVersion {
            epoch,
            upstream: upstream.to_owned(),
            revision: revision.to_owned(),
            text: trimmed.to_owned(),
        })
    }
}

/// The weight of one character of a non-digit run; `None` is the end of the run.
fn weight(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's comparison of an upstream version or a revision.
fn compare_part(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        loop {
            let ca = a.get(i).copied().filter(|c| !c.is_ascii_digit());
            let cb = b.get(j).copied().filter(|c| !c.is_ascii_digit());
            if ca.is_none() && cb.is_none() {
                break;
            }
            let (wa, wb) = (weight(ca), weight(cb));
            if wa != wb {
                return wa.cmp(&wb);
            }
            i += 1;
            j += 1;
        }
        i = i.min(a.len());
        j = j.min(b.len());
        let run_a = digit_run(&a[i..]);
        let run_b = digit_run(&b[j..]);
        match compare_digits(&a[i..i + run_a], &b[j..j + run_b]) {
            Ordering::Equal => {}
            other => return other,
        }
        i += run_a;
        j += run_b;
    }
    Ordering::Equal
}

impl Ord for DebianVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| compare_part(&self.upstream, &other.upstream))
            .then_with(|| compare_part(&self.revision, &other.revision))
    }
}

impl PartialOrd for DebianVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for DebianVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for DebianVersion {}

impl fmt::Display for DebianVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        DebianVersion::parse(a)
            .expect("a parses")
            .cmp(&DebianVersion::parse(b).expect("b parses"))
    }

    #[test]
    fn tilde_sorts_before_everything_even_the_end() {
        assert_eq!(cmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0~~", "1.0~"), Ordering::Less);
        assert_eq!(cmp("1.0~rc1-1", "1.0-1"), Ordering::Less);
        assert_eq!(cmp("2.36-9+deb12u4", "2.36-9+deb12u10"), Ordering::Less);
    }

    #[test]
    fn epoch_beats_upstream_and_letters_sort_before_other_characters() {
        assert_eq!(cmp("1:0.1", "9.9"), Ordering::Greater);
        assert_eq!(cmp("1.0a", "1.0+"), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0-0"), Ordering::Equal);
        assert_eq!(cmp("0:1.0", "1.0"), Ordering::Equal);
        assert_eq!(cmp("1.0-1ubuntu1", "1.0-1"), Ordering::Greater);
        assert_eq!(
            cmp("1.00000000000000000000001", "1.1"),
            Ordering::Equal,
            "long numbers compare without overflow"
        );
    }

    #[test]
    fn malformed_versions_are_errors_with_reasons() {
        assert!(DebianVersion::parse("").is_err());
        assert!(DebianVersion::parse("a:1.0").is_err());
        assert!(DebianVersion::parse("1:-1").is_err());
        assert!(DebianVersion::parse("1.0 2").is_err());
    }
}
