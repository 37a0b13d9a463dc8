//! `stats` and `timechart`: counts per group, kept in a hash map keyed by the group's values
//! (encoded into one reusable string, so adding a row of a known group allocates nothing).

use crate::eval::{numeric_value, with_text};
use crate::{Aggregator, Pipe, Row, Table};
use palisade_core::ValueRef;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::fmt::Write;

/// Counts per encoded group key.
#[derive(Debug, Clone, Default)]
pub(crate) struct Groups {
    counts: HashMap<String, u64>,
    /// The key being built for the current row.
    scratch: String,
}

impl Groups {
    /// Counts one row whose key is in `scratch`.
    fn bump(&mut self) {
        match self.counts.get_mut(self.scratch.as_str()) {
            Some(count) => *count += 1,
            None => {
                self.counts.insert(self.scratch.clone(), 1);
            }
        }
    }
}

/// Appends one cell to a key: `~` when missing, else `<byte length>:<text>`.
fn encode_cell(key: &mut String, value: Option<ValueRef<'_>>) {
    match value {
        None => key.push('~'),
        Some(value) => with_text(value, |bytes| {
            let text = String::from_utf8_lossy(bytes);
            let _ = write!(key, "{}:{}", text.len(), text);
        }),
    }
}

/// Splits a key written by [`encode_cell`] back into its cells.
fn decode_cells(mut key: &str) -> Option<Vec<Option<String>>> {
    let mut cells = Vec::new();
    while !key.is_empty() {
        if let Some(rest) = key.strip_prefix('~') {
            cells.push(None);
            key = rest;
            continue;
        }
        let (len, rest) = key.split_once(':')?;
        let len: usize = len.parse().ok()?;
        cells.push(Some(rest.get(..len)?.to_owned()));
        key = rest.get(len..)?;
    }
    Some(cells)
}

/// The start of the bucket holding `time`, or `None` for a bad span or out-of-range time.
fn bucket_start(time: ValueRef<'_>, span_ms: i64) -> Option<i64> {
    let time = match time {
        ValueRef::Int(ms) => ms,
        other => numeric_value(other)?.floor() as i64,
    };
    time.checked_sub(time.checked_rem_euclid(span_ms)?)
}

impl Aggregator {
    /// Adds one row (see [`Aggregator::add`]).
    pub(crate) fn add_row(&mut self, row: &dyn Row) {
        let groups = &mut self.groups;
        groups.scratch.clear();
        match &self.pipe {
            Pipe::Stats { by } => {
                for field in by {
                    encode_cell(&mut groups.scratch, row.get(field));
                }
            }
            Pipe::Timechart { span_ms, by } => {
                let Some(bucket) = row.get("time").and_then(|t| bucket_start(t, *span_ms)) else {
                    return;
                };
                encode_cell(&mut groups.scratch, Some(ValueRef::Int(bucket)));
                if let Some(field) = by {
                    encode_cell(&mut groups.scratch, row.get(field));
                }
            }
        }
        groups.bump();
    }

    /// Adds another aggregation's counts (see [`Aggregator::merge`]).
    pub(crate) fn merge_counts(&mut self, other: Aggregator) {
        for (key, count) in other.groups.counts {
            *self.groups.counts.entry(key).or_insert(0) += count;
        }
    }

    /// Builds the finished table (see [`Aggregator::finish`]).
    pub(crate) fn into_table(self) -> Table {
        let mut groups: Vec<(Vec<Option<String>>, u64)> = self
            .groups
            .counts
            .into_iter()
            .filter_map(|(key, count)| Some((decode_cells(&key)?, count)))
            .collect();
        match self.pipe {
            Pipe::Stats { by } => {
                if by.is_empty() && groups.is_empty() {
                    groups.push((Vec::new(), 0));
                }
                groups.sort_by(|(a_cells, a), (b_cells, b)| {
                    b.cmp(a).then_with(|| a_cells.cmp(b_cells))
                });
                let rows = groups
                    .into_iter()
                    .map(|(cells, count)| {
                        let mut row: Vec<Json> = cells.into_iter().map(text_cell).collect();
                        row.push(Json::from(count));
                        row
                    })
                    .collect();
                let mut columns = by;
                columns.push("count".to_owned());
                Table { columns, rows }
            }
            Pipe::Timechart { by, .. } => {
                let mut timed: Vec<(i64, Option<String>, u64)> = groups
                    .into_iter()
                    .filter_map(|(cells, count)| {
                        let mut cells = cells.into_iter();
                        let time = cells.next()??.parse().ok()?;
                        Some((time, cells.next().flatten(), count))
                    })
                    .collect();
                timed.sort();
                let split = by.is_some();
                let rows = timed
                    .into_iter()
                    .map(|(time, value, count)| {
                        let mut row = vec![Json::from(time)];
                        if split {
                            row.push(text_cell(value));
                        }
                        row.push(Json::from(count));
                        row
                    })
                    .collect();
                let mut columns = vec!["time".to_owned()];
                columns.extend(by);
                columns.push("count".to_owned());
                Table { columns, rows }
            }
        }
    }
}

/// A group value as a table cell: its text, or null when the field was missing.
fn text_cell(value: Option<String>) -> Json {
    value.map_or(Json::Null, Json::String)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_the_encoding() {
        let mut key = String::new();
        encode_cell(&mut key, Some(ValueRef::Str("a:1~")));
        encode_cell(&mut key, None);
        encode_cell(&mut key, Some(ValueRef::Int(-7)));
        encode_cell(&mut key, Some(ValueRef::Str("")));
        let cells = decode_cells(&key);
        let expected = vec![
            Some("a:1~".to_owned()),
            None,
            Some("-7".to_owned()),
            Some(String::new()),
        ];
        assert_eq!(cells, Some(expected));
    }

    #[test]
    fn buckets_floor_towards_minus_infinity() {
        assert_eq!(bucket_start(ValueRef::Int(3_599_999), 3_600_000), Some(0));
        assert_eq!(bucket_start(ValueRef::Int(-1), 1000), Some(-1000));
        assert_eq!(bucket_start(ValueRef::Int(5), 0), None);
        assert_eq!(bucket_start(ValueRef::Int(i64::MIN), 7), None);
        assert_eq!(bucket_start(ValueRef::Str("1500"), 1000), Some(1000));
    }
}
