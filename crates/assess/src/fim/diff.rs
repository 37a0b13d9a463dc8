//! A small line diff (longest common subsequence) for configuration files.

/// Lines beyond which the diff is summarised instead of computed (the table is n×m).
const MAX_LINES: usize = 4000;

/// A diff of two texts: unchanged lines are left out, removed lines start with `-`, added
/// lines with `+`, each prefixed by its line number in the old or new text.
pub fn line_diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    if a.len() > MAX_LINES || b.len() > MAX_LINES {
        return format!(
            "{} lines before, {} lines after (too long to diff)",
            a.len(),
            b.len()
        );
    }
    // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("-{}: {}\n", i + 1, a[i]));
            i += 1;
        } else {
            out.push_str(&format!("+{}: {}\n", j + 1, b[j]));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_lines_are_shown() {
        let d = line_diff(
            "a\nPermitRootLogin no\nc\n",
            "a\nPermitRootLogin yes\nc\nd\n",
        );
        assert_eq!(
            d,
            "-2: PermitRootLogin no\n+2: PermitRootLogin yes\n+4: d\n"
        );
        assert_eq!(line_diff("x\n", "x\n"), "");
    }
}
