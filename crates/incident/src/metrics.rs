//! MTTA (mean time to acknowledge) and MTTR (mean time to resolve) per tenant, severity and
//! rule, over the incidents opened in a period.

use crate::{db::IncidentFilter, error::Result, manager::IncidentManager, model::Incident};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The figures of one group of incidents.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct MetricsGroup {
    /// The group's value (a tenant, a severity or a rule id).
    pub key: String,
    /// Incidents opened in the period.
    pub incidents: u64,
    /// Of these, acknowledged.
    pub acknowledged: u64,
    /// Of these, resolved (or closed after resolution).
    pub resolved: u64,
    /// Mean time from opening to acknowledgement, ms.
    pub mtta_ms: Option<i64>,
    /// Mean time from opening to resolution, ms.
    pub mttr_ms: Option<i64>,
    /// Acknowledge or resolve deadlines missed.
    pub sla_breaches: u64,
}

/// MTTA and MTTR over a period, overall and grouped.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MetricsReport {
    /// Period start (epoch ms, inclusive).
    pub from: i64,
    /// Period end (exclusive).
    pub to: i64,
    /// Every incident of the period.
    pub overall: MetricsGroup,
    /// Per tenant.
    pub by_tenant: Vec<MetricsGroup>,
    /// Per severity.
    pub by_severity: Vec<MetricsGroup>,
    /// Per rule that opened the incident.
    pub by_rule: Vec<MetricsGroup>,
}

#[derive(Default)]
struct Sums {
    group: MetricsGroup,
    ack_total: i128,
    resolve_total: i128,
}

impl Sums {
    fn add(&mut self, incident: &Incident) {
        self.group.incidents += 1;
        if let Some(ack) = incident.acknowledged_ms {
            self.group.acknowledged += 1;
            self.ack_total += i128::from(ack - incident.created_ms);
        }
        if let Some(resolved) = incident.resolved_ms {
            self.group.resolved += 1;
            self.resolve_total += i128::from(resolved - incident.created_ms);
        }
        self.group.sla_breaches +=
            u64::from(incident.sla.acknowledge_breached) + u64::from(incident.sla.resolve_breached);
    }

    fn finish(mut self, key: String) -> MetricsGroup {
        let mean = |total: i128, n: u64| (n > 0).then(|| (total / i128::from(n)) as i64);
        self.group.key = key;
        self.group.mtta_ms = mean(self.ack_total, self.group.acknowledged);
        self.group.mttr_ms = mean(self.resolve_total, self.group.resolved);
        self.group
    }
}

fn grouped(incidents: &[Incident], key: impl Fn(&Incident) -> String) -> Vec<MetricsGroup> {
    let mut groups: BTreeMap<String, Sums> = BTreeMap::new();
    for incident in incidents {
        groups.entry(key(incident)).or_default().add(incident);
    }
    groups.into_iter().map(|(k, sums)| sums.finish(k)).collect()
}

impl IncidentManager {
    /// MTTA and MTTR of the incidents opened in `[from, to)` in `tenant` (`None`: all
    /// tenants). Incidents merged into another are left out (their alerts count there).
    pub fn metrics(&self, tenant: Option<&str>, from: i64, to: i64) -> Result<MetricsReport> {
        let filter = IncidentFilter {
            tenant: tenant.map(str::to_owned),
            from: Some(from),
            to: Some(to),
            limit: usize::MAX >> 1,
            ..Default::default()
        };
        let incidents: Vec<Incident> = self
            .list(&filter)?
            .into_iter()
            .filter(|i| i.merged_into.is_none())
            .collect();
        let mut overall = Sums::default();
        incidents.iter().for_each(|i| overall.add(i));
        Ok(MetricsReport {
            from,
            to,
            overall: overall.finish("all".into()),
            by_tenant: grouped(&incidents, |i| i.tenant.clone()),
            by_severity: grouped(&incidents, |i| i.severity.as_str().to_owned()),
            by_rule: grouped(&incidents, |i| i.rule_id.clone()),
        })
    }
}
