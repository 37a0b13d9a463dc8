//! PEP 440 versions: parsing with every spelling the specification normalises (case,
//! `alpha`/`beta`/`c`/`pre`/`preview`, `-`/`_`/`.` separators, implicit numbers, `-N` and
//! `rev`/`r` post releases, a leading `v`, local labels) and the ordering Python's
//! `packaging` implements.
//!
//! Order: epoch, then the release with trailing zeros ignored, then pre-releases (a dev release
//! of a final version sorts before all of its pre-releases), post releases, dev releases (before
//! the release they belong to), and finally the local label (absent first; numeric segments
//! after alphanumeric ones).

use super::{digit_run, Number, Scheme, VersionError};
use std::{cmp::Ordering, fmt};

/// A pre-release phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Alpha,
    Beta,
    Candidate,
}

impl Phase {
    fn label(self) -> &'static str {
        match self {
            Phase::Alpha => "a",
            Phase::Beta => "b",
            Phase::Candidate => "rc",
        }
    }
}

/// One dot-separated segment of a local version label.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum LocalSegment {
    /// Alphanumeric segments sort before numeric ones.
    Text(String),
    Numeric(Number),
}

/// A parsed, normalised PEP 440 version. Equality is the ordering's (`1.0 == 1.0.0`).
#[derive(Debug, Clone)]
pub struct Pep440Version {
    epoch: Number,
    release: Vec<Number>,
    pre: Option<(Phase, Number)>,
    post: Option<Number>,
    dev: Option<Number>,
    local: Vec<LocalSegment>,
}

/// A cursor over the lower-cased input.
struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a [u8] {
        &self.text[self.at.min(self.text.len())..]
    }

    fn peek(&self) -> Option<u8> {
        self.rest().first().copied()
    }

    fn number(&mut self) -> Option<Number> {
        let run = digit_run(self.rest());
        if run == 0 {
            return None;
        }
        let digits = &self.rest()[..run];
        self.at += run;
        Some(Number::from_digits(&String::from_utf8_lossy(digits)))
    }

    /// Consumes an optional `-`, `_` or `.`.
    fn separator(&mut self) {
        if matches!(self.peek(), Some(b'-' | b'_' | b'.')) {
            self.at += 1;
        }
    }

    /// Consumes the first of `words` the input continues with, after an optional separator;
    /// consumes nothing when none matches.
    fn labelled<T: Copy>(&mut self, words: &[(&str, T)]) -> Option<T> {
        let start = self.at;
        self.separator();
        for (word, value) in words {
            if self.rest().starts_with(word.as_bytes()) {
                self.at += word.len();
                return Some(*value);
            }
        }
        self.at = start;
        None
    }

    /// The optional number after a label: `[sep][digits]`, zero when absent.
    fn label_number(&mut self) -> Number {
        self.separator();
        self.number().unwrap_or_else(Number::zero)
    }
}

const PRE_LABELS: &[(&str, Phase)] = &[
    ("alpha", Phase::Alpha),
    ("beta", Phase::Beta),
    ("preview", Phase::Candidate),
    ("pre", Phase::Candidate),
    ("rc", Phase::Candidate),
    ("a", Phase::Alpha),
    ("b", Phase::Beta),
    ("c", Phase::Candidate),
];
const POST_LABELS: &[(&str, ()); 3] = &[("post", ()), ("rev", ()), ("r", ())];
const DEV_LABELS: &[(&str, ()); 1] = &[("dev", ())];

impl Pep440Version {
    /// Parses and normalises a PEP 440 version; anything outside the grammar is an error.
    pub fn parse(text: &str) -> Result<Self, VersionError> {
        let bad = |reason| VersionError::new(Scheme::Pep440, text, reason);
        let lower = text.trim().to_ascii_lowercase();
        let mut cur = Cursor {
            text: lower.as_bytes(),
            at: 0,
        };
        if cur.peek() == Some(b'v') {
            cur.at += 1;
        }
        let first = cur
            .number()
            .ok_or_else(|| bad("a version starts with a number"))?;
        let (epoch, first) = if cur.peek() == Some(b'!') {
            cur.at += 1;
            let release = cur
                .number()
                .ok_or_else(|| bad("the epoch must be followed by a release number"))?;
            (first, release)
        } else {
            (Number::zero(), first)
        };
        let mut release = vec![first];
        while cur.peek() == Some(b'.') && cur.rest().get(1).is_some_and(u8::is_ascii_digit) {
            cur.at += 1;
            release.extend(cur.number());
        }
        let pre = cur
            .labelled(PRE_LABELS)
            .map(|phase| (phase, cur.label_number()));
        let post = match cur.labelled(POST_LABELS) {
            Some(()) => Some(cur.label_number()),
            None if cur.peek() == Some(b'-')
                && cur.rest().get(1).is_some_and(u8::is_ascii_digit) =>
            {
                cur.at += 1;
                cur.number()
            }
            None => None,
        };
        let dev = cur.labelled(DEV_LABELS).map(|()| cur.label_number());
        let local = if cur.peek() == Some(b'+') {
            cur.at += 1;
            parse_local(cur.rest()).ok_or_else(|| {
                bad("a local label is letters and digits separated by '.', '-' or '_'")
            })?
        } else if !cur.rest().is_empty() {
            return Err(bad("unexpected text after the version"));
        } else {
            Vec::new()
        };
        Ok(Pep440Version {
            epoch,
            release,
            pre,
            post,
            dev,
            local,
        })
    }

    fn pre_key(&self) -> PreKey<'_> {
        match (&self.pre, &self.post, &self.dev) {
            (None, None, Some(_)) => PreKey::DevOfFinal,
            (Some(pre), _, _) => PreKey::Pre(pre),
            (None, _, _) => PreKey::Final,
        }
    }

    /// The release numbers without trailing zeros (`1.0.0` and `1` are the same release).
    fn significant_release(&self) -> &[Number] {
        let keep = self
            .release
            .iter()
            .rposition(|n| !n.is_zero())
            .map_or(0, |i| i + 1);
        &self.release[..keep]
    }
}

fn parse_local(text: &[u8]) -> Option<Vec<LocalSegment>> {
    let text = std::str::from_utf8(text).ok()?;
    text.split(['.', '-', '_'])
        .map(|segment| {
            if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_alphanumeric()) {
                None
            } else if digit_run(segment.as_bytes()) == segment.len() {
                Some(LocalSegment::Numeric(Number::from_digits(segment)))
            } else {
                Some(LocalSegment::Text(segment.to_owned()))
            }
        })
        .collect()
}

/// Where the pre-release part places a version among its siblings.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum PreKey<'a> {
    /// A dev release of a final version (`1.0.dev1`): before every pre-release of it.
    DevOfFinal,
    Pre(&'a (Phase, Number)),
    /// No pre-release: after every pre-release.
    Final,
}

impl Ord for Pep440Version {
    fn cmp(&self, other: &Self) -> Ordering {
        // `None` sorts first for post releases and local labels, last for dev releases.
        let dev_key = |v: &Pep440Version| (v.dev.is_none(), v.dev.clone());
        let local_key = |v: &Pep440Version| (!v.local.is_empty(), v.local.clone());
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.significant_release().cmp(other.significant_release()))
            .then_with(|| self.pre_key().cmp(&other.pre_key()))
            .then_with(|| self.post.cmp(&other.post))
            .then_with(|| dev_key(self).cmp(&dev_key(other)))
            .then_with(|| local_key(self).cmp(&local_key(other)))
    }
}

impl PartialOrd for Pep440Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Pep440Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Pep440Version {}

impl fmt::Display for Pep440Version {
    /// The normalised form (`1.0RC1` → `1.0rc1`, `1.0-1` → `1.0.post1`, `v2.0` → `2.0`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.epoch.is_zero() {
            write!(f, "{}!", self.epoch)?;
        }
        let release: Vec<String> = self.release.iter().map(Number::to_string).collect();
        f.write_str(&release.join("."))?;
        if let Some((phase, n)) = &self.pre {
            write!(f, "{}{n}", phase.label())?;
        }
        if let Some(n) = &self.post {
            write!(f, ".post{n}")?;
        }
        if let Some(n) = &self.dev {
            write!(f, ".dev{n}")?;
        }
        if !self.local.is_empty() {
            let local: Vec<String> = self
                .local
                .iter()
                .map(|s| match s {
                    LocalSegment::Text(t) => t.clone(),
                    LocalSegment::Numeric(n) => n.to_string(),
                })
                .collect();
            write!(f, "+{}", local.join("."))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Pep440Version {
        Pep440Version::parse(text).expect("valid")
    }

    #[test]
    fn normalises_every_spelling() {
        for (input, normal) in [
            ("1.0-1", "1.0.post1"),
            ("1.0.RC1", "1.0rc1"),
            ("1.0pre1", "1.0rc1"),
            ("1.0-alpha.2", "1.0a2"),
            ("1.0a", "1.0a0"),
            ("1.0.post", "1.0.post0"),
            ("1.0-dev", "1.0.dev0"),
            ("v1!2.01", "1!2.1"),
            ("1.0+Ubuntu-01_x", "1.0+ubuntu.1.x"),
        ] {
            assert_eq!(v(input).to_string(), normal, "{input}");
        }
    }

    #[test]
    fn orders_dev_pre_final_post_and_local() {
        let ordered = [
            "1.0.dev1",
            "1.0a1.dev1",
            "1.0a1",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0+abc",
            "1.0+1",
            "1.0.post1.dev1",
            "1.0.post1",
            "1.1",
            "1!0.1",
        ];
        for pair in ordered.windows(2) {
            assert_eq!(v(pair[0]).cmp(&v(pair[1])), Ordering::Less, "{pair:?}");
        }
        assert_eq!(v("1.0"), v("1.0.0"));
    }

    #[test]
    fn rejects_what_is_not_pep440() {
        for bad in ["", "abc", "1.0+", "1.0 beta", "1.0+a..b", "1!", "1.0-foo"] {
            assert!(Pep440Version::parse(bad).is_err(), "{bad}");
        }
    }
}
