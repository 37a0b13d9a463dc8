//! A loaded Sigma rule and a Sigma filter, read from one YAML document.

use crate::detection::{Detection, Placeholders};
use yaml_rust2::Yaml;

/// The `logsource` of a rule or filter (lower-cased; absent keys are `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Logsource {
    /// `product` (windows, linux, aws...).
    pub product: Option<String>,
    /// `category` (process_creation, webserver...).
    pub category: Option<String>,
    /// `service` (security, sysmon, sshd, cloudtrail...).
    pub service: Option<String>,
}

impl Logsource {
    fn parse(yaml: &Yaml) -> Result<Self, String> {
        let Yaml::Hash(_) = yaml else {
            return Err("logsource must be a mapping (product, category, service)".into());
        };
        let key = |k: &str| -> Result<Option<String>, String> {
            match &yaml[k] {
                Yaml::BadValue | Yaml::Null => Ok(None),
                Yaml::String(s) => Ok(Some(s.to_lowercase())),
                _ => Err(format!("logsource.{k} must be a string")),
            }
        };
        Ok(Logsource {
            product: key("product")?,
            category: key("category")?,
            service: key("service")?,
        })
    }

    /// True when an event of `self`'s source is also of `other`'s: every key `other` sets is
    /// set to the same value here.
    pub fn within(&self, other: &Logsource) -> bool {
        let ok =
            |mine: &Option<String>, theirs: &Option<String>| theirs.is_none() || mine == theirs;
        ok(&self.product, &other.product)
            && ok(&self.category, &other.category)
            && ok(&self.service, &other.service)
    }
}

impl std::fmt::Display for Logsource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let part = |p: &Option<String>| p.clone().unwrap_or_else(|| "*".into());
        write!(
            f,
            "product={} category={} service={}",
            part(&self.product),
            part(&self.category),
            part(&self.service)
        )
    }
}

/// One Sigma detection rule, ready to compile into an engine.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `id` (a UUID in SigmaHQ rules; the title when the rule has none).
    pub id: String,
    /// `name`: the rule's handle for correlation rules, when given.
    pub name: Option<String>,
    /// `title`.
    pub title: String,
    /// `level` (informational, low, medium, high, critical), lower-cased; `medium` if absent.
    pub level: String,
    /// `status`, when given.
    pub status: Option<String>,
    /// `tags` (ATT&CK: `attack.t1059.001`, `attack.execution`...).
    pub tags: Vec<String>,
    /// `logsource`.
    pub logsource: Logsource,
    /// The compiled detection.
    pub detection: Detection,
    /// Exclusions from Sigma filters naming this rule: the rule does not fire when one holds.
    pub exclusions: Vec<Detection>,
    /// The file (or source name) the rule came from.
    pub source: String,
}

/// A Sigma filter (meta-filter): exclusions applied to the rules it names.
#[derive(Debug, Clone)]
pub struct Filter {
    /// `title`.
    pub title: String,
    /// Ids or names of the rules it applies to.
    pub rules: Vec<String>,
    /// Its `logsource`: it applies only to rules of a compatible source.
    pub logsource: Logsource,
    /// Events it selects are excluded.
    pub detection: Detection,
    /// The file it came from.
    pub source: String,
}

fn text(doc: &Yaml, key: &str) -> Result<Option<String>, String> {
    match &doc[key] {
        Yaml::BadValue | Yaml::Null => Ok(None),
        Yaml::String(s) => Ok(Some(s.clone())),
        Yaml::Integer(i) => Ok(Some(i.to_string())),
        _ => Err(format!("'{key}' must be a string")),
    }
}

impl Rule {
    /// Reads a detection rule document.
    pub fn parse(doc: &Yaml, source: &str, placeholders: &Placeholders) -> Result<Self, String> {
        let title = text(doc, "title")?.ok_or("rule has no 'title'")?;
        if doc["logsource"].is_badvalue() {
            return Err("rule has no 'logsource'".into());
        }
        if doc["detection"].is_badvalue() {
            return Err("rule has no 'detection'".into());
        }
        let logsource = Logsource::parse(&doc["logsource"])?;
        let detection = Detection::parse(&doc["detection"], placeholders);
        let status = text(doc, "status")?;
        if status.as_deref() == Some("unsupported") {
            return Err(match detection {
                Err(e) => format!("{e} (the rule's status is also 'unsupported')"),
                Ok(_) => "status 'unsupported': the rule's authors mark it as needing more than \
                          the Sigma detection standard (aggregations, enrichment or fields no \
                          standard log source has), so it is not loaded"
                    .into(),
            });
        }
        let detection = detection?;
        for key in ["date", "modified"] {
            if let Some(date) = text(doc, key)? {
                if !is_iso_date(&date) {
                    return Err(format!(
                        "'{key}' is {date:?}: Sigma v2 requires YYYY-MM-DD (write {:?}); a date \
                         with '/' marks a Sigma v1 rule that was never migrated to v2",
                        date.replace('/', "-")
                    ));
                }
            }
        }
        let tags = match &doc["tags"] {
            Yaml::Array(items) => items
                .iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        Ok(Rule {
            id: text(doc, "id")?.unwrap_or_else(|| title.clone()),
            name: text(doc, "name")?,
            level: text(doc, "level")?
                .map(|l| l.to_lowercase())
                .unwrap_or_else(|| "medium".into()),
            status,
            title,
            tags,
            logsource,
            detection,
            exclusions: Vec::new(),
            source: source.to_owned(),
        })
    }
}

/// `YYYY-MM-DD` with a valid month and day number, as the Sigma v2 schema requires.
fn is_iso_date(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let number =
        |r: std::ops::Range<usize>| text.get(r).and_then(|t| t.parse::<u32>().ok()).unwrap_or(0);
    b.len() == 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (1..=12).contains(&number(5..7))
        && (1..=31).contains(&number(8..10))
}

impl Filter {
    /// Reads a filter document (`filter:` holding `rules:` and the selection and condition).
    pub fn parse(doc: &Yaml, source: &str, placeholders: &Placeholders) -> Result<Self, String> {
        let title = text(doc, "title")?.ok_or("filter has no 'title'")?;
        let body = &doc["filter"];
        let rules = match &body["rules"] {
            Yaml::Array(items) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_owned)
                        .ok_or("filter.rules entries must be strings")
                })
                .collect::<Result<Vec<_>, _>>()?,
            Yaml::String(s) => vec![s.clone()],
            _ => return Err("filter has no 'rules' list naming the rules it applies to".into()),
        };
        let logsource = match &doc["logsource"] {
            Yaml::BadValue => Logsource::default(),
            other => Logsource::parse(other)?,
        };
        Ok(Filter {
            title,
            rules,
            logsource,
            detection: Detection::parse(body, placeholders)?,
            source: source.to_owned(),
        })
    }
}
