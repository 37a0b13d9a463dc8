use super::*;
use palisade_core::detection_config::DetectionConfig;

const UPLOAD: &str = "\
title: Test rule
id: test-rule-1
logsource:
  product: linux
  service: sshd
detection:
  selection:
    message|contains: 'token-xyz'
  condition: selection
level: high
";

fn library(dir: &Path) -> RuleLibrary {
    RuleLibrary::new(&DetectionConfig::default(), dir)
}

#[test]
fn the_builtin_pack_loads_completely() {
    let dir = tempfile::tempdir().unwrap();
    let compiled = library(dir.path())
        .compile(None, &HashSet::new(), None)
        .unwrap();
    assert!(compiled.failures.is_empty(), "{:?}", compiled.failures);
    let count = |kind| compiled.rules.iter().filter(|r| r.kind == kind).count();
    assert!(count("detection") >= 15, "{:?}", compiled.rules);
    assert!(count("correlation") >= 6, "{:?}", compiled.rules);
    assert!(compiled
        .rules
        .iter()
        .all(|r| r.origin == RuleOrigin::Builtin));
    assert_eq!(compiled.engine.len(), count("detection"));
}

#[test]
fn an_upload_is_compiled_with_the_rest_and_a_bad_one_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let library = library(dir.path());
    let put = Change::Put {
        scope: RuleScope::Global,
        id: "test-rule-1".into(),
        text: UPLOAD.into(),
    };
    let compiled = library.compile(None, &HashSet::new(), Some(&put)).unwrap();
    let rule = compiled
        .rules
        .iter()
        .find(|r| r.id == "test-rule-1")
        .unwrap();
    assert_eq!(
        (rule.origin, rule.source.as_str()),
        (RuleOrigin::Uploaded, "uploaded/test-rule-1.yml")
    );

    let broken = UPLOAD.replace("message|contains", "message|containz");
    let put = Change::Put {
        scope: RuleScope::Global,
        id: "test-rule-1".into(),
        text: broken.clone(),
    };
    let Err(RuleError::Invalid(problems)) = library.compile(None, &HashSet::new(), Some(&put))
    else {
        panic!("a broken upload must fail the compile");
    };
    assert_eq!(problems[0].line, Some(8), "{problems:?}");
    assert!(problems[0].reason.contains("containz"), "{problems:?}");
    let Err(RuleError::Invalid(problems)) = sources::upload_id(&broken) else {
        panic!("upload_id validates");
    };
    assert!(RuleError::Invalid(problems)
        .to_string()
        .starts_with("line 8: "));
}

#[test]
fn upload_ids_are_checked_and_duplicates_refused() {
    assert_eq!(sources::upload_id(UPLOAD).unwrap(), "test-rule-1");
    assert!(matches!(
        sources::upload_id("title: x\n"),
        Err(RuleError::Empty) | Err(RuleError::Invalid(_))
    ));
    let no_id = UPLOAD.replace("id: test-rule-1\n", "");
    let Err(RuleError::BadId(message)) = sources::upload_id(&no_id) else {
        panic!("a title with spaces cannot name a file");
    };
    assert!(message.contains("give the first rule an `id`"), "{message}");
    let dir = tempfile::tempdir().unwrap();
    let builtin_id = "9553e100-e018-4248-bb22-b85a5fd7e675";
    let clash = UPLOAD.replace("test-rule-1", builtin_id);
    let put = Change::Put {
        scope: RuleScope::Global,
        id: builtin_id.into(),
        text: clash,
    };
    let result = library(dir.path()).compile(None, &HashSet::new(), Some(&put));
    assert!(matches!(result, Err(RuleError::Conflict(_))));
}

#[test]
fn disabled_rules_are_listed_but_not_compiled() {
    let dir = tempfile::tempdir().unwrap();
    let library = library(dir.path());
    let all = library.compile(None, &HashSet::new(), None).unwrap();
    let id = "50ea29ba-2323-4c20-999b-f47f9ac289c9".to_owned();
    let compiled = library
        .compile(None, &HashSet::from([id.clone()]), None)
        .unwrap();
    assert_eq!(compiled.engine.len() + 1, all.engine.len());
    let rule = compiled.rules.iter().find(|r| r.id == id).unwrap();
    assert!(!rule.enabled);
}

#[test]
fn rules_dirs_load_and_their_failures_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("etc-rules");
    std::fs::create_dir_all(rules.join("sub")).unwrap();
    std::fs::write(rules.join("sub/good.yml"), UPLOAD).unwrap();
    std::fs::write(rules.join("bad.yaml"), "title: [unclosed\n").unwrap();
    std::fs::write(rules.join("notes.txt"), "not a rule").unwrap();
    let config = DetectionConfig {
        builtin: false,
        rules_dirs: vec![rules],
        ..DetectionConfig::default()
    };
    let compiled = RuleLibrary::new(&config, dir.path())
        .compile(None, &HashSet::new(), None)
        .unwrap();
    assert_eq!(compiled.rules.len(), 1);
    assert_eq!(compiled.rules[0].origin, RuleOrigin::Config);
    assert_eq!(compiled.failures.len(), 1, "{:?}", compiled.failures);
    assert!(compiled.failures[0].file.ends_with("bad.yaml"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Uploads are untrusted text: checking one never panics, whatever it holds.
    #[test]
    fn checking_an_upload_never_panics(text in "(title: |id: |detection:\n  |condition: |correlation:\n  |[ -~\n]){0,40}") {
        let _ = sources::upload_id(&text);
    }
}
