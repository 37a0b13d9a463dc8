//! The rules page (`/console/rules`): every rule with its state and the rules that failed to
//! load, as `GET /api/v1/rules` lists them; enabling, disabling and uploading are sent by the
//! page's script to the rules API (a tenant's security administrator changes its tenant's
//! rules, the operator the global ones, as for the CLI), whose validation problems (file,
//! line, reason) the page shows inline. A rule text can be tested
//! here over the signed-in tenant's most recent stored events.

use super::{data, html, session_of};
use crate::api::ApiState;
use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
    Extension,
};
use palisade_console::pages::rules::{Problem, RuleRow, RulesPage, TestOutcome};
use palisade_detect::{Engine, EngineOptions, LoadFailure, RuleSet};
use palisade_iam::{role::Permission, Identity};
use palisade_store::SearchRequest;
use serde::Deserialize;
use std::sync::Arc;

/// Events a test reads unless told otherwise.
const DEFAULT_TEST_EVENTS: usize = 1_000;
/// The most events a test may read.
const MAX_TEST_EVENTS: usize = 10_000;
/// Matches a test lists.
const SHOWN_MATCHES: usize = 100;
/// The largest rule text a test takes.
const MAX_TEST_BYTES: usize = 64 * 1024;

/// The page's query: a rule text to test (or a rule id whose file to test) and how many
/// recent events to test it over.
#[derive(Debug, Default, Deserialize)]
pub struct RulesForm {
    #[serde(default)]
    test: String,
    #[serde(default)]
    rule: String,
    events: Option<String>,
}

fn problem(failure: &LoadFailure) -> Problem {
    Problem {
        file: failure.file.clone(),
        line: failure.line.map(|l| l.to_string()).unwrap_or_default(),
        reason: failure.reason.clone(),
    }
}

fn said(reason: String) -> Problem {
    Problem {
        file: "test".into(),
        line: String::new(),
        reason,
    }
}

/// Compiles `text` on its own and runs its detection rules over the tenant's newest `count`
/// events; answers the problems of the text, or the outcome.
fn test_rule(
    state: &ApiState,
    identity: &Identity,
    text: &str,
    count: usize,
) -> Result<TestOutcome, Vec<Problem>> {
    if text.len() > MAX_TEST_BYTES {
        return Err(vec![said(format!(
            "the rule text is {} bytes; at most {MAX_TEST_BYTES} are tested",
            text.len()
        ))]);
    }
    let mut set = RuleSet::default();
    set.load_str("test", text);
    if !set.failures.is_empty() {
        return Err(set.failures.iter().map(problem).collect());
    }
    if set.rules.is_empty() {
        return Err(vec![said(
            "no detection rule in the text (correlation rules are not tested here)".into(),
        )]);
    }
    let engine = Engine::new(&set, &EngineOptions::default()).map_err(|e| vec![said(e)])?;
    let req = SearchRequest {
        tenant: Some(identity.tenant.clone()),
        filter: data::everything().map_err(|e| vec![said(e)])?,
        from_ms: None,
        to_ms: None,
        limit: count,
        cursor: None,
    };
    let events = state
        .pipeline
        .store()
        .search(&req)
        .map_err(|e| vec![said(format!("reading recent events failed: {e}"))])?
        .events;
    let mut matched = 0usize;
    let mut shown = Vec::new();
    for event in &events {
        if !engine.matches(event).is_empty() {
            matched += 1;
            if shown.len() < SHOWN_MATCHES {
                shown.push(super::search::row(event, false));
            }
        }
    }
    let ids: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
    Ok(TestOutcome {
        summary: format!(
            "{matched} of the newest {} stored events match {}",
            events.len(),
            ids.join(", ")
        ),
        matches: shown,
    })
}

/// How many events the form asks to test over.
fn test_events(form: &RulesForm) -> Result<usize, String> {
    match form.events.as_deref().map(str::trim) {
        None | Some("") => Ok(DEFAULT_TEST_EVENTS),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_TEST_EVENTS).contains(&n) => Ok(n),
            _ => Err(format!(
                "the number of events must be 1 to {MAX_TEST_EVENTS}, not {text:?}"
            )),
        },
    }
}

/// `GET /console/rules`.
pub async fn page(
    State(state): State<Arc<ApiState>>,
    Extension(identity): Extension<Identity>,
    headers: HeaderMap,
    Query(form): Query<RulesForm>,
) -> Response {
    // The operator works on the global rules; everyone else sees them with their tenant's own.
    let scope = if identity.is_operator() {
        palisade_alerts::RuleScope::Global
    } else {
        palisade_alerts::RuleScope::Tenant(identity.tenant.clone())
    };
    let (rules, failures) = state.detection.rules(&scope);
    let mut test_text = form.test.clone();
    if test_text.trim().is_empty() && !form.rule.is_empty() {
        test_text = state
            .detection
            .rule(&scope, &form.rule)
            .map(|(_, yaml)| yaml)
            .unwrap_or_default();
    }
    let count = test_events(&form);
    let (mut test, mut test_problems) = (None, Vec::new());
    let mut status = StatusCode::OK;
    if !test_text.trim().is_empty() {
        let outcome = match count.clone() {
            Err(e) => Err(vec![said(e)]),
            Ok(_) if !identity.can(Permission::EventsSearch) => Err(vec![said(
                "testing a rule reads events: your roles may not search events".into(),
            )]),
            Ok(n) => {
                let (text, reader, who) = (test_text.clone(), state.clone(), identity.clone());
                tokio::task::spawn_blocking(move || test_rule(&reader, &who, &text, n))
                    .await
                    .unwrap_or_else(|e| Err(vec![said(format!("the test failed: {e}"))]))
            }
        };
        match outcome {
            Ok(outcome) => test = Some(outcome),
            Err(problems) => {
                status = StatusCode::BAD_REQUEST;
                test_problems = problems;
            }
        }
    }
    let page = RulesPage {
        session: session_of(&identity, &headers, "/console/rules"),
        rules: rules
            .iter()
            .map(|r| RuleRow {
                id: r.id.clone(),
                id_encoded: data::encode(&r.id),
                title: r.title.clone(),
                level: r.level.clone(),
                kind: r.kind.to_owned(),
                origin: serde_json::to_value(r.origin)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                source: r.source.clone(),
                enabled: r.enabled,
            })
            .collect(),
        failures: failures.iter().map(problem).collect(),
        can_write: identity.can(Permission::RulesWrite),
        test_text,
        test_events: count.unwrap_or(DEFAULT_TEST_EVENTS),
        test_problems,
        test,
    };
    html(status, &page)
}
