//! Inventory matching, the server's side: an agent's [`InventoryReport`] is matched with
//! `palisade-vuln` against the advisories imported into the server's data directory, and
//! becomes events of the agent's tenant: one OCSF Software Inventory Info event (class 5020)
//! describing the inventory, and one OCSF Vulnerability Finding (class 2002) per vulnerable
//! package, each with `device.hostname` set to the agent's host.

use crate::inventory::InventoryReport;
use palisade_core::{Event, TenantId, Value};
use palisade_vuln::{
    inventory::{Inventory, Package},
    ocsf::finding_event,
    osv::{Advisory, AdvisoryIndex, Ecosystem},
    scan::scan,
};
use serde::Serialize;

/// OCSF class of Software Inventory Info (category 5, Discovery).
pub const SOFTWARE_INVENTORY_INFO: i64 = 5020;

/// What matching an inventory produced.
#[derive(Debug, Serialize)]
pub struct Matched {
    /// Packages in the inventory.
    pub packages: usize,
    /// Advisories they were matched against.
    pub advisories: usize,
    /// Vulnerability findings.
    pub findings: usize,
    /// Packages of ecosystems matching does not support (not checked).
    pub unsupported: usize,
    /// The events to ingest, as OCSF JSON objects: the inventory event, then the findings.
    #[serde(skip)]
    pub events: Vec<serde_json::Value>,
}

/// Matches `report` against `advisories` for an agent of `tenant`.
pub fn match_inventory(
    report: &InventoryReport,
    advisories: Vec<Advisory>,
    tenant: &TenantId,
) -> Matched {
    let mut inventory = Inventory::default();
    let mut unsupported = 0;
    for p in &report.packages {
        match Ecosystem::parse(&p.ecosystem) {
            Some(ecosystem) => inventory.packages.push(Package {
                ecosystem,
                name: p.name.clone(),
                version: p.version.clone(),
                source: p.source.clone(),
                binaries: p.binaries.clone(),
            }),
            None => unsupported += 1,
        }
    }
    let index = AdvisoryIndex::new(advisories);
    let result = scan(&index, &inventory);
    let time = palisade_core::time::now_ms();
    let mut events = vec![inventory_event(report, tenant, time, result.findings.len())];
    for (i, finding) in result.findings.iter().enumerate() {
        let mut event = finding_event(finding, i as u64 + 1, tenant.clone(), time);
        event.set("device.hostname", report.hostname.as_str());
        events.push(event.to_ocsf_json());
    }
    Matched {
        packages: report.packages.len(),
        advisories: result.advisories,
        findings: result.findings.len(),
        unsupported,
        events,
    }
}

/// The inventory itself as one event: counts by ecosystem, every package as
/// `ecosystem/name@version` under `unmapped.packages` (searchable), and what was skipped.
fn inventory_event(
    report: &InventoryReport,
    tenant: &TenantId,
    time: i64,
    findings: usize,
) -> serde_json::Value {
    let mut e = Event::new(0, tenant.clone(), time);
    e.set("class_uid", SOFTWARE_INVENTORY_INFO);
    e.set("category_uid", 5i64);
    e.set("activity_id", 2i64);
    e.set("type_uid", SOFTWARE_INVENTORY_INFO * 100 + 2);
    e.set("severity_id", 1i64);
    e.set(
        "message",
        format!(
            "inventory of {} packages on {}: {findings} vulnerability findings",
            report.packages.len(),
            report.hostname
        ),
    );
    e.set("device.hostname", report.hostname.as_str());
    e.set("metadata.product.name", "Palisade");
    e.set("metadata.product.feature.name", "inventory");
    e.set("unmapped.inventory_taken_ms", report.taken_ms);
    e.set("unmapped.package_count", report.packages.len() as i64);
    e.set("unmapped.finding_count", findings as i64);
    for (i, p) in report.packages.iter().enumerate() {
        e.set(
            format!("unmapped.packages.{i}"),
            Value::from(format!("{}/{}@{}", p.ecosystem, p.name, p.version)),
        );
    }
    for (i, s) in report.skipped.iter().enumerate() {
        e.set(format!("unmapped.skipped.{i}"), s.as_str());
    }
    e.to_ocsf_json()
}
