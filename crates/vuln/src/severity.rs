//! Severity of an advisory: a CVSS base score computed from the vector (CVSS v3.0/v3.1 and
//! v2 formulas from the FIRST specifications), else the database's own rating, else unknown.
//! CVSS v4 vectors are kept but not scored (their scoring needs FIRST's lookup tables), so an
//! advisory with only a v4 vector falls back to the database rating. Informational advisories
//! (RustSec's unmaintained, unsound and notice) without a score are `Informational`.

use crate::osv::{Advisory, Affected, SeverityScore};
use serde::Serialize;

/// Qualitative severity, in OCSF's `severity_id` terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// No score or rating known.
    Unknown,
    /// CVSS 0.0.
    Informational,
    /// CVSS 0.1–3.9.
    Low,
    /// CVSS 4.0–6.9.
    Medium,
    /// CVSS 7.0–8.9.
    High,
    /// CVSS 9.0–10.0.
    Critical,
}

impl Level {
    /// OCSF `severity_id`.
    pub fn ocsf_id(self) -> i64 {
        match self {
            Level::Unknown => 0,
            Level::Informational => 1,
            Level::Low => 2,
            Level::Medium => 3,
            Level::High => 4,
            Level::Critical => 5,
        }
    }

    /// The name OCSF and the table output use.
    pub fn name(self) -> &'static str {
        match self {
            Level::Unknown => "Unknown",
            Level::Informational => "Informational",
            Level::Low => "Low",
            Level::Medium => "Medium",
            Level::High => "High",
            Level::Critical => "Critical",
        }
    }

    fn from_score(score: f64) -> Level {
        match score {
            s if s >= 9.0 => Level::Critical,
            s if s >= 7.0 => Level::High,
            s if s >= 4.0 => Level::Medium,
            s if s > 0.0 => Level::Low,
            _ => Level::Informational,
        }
    }

    fn from_rating(rating: &str) -> Level {
        match rating.trim().to_ascii_lowercase().as_str() {
            "critical" => Level::Critical,
            "high" | "important" => Level::High,
            "moderate" | "medium" => Level::Medium,
            "low" | "negligible" => Level::Low,
            _ => Level::Unknown,
        }
    }
}

/// An advisory's severity for one affected package.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Severity {
    /// The qualitative level.
    pub level: Level,
    /// The CVSS base score, when a vector could be scored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The CVSS vector the score came from (or the only one known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
}

impl Severity {
    /// The severity of `advisory` for `affected`: the package's own scores first, then the
    /// advisory's, the highest-version scorable CVSS vector winning; then the database rating.
    pub fn of(advisory: &Advisory, affected: &Affected) -> Severity {
        let scores: Vec<&SeverityScore> = affected
            .severity
            .iter()
            .chain(advisory.severity.iter())
            .collect();
        for score in &scores {
            let computed = match score.kind.as_str() {
                "CVSS_V3" => cvss3_base(&score.score),
                "CVSS_V2" => cvss2_base(&score.score),
                _ => None,
            };
            if let Some(value) = computed {
                return Severity {
                    level: Level::from_score(value),
                    score: Some(value),
                    vector: Some(score.score.clone()),
                };
            }
        }
        let rated = scores
            .iter()
            .find(|s| !s.kind.starts_with("CVSS"))
            .map(|s| Level::from_rating(&s.score))
            .filter(|l| *l != Level::Unknown)
            .or_else(|| {
                advisory
                    .database_severity
                    .as_deref()
                    .map(Level::from_rating)
            })
            .filter(|l| *l != Level::Unknown)
            .or_else(|| {
                affected
                    .informational
                    .as_ref()
                    .map(|_| Level::Informational)
            })
            .unwrap_or(Level::Unknown);
        Severity {
            level: rated,
            score: None,
            vector: scores
                .iter()
                .find(|s| s.kind.starts_with("CVSS"))
                .map(|s| s.score.clone()),
        }
    }
}

/// The metrics of a vector (`AV:N/AC:L/...`), after an optional `CVSS:x.y/` prefix.
fn metrics(vector: &str) -> impl Iterator<Item = (&str, &str)> {
    vector
        .split('/')
        .filter(|part| !part.starts_with("CVSS:"))
        .filter_map(|part| part.split_once(':'))
}

fn metric<'a>(vector: &'a str, name: &str) -> Option<&'a str> {
    metrics(vector).find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// CVSS v3.x base score; `None` when a base metric is missing or invalid.
pub fn cvss3_base(vector: &str) -> Option<f64> {
    if !vector.starts_with("CVSS:3.") {
        return None;
    }
    let changed = match metric(vector, "S")? {
        "U" => false,
        "C" => true,
        _ => return None,
    };
    let av = match metric(vector, "AV")? {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        "P" => 0.2,
        _ => return None,
    };
    let ac = match metric(vector, "AC")? {
        "L" => 0.77,
        "H" => 0.44,
        _ => return None,
    };
    let pr = match (metric(vector, "PR")?, changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        ("H", false) => 0.27,
        ("H", true) => 0.5,
        _ => return None,
    };
    let ui = match metric(vector, "UI")? {
        "N" => 0.85,
        "R" => 0.62,
        _ => return None,
    };
    let cia = |name| match metric(vector, name)? {
        "H" => Some(0.56),
        "L" => Some(0.22),
        "N" => Some(0.0),
        _ => None,
    };
    let iss = 1.0 - (1.0 - cia("C")?) * (1.0 - cia("I")?) * (1.0 - cia("A")?);
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02f64).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * av * ac * pr * ui;
    if impact <= 0.0 {
        return Some(0.0);
    }
    let raw = if changed {
        1.08 * (impact + exploitability)
    } else {
        impact + exploitability
    };
    Some(round_up(raw.min(10.0)))
}

/// CVSS v3.1's round-up to one decimal, free of floating point surprises.
fn round_up(value: f64) -> f64 {
    let scaled = (value * 100_000.0).round() as i64;
    if scaled % 10_000 == 0 {
        scaled as f64 / 100_000.0
    } else {
        ((scaled / 10_000) + 1) as f64 / 10.0
    }
}

/// CVSS v2 base score; `None` when a base metric is missing or invalid.
pub fn cvss2_base(vector: &str) -> Option<f64> {
    let av = match metric(vector, "AV")? {
        "L" => 0.395,
        "A" => 0.646,
        "N" => 1.0,
        _ => return None,
    };
    let ac = match metric(vector, "AC")? {
        "H" => 0.35,
        "M" => 0.61,
        "L" => 0.71,
        _ => return None,
    };
    let au = match metric(vector, "Au")? {
        "M" => 0.45,
        "S" => 0.56,
        "N" => 0.704,
        _ => return None,
    };
    let cia = |name| match metric(vector, name)? {
        "N" => Some(0.0),
        "P" => Some(0.275),
        "C" => Some(0.660),
        _ => None,
    };
    let impact = 10.41 * (1.0 - (1.0 - cia("C")?) * (1.0 - cia("I")?) * (1.0 - cia("A")?));
    let exploitability = 20.0 * av * ac * au;
    let f: f64 = if impact == 0.0 { 0.0 } else { 1.176 };
    let score = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * f;
    Some((score * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvss3_scores_match_the_specification_calculator() {
        for (vector, score) in [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", 5.9),
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9),
            ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 0.0),
        ] {
            assert_eq!(cvss3_base(vector), Some(score), "{vector}");
        }
        assert_eq!(cvss3_base("CVSS:3.1/AV:N/AC:L"), None);
        assert_eq!(cvss3_base("CVSS:4.0/AV:N/AC:L/AT:N"), None);
    }

    #[test]
    fn cvss2_scores_match_the_specification_examples() {
        assert_eq!(cvss2_base("AV:N/AC:L/Au:N/C:N/I:N/A:C"), Some(7.8));
        assert_eq!(cvss2_base("AV:N/AC:L/Au:N/C:C/I:C/A:C"), Some(10.0));
        assert_eq!(cvss2_base("AV:L/AC:H/Au:N/C:C/I:C/A:C"), Some(6.2));
    }

    #[test]
    fn levels_follow_the_cvss_bands_and_ratings() {
        assert_eq!(Level::from_score(9.8), Level::Critical);
        assert_eq!(Level::from_score(7.0), Level::High);
        assert_eq!(Level::from_score(6.9), Level::Medium);
        assert_eq!(Level::from_score(0.1), Level::Low);
        assert_eq!(Level::from_rating("MODERATE"), Level::Medium);
        assert_eq!(Level::from_rating("whatever"), Level::Unknown);
    }
}
