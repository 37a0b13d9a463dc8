//! Every value modifier, escape and wildcard form, through the public engine.

mod common;
use common::{engine_with, event, fires, rule, s};
use palisade_core::Value;
use palisade_detect::Placeholders;

#[test]
fn contains_startswith_endswith_and_all() {
    let d = "  sel:\n    CommandLine|contains: 'mimikatz'\n  condition: sel";
    assert!(fires(d, &[("CommandLine", s("run MimiKatz.exe now"))]));
    assert!(!fires(d, &[("CommandLine", s("run mimi katz"))]));
    let d = "  sel:\n    Image|startswith: 'C:\\Windows\\'\n  condition: sel";
    assert!(fires(d, &[("Image", s("c:\\windows\\system32\\cmd.exe"))]));
    assert!(!fires(d, &[("Image", s("D:\\windows\\cmd.exe"))]));
    let d =
        "  sel:\n    Image|endswith:\n      - '\\cmd.exe'\n      - '\\pwsh.exe'\n  condition: sel";
    assert!(fires(d, &[("Image", s("C:\\x\\PWSH.EXE"))]));
    let d =
        "  sel:\n    CommandLine|contains|all:\n      - ' -w '\n      - 'hidden'\n  condition: sel";
    assert!(fires(d, &[("CommandLine", s("ps -w hidden"))]));
    assert!(!fires(d, &[("CommandLine", s("ps -w shown"))]));
}

#[test]
fn wildcards_inside_contains_and_escapes() {
    let d = "  sel:\n    CommandLine|contains: 'net*user'\n  condition: sel";
    assert!(fires(d, &[("CommandLine", s("x net1 user y"))]));
    assert!(!fires(d, &[("CommandLine", s("user net"))]));
    let d = "  sel:\n    F|contains: 'a?c'\n  condition: sel";
    assert!(fires(d, &[("F", s("xxabcxx"))]));
    let d = "  sel:\n    F: 'literal\\*star'\n  condition: sel";
    assert!(fires(d, &[("F", s("literal*star"))]));
    assert!(!fires(d, &[("F", s("literalXstar"))]));
    let d = "  sel:\n    F: 'what\\?'\n  condition: sel";
    assert!(fires(d, &[("F", s("what?"))]));
    assert!(!fires(d, &[("F", s("whatX"))]));
    let d = "  sel:\n    F: 'share\\\\*'\n  condition: sel";
    assert!(fires(d, &[("F", s("share\\anything"))]));
}

#[test]
fn unicode_case_folding_and_cased() {
    let d = "  sel:\n    User: 'ÅSA ÖBERG'\n  condition: sel";
    assert!(fires(d, &[("User", s("åsa öberg"))]));
    let d = "  sel:\n    User|contains: 'ПРИВЕТ'\n  condition: sel";
    assert!(fires(d, &[("User", s("сказал привет"))]));
    let d = "  sel:\n    User|cased: 'Admin'\n  condition: sel";
    assert!(fires(d, &[("User", s("Admin"))]));
    assert!(!fires(d, &[("User", s("admin"))]));
}

#[test]
fn exists_null_neq_and_numbers() {
    let d = "  sel:\n    Tag|exists: true\n  condition: sel";
    assert!(fires(d, &[("Tag", s(""))]));
    assert!(!fires(d, &[]));
    let d = "  sel:\n    Tag|exists: false\n  condition: sel";
    assert!(fires(d, &[]));
    let d = "  sel:\n    Tag: null\n  condition: sel";
    assert!(fires(d, &[]));
    assert!(!fires(d, &[("Tag", s("x"))]));
    let d = "  sel:\n    User|neq: 'root'\n  condition: sel";
    assert!(fires(d, &[("User", s("alice"))]));
    assert!(!fires(d, &[("User", s("ROOT"))]));
    let d = "  sel:\n    EventID: 4688\n  condition: sel";
    assert!(fires(d, &[("EventID", Value::Int(4688))]));
    assert!(fires(d, &[("EventID", s("4688"))]));
    assert!(!fires(d, &[("EventID", Value::Int(46880))]));
    let d = "  sel:\n    Port|gt: 1024\n  condition: sel";
    assert!(fires(d, &[("Port", Value::Int(8080))]));
    assert!(!fires(d, &[("Port", Value::Int(1024))]));
    let d = "  sel:\n    Port|gte: 1024\n  condition: sel";
    assert!(fires(d, &[("Port", Value::Int(1024))]));
    let d = "  sel:\n    Port|lt: 10\n  condition: sel";
    assert!(fires(d, &[("Port", s("9"))]));
    let d = "  sel:\n    Port|lte: 10\n  condition: sel";
    assert!(!fires(d, &[("Port", s("11"))]));
}

#[test]
fn regular_expressions_with_flags() {
    let d = "  sel:\n    F|re: '^ab+c$'\n  condition: sel";
    assert!(fires(d, &[("F", s("abbbc"))]));
    assert!(
        !fires(d, &[("F", s("ABBC"))]),
        "re is case-sensitive by default"
    );
    let d = "  sel:\n    F|re|i: '^ab+c$'\n  condition: sel";
    assert!(fires(d, &[("F", s("ABBC"))]));
    let d = "  sel:\n    F|re|m: '^second$'\n  condition: sel";
    assert!(fires(d, &[("F", s("first\nsecond"))]));
    let d = "  sel:\n    F|re|s: 'a.b'\n  condition: sel";
    assert!(fires(d, &[("F", s("a\nb"))]));
    let d = "  sel:\n    F|re: 'a.b'\n  condition: sel";
    assert!(!fires(d, &[("F", s("a\nb"))]));
}

#[test]
fn base64_and_utf16_encodings() {
    let d = "  sel:\n    F|base64: 'ping'\n  condition: sel";
    assert!(fires(d, &[("F", s("cGluZw=="))]));
    let d = "  sel:\n    F|base64offset|contains: '/bin/bash'\n  condition: sel";
    // "xx/bin/bash" and "x/bin/bash" encoded: each offset must be found.
    for encoded in ["eHgvYmluL2Jhc2g=", "eC9iaW4vYmFzaA==", "L2Jpbi9iYXNo"] {
        assert!(fires(d, &[("F", s(encoded))]), "{encoded}");
    }
    // Powershell -EncodedCommand is UTF-16LE then base64: "IEX" -> SQBFAFgA
    let d = "  sel:\n    F|wide|base64offset|contains: 'IEX'\n  condition: sel";
    assert!(fires(d, &[("F", s("powershell -enc SQBFAFgAIAAoA"))]));
    let d = "  sel:\n    F|utf16le|base64: 'A'\n  condition: sel";
    assert!(fires(d, &[("F", s("QQA="))]));
    let d = "  sel:\n    F|utf16be|base64: 'A'\n  condition: sel";
    assert!(fires(d, &[("F", s("AEE="))]));
    let d = "  sel:\n    F|utf16|base64: 'A'\n  condition: sel";
    assert!(fires(d, &[("F", s("//5BAA=="))]));
    let d = "  sel:\n    F|base64|contains: 'ping'\n  condition: sel";
    assert!(
        !fires(d, &[("F", s("CGLUZW=="))]),
        "encoded values are case-sensitive"
    );
}

#[test]
fn windash_cidr_and_time_parts() {
    let d = "  sel:\n    CommandLine|windash|contains: ' -exec bypass'\n  condition: sel";
    for v in [
        "p -exec bypass",
        "p /exec bypass",
        "p \u{2013}exec bypass",
        "p \u{2014}exec bypass",
    ] {
        assert!(fires(d, &[("CommandLine", s(v))]), "{v}");
    }
    let d =
        "  sel:\n    SourceIp|cidr:\n      - '10.0.0.0/8'\n      - 'fd00::/8'\n  condition: sel";
    assert!(fires(d, &[("SourceIp", s("10.20.30.40"))]));
    assert!(fires(d, &[("SourceIp", s("fd12::1"))]));
    assert!(!fires(d, &[("SourceIp", s("11.0.0.1"))]));
    assert!(!fires(d, &[("SourceIp", s("not an ip"))]));
    let d = "  sel:\n    UtcTime|hour: 3\n    UtcTime|month: 11\n  condition: sel";
    assert!(fires(d, &[("UtcTime", s("2025-11-27 03:40:10.132"))]));
    assert!(!fires(d, &[("UtcTime", s("2025-11-27 04:40:10.132"))]));
    for (m, v) in [
        ("minute", "40"),
        ("day", "27"),
        ("week", "48"),
        ("year", "2025"),
    ] {
        let d = format!("  sel:\n    T|{m}: {v}\n  condition: sel");
        assert!(fires(&d, &[("T", s("2025-11-27T03:40:10Z"))]), "{m}");
    }
}

#[test]
fn expand_uses_configured_placeholders() {
    let mut p = Placeholders::new();
    p.insert("admins".into(), vec!["alice".into(), "bob".into()]);
    let r = rule("  sel:\n    User|expand: '%admins%'\n  condition: sel");
    let engine = engine_with(&r, p);
    assert_eq!(engine.matches(&event(&[("User", s("bob"))])).len(), 1);
    assert!(engine.matches(&event(&[("User", s("carol"))])).is_empty());
    let mut set = palisade_detect::RuleSet::new(Placeholders::new());
    set.load_str("x.yml", &r);
    assert!(set.failures[0]
        .reason
        .contains("'%admins%' has no configured values"));
}

#[test]
fn fieldref_compares_two_fields() {
    let d = "  sel:\n    TargetUser|fieldref: SubjectUser\n  condition: sel";
    assert!(fires(
        d,
        &[("TargetUser", s("Alice")), ("SubjectUser", s("alice"))]
    ));
    assert!(!fires(
        d,
        &[("TargetUser", s("alice")), ("SubjectUser", s("bob"))]
    ));
    assert!(!fires(d, &[("TargetUser", s("alice"))]));
}
