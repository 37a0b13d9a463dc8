//! Field facets for the search page: the fields most of the newest matches carry, each with
//! its most common values and a link narrowing the search to one of them; and the bars of a
//! `stats` result.

use super::{data, sources::field_equals};
use palisade_console::{
    chart::Bar,
    pages::{Facet, FacetValue},
};
use palisade_core::{fields, Event};
use std::collections::HashMap;

/// Fields shown.
const FIELDS: usize = 6;
/// Values shown per field.
const VALUES: usize = 5;
/// Fields that make no useful facet: free text, the raw input, the time.
const SKIP: &[&str] = &[fields::RAW_DATA, fields::MESSAGE, "time"];

/// The facets of `events` (a sample of the matches of query `q`); `range` is the
/// `&from=…&to=…` part of the links.
pub fn facets(events: &[Event], q: &str, range: &str) -> Vec<Facet> {
    let mut by_field: HashMap<&str, HashMap<String, u64>> = HashMap::new();
    for event in events {
        for (name, value) in &event.fields {
            if !SKIP.contains(&name.as_ref()) {
                *by_field
                    .entry(name.as_ref())
                    .or_default()
                    .entry(value.to_string())
                    .or_default() += 1;
            }
        }
    }
    let mut ranked: Vec<(&str, u64, HashMap<String, u64>)> = by_field
        .into_iter()
        .map(|(name, values)| (name, values.values().sum::<u64>(), values))
        // A field whose every value differs (ids, ports, times) says nothing as a facet.
        .filter(|(_, total, values)| values.len() < *total as usize || *total == 1)
        .collect();
    // Fields whose values vary come first (a constant tells nothing about the matches), then
    // the ones most matches carry, then the ones with fewer distinct values.
    ranked.sort_by(|a, b| {
        (b.2.len() > 1)
            .cmp(&(a.2.len() > 1))
            .then_with(|| b.1.cmp(&a.1))
            .then_with(|| a.2.len().cmp(&b.2.len()))
            .then_with(|| a.0.cmp(b.0))
    });
    ranked
        .into_iter()
        .take(FIELDS)
        .map(|(field, _, values)| {
            let mut values: Vec<(String, u64)> = values.into_iter().collect();
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            values.truncate(VALUES);
            let top = values.first().map_or(1, |v| v.1).max(1);
            Facet {
                field: field.to_owned(),
                values: values
                    .into_iter()
                    .map(|(value, count)| FacetValue {
                        href: narrowed(q, field, &value, range),
                        bar_pct: (count.saturating_mul(100) / top) as u32,
                        count,
                        value,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The search link of `q` narrowed to `field` equal to `value`.
fn narrowed(q: &str, field: &str, value: &str, range: &str) -> String {
    let term = field_equals(field, value);
    let q = match q.trim() {
        "" | "*" => term,
        text => format!("({text}) AND {term}"),
    };
    format!("/console/search?q={}{range}", data::encode(&q))
}

/// One bar per row of a `stats … by …` table (label: the group values), at most `max`.
pub fn stats_bars(table: &palisade_query::Table, max: usize) -> Vec<Bar> {
    table
        .rows
        .iter()
        .take(max)
        .filter_map(|row| {
            let (count, groups) = row.split_last()?;
            let label = groups
                .iter()
                .map(data::cell)
                .collect::<Vec<_>>()
                .join(" · ");
            Some(Bar {
                label: if label.is_empty() {
                    "all".into()
                } else {
                    label
                },
                count: count.as_u64()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::TenantId;
    use serde_json::json;

    fn event(id: u64, host: &str, user: &str) -> Event {
        let mut e = Event::new(id, TenantId::default(), 1_000);
        e.set(fields::DEVICE_HOSTNAME, host);
        e.set("user.name", user);
        e.set("process.pid", id.to_string());
        e.set(fields::MESSAGE, format!("line {id}"));
        e
    }

    #[test]
    fn common_fields_come_first_with_their_top_values_and_links() {
        let events = vec![
            event(1, "web01", "root"),
            event(2, "web01", "admin"),
            event(3, "db01", "root"),
            event(4, "web01", "root"),
        ];
        let facets = facets(&events, "sshd", "&from=now-1h");
        let names: Vec<&str> = facets.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            names,
            vec![fields::DEVICE_HOSTNAME, "user.name"],
            "pids and messages are all distinct"
        );
        let hosts = &facets[0].values;
        assert_eq!(
            (hosts[0].value.as_str(), hosts[0].count, hosts[0].bar_pct),
            ("web01", 3, 100)
        );
        assert_eq!((hosts[1].value.as_str(), hosts[1].bar_pct), ("db01", 33));
        assert_eq!(
            hosts[0].href,
            format!(
                "/console/search?q={}&from=now-1h",
                data::encode("(sshd) AND device.hostname:\"web01\"")
            )
        );
        assert!(narrowed("*", "a", "b", "").ends_with(&data::encode("a:\"b\"")));
    }

    #[test]
    fn stats_rows_become_labelled_bars() {
        let table = palisade_query::Table {
            columns: vec!["host".into(), "user".into(), "count".into()],
            rows: vec![
                vec![json!("web01"), json!("root"), json!(7)],
                vec![json!(null), json!("x"), json!(2)],
            ],
        };
        let bars = stats_bars(&table, 10);
        assert_eq!(bars[0].label, "web01 · root");
        assert_eq!(bars[1].label, "(none) · x");
        assert_eq!(bars[1].count, 2);
        assert_eq!(stats_bars(&table, 1).len(), 1);
    }
}
