//! Advisory import and matching throughput on the OSV corpus (`../shared/corpus/osv/`:
//! RustSec JSON and PyPA YAML): advisories imported per second (read, parse, merge), index
//! build, and packages matched per second on an inventory with three versions of every
//! package the corpus names plus as many packages no advisory names.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use palisade_vuln::{
    database::{advisory_files, Importer},
    inventory::{Inventory, Package},
    osv::{Advisory, AdvisoryIndex, Ecosystem},
    scan::scan,
};
use std::{hint::black_box, path::PathBuf};

fn corpus_files() -> Option<Vec<PathBuf>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/osv");
    if !root.is_dir() {
        eprintln!("skipping: {} is absent", root.display());
        return None;
    }
    advisory_files(&[root.join("rustsec-osv/crates"), root.join("pypa/vulns")]).ok()
}

fn import(files: &[PathBuf]) -> Vec<Advisory> {
    let mut importer = Importer::new(Vec::new());
    for file in files {
        importer.add_file(file);
    }
    importer.finish().0
}

fn inventory(advisories: &[Advisory]) -> Inventory {
    let mut inventory = Inventory::default();
    let mut seen = std::collections::HashSet::new();
    for advisory in advisories {
        for affected in &advisory.affected {
            let Some(ecosystem) = Ecosystem::parse(&affected.ecosystem) else {
                continue;
            };
            if !seen.insert((ecosystem.to_string(), affected.name.clone())) {
                continue;
            }
            for (i, version) in ["0.1.0", "1.0.0", "2.5.3"].into_iter().enumerate() {
                let package = |name: String| Package {
                    ecosystem: ecosystem.clone(),
                    name,
                    version: version.to_owned(),
                    source: "bench".to_owned(),
                    binaries: Vec::new(),
                };
                inventory.packages.push(package(affected.name.clone()));
                inventory
                    .packages
                    .push(package(format!("unlisted-{}-{i}", affected.name)));
            }
        }
    }
    inventory
}

fn benches(c: &mut Criterion) {
    let Some(files) = corpus_files() else { return };
    let advisories = import(&files);
    let mut group = c.benchmark_group("osv");
    group.sample_size(10);
    group.throughput(Throughput::Elements(advisories.len() as u64));
    group.bench_function("import_corpus_advisories", |b| {
        b.iter(|| black_box(import(&files)))
    });
    group.bench_function("build_index_advisories", |b| {
        b.iter(|| black_box(AdvisoryIndex::new(advisories.clone())))
    });
    let index = AdvisoryIndex::new(advisories.clone());
    let packages = inventory(&advisories);
    eprintln!(
        "{} advisories, {} packages, {} findings",
        advisories.len(),
        packages.packages.len(),
        scan(&index, &packages).findings.len()
    );
    group.throughput(Throughput::Elements(packages.packages.len() as u64));
    group.bench_function("scan_packages", |b| {
        b.iter(|| black_box(scan(&index, &packages)))
    });
    group.finish();
}

criterion_group!(vuln, benches);
criterion_main!(vuln);
