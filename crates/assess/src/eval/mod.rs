//! Evaluation: each rule against the target, rules combined by their condition, policy
//! requirements first.

mod command;
mod dir;
mod file;
mod net;
mod process;
mod sysctl;

pub use net::{parse_proc_net, Socket};

use crate::outcome::{CheckResult, Evidence, Status, Verdict};
use crate::policy::{Check, Condition, Policy, RuleGroup};
use crate::rule::Rule;
use crate::target::Target;

/// Evaluates one rule, appending what it saw to `evidence`.
pub fn rule(rule: &Rule, target: &Target, evidence: &mut Vec<Evidence>) -> Verdict {
    match rule {
        Rule::File { paths, meta, text } => {
            file::evaluate(target, paths, meta, text.as_ref(), evidence)
        }
        Rule::Dir {
            path,
            exists,
            entry,
            no_entry,
            files,
            text,
        } => dir::evaluate(
            target,
            dir::DirRule {
                path,
                exists: *exists,
                entry,
                no_entry,
                files,
                text: text.as_ref(),
            },
            evidence,
        ),
        Rule::Process { pattern, running } => {
            process::evaluate(target, pattern, *running, evidence)
        }
        Rule::Port {
            ports,
            proto,
            listening,
            public,
        } => net::evaluate(
            target,
            net::PortRule {
                ports,
                proto: *proto,
                listening: *listening,
                public: *public,
            },
            evidence,
        ),
        Rule::Command {
            argv,
            timeout,
            exit,
            text,
        } => command::evaluate(target, argv, *timeout, *exit, text.as_ref(), evidence),
        Rule::Sysctl { name, value } => sysctl::evaluate(target, name, value, evidence),
    }
}

/// Evaluates a group: the status and its one-line reason.
///
/// Rules that are not applicable are left out; when all are, so is the group. `all` fails on
/// the first rule that does not hold, `any` passes on the first that does, `none` fails on
/// the first that does; a rule in error decides only when nothing else already did.
pub fn group(group: &RuleGroup, target: &Target, evidence: &mut Vec<Evidence>) -> (Status, String) {
    let mut applicable = 0;
    let mut held = 0;
    let mut first_error: Option<String> = None;
    let mut first_na: Option<String> = None;
    let mut first_not_held: Option<usize> = None;
    let mut first_held: Option<usize> = None;
    for (i, r) in group.rules.iter().enumerate() {
        match rule(r, target, evidence) {
            Verdict::Held => {
                applicable += 1;
                held += 1;
                first_held.get_or_insert(i + 1);
            }
            Verdict::NotHeld => {
                applicable += 1;
                first_not_held.get_or_insert(i + 1);
            }
            Verdict::NotApplicable(why) => {
                first_na.get_or_insert(why);
            }
            Verdict::Error(why) => {
                applicable += 1;
                first_error.get_or_insert(why);
            }
        }
    }
    if applicable == 0 {
        return (
            Status::NotApplicable,
            first_na.unwrap_or_else(|| "nothing to check".into()),
        );
    }
    let decided = match group.condition {
        Condition::All => first_not_held.map(|i| (Status::Fail, format!("rule {i} does not hold"))),
        Condition::Any => first_held.map(|i| (Status::Pass, format!("rule {i} holds"))),
        Condition::None => first_held.map(|i| (Status::Fail, format!("rule {i} holds"))),
    };
    if let Some(d) = decided {
        return d;
    }
    if let Some(why) = first_error {
        return (Status::Error, why);
    }
    match group.condition {
        Condition::All => (Status::Pass, format!("all {held} applicable rules hold")),
        Condition::Any => (Status::Fail, "no rule holds".into()),
        Condition::None => (Status::Pass, "no rule holds".into()),
    }
}

fn result(
    policy: &Policy,
    check: &Check,
    status: Status,
    reason: String,
    evidence: Vec<Evidence>,
) -> CheckResult {
    CheckResult {
        policy: policy.id.clone(),
        id: check.id.clone(),
        title: check.title.clone(),
        severity: check.severity,
        status,
        reason,
        rationale: check.rationale.clone(),
        remediation: check.remediation.clone(),
        references: check.references.clone(),
        ccm: check.ccm.clone(),
        evidence,
    }
}

/// Runs every check of a policy. When its requirements do not hold, every check is not
/// applicable with the requirement's evidence.
pub fn policy(policy: &Policy, target: &Target) -> Vec<CheckResult> {
    if let Some(req) = &policy.requirements {
        let mut evidence = Vec::new();
        let (status, why) = group(req, target, &mut evidence);
        if status != Status::Pass {
            let reason = format!("policy requirements not met: {why}");
            return policy
                .checks
                .iter()
                .map(|c| {
                    result(
                        policy,
                        c,
                        Status::NotApplicable,
                        reason.clone(),
                        evidence.clone(),
                    )
                })
                .collect();
        }
    }
    policy
        .checks
        .iter()
        .map(|c| {
            let mut evidence = Vec::new();
            let (status, reason) = group(&c.group, target, &mut evidence);
            result(policy, c, status, reason, evidence)
        })
        .collect()
}
