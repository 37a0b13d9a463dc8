//! Vulnerability matching for Palisade's posture assessment.
//!
//! Three pieces, each usable on its own: [`version`] orders versions the way Debian (dpkg),
//! Python (PEP 440) and SemVer 2.0 do; [`osv`] reads OSV advisories (JSON or YAML) and decides
//! whether a package version is affected with the OSV schema's range semantics; [`inventory`]
//! reads what is installed (the dpkg status file) or locked (Cargo.lock, package-lock.json,
//! requirements.txt, poetry.lock). [`scan`] puts them together and turns every match into an
//! OCSF Vulnerability Finding (class 2002) with severity and the fixed version, or "no fix
//! available".

pub mod database;
pub mod inventory;
pub mod ocsf;
pub mod osv;
pub mod scan;
pub mod severity;
pub mod version;
