//! Tenant-scoped rules and alerts as OCSF findings, through the detection service as the
//! pipeline drives it: a tenant's rule sees its tenant's events only, other tenants neither
//! see nor change it, a global rule disabled by one tenant keeps running for the others, and
//! every new alert queues one Detection Finding that never re-triggers its own rule.

use palisade_alerts::{AlertFilter, DetectionService, RuleError, RuleScope};
use palisade_core::{
    detection_config::DetectionConfig, Alert, Detector, Event, PayloadFormat, RawRecord, TenantId,
    Transport,
};
use std::sync::Arc;

const RULE: &str = "\
title: Tenant magic word
id: tenant-magic-word
logsource:
  product: linux
detection:
  selection:
    message|contains: 'magic-word'
  condition: selection
level: high
tags:
  - attack.execution
  - attack.t1059.004
";

/// A rule over findings: it fires on every Detection Finding of the tenant.
const FINDING_RULE: &str = "\
title: Any finding
id: any-finding
logsource:
  product: palisade
detection:
  selection:
    class_uid: 2004
  condition: selection
level: medium
";

/// The built-in rule that fires on a refused sudo (`user NOT in sudoers`).
const SUDO_RULE: &str = "d78c928f-282e-416d-98ee-39fb39b3beb4";

struct Harness {
    dir: tempfile::TempDir,
    service: Arc<DetectionService>,
    next_id: u64,
}

fn tenant(name: &str) -> TenantId {
    TenantId::new(name).unwrap()
}

fn scope(name: &str) -> RuleScope {
    RuleScope::Tenant(tenant(name))
}

impl Harness {
    fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let service = Harness::start(dir.path());
        Harness {
            dir,
            service,
            next_id: 1,
        }
    }

    fn start(dir: &std::path::Path) -> Arc<DetectionService> {
        let state =
            Arc::new(palisade_state::StateStore::open(&palisade_state::state_path(dir)).unwrap());
        DetectionService::start(&DetectionConfig::default(), dir, state).unwrap()
    }

    /// Parses `payload` as the pipeline does, for `tenant`, and inspects it.
    fn feed(&mut self, tenant: &TenantId, format: PayloadFormat, payload: &str) {
        let id = self.next_id;
        self.next_id += 1;
        let record = RawRecord {
            tenant: tenant.clone(),
            source: "test".into(),
            transport: Transport::Tcp,
            format,
            received_ms: 1_795_996_800_000 + id as i64,
            peer: None,
            payload: payload.as_bytes().to_vec(),
        };
        let event: Event = palisade_parse::parse_record(id, &record);
        self.service.inspect(&[event]);
    }

    fn syslog(&mut self, tenant: &TenantId, message: &str) {
        let line = format!("<38>Nov 24 00:00:00 host1 app[42]: {message}");
        self.feed(tenant, PayloadFormat::Syslog, &line);
    }

    fn alerts(&self, tenant: &str, rule: &str) -> Vec<Alert> {
        let filter = AlertFilter {
            tenant: Some(TenantId::new(tenant).unwrap()),
            rule_id: Some(rule.into()),
            limit: 100,
            ..AlertFilter::default()
        };
        self.service.alerts().list(&filter).unwrap()
    }
}

#[test]
fn a_tenant_rule_fires_on_its_tenant_only_and_others_cannot_touch_it() {
    let mut h = Harness::new();
    let rules = h.service.upload(&scope("acme"), RULE).unwrap();
    assert_eq!(rules[0].tenant, Some(tenant("acme")));
    assert_eq!(rules[0].source, "uploaded/acme/tenant-magic-word.yml");

    h.syslog(&tenant("acme"), "the magic-word here");
    h.syslog(&tenant("rival"), "the magic-word there");
    h.syslog(&tenant("default"), "the magic-word elsewhere");
    assert_eq!(h.alerts("acme", "tenant-magic-word").len(), 1);
    assert!(h.alerts("rival", "tenant-magic-word").is_empty());
    assert!(h.alerts("default", "tenant-magic-word").is_empty());

    let visible = |scope: &RuleScope| {
        let (rules, _) = h.service.rules(scope);
        rules.iter().any(|r| r.id == "tenant-magic-word")
    };
    assert!(visible(&scope("acme")));
    assert!(!visible(&scope("rival")));
    assert!(
        visible(&RuleScope::Global),
        "the operator sees every tenant's rules"
    );
    assert!(h
        .service
        .rule(&scope("rival"), "tenant-magic-word")
        .is_none());
    let refused = [
        h.service
            .replace(&scope("rival"), "tenant-magic-word", RULE)
            .map(drop),
        h.service.delete(&scope("rival"), "tenant-magic-word"),
        h.service
            .set_enabled(&scope("rival"), "tenant-magic-word", false)
            .map(drop),
    ];
    for result in refused {
        assert!(matches!(result, Err(RuleError::NotFound(_))), "{result:?}");
    }
    // Another tenant may use the same id for a rule of its own.
    h.service.upload(&scope("rival"), RULE).unwrap();
    // A global rule cannot take an id a tenant uses.
    let global = h.service.upload(&RuleScope::Global, RULE);
    assert!(matches!(global, Err(RuleError::Conflict(_))), "{global:?}");
    // A tenant cannot change a global rule.
    let builtin = h.service.delete(&scope("acme"), SUDO_RULE);
    assert!(
        matches!(builtin, Err(RuleError::NotUploaded(_))),
        "{builtin:?}"
    );

    // Persisted: a restart loads each tenant's rules into its own engine again.
    let dir = h.dir.path().to_owned();
    let service = Harness::start(&dir);
    let (acme, _) = service.rules(&scope("acme"));
    let own: Vec<_> = acme.iter().filter(|r| r.tenant.is_some()).collect();
    assert_eq!(own.len(), 1, "{own:?}");
    assert!(service.engines().tenants.contains_key(&tenant("rival")));
}

#[test]
fn a_tenant_disables_a_global_rule_for_itself_only() {
    let mut h = Harness::new();
    let sudo =
        "alice : user NOT in sudoers ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/sh";
    let line = format!("<38>Nov 24 00:00:00 host1 sudo: {sudo}");
    let rule = h
        .service
        .set_enabled(&scope("acme"), SUDO_RULE, false)
        .unwrap();
    assert!(!rule.enabled);
    let (rules, _) = h.service.rules(&scope("rival"));
    assert!(rules.iter().any(|r| r.id == SUDO_RULE && r.enabled));
    h.feed(&tenant("acme"), PayloadFormat::Syslog, &line);
    h.feed(&tenant("rival"), PayloadFormat::Syslog, &line);
    assert!(h.alerts("acme", SUDO_RULE).is_empty());
    assert_eq!(h.alerts("rival", SUDO_RULE).len(), 1);
}

#[test]
fn each_new_alert_queues_one_finding_that_does_not_retrigger_its_rule() {
    let mut h = Harness::new();
    h.service.upload(&scope("acme"), RULE).unwrap();
    h.syslog(&tenant("acme"), "the magic-word once");
    h.syslog(&tenant("acme"), "the magic-word twice");
    let alerts = h.alerts("acme", "tenant-magic-word");
    assert_eq!((alerts.len(), alerts[0].count), (1, 2), "{alerts:?}");
    let queued = h.service.alerts().queued_findings(0, 100).unwrap();
    assert_eq!(queued.len(), 1, "a repeat queues no finding: {queued:?}");
    assert_eq!(queued[0].tenant, tenant("acme"));
    let finding: serde_json::Value = serde_json::from_str(&queued[0].payload).unwrap();
    assert_eq!(finding["class_uid"], 2004);
    assert_eq!(
        finding["finding_info"]["analytic"]["uid"],
        "tenant-magic-word"
    );
    assert_eq!(finding["finding_info"]["uid"], alerts[0].id.as_str());
    assert_eq!(finding["attacks"][0]["sub_technique"]["uid"], "T1059.004");

    // Findings go through the pipeline as OCSF JSON and reach detection like any event:
    // a rule over findings fires on the magic-word rule's finding, but not on its own.
    h.service.upload(&scope("acme"), FINDING_RULE).unwrap();
    h.service.alerts().sent_findings(queued[0].seq).unwrap();
    h.feed(&tenant("acme"), PayloadFormat::Json, &queued[0].payload);
    assert_eq!(h.alerts("acme", "any-finding").len(), 1);
    let second = h.service.alerts().queued_findings(0, 100).unwrap();
    assert_eq!(second.len(), 1, "{second:?}");
    let finding: serde_json::Value = serde_json::from_str(&second[0].payload).unwrap();
    assert_eq!(finding["finding_info"]["analytic"]["uid"], "any-finding");
    assert_eq!(
        finding["finding_info"]["related_analytics"][0]["uid"],
        "tenant-magic-word"
    );
    h.feed(&tenant("acme"), PayloadFormat::Json, &second[0].payload);
    let alerts = h.alerts("acme", "any-finding");
    assert_eq!(
        alerts[0].count, 1,
        "a finding re-triggered the rule that made it"
    );
    assert_eq!(h.alerts("acme", "tenant-magic-word")[0].count, 2);
    h.service.alerts().sent_findings(second[0].seq).unwrap();
    assert!(h
        .service
        .alerts()
        .queued_findings(0, 100)
        .unwrap()
        .is_empty());
}
