//! Deciding which advisories affect a package version, with the OSV schema's evaluation:
//! a range's events are sorted by version (`introduced: "0"` first) and walked in order, so
//! that `introduced` switches "affected" on when the version is at or after it, `fixed` switches
//! it off at or after the fix, and `last_affected` switches it off after that version; a
//! version is inside the range when it ends up affected and, if the range has `limit` events,
//! is before one of them. A version listed in `versions` is affected whatever the ranges say.
//! `GIT` ranges need commit history and are skipped (counted in [`IndexStats`]); withdrawn
//! advisories never match.

use super::{Advisory, Affected, Ecosystem, RangeEvent, RangeKind};
use crate::version::{Scheme, Version};
use std::{cmp::Ordering, collections::HashMap};

/// A bound of a range event, in evaluation order.
#[derive(Debug, Clone)]
enum Bound {
    /// `introduced: "0"`: before every version.
    Zero,
    At(Version),
    /// `limit: "*"`: after every version.
    Infinite,
}

impl Bound {
    fn cmp_bound(&self, other: &Bound) -> Ordering {
        match (self, other) {
            (Bound::Zero, Bound::Zero) | (Bound::Infinite, Bound::Infinite) => Ordering::Equal,
            (Bound::Zero, _) | (_, Bound::Infinite) => Ordering::Less,
            (_, Bound::Zero) | (Bound::Infinite, _) => Ordering::Greater,
            (Bound::At(a), Bound::At(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
        }
    }

    /// `version` compared with the bound.
    fn version_vs(&self, version: &Version) -> Ordering {
        Bound::At(version.clone()).cmp_bound(self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum EventKind {
    Introduced,
    Fixed,
    LastAffected,
    Limit,
}

/// A range with its events parsed and sorted.
#[derive(Debug)]
struct SortedRange {
    scheme: Scheme,
    events: Vec<(EventKind, Bound, String)>,
}

impl SortedRange {
    /// Whether `version` is inside the range, and the first fix after it.
    fn evaluate(&self, version: &Version) -> (bool, Option<&str>) {
        let mut affected = false;
        for (kind, bound, _) in &self.events {
            let at = bound.version_vs(version);
            match kind {
                EventKind::Introduced if at != Ordering::Less => affected = true,
                EventKind::Fixed if at != Ordering::Less => affected = false,
                EventKind::LastAffected if at == Ordering::Greater => affected = false,
                _ => {}
            }
        }
        let mut limits = self.events.iter().filter(|(k, ..)| *k == EventKind::Limit);
        let has_limits = limits.clone().next().is_some();
        if has_limits && !limits.any(|(_, bound, _)| bound.version_vs(version) == Ordering::Less) {
            affected = false;
        }
        (affected, self.first_fix_after(version))
    }

    fn first_fix_after(&self, version: &Version) -> Option<&str> {
        self.events
            .iter()
            .find(|(k, b, _)| *k == EventKind::Fixed && b.version_vs(version) == Ordering::Less)
            .map(|(_, _, text)| text.as_str())
    }
}

/// One advisory's `affected` entry, ready to evaluate.
#[derive(Debug)]
struct Entry {
    advisory: usize,
    affected: usize,
    ecosystem: Ecosystem,
    ranges: Vec<SortedRange>,
    versions: Vec<Version>,
}

/// What building an index skipped, so nothing is dropped silently.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IndexStats {
    /// Advisories indexed.
    pub advisories: usize,
    /// Withdrawn advisories left out.
    pub withdrawn: usize,
    /// `affected` entries of ecosystems matching does not support.
    pub unsupported_ecosystem: usize,
    /// `GIT` ranges skipped.
    pub git_ranges: usize,
    /// Event or listed versions that do not parse under their scheme (left out).
    pub unparsable_versions: usize,
}

/// An advisory that affects a package.
#[derive(Debug, Clone)]
pub struct Match<'a> {
    /// The advisory.
    pub advisory: &'a Advisory,
    /// The entry that matched.
    pub affected: &'a Affected,
    /// The first fixed version after the installed one, when a fix exists.
    pub fixed: Option<String>,
}

/// Advisories indexed by ecosystem and package name.
#[derive(Debug, Default)]
pub struct AdvisoryIndex {
    advisories: Vec<Advisory>,
    entries: Vec<Entry>,
    by_package: HashMap<(&'static str, String), Vec<usize>>,
    stats: IndexStats,
}

impl AdvisoryIndex {
    /// Indexes advisories; withdrawn ones and unsupported ecosystems are counted, not indexed.
    pub fn new(advisories: Vec<Advisory>) -> AdvisoryIndex {
        let mut index = AdvisoryIndex::default();
        for advisory in advisories {
            if advisory.withdrawn.is_some() {
                index.stats.withdrawn += 1;
                continue;
            }
            let at = index.advisories.len();
            for (i, affected) in advisory.affected.iter().enumerate() {
                index.add_entry(at, i, affected);
            }
            index.advisories.push(advisory);
        }
        index.stats.advisories = index.advisories.len();
        index
    }

    fn add_entry(&mut self, advisory: usize, affected_at: usize, affected: &Affected) {
        let Some(ecosystem) = Ecosystem::parse(&affected.ecosystem) else {
            self.stats.unsupported_ecosystem += 1;
            return;
        };
        let mut ranges = Vec::new();
        for range in &affected.ranges {
            let scheme = match range.kind {
                RangeKind::Semver => Scheme::Semver,
                RangeKind::Ecosystem => ecosystem.scheme(),
                RangeKind::Git => {
                    self.stats.git_ranges += 1;
                    continue;
                }
            };
            let mut events = Vec::with_capacity(range.events.len());
            for event in &range.events {
                let (kind, text) = match event {
                    RangeEvent::Introduced(v) => (EventKind::Introduced, v),
                    RangeEvent::Fixed(v) => (EventKind::Fixed, v),
                    RangeEvent::LastAffected(v) => (EventKind::LastAffected, v),
                    RangeEvent::Limit(v) => (EventKind::Limit, v),
                };
                let bound = match (kind, text.as_str()) {
                    (EventKind::Introduced, "0") => Bound::Zero,
                    (EventKind::Limit, "*") => Bound::Infinite,
                    _ => match scheme.parse(text) {
                        Ok(v) => Bound::At(v),
                        Err(_) => {
                            self.stats.unparsable_versions += 1;
                            continue;
                        }
                    },
                };
                events.push((kind, bound, text.clone()));
            }
            events.sort_by(|a, b| a.1.cmp_bound(&b.1).then(a.0.cmp(&b.0)));
            ranges.push(SortedRange { scheme, events });
        }
        let scheme = ecosystem.scheme();
        let mut versions = Vec::with_capacity(affected.versions.len());
        for text in &affected.versions {
            match scheme.parse(text) {
                Ok(v) => versions.push(v),
                Err(_) => self.stats.unparsable_versions += 1,
            }
        }
        let key = (ecosystem.family(), ecosystem.normalize_name(&affected.name));
        self.by_package
            .entry(key)
            .or_default()
            .push(self.entries.len());
        self.entries.push(Entry {
            advisory,
            affected: affected_at,
            ecosystem,
            ranges,
            versions,
        });
    }

    /// What building the index counted.
    pub fn stats(&self) -> &IndexStats {
        &self.stats
    }

    /// The indexed advisories.
    pub fn advisories(&self) -> &[Advisory] {
        &self.advisories
    }

    /// Every advisory affecting `version` of package `name` in `ecosystem`, at most once each.
    /// A version that does not parse under the ecosystem's scheme can still match an
    /// explicitly listed version (by exact text).
    pub fn matches(&self, ecosystem: &Ecosystem, name: &str, version: &str) -> Vec<Match<'_>> {
        let key = (ecosystem.family(), ecosystem.normalize_name(name));
        let Some(entries) = self.by_package.get(&key) else {
            return Vec::new();
        };
        let mut parsed: HashMap<Scheme, Option<Version>> = HashMap::new();
        let mut parse = |scheme: Scheme| -> Option<Version> {
            parsed
                .entry(scheme)
                .or_insert_with(|| scheme.parse(version).ok())
                .clone()
        };
        let mut found: Vec<Match<'_>> = Vec::new();
        for &at in entries {
            let entry = &self.entries[at];
            if !entry.ecosystem.covers(ecosystem) {
                continue;
            }
            let advisory = &self.advisories[entry.advisory];
            if found.iter().any(|m| m.advisory.id == advisory.id) {
                continue;
            }
            let affected = &advisory.affected[entry.affected];
            let mut verdicts = Vec::with_capacity(entry.ranges.len());
            for range in &entry.ranges {
                let Some(v) = parse(range.scheme) else {
                    continue;
                };
                let (inside, fix) = range.evaluate(&v);
                verdicts.push((
                    inside,
                    fix.and_then(|f| Some((range.scheme.parse(f).ok()?, f))),
                ));
            }
            let hit = verdicts.iter().any(|(inside, _)| *inside);
            // The fix is the earliest one after the version among the ranges that matched
            // (among all ranges when only the explicit list matched).
            let mut fixes: Vec<(Version, &str)> = verdicts
                .into_iter()
                .filter(|(inside, _)| *inside || !hit)
                .filter_map(|(_, fix)| fix)
                .collect();
            let own = parse(entry.ecosystem.scheme());
            let listed = affected.versions.iter().any(|l| l == version)
                || own
                    .as_ref()
                    .is_some_and(|v| entry.versions.iter().any(|l| l == v));
            if !(hit || listed) {
                continue;
            }
            fixes.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal));
            found.push(Match {
                advisory,
                affected,
                fixed: fixes.first().map(|(_, text)| (*text).to_owned()),
            });
        }
        found
    }
}
