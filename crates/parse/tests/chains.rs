//! Parser chains from configuration text: each step kind, conditions, routing, drops, and
//! clear errors for bad configurations.

mod common;
use common::*;
use palisade_core::{Event, PayloadFormat, Value};
use palisade_parse::{parse_record, ParserChains, Verdict};

fn chains(config: &str) -> Result<ParserChains, String> {
    #[derive(serde::Deserialize)]
    struct File {
        parsers: Vec<toml::Table>,
    }
    let file: File = toml::from_str(config).map_err(|e| e.to_string())?;
    ParserChains::from_config(&file.parsers).map_err(|e| e.to_string())
}

fn run(chains: &ParserChains, source: &str, line: &str) -> (Verdict, Event) {
    let mut event = parse_record(1, &record(PayloadFormat::Line, line.as_bytes()));
    let verdict = chains.apply(source, &mut event);
    (verdict, event)
}

const PAYMENTS: &str = r#"
[[parsers]]
name = "payments"
sources = ["payments"]
steps = [
  { type = "drop", when = "DEBUG" },
  { type = "grok", field = "raw_data", pattern = "%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} user=%{USERNAME:user.name} amount=%{NUMBER:amount:float} from %{IP:src_endpoint.ip}" },
  { type = "timestamp", field = "ts", format = "rfc3339" },
  { type = "remove", fields = ["ts"] },
  { type = "ocsf", class = "api_activity", activity = "create" },
  { type = "set", field = "metadata.product.name", value = "payments" },
  { type = "route", to = "flag-large", when = "amount>1000" },
]

[[parsers]]
name = "flag-large"
steps = [{ type = "set", field = "severity_id", value = 4, when = "amount>1000" }]
"#;

#[test]
fn grok_timestamp_class_and_route() {
    let chains = chains(PAYMENTS).unwrap();
    let (verdict, e) = run(
        &chains,
        "payments",
        "2024-01-15T10:00:00Z INFO user=alice amount=1500.5 from 203.0.113.9",
    );
    assert_eq!(verdict, Verdict::Keep);
    assert_eq!(text(&e, "user.name"), "alice");
    assert_eq!(e.get("amount"), Some(&Value::Float(1500.5)));
    assert_eq!(text(&e, "src_endpoint.ip"), "203.0.113.9");
    assert_eq!(e.time, 1_705_312_800_000);
    assert_eq!(e.get("ts"), None);
    assert_eq!(int(&e, "class_uid"), 6003);
    assert_eq!(int(&e, "type_uid"), 600301);
    assert_eq!(int(&e, "severity_id"), 4);
    assert_eq!(text(&e, "metadata.product.name"), "payments");
    let (_, small) = run(
        &chains,
        "payments",
        "2024-01-15T10:00:00Z INFO user=bob amount=3 from 10.0.0.1",
    );
    assert_eq!(int(&small, "severity_id"), 0);
}

#[test]
fn chains_only_touch_their_sources_and_drop_by_condition() {
    let chains = chains(PAYMENTS).unwrap();
    let (verdict, _) = run(&chains, "payments", "DEBUG cache warm");
    assert_eq!(verdict, Verdict::Drop);
    let (verdict, e) = run(&chains, "other", "DEBUG user=alice amount=5 from 10.0.0.1");
    assert_eq!(verdict, Verdict::Keep);
    assert_eq!(e.get("user.name"), None);
}

#[test]
fn kv_csv_regex_json_rename_convert() {
    let chains = chains(
        r#"
[[parsers]]
name = "all-kinds"
steps = [
  { type = "kv", prefix = "kv." },
  { type = "csv", field = "kv.csv", separator = ";", columns = ["first", "", "third"] },
  { type = "regex", field = "kv.id", pattern = '^(?P<order__id>\d+)-(?P<region>[a-z]+)$' },
  { type = "json", field = "kv.doc", prefix = "doc." },
  { type = "rename", from = "region", to = "cloud.region" },
  { type = "convert", field = "order.id", to = "int" },
  { type = "convert", field = "kv.ok", to = "bool" },
]
"#,
    )
    .unwrap();
    let (_, e) = run(
        &chains,
        "any",
        r#"id=42-eu csv="a;b;c" ok=yes doc='{"n":1,"tags":["x"]}'"#,
    );
    assert_eq!(text(&e, "kv.id"), "42-eu");
    assert_eq!(text(&e, "first"), "a");
    assert_eq!(e.get("second"), None);
    assert_eq!(text(&e, "third"), "c");
    assert_eq!(int(&e, "order.id"), 42);
    assert_eq!(text(&e, "cloud.region"), "eu");
    assert_eq!(e.get("region"), None);
    assert_eq!(e.get("kv.ok"), Some(&Value::Bool(true)));
    assert_eq!(int(&e, "doc.n"), 1);
    assert_eq!(text(&e, "doc.tags.0"), "x");
}

#[test]
fn kv_and_json_steps_stop_at_2048_fields_and_count_the_rest() {
    let chains = chains(
        r#"
[[parsers]]
name = "wide"
steps = [
  { type = "kv", prefix = "kv." },
  { type = "json", field = "kv.doc", prefix = "doc." },
]
"#,
    )
    .unwrap();
    let pairs: Vec<String> = (0..5000).map(|i| format!("k{i}={i}")).collect();
    let (_, e) = run(&chains, "any", &pairs.join(" "));
    assert_eq!(text(&e, "kv.k0"), "0");
    assert_eq!(e.get("kv.k4999"), None);
    let left_out = int(&e, "unmapped.fields_left_out") as usize;
    assert_eq!(e.fields.len(), 2048 + 1);
    assert!(left_out > 5000 - 2048, "{left_out}");

    let members: Vec<String> = (0..5000).map(|i| format!("\"m{i}\":{i}")).collect();
    let (_, e) = run(&chains, "any", &format!("doc='{{{}}}'", members.join(",")));
    assert_eq!(int(&e, "doc.m0"), 0);
    assert_eq!(e.fields.len(), 2048 + 1);
    assert!(int(&e, "unmapped.fields_left_out") > 0);
}

#[test]
fn bad_configurations_name_the_chain_and_step() {
    let err = |config: &str| chains(config).unwrap_err();
    let e =
        err("[[parsers]]\nname = \"a\"\nsteps = [{ type = \"grok\", pattern = \"%{NOPE:x}\" }]");
    assert!(e.contains("\"a\", step 1") && e.contains("NOPE"), "{e}");
    let e = err("[[parsers]]\nname = \"a\"\nsteps = [{ type = \"teleport\" }]");
    assert!(e.contains("step 1") && e.contains("teleport"), "{e}");
    let e = err("[[parsers]]\nname = \"a\"\nsteps = [{ type = \"route\", to = \"b\" }]");
    assert!(e.contains("unknown chain"), "{e}");
    let e = err("[[parsers]]\nname = \"a\"\nwhen = \"(\"\nsteps = []");
    assert!(e.contains("condition"), "{e}");
    let e = err("[[parsers]]\nname = \"a\"\nsteps = [{ type = \"ocsf\", class = \"magic\" }]");
    assert!(e.contains("known: authentication"), "{e}");
    let e = err("[[parsers]]\nname = \"a\"\nsteps = [{ type = \"kv\", colour = 1 }]");
    assert!(e.contains("colour"), "{e}");
    let e = err("[[parsers]]\nname = \"a\"\nsteps = []\n[[parsers]]\nname = \"a\"\nsteps = []");
    assert!(e.contains("two chains"), "{e}");
}

#[test]
fn routing_cannot_loop() {
    let chains = chains(
        r#"
[[parsers]]
name = "a"
steps = [{ type = "set", field = "seen_a", value = true }, { type = "route", to = "b" }]
[[parsers]]
name = "b"
sources = ["nowhere"]
steps = [{ type = "route", to = "a" }]
"#,
    )
    .unwrap();
    let (verdict, e) = run(&chains, "x", "hello");
    assert_eq!(verdict, Verdict::Keep);
    assert_eq!(e.get("seen_a"), Some(&Value::Bool(true)));
}

#[test]
fn aggregate_steps_mark_events_and_bad_settings_are_named() {
    let config = r#"
[[parsers]]
name = "bursts"
sources = ["fw"]
steps = [{ type = "aggregate", window = "30s", by = "template", fields = ["device.ip"], max_count = 50, when = "DROP" }]
"#;
    let folding = chains(config).unwrap();
    assert!(folding.has_aggregation());
    let (verdict, mut marked) = run(&folding, "fw", "DROP IN=eth0 SRC=10.0.0.1");
    assert_eq!(verdict, Verdict::Keep);
    let rule = folding.take_aggregate_rule(&mut marked).unwrap();
    assert_eq!(
        (rule.window_ms, rule.by, rule.max_count),
        (30_000, palisade_parse::AggregateBy::Template, 50)
    );
    assert_eq!(rule.fields, ["device.ip"]);
    assert_eq!(
        marked.get(palisade_parse::AGGREGATE_MARK),
        None,
        "taken off"
    );
    let (_, mut other) = run(&folding, "fw", "ACCEPT IN=eth0");
    assert!(folding.take_aggregate_rule(&mut other).is_none());
    let (_, mut elsewhere) = run(&folding, "web", "DROP IN=eth0");
    assert!(folding.take_aggregate_rule(&mut elsewhere).is_none());
    assert!(!chains(
        r#"[[parsers]]
name = "plain"
steps = [{ type = "drop" }]"#
    )
    .unwrap()
    .has_aggregation());

    let err = |step: &str| {
        chains(&format!(
            "[[parsers]]\nname = \"bursts\"\nsteps = [{{ type = \"kv\" }}, {step}]"
        ))
        .unwrap_err()
    };
    let e = err(r#"{ type = "aggregate", by = "host" }"#);
    assert!(
        e.contains("\"bursts\", step 2") && e.contains("\"template\""),
        "{e}"
    );
    assert!(err(r#"{ type = "aggregate", window = "0s" }"#).contains("between 1ms and 1h"));
    assert!(err(r#"{ type = "aggregate", window = "2h" }"#).contains("between 1ms and 1h"));
    assert!(err(r#"{ type = "aggregate", max_count = 0 }"#).contains("at least 1"));
    assert!(err(r#"{ type = "aggregate", windw = "1s" }"#).contains("windw"));
}
