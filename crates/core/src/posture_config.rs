//! `[posture]`: how the compliance posture is built (docs/posture.md).

use crate::config::Duration;
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, fmt, path::PathBuf};

const DAY_MS: u64 = 86_400_000;

/// `[posture]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PostureConfig {
    /// The cloud service model of tenants not named in `service_models`.
    pub default_service_model: ServiceModel,
    /// `[posture.service_models]`: tenant name = `"iaas"`, `"paas"` or `"saas"`.
    pub service_models: BTreeMap<String, ServiceModel>,
    /// How far back check results, vulnerability findings and incidents count as evidence.
    pub evidence_window: Duration,
    /// Oldest a key's newest version may be before its rotation is overdue.
    pub max_key_age: Duration,
    /// `[posture.vulnerability_age]`: how long an open finding may stay open per severity.
    pub vulnerability_age: VulnerabilityAge,
    /// How long an audit trail verification is reused before the trail is verified again.
    pub audit_verify_interval: Duration,
    /// A CCM catalogue (TOML) to use instead of the built-in one.
    pub catalog_file: Option<PathBuf>,
    /// A shared-responsibility matrix (TSV) to use instead of the built-in one.
    pub responsibility_file: Option<PathBuf>,
}

impl Default for PostureConfig {
    fn default() -> Self {
        PostureConfig {
            default_service_model: ServiceModel::Saas,
            service_models: BTreeMap::new(),
            evidence_window: Duration(30 * DAY_MS),
            max_key_age: Duration(365 * DAY_MS),
            vulnerability_age: VulnerabilityAge::default(),
            audit_verify_interval: Duration(600_000),
            catalog_file: None,
            responsibility_file: None,
        }
    }
}

impl PostureConfig {
    /// The service model of `tenant`.
    pub fn service_model(&self, tenant: &str) -> ServiceModel {
        self.service_models
            .get(tenant)
            .copied()
            .unwrap_or(self.default_service_model)
    }
}

/// `[posture.vulnerability_age]`: the remediation schedule, per severity.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct VulnerabilityAge {
    /// Critical findings.
    pub critical: Duration,
    /// High.
    pub high: Duration,
    /// Medium (and findings of unknown severity).
    pub medium: Duration,
    /// Low.
    pub low: Duration,
}

impl Default for VulnerabilityAge {
    fn default() -> Self {
        VulnerabilityAge {
            critical: Duration(7 * DAY_MS),
            high: Duration(30 * DAY_MS),
            medium: Duration(90 * DAY_MS),
            low: Duration(180 * DAY_MS),
        }
    }
}

/// A cloud service model, which decides who holds each control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceModel {
    /// Infrastructure as a service.
    Iaas,
    /// Platform as a service.
    Paas,
    /// Software as a service.
    Saas,
}

impl ServiceModel {
    /// `iaas`, `paas` or `saas`.
    pub fn name(self) -> &'static str {
        match self {
            ServiceModel::Iaas => "iaas",
            ServiceModel::Paas => "paas",
            ServiceModel::Saas => "saas",
        }
    }
}

impl fmt::Display for ServiceModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServiceModel::Iaas => "IaaS",
            ServiceModel::Paas => "PaaS",
            ServiceModel::Saas => "SaaS",
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn tenants_get_their_model_and_others_the_default() {
        let c = Config::parse(
            "[posture]\ndefault_service_model = \"paas\"\n[posture.service_models]\nacme = \"iaas\"\n",
        )
        .unwrap();
        assert_eq!(c.posture.service_model("acme"), super::ServiceModel::Iaas);
        assert_eq!(c.posture.service_model("other"), super::ServiceModel::Paas);
        let e = Config::parse("[posture.service_models]\nacme = \"cloud\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("cloud"), "{e}");
    }
}
