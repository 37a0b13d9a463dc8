//! `sysctl` rules: kernel parameters read from `<root>/proc/sys`.

use crate::outcome::{Evidence, Verdict};
use crate::target::Target;
use crate::text::ValueTest;

/// The file under /proc/sys holding a dotted kernel parameter.
pub fn proc_path(name: &str) -> String {
    format!("/proc/sys/{}", name.replace('.', "/"))
}

/// Evaluates a sysctl rule.
pub fn evaluate(
    target: &Target,
    name: &str,
    test: &ValueTest,
    evidence: &mut Vec<Evidence>,
) -> Verdict {
    let path = proc_path(name);
    match target.read_to_string(&path) {
        Ok(value) => {
            let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
            evidence.push(Evidence::about(&path, format!("{name} = {value}")));
            Verdict::from_bool(test.holds(&value))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Verdict::NotApplicable(format!("kernel parameter {name} is absent ({path})"))
        }
        Err(e) => Verdict::Error(format!("cannot read {path}: {e}")),
    }
}
