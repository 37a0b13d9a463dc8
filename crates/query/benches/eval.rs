//! `Expr::matches` per row, for a word, a phrase, a field and a comparison query, over
//! in-memory events shaped like real sshd / nginx / kernel lines.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use palisade_core::{Event, TenantId, Value};
use palisade_query::parse;
use std::hint::black_box;

const ROWS: usize = 1024;

/// Realistic rows: message, raw line, host, app and severity.
fn rows() -> Vec<Event> {
    let templates = [
        (
            "sshd",
            4,
            "Failed password for invalid user {u} from 10.1.{n}.7 port 52{n} ssh2",
        ),
        (
            "sshd",
            1,
            "Accepted publickey for {u} from 192.168.0.{n} port 40{n} ssh2: ED25519 SHA256:abc",
        ),
        (
            "nginx",
            1,
            "10.0.0.{n} - - \"GET /api/v1/items/{n} HTTP/1.1\" 200 512 \"-\" \"curl/8.5\"",
        ),
        (
            "kernel",
            3,
            "[UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.{n} DST=10.0.0.1 PROTO=TCP DPT=23",
        ),
        (
            "sudo",
            2,
            "{u} : TTY=pts/0 ; PWD=/home/{u} ; USER=root ; COMMAND=/usr/bin/apt update",
        ),
    ];
    let users = ["alice", "bob", "admin", "deploy", "postgres"];
    (0..ROWS)
        .map(|i| {
            let (app, severity, template) = templates[i % templates.len()];
            let message = template
                .replace("{u}", users[i % users.len()])
                .replace("{n}", &(i % 250).to_string());
            let mut e = Event::new(i as u64, TenantId::default(), 1_700_000_000_000 + i as i64);
            e.set(
                "raw_data",
                format!(
                    "<38>Jan  5 10:00:00 web{:02} {app}[{}]: {message}",
                    i % 7,
                    1000 + i
                ),
            );
            e.set("message", message);
            e.set("device.hostname", format!("web{:02}", i % 7));
            e.set("metadata.product.name", app);
            e.set("severity_id", Value::Int(severity));
            e
        })
        .collect()
}

fn matches_per_row(c: &mut Criterion) {
    let rows = rows();
    let queries = [
        ("word_hit", "admin"),
        ("word_miss", "zebra"),
        ("wildcard_word", "post*"),
        ("phrase", "\"failed password\""),
        ("phrase_miss", "\"zebra crossing\""),
        ("field", "host:web03"),
        ("compare", "severity_id>=3"),
        ("combined", "app:sshd failed -user=root (admin OR deploy)"),
    ];
    let mut group = c.benchmark_group("matches");
    group.throughput(Throughput::Elements(ROWS as u64));
    for (name, text) in queries {
        let filter = parse(text).expect("bench query parses").filter;
        group.bench_function(name, |b| {
            b.iter(|| {
                rows.iter()
                    .filter(|row| filter.matches(black_box(*row)))
                    .count()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, matches_per_row);
criterion_main!(benches);
