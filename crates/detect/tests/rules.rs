//! Conditions, rule collections, filters, loading failures and logsource routing.

mod common;
use common::{engine, event, fires, s};
use palisade_core::{Event, PayloadFormat};
use palisade_detect::{Engine, EngineOptions, Placeholders, RuleSet};

const SELS: &str = "  sel_a:\n    A: 'x'\n  sel_b:\n    B: 'x'\n  _helper:\n    C: 'x'\n";

fn cond(condition: &str, fields: &[&str]) -> bool {
    let d = format!("{SELS}  condition: {condition}");
    let values: Vec<(&str, _)> = fields.iter().map(|f| (*f, s("x"))).collect();
    fires(&d, &values)
}

#[test]
fn condition_precedence_and_quantifiers() {
    assert!(cond("sel_a or sel_b and _helper", &["A"]));
    assert!(!cond("(sel_a or sel_b) and _helper", &["A"]));
    assert!(cond("not sel_a and sel_b", &["B"]));
    assert!(!cond("not (sel_a or sel_b)", &["B"]));
    assert!(cond("1 of sel_*", &["B"]));
    assert!(!cond("all of sel_*", &["B"]));
    assert!(cond("all of sel_*", &["A", "B"]));
    assert!(cond("all of them", &["A", "B"]), "them skips _helper");
    assert!(!cond("1 of them", &["C"]), "them skips _helper");
    let list = format!("{SELS}  condition:\n    - sel_a\n    - sel_b");
    assert!(fires(&list, &[("B", s("x"))]), "a condition list is an or");
}

#[test]
fn lists_of_maps_and_keywords() {
    let d = "  sel:\n    - A: 'x'\n      B: 'y'\n    - C: 'z'\n  condition: sel";
    assert!(fires(d, &[("A", s("x")), ("B", s("y"))]));
    assert!(!fires(d, &[("A", s("x"))]));
    assert!(fires(d, &[("C", s("z"))]));
    let d = "  keywords:\n    - 'failed password'\n    - 'invalid user'\n  condition: keywords";
    assert!(fires(
        d,
        &[("message", s("sshd: Failed password for root"))]
    ));
    assert!(!fires(d, &[("message", s("accepted publickey"))]));
    let d = "  sel:\n    F: ''\n  condition: sel";
    assert!(fires(d, &[("F", s(""))]));
    assert!(!fires(d, &[("F", s("x"))]));
}

#[test]
fn action_global_applies_to_every_following_document() {
    let yaml = "action: global\ntitle: shared\nlogsource:\n  product: test\ndetection:\n  condition: sel\n---\nid: one\ndetection:\n  sel:\n    A: 'x'\n---\nid: two\ndetection:\n  sel:\n    B: 'x'\n";
    let e = engine(yaml);
    let hits = e.matches(&event(&[("B", s("x"))]));
    assert_eq!(
        hits.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["two"]
    );
    assert_eq!(hits[0].title, "shared");
}

#[test]
fn filters_exclude_events_from_the_rules_they_name() {
    let yaml = "title: r\nid: rule-1\nname: rule_one\nlogsource:\n  product: test\ndetection:\n  sel:\n    A: 'x'\n  condition: sel\n---\ntitle: other\nid: rule-2\nlogsource:\n  product: test\ndetection:\n  sel:\n    A: 'x'\n  condition: sel\n---\ntitle: f\nlogsource:\n  product: test\nfilter:\n  rules:\n    - rule_one\n  selection:\n    User|startswith: 'adm_'\n  condition: selection\n";
    let e = engine(yaml);
    let ids = |user: &str| -> Vec<String> {
        e.matches(&event(&[("A", s("x")), ("User", s(user))]))
            .iter()
            .map(|r| r.id.clone())
            .collect()
    };
    assert_eq!(ids("adm_bob"), ["rule-2"]);
    assert_eq!(ids("bob"), ["rule-1", "rule-2"]);
}

#[test]
fn failures_name_file_line_and_reason_and_the_rest_still_load() {
    let yaml = "title: good\nlogsource:\n  product: test\ndetection:\n  sel:\n    A: x\n  condition: sel\n---\ntitle: bad\nlogsource:\n  product: test\ndetection:\n  sel:\n    A|bogus: x\n  condition: sel\n---\ntitle: legacy\nlogsource:\n  product: test\ndetection:\n  sel:\n    A: x\n  condition: sel | count() by B > 5\n---\ntitle: corr\ncorrelation:\n  type: event_count\n  rules: [good]\n";
    let mut set = RuleSet::new(Placeholders::new());
    set.load_str("mixed.yml", yaml);
    assert_eq!(set.rules.len(), 1);
    assert_eq!(set.skipped.len(), 1);
    assert!(set.skipped[0].reason.contains("palisade-correlate"));
    assert_eq!(set.failures.len(), 2, "{:#?}", set.failures);
    let bad = &set.failures[0];
    assert_eq!((bad.file.as_str(), bad.line), ("mixed.yml", Some(14)));
    assert!(
        bad.reason.contains("unknown modifier 'bogus'"),
        "{}",
        bad.reason
    );
    assert!(set.failures[1].reason.contains("correlation rule"));
    set.load_str("broken.yml", "title: [unclosed\n");
    let broken = &set.failures[2];
    assert!(broken.reason.contains("invalid YAML") && broken.line.is_some());
}

#[test]
fn legacy_forms_and_v1_dates_are_rejected_with_reasons() {
    let base = "title: t\nlogsource:\n  product: test\ndetection:\n  sel:\n    A: x\n";
    let reason = |extra: &str| {
        let mut set = RuleSet::new(Placeholders::new());
        set.load_str("x.yml", &format!("{base}{extra}"));
        set.failures
            .first()
            .map(|f| f.reason.clone())
            .unwrap_or_default()
    };
    assert!(reason("  timeframe: 5m\n  condition: sel").contains("timespan"));
    assert!(reason("  condition: sel near sel").contains("temporal"));
    assert!(reason("  condition: sel\ndate: 2021/03/09").contains("YYYY-MM-DD"));
    assert!(reason("  condition: sel\nstatus: unsupported").contains("unsupported"));
    assert!(reason("  condition: nope").contains("does not define"));
    assert!(reason("  condition: sel\n").is_empty());
}

fn windows_event(channel: &str, event_id: u32, data: &str) -> Event {
    let json = format!(
        r##"{{"Event":{{"System":{{"Provider":{{"#attributes":{{"Name":"p"}}}},"EventID":{event_id},"Channel":"{channel}","Computer":"pc1","TimeCreated":{{"#attributes":{{"SystemTime":"2025-01-01T00:00:00Z"}}}}}},"EventData":{{{data}}}}}}}"##
    );
    common::parsed(1, PayloadFormat::Json, json.into_bytes())
}

#[test]
fn routing_keeps_rules_on_their_own_log_source() {
    let yaml = "title: whoami\nid: w\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: '\\whoami.exe'\n  condition: sel\n";
    let e = engine(yaml);
    let data = r#""Image":"C:\\Windows\\System32\\whoami.exe""#;
    let sysmon = windows_event("Microsoft-Windows-Sysmon/Operational", 1, data);
    assert_eq!(e.matches(&sysmon).len(), 1);
    let wrong_id = windows_event("Microsoft-Windows-Sysmon/Operational", 11, data);
    assert!(
        e.matches(&wrong_id).is_empty(),
        "file_event is not process_creation"
    );
    let security = windows_event(
        "Security",
        4688,
        r#""NewProcessName":"C:\\Windows\\System32\\whoami.exe""#,
    );
    assert_eq!(
        e.matches(&security).len(),
        1,
        "4688 NewProcessName is Image"
    );
    let mut set = RuleSet::new(Placeholders::new());
    set.load_str("x.yml", yaml);
    let unrouted = Engine::new(
        &set,
        &EngineOptions {
            routing: false,
            ..EngineOptions::default()
        },
    )
    .expect("compiles");
    assert_eq!(
        unrouted.matches(&wrong_id).len(),
        1,
        "without routing the source is ignored"
    );
}

#[test]
fn eventdata_names_lose_their_spaces() {
    let yaml = "title: svc\nid: s\nlogsource:\n  product: windows\n  service: system\ndetection:\n  sel:\n    ServiceName: 'evil'\n    EventID: 7045\n  condition: sel\n";
    let e = engine(yaml);
    let event = windows_event("System", 7045, r#""Service Name":"EVIL""#);
    assert_eq!(e.matches(&event).len(), 1);
    let other = windows_event("Application", 7045, r#""Service Name":"EVIL""#);
    assert!(e.matches(&other).is_empty());
}

#[test]
fn sshd_rule_fires_on_parsed_syslog_and_not_on_other_programs() {
    let yaml = "title: ssh\nid: s\nlogsource:\n  product: linux\n  service: sshd\ndetection:\n  keywords:\n    - 'Failed password'\n  condition: keywords\n";
    let e = engine(yaml);
    let line = |id, app: &str| {
        let text = format!("<38>Jan  1 00:00:00 host {app}[12]: Failed password for root from 192.0.2.1 port 22 ssh2");
        common::parsed(id, PayloadFormat::Syslog, text.into_bytes())
    };
    assert_eq!(e.matches(&line(1, "sshd")).len(), 1);
    assert!(e.matches(&line(2, "myapp")).is_empty());
}

#[test]
fn one_scanner_over_a_stream_of_parsed_lines_matches_as_fresh_scanners_do() {
    let yaml = "title: ssh\nid: s\nlogsource:\n  product: linux\n  service: sshd\ndetection:\n  sel:\n    message|contains: 'Failed password'\n    device.hostname: 'web01'\n  condition: sel\n";
    let e = engine(yaml);
    let lines = [
        "<38>1 2026-01-01T00:00:00Z web01 sshd 12 - - Failed password for root",
        "<38>1 2026-01-01T00:00:00Z web02 sshd 12 - - Failed password for root",
        "<38>1 2026-01-01T00:00:00Z web01 sshd 12 - - Accepted password for root",
        "<38>1 2026-01-01T00:00:00Z web01 sshd 12 - [x@1 a=\"b\"] Failed password for root",
        "<38>Jan  1 00:00:00 web01 sshd[12]: Failed password for root",
        "<38>1 2026-01-01T00:00:00Z web01 sshd 12 - - Failed password for root",
        "<38>1 2026-01-01T00:00:00Z web01 cron 12 - - Failed password for root",
    ];
    let events: Vec<Event> = (1..)
        .zip(lines)
        .map(|(id, l)| common::parsed(id, PayloadFormat::Syslog, l.as_bytes().to_vec()))
        .collect();
    let mut scanner = e.scanner();
    let streamed: Vec<usize> = events.iter().map(|ev| scanner.scan(ev).len()).collect();
    let fresh: Vec<usize> = events.iter().map(|ev| e.matches(ev).len()).collect();
    assert_eq!(streamed, fresh);
    assert_eq!(fresh, [1, 0, 0, 1, 1, 1, 0]);
}

#[test]
fn auditd_rules_fire_on_audit_log_lines() {
    let yaml = "title: curl exec\nid: a\nlogsource:\n  product: linux\n  service: auditd\ndetection:\n  sel:\n    type: 'EXECVE'\n    a0: 'curl'\n    a1|contains: '-o'\n  condition: sel\n";
    let e = engine(yaml);
    let line = |id, format, text: &str| common::parsed(id, format, text.as_bytes().to_vec());
    let execve =
        r#"type=EXECVE msg=audit(1700000000.123:42): argc=3 a0="curl" a1="-o" a2=2F746D702F78"#;
    assert_eq!(e.matches(&line(1, PayloadFormat::Line, execve)).len(), 1);
    let other = r#"type=EXECVE msg=audit(1700000000.123:43): argc=1 a0="ls""#;
    assert!(e.matches(&line(2, PayloadFormat::Line, other)).is_empty());
    // The same words in a syslog line from another program are not an audit record.
    let syslog = "<38>Jan  1 00:00:00 host app[1]: type=EXECVE a0=curl a1=-o";
    assert!(e
        .matches(&line(3, PayloadFormat::Syslog, syslog))
        .is_empty());
}

#[test]
fn the_prefilter_never_hides_a_match() {
    let yaml = "title: a\nid: a\nlogsource:\n  product: test\ndetection:\n  sel:\n    F|contains: 'ÜBER'\n  condition: sel\n---\ntitle: b\nid: b\nlogsource:\n  product: test\ndetection:\n  sel:\n    F|cased|contains: 'Mixed'\n  condition: sel\n---\ntitle: c\nid: c\nlogsource:\n  product: test\ndetection:\n  keywords:\n    - 'needle'\n  condition: keywords\n";
    let mut set = RuleSet::new(Placeholders::new());
    set.load_str("x.yml", yaml);
    let with = Engine::new(&set, &EngineOptions::default()).expect("compiles");
    let without = Engine::new(
        &set,
        &EngineOptions {
            prefilter: false,
            ..EngineOptions::default()
        },
    )
    .expect("compiles");
    for text in [
        "über alles",
        "xxÜBERxx",
        "a Mixed b",
        "a mixed b",
        "NEEDLE",
        "hay",
        "ÑeedleÜber Mixed",
    ] {
        let e = event(&[("F", s(text))]);
        let ids = |engine: &Engine| {
            engine
                .matches(&e)
                .iter()
                .map(|r| r.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&with), ids(&without), "{text}");
    }
    assert_eq!(with.matches(&event(&[("F", s("xxÜBERxx"))])).len(), 1);
}
