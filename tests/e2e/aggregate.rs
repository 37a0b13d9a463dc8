//! Aggregation through the real binary: a burst of identical syslog lines over TCP becomes
//! one event with a count, and a `kill -9` while aggregates are open loses no acknowledged
//! line and counts none twice.

use crate::harness::{tempdir, Server};
use std::{
    collections::HashSet,
    io::Write,
    net::TcpStream,
    time::{Duration, Instant},
};

/// The events matching `q` (every page) and the sum of their `count` fields.
fn counted(server: &Server, q: &str) -> (Vec<serde_json::Value>, u64) {
    let events: Vec<serde_json::Value> =
        server.search_pages(q, 1000).into_iter().flatten().collect();
    let sum = events
        .iter()
        .map(|e| e["count"].as_u64().unwrap_or(0))
        .sum();
    (events, sum)
}

/// Polls until the counts of `q` add up to `want` (or 30 s pass); returns the last answer.
fn wait_for_sum(server: &Server, q: &str, want: u64) -> (Vec<serde_json::Value>, u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (events, sum) = counted(server, q);
        if sum >= want || Instant::now() > deadline {
            return (events, sum);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

const BURSTS: &str = r#"
[storage]
flush_interval = "1h"

[[parsers]]
name = "bursts"
sources = ["syslog-tcp"]
steps = [{ type = "aggregate", window = "3s", when = "app:burstapp" }]
"#;

#[test]
fn a_thousand_identical_lines_over_tcp_become_one_event_with_count_1000() {
    let dir = tempdir();
    let server = Server::start(dir.path(), Some(BURSTS));
    let mut tcp = TcpStream::connect(server.syslog).unwrap();
    let mut burst = String::new();
    for i in 0..1000 {
        let second = i % 60;
        burst.push_str(&format!(
            "<13>Nov 24 06:00:{second:02} web1 burstapp: interface eth0 aggdown\n"
        ));
    }
    for i in 0..3 {
        burst.push_str(&format!(
            "<13>Nov 24 06:01:00 web1 burstapp: aggup eth{i}\n"
        ));
    }
    burst.push_str("<13>Nov 24 06:01:00 web1 otherapp: interface eth0 aggdown\n");
    tcp.write_all(burst.as_bytes()).unwrap();
    tcp.flush().unwrap();
    drop(tcp);

    let (events, sum) = wait_for_sum(&server, "app:burstapp aggdown", 1000);
    assert_eq!(sum, 1000, "{events:?}");
    assert_eq!(events.len(), 1, "one event for the whole burst: {events:?}");
    let burst = &events[0];
    assert_eq!(burst["message"], "interface eth0 aggdown");
    assert_eq!(burst["device"]["hostname"], "web1");
    let (start, end) = (burst["start_time"].as_i64(), burst["end_time"].as_i64());
    assert!(start.unwrap() < end.unwrap(), "{burst}");
    assert_eq!(server.count("count>=1000"), 1);
    assert_eq!(server.count("count>=10 app:burstapp"), 1);

    // The different lines stay apart, each with count 1; the other application's line is not
    // aggregated at all.
    let (ups, up_sum) = wait_for_sum(&server, "aggup", 3);
    assert_eq!((ups.len(), up_sum), (3, 3), "{ups:?}");
    let other = server.wait_for("app:otherapp aggdown", 1);
    assert_eq!(other.len(), 1);
    assert!(other[0].get("count").is_none(), "{}", other[0]);

    let metrics = server.metrics();
    assert!(
        metrics.contains(r#"palisade_events_aggregated_total{source="syslog-tcp"} 999"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"palisade_events_stored_total{source="syslog-tcp"} 5"#),
        "{metrics}"
    );
}

const REPEATS: &str = r#"
[storage]
flush_interval = "700ms"

[[parsers]]
name = "repeats"
sources = ["repeat"]
steps = [{ type = "aggregate", window = "1h" }]
"#;

/// Sends `lines` copies of the repeated line; true once the server acknowledged them.
fn send_repeats(server: &Server, lines: usize) -> bool {
    let body = "retry connect to db aggretry\n".repeat(lines);
    let (status, answer) = server.post(
        "/api/v1/ingest?source=repeat",
        "text/plain",
        body.as_bytes(),
    );
    assert_eq!(status, 200, "{answer}");
    answer["accepted"].as_u64() == Some(lines as u64)
}

#[test]
fn kill_9_with_open_aggregates_loses_no_acknowledged_line_and_counts_none_twice() {
    let dir = tempdir();
    let server = Server::start(dir.path(), Some(REPEATS));
    let mut acked = 0;
    // Flushes (every 700 ms) cut the one-hour aggregate: some parts reach segments.
    for _ in 0..6 {
        assert!(send_repeats(&server, 50));
        acked += 50;
        std::thread::sleep(Duration::from_millis(300));
    }
    let (stored, _) = wait_for_sum(&server, "aggretry", 1);
    assert!(!stored.is_empty(), "a flush stored part of the aggregate");
    // The last lines are acknowledged (durable in the write-ahead log) but only in an open
    // aggregate in memory when the server dies.
    assert!(send_repeats(&server, 100));
    acked += 100;
    let data = server.kill9();

    let server = Server::start(&data, Some(REPEATS));
    let (events, sum) = wait_for_sum(&server, "aggretry", acked);
    assert_eq!(sum, acked, "every acknowledged line is counted: {events:?}");
    // Two more flushes later, nothing was counted twice.
    std::thread::sleep(Duration::from_millis(1600));
    let (events, sum) = counted(&server, "aggretry");
    assert_eq!(sum, acked, "no line is counted twice: {events:?}");
    assert!(
        events.len() >= 2,
        "the aggregate was cut by flushes: {events:?}"
    );
    let ids: HashSet<&str> = events
        .iter()
        .map(|e| e["metadata"]["uid"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), events.len(), "no event is stored twice");
}
