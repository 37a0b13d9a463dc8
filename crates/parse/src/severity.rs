//! Severity vocabularies mapped onto OCSF `severity_id`
//! (0 unknown, 1 informational, 2 low, 3 medium, 4 high, 5 critical, 6 fatal).

/// OCSF severity for a syslog severity (RFC 5424 section 6.2.1, 0 emergency .. 7 debug).
pub(crate) fn from_syslog(severity: u8) -> i64 {
    match severity {
        0 => 6,
        1 | 2 => 5,
        3 => 4,
        4 => 3,
        5 => 2,
        _ => 1,
    }
}

/// OCSF severity for a level name (`error`, `WARN`, `Critical`, ...) or a syslog severity
/// number given as text; `None` when the word is not a known level.
pub(crate) fn from_name(name: &str) -> Option<i64> {
    let name = name.trim();
    if let Ok(number) = name.parse::<u8>() {
        return (number <= 7).then(|| from_syslog(number));
    }
    const NAMES: &[(&str, i64)] = &[
        ("emerg", 6),
        ("emergency", 6),
        ("panic", 6),
        ("fatal", 6),
        ("alert", 5),
        ("crit", 5),
        ("critical", 5),
        ("err", 4),
        ("error", 4),
        ("warn", 3),
        ("warning", 3),
        ("notice", 2),
        ("info", 1),
        ("information", 1),
        ("informational", 1),
        ("debug", 1),
        ("trace", 1),
        ("verbose", 1),
    ];
    NAMES
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
        .map(|(_, id)| *id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_and_numbers() {
        assert_eq!(super::from_name("WARN"), Some(3));
        assert_eq!(super::from_name("0"), Some(6));
        assert_eq!(super::from_name("8"), None);
        assert_eq!(super::from_name("loud"), None);
        assert_eq!(super::from_syslog(7), 1);
    }
}
