//! Throughput of `parse_record` on typical RFC 5424, RFC 3164 and JSON lines.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use palisade_core::{PayloadFormat, RawRecord, TenantId, Transport};
use palisade_parse::parse_record;
use std::hint::black_box;

fn record(format: PayloadFormat, payload: &str) -> RawRecord {
    RawRecord {
        tenant: TenantId::default(),
        source: "syslog-udp".into(),
        transport: Transport::Udp,
        format,
        received_ms: 1_700_000_000_000,
        peer: Some("10.0.0.7:51514".into()),
        payload: payload.as_bytes().to_vec(),
    }
}

fn bench(c: &mut Criterion) {
    let cases = [
        (
            "rfc5424",
            record(
                PayloadFormat::Syslog,
                "<165>1 2023-11-14T22:13:20.123Z web01.example.com sshd 4242 AUTH \
                 [origin ip=\"10.0.0.7\"][meta sequenceId=\"42\"] Failed password for root \
                 from 203.0.113.9 port 52113 ssh2",
            ),
        ),
        (
            "rfc3164",
            record(
                PayloadFormat::Syslog,
                "<38>Nov 14 22:13:20 web01 sshd[4242]: Failed password for invalid user admin \
                 from 203.0.113.9 port 52113 ssh2",
            ),
        ),
        (
            "json",
            record(
                PayloadFormat::Json,
                r#"{"@timestamp":"2023-11-14T22:13:20.123Z","level":"warn","host":"web01","service":"api","message":"slow request","path":"/v1/items","duration_ms":1234}"#,
            ),
        ),
    ];
    let mut group = c.benchmark_group("parse_record");
    group.throughput(Throughput::Elements(1));
    for (name, rec) in &cases {
        group.bench_function(*name, |b| b.iter(|| parse_record(7, black_box(rec))));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
