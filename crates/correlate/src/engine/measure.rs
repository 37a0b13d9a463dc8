//! What each correlation type measures over the matches of one window.

use super::group::{Entry, Measure};
use crate::rule::CorrelationType;
use std::collections::{HashMap, HashSet};

/// The type's value over `window` (time-ordered), or `None` when the window holds nothing the
/// type can measure (no numeric value for a mean, say), which never satisfies a condition.
pub(crate) fn measure<'a>(
    kind: CorrelationType,
    window: impl ExactSizeIterator<Item = &'a Entry>,
) -> Option<f64> {
    match kind {
        CorrelationType::EventCount => Some(window.len() as f64),
        CorrelationType::ValueCount => {
            let distinct: HashSet<&str> = window.filter_map(text).collect();
            Some(distinct.len() as f64)
        }
        CorrelationType::Temporal => {
            let seen = window.fold(0u64, |seen, e| seen | e.positions);
            Some(f64::from(seen.count_ones()))
        }
        CorrelationType::TemporalOrdered => Some(f64::from(ordered_prefix(window))),
        CorrelationType::ValueSum => {
            let mut numbers = window.filter_map(number).peekable();
            numbers.peek()?;
            Some(numbers.sum())
        }
        CorrelationType::ValueAvg => {
            let (sum, n) = window
                .filter_map(number)
                .fold((0.0, 0u64), |(sum, n), x| (sum + x, n + 1));
            (n > 0).then(|| sum / n as f64)
        }
        CorrelationType::ValuePercentile => rarest_share(window),
    }
}

/// How many of the listed rules matched in the listed order: rule 0, then rule 1 at a later
/// (or equal-time, later-arriving) match, and so on. Taking each rule at its earliest
/// possible match gives the longest such prefix.
fn ordered_prefix<'a>(window: impl Iterator<Item = &'a Entry>) -> u32 {
    let mut next = 0u32;
    for entry in window {
        if next < 64 && entry.positions & (1u64 << next) != 0 {
            next += 1;
        }
    }
    next
}

/// Share in percent of the matches carrying the window's least frequent value.
fn rarest_share<'a>(window: impl Iterator<Item = &'a Entry>) -> Option<f64> {
    let mut counts: HashMap<&str, u64> = HashMap::new();
    let mut total = 0u64;
    for value in window.filter_map(text) {
        *counts.entry(value).or_default() += 1;
        total += 1;
    }
    let rarest = counts.values().min()?;
    Some(*rarest as f64 * 100.0 / total as f64)
}

fn text(entry: &Entry) -> Option<&str> {
    match &entry.measure {
        Measure::Text(t) => Some(t),
        _ => None,
    }
}

fn number(entry: &Entry) -> Option<f64> {
    match entry.measure {
        Measure::Number(x) => Some(x),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::group::Contributors;

    fn entry(seq: u64, positions: u64, measure: Measure) -> Entry {
        Entry {
            time: seq as i64,
            seq,
            positions,
            measure,
            contributors: Contributors::One(seq),
        }
    }

    #[test]
    fn ordered_prefix_needs_the_listed_order() {
        let out_of_order = [
            entry(0, 0b10, Measure::Absent),
            entry(1, 0b01, Measure::Absent),
        ];
        assert_eq!(ordered_prefix(out_of_order.iter()), 1);
        let in_order = [
            entry(0, 0b01, Measure::Absent),
            entry(1, 0b10, Measure::Absent),
        ];
        assert_eq!(ordered_prefix(in_order.iter()), 2);
    }

    #[test]
    fn rarest_share_is_a_percentage_of_text_values() {
        let mut w: Vec<Entry> = (0..99)
            .map(|i| entry(i, 1, Measure::Text("svchost.exe".into())))
            .collect();
        w.push(entry(99, 1, Measure::Text("mimikatz.exe".into())));
        let share = measure(CorrelationType::ValuePercentile, w.iter());
        assert_eq!(share, Some(1.0));
    }

    #[test]
    fn a_mean_of_nothing_is_not_zero() {
        let w = [entry(0, 1, Measure::Absent)];
        assert_eq!(measure(CorrelationType::ValueAvg, w.iter()), None);
        assert_eq!(measure(CorrelationType::ValueSum, w.iter()), None);
        assert_eq!(measure(CorrelationType::EventCount, w.iter()), Some(1.0));
    }
}
