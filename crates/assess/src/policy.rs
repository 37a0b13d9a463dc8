//! Loading policies: YAML text → variables substituted → specs → compiled checks.

use crate::rule::Rule;
use crate::spec::{CheckSpec, PolicySpec, RuleGroupSpec};
use std::collections::{BTreeMap, HashSet};

/// How a check combines its rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Every applicable rule holds.
    All,
    /// At least one applicable rule holds.
    Any,
    /// No applicable rule holds.
    None,
}

impl Condition {
    fn parse(text: Option<&str>) -> Result<Condition, String> {
        match text {
            None | Some("all") => Ok(Condition::All),
            Some("any") => Ok(Condition::Any),
            Some("none") => Ok(Condition::None),
            Some(other) => Err(format!("condition {other:?}: use all, any or none")),
        }
    }
}

/// Rules and the condition over them.
#[derive(Debug, Clone)]
pub struct RuleGroup {
    /// The condition.
    pub condition: Condition,
    /// The rules.
    pub rules: Vec<Rule>,
}

impl RuleGroup {
    fn compile(
        condition: Option<&str>,
        rules: &[crate::spec::RuleSpec],
    ) -> Result<RuleGroup, String> {
        if rules.is_empty() {
            return Err("rules is empty".into());
        }
        let rules = rules
            .iter()
            .enumerate()
            .map(|(i, r)| Rule::compile(r).map_err(|e| format!("rule {}: {e}", i + 1)))
            .collect::<Result<_, _>>()?;
        Ok(RuleGroup {
            condition: Condition::parse(condition)?,
            rules,
        })
    }
}

/// One compiled check.
#[derive(Debug, Clone)]
pub struct Check {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// `informational`, `low`, `medium`, `high` or `critical`.
    pub severity: &'static str,
    /// Why it matters.
    pub rationale: String,
    /// How to fix it.
    pub remediation: String,
    /// References.
    pub references: Vec<String>,
    /// CSA CCM v4 control ids.
    pub ccm: Vec<String>,
    /// Its rules.
    pub group: RuleGroup,
}

/// One compiled policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it covers.
    pub description: String,
    /// The requirements, if any.
    pub requirements: Option<RuleGroup>,
    /// Its variables with the values in force (after overrides).
    pub vars: BTreeMap<String, String>,
    /// Paths file integrity monitoring watches for it.
    pub watch: Vec<String>,
    /// Its checks.
    pub checks: Vec<Check>,
}

const SEVERITIES: [&str; 5] = ["informational", "low", "medium", "high", "critical"];

fn severity(text: Option<&str>) -> Result<&'static str, String> {
    let t = text.unwrap_or("medium").to_ascii_lowercase();
    SEVERITIES
        .iter()
        .find(|s| **s == t)
        .copied()
        .ok_or_else(|| format!("severity {t:?}: use one of {}", SEVERITIES.join(", ")))
}

fn is_ccm_id(id: &str) -> bool {
    let Some((domain, number)) = id.split_once('-') else {
        return false;
    };
    (2..=3).contains(&domain.len())
        && domain.bytes().all(|b| b.is_ascii_uppercase() || b == b'&')
        && number.len() == 2
        && number.bytes().all(|b| b.is_ascii_digit())
}

fn compile_check(spec: &CheckSpec) -> Result<Check, String> {
    if let Some(bad) = spec.ccm.iter().find(|c| !is_ccm_id(c)) {
        return Err(format!(
            "ccm {bad:?}: write a CSA CCM v4 control id such as IAM-02"
        ));
    }
    Ok(Check {
        id: spec.id.clone(),
        title: spec.title.clone(),
        severity: severity(spec.severity.as_deref())?,
        rationale: spec.rationale.clone(),
        remediation: spec.remediation.clone(),
        references: spec.references.clone(),
        ccm: spec.ccm.clone(),
        group: RuleGroup::compile(spec.condition.as_deref(), &spec.rules)?,
    })
}

/// Replaces `${name}` in every string under `node`.
fn substitute(node: &mut serde_json::Value, vars: &BTreeMap<String, String>) -> Result<(), String> {
    match node {
        serde_json::Value::String(s) if s.contains("${") => {
            let mut out = String::with_capacity(s.len());
            let mut rest = s.as_str();
            while let Some(start) = rest.find("${") {
                out.push_str(&rest[..start]);
                let after = &rest[start + 2..];
                let end = after
                    .find('}')
                    .ok_or_else(|| format!("unclosed ${{ in {s:?}"))?;
                let name = &after[..end];
                let value = vars
                    .get(name)
                    .ok_or_else(|| format!("unknown variable ${{{name}}} in {s:?}"))?;
                out.push_str(value);
                rest = &after[end + 1..];
            }
            out.push_str(rest);
            *s = out;
        }
        serde_json::Value::Array(items) => {
            items.iter_mut().try_for_each(|v| substitute(v, vars))?
        }
        serde_json::Value::Object(map) => map.values_mut().try_for_each(|v| substitute(v, vars))?,
        _ => {}
    }
    Ok(())
}

impl Policy {
    /// Parses and compiles a policy from YAML text; `overrides` replace the policy's `vars`
    /// (names it does not declare are ignored, so one set of overrides fits many policies).
    pub fn parse(text: &str, overrides: &BTreeMap<String, String>) -> Result<Policy, String> {
        let mut doc = crate::yaml::to_json(text)?;
        let mut vars: BTreeMap<String, String> = match doc.get("vars") {
            Some(v) => serde_json::from_value(v.clone())
                .map_err(|e| format!("vars: {e} (values must be text)"))?,
            None => BTreeMap::new(),
        };
        for (k, v) in overrides {
            if let Some(slot) = vars.get_mut(k) {
                slot.clone_from(v);
            }
        }
        if let Some(obj) = doc.as_object_mut() {
            for key in ["requirements", "watch", "checks"] {
                if let Some(node) = obj.get_mut(key) {
                    substitute(node, &vars)?;
                }
            }
        }
        let spec: PolicySpec = serde_json::from_value(doc).map_err(|e| e.to_string())?;
        let mut policy = Policy::compile(&spec)?;
        policy.vars = vars;
        Ok(policy)
    }

    fn compile(spec: &PolicySpec) -> Result<Policy, String> {
        if spec.policy.id.trim().is_empty() {
            return Err("policy.id is empty".into());
        }
        let requirements = spec
            .requirements
            .as_ref()
            .map(|g: &RuleGroupSpec| RuleGroup::compile(g.condition.as_deref(), &g.rules))
            .transpose()
            .map_err(|e| format!("requirements: {e}"))?;
        let mut seen = HashSet::new();
        let mut checks = Vec::with_capacity(spec.checks.len());
        for c in &spec.checks {
            if !seen.insert(c.id.as_str()) {
                return Err(format!("check {:?} appears twice", c.id));
            }
            checks.push(compile_check(c).map_err(|e| format!("check {:?}: {e}", c.id))?);
        }
        Ok(Policy {
            id: spec.policy.id.clone(),
            title: spec.policy.title.clone(),
            description: spec.policy.description.clone(),
            requirements,
            vars: BTreeMap::new(),
            watch: spec.watch.clone(),
            checks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"
policy: {id: mini, title: Mini}
vars: {conf: /etc/mini.conf}
checks:
  - id: c1
    title: Debug off
    ccm: [IVS-04]
    rules:
      - file: ${conf}
        no_line: '^debug\s*=\s*true'
"#;

    #[test]
    fn variables_are_substituted_and_overridable() {
        let p = Policy::parse(MINI, &BTreeMap::new()).unwrap();
        let Rule::File { paths, .. } = &p.checks[0].group.rules[0] else {
            panic!()
        };
        assert_eq!(paths, &["/etc/mini.conf"]);
        let over = BTreeMap::from([("conf".to_string(), "/opt/m.conf".to_string())]);
        let p = Policy::parse(MINI, &over).unwrap();
        let Rule::File { paths, .. } = &p.checks[0].group.rules[0] else {
            panic!()
        };
        assert_eq!(paths, &["/opt/m.conf"]);
    }

    #[test]
    fn errors_name_the_check_and_the_key() {
        let e = Policy::parse(&MINI.replace("IVS-04", "ivs4"), &BTreeMap::new()).unwrap_err();
        assert!(e.contains("c1") && e.contains("CCM"), "{e}");
        let e = Policy::parse(&MINI.replace("${conf}", "${nope}"), &BTreeMap::new()).unwrap_err();
        assert!(e.contains("unknown variable ${nope}"), "{e}");
        let e = Policy::parse(
            &MINI.replace("title: Debug", "titel: Debug"),
            &BTreeMap::new(),
        )
        .unwrap_err();
        assert!(e.contains("titel"), "{e}");
        let e = Policy::parse(&MINI.replace("no_line", "no_lines"), &BTreeMap::new()).unwrap_err();
        assert!(e.contains("no_lines"), "{e}");
    }
}
