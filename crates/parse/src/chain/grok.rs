//! Grok patterns: `%{NAME}` and `%{NAME:field}` (optionally `%{NAME:field:int}`) expanded
//! into one regular expression from a pattern library written here, plus user patterns.

use std::collections::BTreeMap;

/// The built-in pattern library: name → regular expression (which may use other names).
const LIBRARY: &[(&str, &str)] = &[
    ("WORD", r"\b\w+\b"),
    ("NOTSPACE", r"\S+"),
    ("SPACE", r"\s*"),
    ("DATA", r".*?"),
    ("GREEDYDATA", r".*"),
    ("INT", r"[+-]?\d+"),
    ("POSINT", r"\b[1-9]\d*\b"),
    ("NONNEGINT", r"\b\d+\b"),
    ("NUMBER", r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"),
    ("BASE16NUM", r"(?:0[xX])?[0-9A-Fa-f]+"),
    ("USERNAME", r"[a-zA-Z0-9._-]+"),
    ("USER", r"%{USERNAME}"),
    (
        "EMAILADDRESS",
        r"[a-zA-Z0-9_.+=:-]+@[0-9A-Za-z][0-9A-Za-z.-]*",
    ),
    (
        "HOSTNAME",
        r"\b[0-9A-Za-z][0-9A-Za-z-]{0,62}(?:\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*\.?\b",
    ),
    (
        "IPV4",
        r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)",
    ),
    (
        "IPV6",
        r"(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{0,4}|%{IPV4})",
    ),
    ("IP", r"(?:%{IPV6}|%{IPV4})"),
    ("IPORHOST", r"(?:%{IP}|%{HOSTNAME})"),
    ("HOSTPORT", r"%{IPORHOST}:%{POSINT}"),
    ("MAC", r"(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}"),
    (
        "UUID",
        r"[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}",
    ),
    ("PATH", r"(?:/[^\s/]*)+|(?:[A-Za-z]:)?(?:\\[^\s\\]*)+"),
    ("URIPROTO", r"[A-Za-z][A-Za-z0-9+.-]*"),
    ("URIPATH", r"(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\-]*)+"),
    ("URIPARAM", r"\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\-\[\]<>]*"),
    ("URIPATHPARAM", r"%{URIPATH}(?:%{URIPARAM})?"),
    (
        "URI",
        r"%{URIPROTO}://(?:[^@\s]+@)?%{IPORHOST}(?::%{POSINT})?%{URIPATHPARAM}?",
    ),
    ("QS", r#""(?:[^"\\]|\\.)*""#),
    ("QUOTEDSTRING", r#""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'"#),
    (
        "LOGLEVEL",
        r"(?i:trace|debug|info(?:rmation)?|notice|warn(?:ing)?|err(?:or)?|crit(?:ical)?|alert|emerg(?:ency)?|fatal|panic)",
    ),
    (
        "MONTH",
        r"\b(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b",
    ),
    ("MONTHDAY", r"(?:0?[1-9]|[12]\d|3[01])"),
    ("YEAR", r"\d{4}"),
    (
        "TIME",
        r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d+)?)?",
    ),
    ("ISO8601_TIMEZONE", r"(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)"),
    (
        "TIMESTAMP_ISO8601",
        r"%{YEAR}-\d{2}-\d{2}[T ]%{TIME}%{ISO8601_TIMEZONE}?",
    ),
    ("SYSLOGTIMESTAMP", r"%{MONTH} +%{MONTHDAY} %{TIME}"),
    (
        "HTTPDATE",
        r"%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} [+-]\d{4}",
    ),
];

/// A grok pattern compiled to a regex, with the field each capture group fills.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    /// The expanded regular expression.
    pub(crate) regex: String,
    /// Per capture group `g<i>`: the field path and the requested type (`int`, `float`).
    pub(crate) captures: Vec<(String, Option<String>)>,
}

/// Nesting limit for patterns that use other patterns (a cycle is an error, not a hang).
const MAX_DEPTH: usize = 16;

/// Expands `pattern` using the library and `custom` patterns (custom ones win).
pub(crate) fn compile(
    pattern: &str,
    custom: &BTreeMap<String, String>,
) -> Result<Compiled, String> {
    let mut captures = Vec::new();
    let regex = expand(pattern, custom, &mut captures, 0)?;
    Ok(Compiled { regex, captures })
}

fn definition<'a>(name: &str, custom: &'a BTreeMap<String, String>) -> Option<&'a str> {
    custom
        .get(name)
        .map(String::as_str)
        .or_else(|| LIBRARY.iter().find(|(n, _)| *n == name).map(|(_, d)| *d))
}

fn expand(
    pattern: &str,
    custom: &BTreeMap<String, String>,
    captures: &mut Vec<(String, Option<String>)>,
    depth: usize,
) -> Result<String, String> {
    if depth > MAX_DEPTH {
        return Err("grok patterns nest too deeply (a pattern that uses itself?)".into());
    }
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut rest = pattern;
    while let Some(start) = rest.find("%{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed %{{ in grok pattern at {:?}", &rest[start..]))?;
        let reference = &after[..end];
        let mut parts = reference.splitn(3, ':');
        let name = parts.next().unwrap_or_default();
        let field = parts.next().filter(|f| !f.is_empty());
        let kind = parts.next().map(str::to_owned);
        if let Some(kind) = &kind {
            if !matches!(kind.as_str(), "int" | "float") {
                return Err(format!(
                    "grok type {kind:?} in %{{{reference}}}: use int or float"
                ));
            }
        }
        let body = definition(name, custom)
            .ok_or_else(|| format!("unknown grok pattern {name:?} in %{{{reference}}}"))?;
        let inner = expand(body, custom, captures, depth + 1)?;
        match field {
            Some(field) => {
                out.push_str(&format!("(?P<g{}>{inner})", captures.len()));
                captures.push((field.to_owned(), kind));
            }
            None => {
                out.push_str("(?:");
                out.push_str(&inner);
                out.push(')');
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_patterns_expand_and_fields_are_numbered() {
        let c = compile(
            "%{IP:src_endpoint.ip} %{WORD:verb} %{NUMBER:bytes:int}",
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(c.captures.len(), 3);
        assert_eq!(c.captures[2], ("bytes".to_owned(), Some("int".to_owned())));
        let re = regex::Regex::new(&format!("^{}$", c.regex)).unwrap();
        let m = re.captures("10.1.2.3 GET 512").unwrap();
        assert_eq!(&m["g0"], "10.1.2.3");
        assert_eq!(&m["g2"], "512");
        assert!(re.captures("2001:db8::1 GET 5").is_some());
    }

    #[test]
    fn unknown_cyclic_and_malformed_patterns_are_errors() {
        assert!(compile("%{NOPE}", &BTreeMap::new())
            .unwrap_err()
            .contains("NOPE"));
        let mut custom = BTreeMap::new();
        custom.insert("LOOP".to_owned(), "%{LOOP}".to_owned());
        assert!(compile("%{LOOP}", &custom).unwrap_err().contains("deeply"));
        assert!(compile("%{IP", &BTreeMap::new()).is_err());
        assert!(compile("%{IP:x:date}", &BTreeMap::new()).is_err());
    }

    #[test]
    fn every_library_pattern_compiles() {
        for (name, _) in LIBRARY {
            let c = compile(&format!("%{{{name}}}"), &BTreeMap::new()).unwrap();
            regex::Regex::new(&c.regex).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
