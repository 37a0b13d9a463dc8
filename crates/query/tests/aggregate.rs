//! `stats` and `timechart` over real events, including merging partial aggregations.

use palisade_core::{Event, TenantId, Value};
use palisade_query::{parse, Aggregator, Pipe};
use serde_json::json;

fn event(time: i64, host: Option<&str>, user: Option<Value>) -> Event {
    let mut e = Event::new(1, TenantId::default(), time);
    if let Some(host) = host {
        e.set("device.hostname", host);
    }
    if let Some(user) = user {
        e.set("user.uid", user);
    }
    e
}

fn pipe(text: &str) -> Pipe {
    parse(text).expect("parses").pipe.expect("has a pipe")
}

fn run(text: &str, events: &[Event]) -> (Vec<String>, Vec<Vec<serde_json::Value>>) {
    let mut aggregator = Aggregator::new(pipe(text));
    for e in events {
        aggregator.add(e);
    }
    let table = aggregator.finish();
    (table.columns, table.rows)
}

#[test]
fn stats_without_by_counts_everything_even_nothing() {
    let events = vec![event(0, Some("a"), None); 3];
    assert_eq!(
        run("| stats count()", &events),
        (vec!["count".into()], vec![vec![json!(3)]])
    );
    assert_eq!(
        run("| stats count()", &[]),
        (vec!["count".into()], vec![vec![json!(0)]])
    );
}

#[test]
fn stats_groups_by_text_values_sorted_by_count_then_values() {
    let events = [
        event(0, Some("b"), Some(Value::Int(7))),
        event(0, Some("a"), Some(Value::Str("7".into()))),
        event(0, Some("b"), Some(Value::Int(7))),
        event(0, None, Some(Value::Int(7))),
        event(0, Some("c"), None),
        event(0, Some("a"), Some(Value::Int(7))),
    ];
    let (columns, rows) = run("| stats count() by host, user.uid", &events);
    assert_eq!(columns, ["device.hostname", "user.uid", "count"]);
    assert_eq!(
        rows,
        vec![
            vec![json!("a"), json!("7"), json!(2)],
            vec![json!("b"), json!("7"), json!(2)],
            vec![json!(null), json!("7"), json!(1)],
            vec![json!("c"), json!(null), json!(1)],
        ]
    );
}

#[test]
fn timechart_buckets_by_floored_time() {
    let hour = 3_600_000;
    let events = [
        event(hour + 5, None, None),
        event(hour - 1, None, None),
        event(2 * hour - 1, None, None),
        event(0, None, None),
        event(-1, None, None),
    ];
    let (columns, rows) = run("| timechart 1h count()", &events);
    assert_eq!(columns, ["time", "count"]);
    assert_eq!(
        rows,
        vec![
            vec![json!(-hour), json!(1)],
            vec![json!(0), json!(2)],
            vec![json!(hour), json!(2)],
        ]
    );
}

#[test]
fn timechart_splits_by_a_field() {
    let events = [
        event(1000, Some("b"), None),
        event(1500, Some("a"), None),
        event(1999, Some("b"), None),
        event(500, None, None),
    ];
    let (columns, rows) = run("| timechart span=1s count() by host", &events);
    assert_eq!(columns, ["time", "device.hostname", "count"]);
    assert_eq!(
        rows,
        vec![
            vec![json!(0), json!(null), json!(1)],
            vec![json!(1000), json!("a"), json!(1)],
            vec![json!(1000), json!("b"), json!(2)],
        ]
    );
}

#[test]
fn partial_aggregations_merge_into_the_same_table() {
    let events: Vec<Event> = (0..100)
        .map(|i| event(i * 1000, Some(["x", "y", "z"][(i % 3) as usize]), None))
        .collect();
    for text in ["| stats count() by host", "| timechart 10s count() by host"] {
        let mut whole = Aggregator::new(pipe(text));
        let mut parts = [Aggregator::new(pipe(text)), Aggregator::new(pipe(text))];
        for (i, e) in events.iter().enumerate() {
            whole.add(e);
            parts[i % 2].add(e);
        }
        let [mut first, second] = parts;
        first.merge(second);
        assert_eq!(first.finish(), whole.finish(), "{text}");
    }
}

#[test]
fn table_serialises_as_columns_and_rows() {
    let (columns, rows) = run("| stats count() by host", &[event(0, Some("a"), None)]);
    let table = palisade_query::Table { columns, rows };
    assert_eq!(
        serde_json::to_value(&table).expect("serialises"),
        json!({"columns": ["device.hostname", "count"], "rows": [["a", 1]]})
    );
}
