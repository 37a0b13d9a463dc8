//! RFC 5424 messages, starting with the examples of RFC 5424 section 6.5.

mod common;
use common::*;
use palisade_core::{PayloadFormat, Value};

#[test]
fn example_1_bom_and_nil_procid() {
    let e = syslog(
        "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u{FEFF}'su root' failed for lonvick on /dev/pts/8",
    );
    assert!(!is_unparsed(&e));
    assert_eq!(e.get("unparsed"), None);
    assert_eq!(e.time, 1_065_910_455_003);
    assert_eq!(e.tenant.as_str(), "acme");
    assert_eq!(text(&e, "device.hostname"), "mymachine.example.com");
    assert_eq!(text(&e, "metadata.product.name"), "su");
    assert_eq!(e.get("unmapped.syslog.procid"), None);
    assert_eq!(text(&e, "unmapped.syslog.msgid"), "ID47");
    assert_eq!(
        text(&e, "message"),
        "'su root' failed for lonvick on /dev/pts/8"
    );
    assert_eq!(int(&e, "unmapped.syslog.facility"), 4);
    assert_eq!(int(&e, "unmapped.syslog.severity"), 2);
    assert_eq!(int(&e, "severity_id"), 5);
    assert_eq!(text(&e, "metadata.parser"), "syslog");
    assert_eq!(text(&e, "metadata.log_format"), "rfc5424");
    assert_eq!(text(&e, "metadata.log_name"), "syslog-udp");
    assert_eq!(int(&e, "metadata.logged_time"), RECEIVED_MS);
    assert_eq!(text(&e, "device.ip"), "192.0.2.9");
    for path in ["class_uid", "category_uid", "activity_id", "type_uid"] {
        assert_eq!(int(&e, path), 0, "{path}");
    }
    assert!(text(&e, "raw_data").starts_with("<34>1 2003"));
    assert_eq!(e.get("raw_data_base64"), None);
}

#[test]
fn example_2_offset_and_microseconds() {
    let e = syslog(
        "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
    );
    assert_eq!(e.time, 1_061_727_255_000);
    assert_eq!(text(&e, "device.hostname"), "192.0.2.1");
    assert_eq!(text(&e, "metadata.product.name"), "myproc");
    assert_eq!(text(&e, "unmapped.syslog.procid"), "8710");
    assert_eq!(e.get("unmapped.syslog.msgid"), None);
    assert_eq!(text(&e, "message"), "%% It's time to make the do-nuts.");
    assert_eq!(int(&e, "unmapped.syslog.facility"), 20);
    assert_eq!(int(&e, "unmapped.syslog.severity"), 5);
    assert_eq!(int(&e, "severity_id"), 2);
}

#[test]
fn example_3_structured_data_and_message() {
    let e = syslog(
        "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] \u{FEFF}An application event log entry...",
    );
    assert_eq!(text(&e, "unmapped.syslog.sd.exampleSDID@32473.iut"), "3");
    assert_eq!(
        text(&e, "unmapped.syslog.sd.exampleSDID@32473.eventSource"),
        "Application"
    );
    assert_eq!(
        text(&e, "unmapped.syslog.sd.exampleSDID@32473.eventID"),
        "1011"
    );
    assert_eq!(text(&e, "message"), "An application event log entry...");
}

#[test]
fn example_4_several_elements_and_no_message() {
    let e = syslog(
        "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"]",
    );
    assert!(!is_unparsed(&e));
    assert_eq!(
        text(&e, "unmapped.syslog.sd.examplePriority@32473.class"),
        "high"
    );
    assert_eq!(
        text(&e, "unmapped.syslog.sd.exampleSDID@32473.eventID"),
        "1011"
    );
    assert_eq!(text(&e, "message"), "");
}

#[test]
fn all_nil_header_uses_received_time() {
    let e = syslog("<13>1 - - - - - - hello");
    assert!(!is_unparsed(&e));
    assert_eq!(e.time, RECEIVED_MS);
    assert_eq!(e.get("device.hostname"), None);
    assert_eq!(text(&e, "message"), "hello");
}

#[test]
fn param_value_escapes() {
    let e = syslog(r#"<13>1 - h a - - [x@1 q="say \"hi\"" b="back\\slash" r="a\]b" o="keep\n"] m"#);
    assert_eq!(text(&e, "unmapped.syslog.sd.x@1.q"), "say \"hi\"");
    assert_eq!(text(&e, "unmapped.syslog.sd.x@1.b"), "back\\slash");
    assert_eq!(text(&e, "unmapped.syslog.sd.x@1.r"), "a]b");
    assert_eq!(text(&e, "unmapped.syslog.sd.x@1.o"), "keep\\n");
    assert_eq!(text(&e, "message"), "m");
}

#[test]
fn element_without_params_is_recorded() {
    let e = syslog("<13>1 - h a - - [timeQuality] m");
    assert_eq!(
        e.get("unmapped.syslog.sd.timeQuality"),
        Some(&Value::Bool(true))
    );
}

#[test]
fn non_utf8_message_is_kept_exactly() {
    let mut payload = b"<13>1 - h app - - - caf\xE9 \xFF".to_vec();
    payload.push(b'\n');
    let e = palisade_parse::parse_record(1, &record(PayloadFormat::Syslog, &payload));
    assert!(!is_unparsed(&e));
    assert_eq!(text(&e, "message"), "caf\u{FFFD} \u{FFFD}");
    use base64::Engine as _;
    let exact = base64::engine::general_purpose::STANDARD
        .decode(text(&e, "raw_data_base64"))
        .expect("valid base64");
    assert_eq!(exact, payload);
}

#[test]
fn malformed_headers_are_kept_unparsed() {
    for bad in [
        "<13>1 2003-13-11T22:14:15Z h a - - - bad month",
        "<13>1 2003-10-11T22:14:15 h a - - - no offset",
        "<13>1 - h a - - [unterminated x=\"1\" m",
        "<13>1 - h a - - [x y] bad param",
        "<13>1 - h a",
        "<13>1 - h a - - garbage",
    ] {
        let e = syslog(bad);
        assert!(is_unparsed(&e), "{bad}");
        assert_eq!(text(&e, "message"), bad);
        assert_eq!(text(&e, "raw_data"), bad);
        assert_eq!(e.time, RECEIVED_MS);
        assert_eq!(int(&e, "severity_id"), 0);
    }
}

#[test]
fn repeated_param_keeps_one_field_with_the_last_value() {
    let e = syslog(r#"<13>1 - h a - - [x@1 k="1" k="2"][y@1 k="3"] m"#);
    assert_eq!(text(&e, "unmapped.syslog.sd.x@1.k"), "2");
    assert_eq!(text(&e, "unmapped.syslog.sd.y@1.k"), "3");
    let count = e
        .fields
        .iter()
        .filter(|(k, _)| k == "unmapped.syslog.sd.x@1.k")
        .count();
    assert_eq!(count, 1);
}

#[test]
fn thousands_of_parameters_keep_the_first_512_and_count_the_rest() {
    let params: Vec<String> = (0..6000).map(|i| format!("p{i}=\"{i}\"")).collect();
    let line = format!(
        "<34>1 2024-01-01T00:00:00Z host app - - [x {}] hello",
        params.join(" ")
    );
    let e = syslog(&line);
    assert!(!is_unparsed(&e));
    assert_eq!(text(&e, "unmapped.syslog.sd.x.p0"), "0");
    assert_eq!(text(&e, "unmapped.syslog.sd.x.p511"), "511");
    assert_eq!(e.get("unmapped.syslog.sd.x.p512"), None);
    assert_eq!(
        e.get("unmapped.syslog.sd_left_out"),
        Some(&Value::Int(6000 - 512))
    );
    assert_eq!(text(&e, "message"), "hello");
    assert!(text(&e, "raw_data").contains("p5999=\"5999\""));
}
