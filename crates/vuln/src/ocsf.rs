//! Findings as OCSF Vulnerability Finding events (class 2002, category 2 "Findings",
//! activity 1 "Create"), built as Palisade's canonical [`Event`] so they travel the same
//! pipeline as every other event; [`Event::to_ocsf_json`] gives the nested OCSF JSON.

use crate::{osv::Ecosystem, scan::Finding};
use palisade_core::{fields, Event, TenantId};

/// OCSF class of a Vulnerability Finding.
pub const VULNERABILITY_FINDING: i64 = 2002;

/// The OCSF event of one finding, observed at `time` (epoch milliseconds).
pub fn finding_event(finding: &Finding, id: u64, tenant: TenantId, time: i64) -> Event {
    let mut e = Event::new(id, tenant, time);
    let package = &finding.package;
    let level = finding.severity.level;
    e.set(fields::CLASS_UID, VULNERABILITY_FINDING);
    e.set(fields::CATEGORY_UID, 2i64);
    e.set(fields::ACTIVITY_ID, 1i64);
    e.set(fields::TYPE_UID, VULNERABILITY_FINDING * 100 + 1);
    e.set(fields::SEVERITY_ID, level.ocsf_id());
    e.set("severity", level.name());
    e.set(fields::STATUS_ID, 1i64);
    e.set("status", "New");
    let fix = match &finding.fixed_version {
        Some(v) => format!("fixed in {v}"),
        None => "no fix available".to_owned(),
    };
    e.set(
        fields::MESSAGE,
        format!(
            "{} {} is affected by {}: {} ({fix})",
            package.name, package.version, finding.advisory, finding.summary
        ),
    );
    e.set(fields::PRODUCT_NAME, "Palisade");
    e.set("metadata.product.vendor_name", "Palisade");
    e.set("metadata.version", "1.1.0");
    e.set(fields::LOG_NAME, "vuln-scan");
    e.set(
        "finding_info.uid",
        format!(
            "{}/{}/{}@{}",
            finding.advisory, package.ecosystem, package.name, package.version
        ),
    );
    let title = if finding.summary.is_empty() {
        finding.advisory.as_str()
    } else {
        finding.summary.as_str()
    };
    e.set("finding_info.title", title);
    e.set("finding_info.types.0", "Vulnerability");
    e.set("finding_info.created_time", time);
    e.set("finding_info.data_sources.0", package.source.as_str());
    let v = "vulnerabilities.0";
    e.set(format!("{v}.title"), title);
    e.set(format!("{v}.desc"), finding.summary.as_str());
    e.set(format!("{v}.severity"), level.name());
    e.set(format!("{v}.vendor_name"), "OSV");
    e.set(format!("{v}.fix_available"), finding.fix_available);
    e.set(format!("{v}.advisory.uid"), finding.advisory.as_str());
    if let Some(cve) = finding.aliases.iter().find(|a| a.starts_with("CVE-")) {
        e.set(format!("{v}.cve.uid"), cve.as_str());
    }
    if let Some(vector) = &finding.severity.vector {
        let version = vector
            .strip_prefix("CVSS:")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or("2.0");
        e.set(format!("{v}.cve.cvss.0.version"), version);
        e.set(format!("{v}.cve.cvss.0.vector_string"), vector.as_str());
        if let Some(score) = finding.severity.score {
            e.set(format!("{v}.cve.cvss.0.base_score"), score);
        }
    }
    for (i, alias) in finding.aliases.iter().enumerate() {
        e.set(format!("{v}.related_vulnerabilities.{i}"), alias.as_str());
    }
    for (i, url) in finding.references.iter().take(10).enumerate() {
        e.set(format!("{v}.references.{i}"), url.as_str());
    }
    let p = format!("{v}.affected_packages.0");
    e.set(format!("{p}.name"), package.name.as_str());
    e.set(format!("{p}.version"), package.version.as_str());
    e.set(
        format!("{p}.package_manager"),
        package.ecosystem.to_string(),
    );
    e.set(
        format!("{p}.purl"),
        purl(&package.ecosystem, &package.name, &package.version),
    );
    if let Some(fixed) = &finding.fixed_version {
        e.set(format!("{p}.fixed_in_version"), fixed.as_str());
    }
    e
}

/// The package URL of a package (`pkg:cargo/smallvec@0.6.9`).
fn purl(ecosystem: &Ecosystem, name: &str, version: &str) -> String {
    let kind = match ecosystem {
        Ecosystem::CratesIo => "cargo",
        Ecosystem::PyPi => "pypi",
        Ecosystem::Npm => "npm",
        Ecosystem::Debian(_) => "deb/debian",
        Ecosystem::Ubuntu(_) => "deb/ubuntu",
    };
    let name = name.replace('@', "%40");
    format!("pkg:{kind}/{name}@{version}")
}
