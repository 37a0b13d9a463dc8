//! Checking a rule set and wiring it: which detection rules feed which correlation rules,
//! which correlation rules feed which (chaining), and whose alerts are shown.

use super::{EngineConfig, RuleState};
use crate::error::BuildError;
use crate::rule::{Comparison, CorrelationRule, CorrelationType};
use std::collections::HashMap;

/// (index of the correlation rule, bit mask of the positions in its `rules` list).
pub(crate) type Target = (usize, u64);

/// The wiring of a rule set.
pub(crate) struct Wiring {
    /// Detection rule id or name → the correlation rules it feeds.
    pub routes: HashMap<String, Vec<Target>>,
    /// Detection rule id or name → whether any correlation referencing it has `generate`.
    pub generate_by_reference: HashMap<String, bool>,
    /// Per correlation rule, the correlation rules its alerts feed.
    pub chained: Vec<Vec<Target>>,
    /// Per correlation rule, whether its own alerts are shown.
    pub standalone: Vec<bool>,
}

/// Checks the rules against each other and the limits, and wires them.
pub(crate) fn wire(rules: &[CorrelationRule], config: &EngineConfig) -> Result<Wiring, BuildError> {
    check_config(config)?;
    let by_reference = index_by_reference(rules)?;
    for rule in rules {
        check_threshold(rule, config)?;
    }
    let mut wiring = Wiring {
        routes: HashMap::new(),
        generate_by_reference: HashMap::new(),
        chained: vec![Vec::new(); rules.len()],
        standalone: vec![true; rules.len()],
    };
    let mut referenced_with_generate: Vec<Option<bool>> = vec![None; rules.len()];
    for (r, rule) in rules.iter().enumerate() {
        for (position, reference) in rule.rules.iter().enumerate().take(64) {
            let bit = 1u64 << position;
            match by_reference.get(reference.as_str()) {
                Some(&inner) => {
                    add_target(&mut wiring.chained[inner], r, bit);
                    let seen = referenced_with_generate[inner].unwrap_or(false);
                    referenced_with_generate[inner] = Some(seen || rule.generate);
                }
                None => {
                    add_target(wiring.routes.entry(reference.clone()).or_default(), r, bit);
                    let seen = wiring
                        .generate_by_reference
                        .entry(reference.clone())
                        .or_default();
                    *seen |= rule.generate;
                }
            }
        }
    }
    for (r, generate) in referenced_with_generate.into_iter().enumerate() {
        wiring.standalone[r] = generate.unwrap_or(true);
    }
    check_cycles(rules, &wiring.chained)?;
    Ok(wiring)
}

fn index_by_reference(rules: &[CorrelationRule]) -> Result<HashMap<&str, usize>, BuildError> {
    let mut by_reference: HashMap<&str, usize> = HashMap::new();
    for (r, rule) in rules.iter().enumerate() {
        let names = [
            Some(rule.id.as_str()).filter(|id| !id.is_empty()),
            rule.name.as_deref(),
        ];
        for reference in names.into_iter().flatten() {
            if let Some(&other) = by_reference.get(reference) {
                if other != r {
                    return Err(BuildError::Duplicate {
                        reference: reference.to_owned(),
                        first: rules[other].title.clone(),
                        second: rule.title.clone(),
                    });
                }
            }
            by_reference.insert(reference, r);
        }
    }
    Ok(by_reference)
}

fn add_target(targets: &mut Vec<Target>, rule: usize, bit: u64) {
    match targets.iter_mut().find(|(r, _)| *r == rule) {
        Some((_, mask)) => *mask |= bit,
        None => targets.push((rule, bit)),
    }
}

fn check_config(config: &EngineConfig) -> Result<(), BuildError> {
    if config.lateness_ms < 0 {
        let reason = format!(
            "lateness_ms must not be negative, got {}",
            config.lateness_ms
        );
        return Err(BuildError::InvalidConfig(reason));
    }
    if config.max_groups_per_rule == 0 || config.max_events_per_group == 0 {
        let reason = "max_groups_per_rule and max_events_per_group must be at least 1";
        return Err(BuildError::InvalidConfig(reason.to_owned()));
    }
    Ok(())
}

/// A count rule whose threshold exceeds the events one group may hold could never fire.
fn check_threshold(rule: &CorrelationRule, config: &EngineConfig) -> Result<(), BuildError> {
    if !matches!(
        rule.kind,
        CorrelationType::EventCount | CorrelationType::ValueCount
    ) {
        return Ok(());
    }
    for (op, bound) in &rule.condition.bounds {
        let needed = match op {
            Comparison::Gt => bound.floor() + 1.0,
            Comparison::Gte | Comparison::Eq => bound.ceil(),
            _ => continue,
        };
        if needed > config.max_events_per_group as f64 {
            return Err(BuildError::ThresholdAboveLimit {
                rule: rule.title.clone(),
                threshold: needed - 1.0,
                limit: config.max_events_per_group,
            });
        }
    }
    Ok(())
}

fn check_cycles(rules: &[CorrelationRule], chained: &[Vec<Target>]) -> Result<(), BuildError> {
    // 0: not visited, 1: on the current path, 2: done.
    let mut state = vec![0u8; rules.len()];
    let mut path = Vec::new();
    fn visit(
        r: usize,
        chained: &[Vec<Target>],
        state: &mut [u8],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        match state[r] {
            1 => {
                let from = path.iter().position(|&p| p == r).unwrap_or(0);
                let mut cycle = path[from..].to_vec();
                cycle.push(r);
                return Some(cycle);
            }
            2 => return None,
            _ => {}
        }
        state[r] = 1;
        path.push(r);
        for &(outer, _) in &chained[r] {
            if let Some(cycle) = visit(outer, chained, state, path) {
                return Some(cycle);
            }
        }
        path.pop();
        state[r] = 2;
        None
    }
    for r in 0..rules.len() {
        if let Some(cycle) = visit(r, chained, &mut state, &mut path) {
            let titles: Vec<&str> = cycle.iter().map(|&i| rules[i].title.as_str()).collect();
            return Err(BuildError::Cycle(titles.join(" -> ")));
        }
    }
    Ok(())
}

/// The per-rule state of a freshly built engine.
pub(crate) fn rule_states(rules: Vec<CorrelationRule>, standalone: &[bool]) -> Vec<RuleState> {
    rules
        .into_iter()
        .zip(standalone)
        .map(|(rule, &standalone)| RuleState::new(rule, standalone))
        .collect()
}
