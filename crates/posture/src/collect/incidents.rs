//! Incident handling: per severity, the mean time to acknowledge (MTTA) and to resolve (MTTR)
//! of the incidents opened in the evidence window against the SLA targets
//! (`[incidents.sla]`). Acknowledgement speaks to event triage (SEF-06) and, with resolution,
//! to incident response metrics (SEF-05). A mean over its target fails; a mean within target
//! with some incidents past their deadline is partial.

use super::{human_duration, plural, Collected};
use crate::model::{Evidence, Source, Status};
use palisade_core::{incident_config::SlaConfig, AlertLevel};
use std::collections::BTreeMap;

/// Controls acknowledgement times speak to.
pub const ACKNOWLEDGE_CONTROLS: &[&str] = &["SEF-06", "SEF-05"];
/// Controls resolution times speak to.
pub const RESOLVE_CONTROLS: &[&str] = &["SEF-05"];

/// One incident as the posture needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentFacts {
    /// Its severity.
    pub severity: AlertLevel,
    /// Opened at, epoch ms.
    pub created_ms: i64,
    /// First acknowledged at.
    pub acknowledged_ms: Option<i64>,
    /// Resolved at.
    pub resolved_ms: Option<i64>,
    /// The acknowledge deadline passed unmet.
    pub acknowledge_breached: bool,
    /// The resolve deadline passed unmet.
    pub resolve_breached: bool,
}

/// Which clock a verdict is about.
#[derive(Clone, Copy)]
enum Clock {
    Acknowledge,
    Resolve,
}

/// The verdicts on `incidents` against `sla`, observed at `now`.
pub fn collect(incidents: &[IncidentFacts], sla: &SlaConfig, now: i64) -> Vec<Collected> {
    let mut by_severity: BTreeMap<AlertLevel, Vec<&IncidentFacts>> = BTreeMap::new();
    for i in incidents {
        by_severity.entry(i.severity).or_default().push(i);
    }
    let mut out = Vec::new();
    for (level, group) in by_severity.iter().rev() {
        let target = sla.target(*level);
        for clock in [Clock::Acknowledge, Clock::Resolve] {
            let target_ms = match clock {
                Clock::Acknowledge => target.acknowledge.0,
                Clock::Resolve => target.resolve.0,
            };
            let target_ms = i64::try_from(target_ms).unwrap_or(i64::MAX);
            if let Some(c) = verdict(*level, group, clock, target_ms, now) {
                out.push(c);
            }
        }
    }
    out
}

fn verdict(
    level: AlertLevel,
    group: &[&IncidentFacts],
    clock: Clock,
    target_ms: i64,
    now: i64,
) -> Option<Collected> {
    let (name, short, controls) = match clock {
        Clock::Acknowledge => ("acknowledge", "MTTA", ACKNOWLEDGE_CONTROLS),
        Clock::Resolve => ("resolve", "MTTR", RESOLVE_CONTROLS),
    };
    let durations: Vec<i64> = group
        .iter()
        .filter_map(|i| {
            let done = match clock {
                Clock::Acknowledge => i.acknowledged_ms,
                Clock::Resolve => i.resolved_ms,
            }?;
            Some(done.saturating_sub(i.created_ms))
        })
        .collect();
    let breaches = group
        .iter()
        .filter(|i| match clock {
            Clock::Acknowledge => i.acknowledge_breached,
            Clock::Resolve => i.resolve_breached,
        })
        .count();
    if durations.is_empty() && breaches == 0 {
        return None;
    }
    let mean = (!durations.is_empty())
        .then(|| durations.iter().map(|d| i128::from(*d)).sum::<i128>() / durations.len() as i128)
        .map(|m| i64::try_from(m).unwrap_or(i64::MAX));
    let no_target = target_ms == 0;
    let status = match mean {
        _ if no_target => Status::Pass,
        Some(m) if m > target_ms => Status::Fail,
        None => Status::Fail,
        Some(_) if breaches > 0 => Status::Partial,
        Some(_) => Status::Pass,
    };
    let mean_text = mean.map_or_else(|| "none done yet".to_owned(), human_duration);
    let target_text = if no_target {
        "no target".to_owned()
    } else {
        format!("target {}", human_duration(target_ms))
    };
    let text = format!(
        "{short} {mean_text} over {} ({target_text}); {} past the {name} deadline",
        plural(durations.len(), "incident"),
        plural(breaches, "incident"),
    );
    Some(Collected {
        controls: controls.iter().map(|c| (*c).to_owned()).collect(),
        evidence: Evidence {
            source: Source::Incidents,
            subject: format!("{} incidents: time to {name}", level.as_str()),
            status,
            text,
            time_ms: now,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn incident(
        level: AlertLevel,
        ack_after: Option<i64>,
        resolve_after: Option<i64>,
    ) -> IncidentFacts {
        IncidentFacts {
            severity: level,
            created_ms: 0,
            acknowledged_ms: ack_after,
            resolved_ms: resolve_after,
            acknowledge_breached: false,
            resolve_breached: false,
        }
    }

    fn find<'a>(out: &'a [Collected], subject: &str) -> &'a Collected {
        out.iter().find(|c| c.evidence.subject == subject).unwrap()
    }

    #[test]
    fn means_against_the_sla_per_severity() {
        let sla = SlaConfig::default(); // critical: ack 15m, resolve 4h; high: ack 60m, resolve 24h
        let mut late = incident(AlertLevel::High, Some(5 * MIN), None);
        late.resolve_breached = true;
        let incidents = vec![
            incident(AlertLevel::Critical, Some(10 * MIN), Some(60 * MIN)),
            incident(AlertLevel::Critical, Some(40 * MIN), Some(120 * MIN)),
            incident(AlertLevel::High, Some(5 * MIN), Some(60 * MIN)),
            late,
        ];
        let out = collect(&incidents, &sla, 1);
        let ack = find(&out, "critical incidents: time to acknowledge");
        assert_eq!(ack.evidence.status, Status::Fail, "{}", ack.evidence.text);
        assert!(
            ack.evidence.text.contains("MTTA 25m"),
            "{}",
            ack.evidence.text
        );
        assert_eq!(ack.controls, vec!["SEF-06", "SEF-05"]);
        let resolve = find(&out, "critical incidents: time to resolve");
        assert_eq!(resolve.evidence.status, Status::Pass);
        let high = find(&out, "high incidents: time to resolve");
        assert_eq!(
            high.evidence.status,
            Status::Partial,
            "{}",
            high.evidence.text
        );
        assert_eq!(
            find(&out, "high incidents: time to acknowledge")
                .evidence
                .status,
            Status::Pass
        );
    }

    #[test]
    fn open_incidents_past_their_deadline_fail_and_quiet_ones_say_nothing() {
        let sla = SlaConfig::default();
        let mut waiting = incident(AlertLevel::Medium, None, None);
        assert!(collect(&[waiting.clone()], &sla, 1).is_empty());
        waiting.acknowledge_breached = true;
        let out = collect(&[waiting], &sla, 1);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].evidence.status, Status::Fail);
        assert!(out[0].evidence.text.contains("none done yet"));
    }
}
