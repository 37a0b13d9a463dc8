//! Throughput of `parse_record` per parser on a typical line of each, and of a grok parser
//! chain on top. Bytes/s is reported; lines/s is one over the time per line.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use palisade_core::{PayloadFormat, RawRecord, TenantId, Transport};
use palisade_parse::{parse_record, ParserChains};
use std::hint::black_box;

fn record(format: PayloadFormat, payload: &str) -> RawRecord {
    RawRecord {
        tenant: TenantId::default(),
        source: "bench".into(),
        transport: Transport::Udp,
        format,
        received_ms: 1_700_000_000_000,
        peer: Some("10.0.0.7:51514".into()),
        payload: payload.as_bytes().to_vec(),
    }
}

const SYSLOG: PayloadFormat = PayloadFormat::Syslog;
const LINE: PayloadFormat = PayloadFormat::Line;
const JSON: PayloadFormat = PayloadFormat::Json;

/// (name, format, line): one typical line per parser.
const CASES: &[(&str, PayloadFormat, &str)] = &[
    ("rfc5424", SYSLOG, "<165>1 2023-11-14T22:13:20.123Z web01.example.com app 4242 ID47 [origin ip=\"10.0.0.7\"][meta sequenceId=\"42\"] request served in 12 ms"),
    ("rfc3164", SYSLOG, "<38>Nov 14 22:13:20 web01 cron[4242]: (root) CMD (run-parts /etc/cron.hourly)"),
    ("sshd", SYSLOG, "<38>Nov 14 22:13:20 web01 sshd[4242]: Failed password for invalid user admin from 203.0.113.9 port 52113 ssh2"),
    ("pam", SYSLOG, "<86>Nov 14 22:13:20 web01 sshd[4242]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root"),
    ("sudo", SYSLOG, "<85>Nov 14 22:13:20 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt install nmap"),
    ("access-log", LINE, "203.0.113.7 - frank [10/Oct/2000:13:55:36 -0700] \"GET /search?q=shoes&page=2 HTTP/1.1\" 200 5120 \"https://example.com/\" \"Mozilla/5.0 (X11; Linux x86_64)\""),
    ("nginx-error", LINE, "2024/01/15 10:00:00 [error] 1234#1234: *5 open() \"/srv/www/.env\" failed (2: No such file or directory), client: 198.51.100.23, server: example.com, request: \"GET /.env HTTP/1.1\", host: \"example.com\""),
    ("apache-error", LINE, "[Mon Jan 15 10:00:00.123456 2024] [core:error] [pid 4242:tid 140] [client 192.0.2.44:51234] AH00126: Invalid URI in request GET /..%2f..%2fetc/passwd HTTP/1.1"),
    ("auditd", LINE, "type=SYSCALL msg=audit(1700000000.123:4242): arch=c000003e syscall=59 success=yes exit=0 a0=55d a1=55e a2=55f a3=0 items=2 ppid=1000 pid=1001 auid=1000 uid=0 gid=0 euid=0 comm=\"curl\" exe=\"/usr/bin/curl\" key=\"exec\""),
    ("netfilter", SYSLOG, "<4>Nov 14 22:00:00 fw kernel: [12345.678901] IPTABLES-DROP: IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=203.0.113.7 DST=10.0.0.1 LEN=60 TOS=0x00 PREC=0x00 TTL=50 ID=0 DF PROTO=TCP SPT=4444 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0"),
    ("postgresql", LINE, "2024-01-15 10:00:00.123 UTC [1234] FATAL:  password authentication failed for user \"bob\""),
    ("mysql", LINE, "2024-01-15T10:00:00.123456Z 12 [Note] [MY-010926] [Server] Access denied for user 'root'@'203.0.113.7' (using password: YES)"),
    ("json", JSON, r#"{"@timestamp":"2023-11-14T22:13:20.123Z","level":"warn","host":"web01","service":"api","message":"slow request","path":"/v1/items","duration_ms":1234}"#),
    ("ocsf", JSON, r#"{"time":1700000000123,"class_uid":6003,"category_uid":6,"activity_id":99,"type_uid":600399,"severity_id":1,"status_id":1,"status":"Success","message":"kms encrypt bench-aes256","actor":{"user":{"name":"bench-keys"}},"api":{"service":{"name":"kms"},"operation":"encrypt"},"resources":[{"name":"bench-aes256","version":"1"}],"src_endpoint":{"ip":"127.0.0.1"},"metadata":{"product":{"name":"Palisade","feature":{"name":"kms"}},"log_name":"kms"}}"#),
    ("winlogbeat", JSON, r#"{"@timestamp":"2023-11-14T22:13:20.123Z","message":"An account failed to log on.","host":{"name":"dc01"},"winlog":{"channel":"Security","event_id":4625,"provider_name":"Microsoft-Windows-Security-Auditing","computer_name":"DC01","event_data":{"TargetUserName":"admin","IpAddress":"203.0.113.5","LogonType":"3"}}}"#),
    ("unparsed", LINE, "some line no parser knows, kept as it is with unparsed set"),
];

const CHAIN: &str = r#"
[[parsers]]
name = "payments"
sources = ["bench"]
steps = [
  { type = "grok", field = "raw_data", pattern = "%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} user=%{USERNAME:user.name} amount=%{NUMBER:amount:float} from %{IP:src_endpoint.ip}" },
  { type = "timestamp", field = "ts", format = "rfc3339" },
  { type = "ocsf", class = "api_activity", activity = "create" },
]
"#;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_record");
    for (name, format, line) in CASES {
        let rec = record(*format, line);
        group.throughput(Throughput::Bytes(line.len() as u64));
        group.bench_function(*name, |b| b.iter(|| parse_record(7, black_box(&rec))));
    }
    #[derive(serde::Deserialize)]
    struct File {
        parsers: Vec<toml::Table>,
    }
    let chains = match toml::from_str::<File>(CHAIN).map(|f| ParserChains::from_config(&f.parsers))
    {
        Ok(Ok(chains)) => chains,
        other => panic!("bench chain does not compile: {other:?}"),
    };
    let line = "2024-01-15T10:00:00Z INFO user=alice amount=1500.5 from 203.0.113.9";
    let rec = record(LINE, line);
    group.throughput(Throughput::Bytes(line.len() as u64));
    group.bench_function("grok-chain", |b| {
        b.iter(|| {
            let mut event = parse_record(7, black_box(&rec));
            chains.apply("bench", &mut event);
            event
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
