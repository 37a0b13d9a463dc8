//! A scan: every package of an inventory matched against the advisory index, each match a
//! [`Finding`] with its severity and fixed version ("no fix available" when there is none).

use crate::{
    inventory::{Inventory, Package, Unpinned},
    osv::{AdvisoryIndex, IndexStats},
    severity::Severity,
};
use serde::Serialize;

/// One vulnerable package.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The advisory id.
    pub advisory: String,
    /// Other ids of the vulnerability (CVE ids first).
    pub aliases: Vec<String>,
    /// The advisory's summary.
    pub summary: String,
    /// Severity for this package.
    pub severity: Severity,
    /// The package as found.
    pub package: Package,
    /// Whether a fixed version exists after the installed one.
    pub fix_available: bool,
    /// The first fixed version after the installed one.
    pub fixed_version: Option<String>,
    /// Reference URLs.
    pub references: Vec<String>,
    /// When the advisory was published.
    pub published: String,
}

/// The result of a scan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScanReport {
    /// Packages matched.
    pub packages: usize,
    /// Advisories they were matched against.
    pub advisories: usize,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Packages whose version does not parse under their ecosystem's scheme (only explicit
    /// version lists could match them).
    pub unparsable_versions: Vec<String>,
    /// Requirements that do not pin a version and were not checked.
    pub unpinned: Vec<Unpinned>,
    /// Entries the inventory left out, and why.
    pub skipped: Vec<String>,
    /// What the advisory index left out (withdrawn, GIT ranges, unsupported ecosystems...).
    pub index: IndexStats,
}

impl ScanReport {
    /// Findings with a fixed version available.
    pub fn fixable(&self) -> usize {
        self.findings.iter().filter(|f| f.fix_available).count()
    }
}

/// Matches every package of `inventory` against `index`.
pub fn scan(index: &AdvisoryIndex, inventory: &Inventory) -> ScanReport {
    let mut report = ScanReport {
        packages: inventory.packages.len(),
        advisories: index.advisories().len(),
        unpinned: inventory.unpinned.clone(),
        skipped: inventory.skipped.clone(),
        index: index.stats().clone(),
        ..ScanReport::default()
    };
    for package in &inventory.packages {
        if package.ecosystem.scheme().parse(&package.version).is_err() {
            report.unparsable_versions.push(format!(
                "{} {} ({})",
                package.name, package.version, package.source
            ));
        }
        for found in index.matches(&package.ecosystem, &package.name, &package.version) {
            report.findings.push(Finding {
                advisory: found.advisory.id.clone(),
                aliases: found.advisory.aliases.clone(),
                summary: found.advisory.summary.clone(),
                severity: Severity::of(found.advisory, found.affected),
                package: package.clone(),
                fix_available: found.fixed.is_some(),
                fixed_version: found.fixed,
                references: found.advisory.references.clone(),
                published: found.advisory.published.clone(),
            });
        }
    }
    report.findings.sort_by(|a, b| {
        b.severity
            .level
            .cmp(&a.severity.level)
            .then_with(|| a.package.name.cmp(&b.package.name))
            .then_with(|| a.advisory.cmp(&b.advisory))
    });
    report
}
