//! A small RFC 4180 reader for the CCM files users export from CSA's spreadsheet: quoted
//! fields with doubled quotes, separators and line breaks inside quotes, CRLF or LF lines.

/// Splits `text` into records of fields. A quote left open at the end is an error.
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = sniff_delimiter(text);
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1usize;
    let mut quote_line = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                quoted = true;
                quote_line = line;
            }
            c if c == delimiter => record.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                line += 1;
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(format!(
            "a quote opened on line {quote_line} is never closed"
        ));
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

/// `;` or tab when the first line has more of them than commas (spreadsheets in some locales
/// export so), else `,`.
fn sniff_delimiter(text: &str) -> char {
    let first = text.lines().next().unwrap_or("");
    let count = |d: char| first.matches(d).count();
    [';', '\t']
        .into_iter()
        .find(|d| count(*d) > count(','))
        .unwrap_or(',')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quotes_separators_and_line_breaks_inside_fields() {
        let rows =
            parse("id,title\r\nIAM-01,\"Policy, \"\"and\"\"\nprocedures\"\r\nIAM-02,x").unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1][1], "Policy, \"and\"\nprocedures");
        assert_eq!(rows[2], vec!["IAM-02", "x"]);
        assert_eq!(parse("a;b;c\n1;2;3\n").unwrap()[1], vec!["1", "2", "3"]);
        assert!(parse("a,\"open\n").unwrap_err().contains("line 1"));
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(text in "\\PC*") {
            let _ = parse(&text);
        }
    }
}
