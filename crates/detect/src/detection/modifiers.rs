//! The value modifiers of the Sigma v2.1 appendix, read from a `Field|mod|mod` key.

/// Where a string value may sit inside the field's value.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Position {
    /// The whole value (no modifier).
    #[default]
    Whole,
    /// `contains`.
    Anywhere,
    /// `startswith`.
    Start,
    /// `endswith`.
    End,
}

/// A text encoding applied to the value before matching.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Encoding {
    /// `base64`.
    Base64,
    /// `base64offset`: the three encodings of the value at every byte offset.
    Base64Offset,
    /// `utf16le` or `wide`.
    Utf16Le,
    /// `utf16be`.
    Utf16Be,
    /// `utf16`: little endian with a byte order mark.
    Utf16Bom,
}

/// Everything the modifiers of one key ask for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Modifiers {
    /// `contains` / `startswith` / `endswith`.
    pub position: Position,
    /// `all`: every value must match, not any.
    pub all: bool,
    /// `cased`: case-sensitive.
    pub cased: bool,
    /// `neq`: the field must not have the value.
    pub neq: bool,
    /// `exists`.
    pub exists: bool,
    /// `windash`.
    pub windash: bool,
    /// `re`, with its flags.
    pub regex: Option<RegexFlags>,
    /// Encodings, in the order written.
    pub encodings: Vec<Encoding>,
    /// `lt` / `lte` / `gt` / `gte`.
    pub comparison: Option<super::value::Comparison>,
    /// `minute` ... `year`.
    pub time_part: Option<super::value::TimePart>,
    /// `cidr`.
    pub cidr: bool,
    /// `expand`.
    pub expand: bool,
    /// `fieldref`.
    pub fieldref: bool,
}

/// Flags of the `re` modifier.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RegexFlags {
    /// `i`: ignore case.
    pub ignore_case: bool,
    /// `m`: `^` and `$` match at line breaks.
    pub multi_line: bool,
    /// `s`: `.` matches a line break.
    pub dot_all: bool,
}

impl Modifiers {
    /// Reads the modifier names after the field name.
    pub fn parse<'a>(names: impl Iterator<Item = &'a str>) -> Result<Self, String> {
        use super::value::{Comparison, TimePart};
        let mut m = Modifiers::default();
        for name in names {
            let set_position = |m: &mut Modifiers, p: Position| {
                if m.position != Position::Whole && m.position != p {
                    return Err(format!(
                        "modifier '{name}' conflicts with an earlier contains/startswith/endswith"
                    ));
                }
                m.position = p;
                Ok(())
            };
            let flag = |m: &mut Modifiers, f: fn(&mut RegexFlags)| match m.regex.as_mut() {
                Some(flags) => {
                    f(flags);
                    Ok(())
                }
                None => Err(format!(
                    "modifier '{name}' is a flag of 're' and must follow it"
                )),
            };
            match name {
                "contains" => set_position(&mut m, Position::Anywhere)?,
                "startswith" => set_position(&mut m, Position::Start)?,
                "endswith" => set_position(&mut m, Position::End)?,
                "all" => m.all = true,
                "cased" => m.cased = true,
                "neq" => m.neq = true,
                "exists" => m.exists = true,
                "windash" => m.windash = true,
                "re" => m.regex = Some(RegexFlags::default()),
                "i" => flag(&mut m, |f| f.ignore_case = true)?,
                "m" => flag(&mut m, |f| f.multi_line = true)?,
                "s" => flag(&mut m, |f| f.dot_all = true)?,
                "base64" => m.encodings.push(Encoding::Base64),
                "base64offset" => m.encodings.push(Encoding::Base64Offset),
                "utf16le" | "wide" => m.encodings.push(Encoding::Utf16Le),
                "utf16be" => m.encodings.push(Encoding::Utf16Be),
                "utf16" => m.encodings.push(Encoding::Utf16Bom),
                "lt" => m.comparison = Some(Comparison::Lt),
                "lte" => m.comparison = Some(Comparison::Lte),
                "gt" => m.comparison = Some(Comparison::Gt),
                "gte" => m.comparison = Some(Comparison::Gte),
                "minute" => m.time_part = Some(TimePart::Minute),
                "hour" => m.time_part = Some(TimePart::Hour),
                "day" => m.time_part = Some(TimePart::Day),
                "week" => m.time_part = Some(TimePart::Week),
                "month" => m.time_part = Some(TimePart::Month),
                "year" => m.time_part = Some(TimePart::Year),
                "cidr" => m.cidr = true,
                "expand" => m.expand = true,
                "fieldref" => m.fieldref = true,
                "" => return Err("empty modifier (two '|' in a row)".to_owned()),
                other => return Err(format!("unknown modifier '{other}'")),
            }
        }
        m.check()?;
        Ok(m)
    }

    /// Rejects combinations that have no meaning.
    fn check(&self) -> Result<(), String> {
        let kinds = [
            self.regex.is_some(),
            self.comparison.is_some() && self.time_part.is_none(),
            self.time_part.is_some(),
            self.cidr,
            self.exists,
            self.fieldref,
        ];
        if kinds.iter().filter(|k| **k).count() > 1 {
            return Err(
                "modifiers re, lt/lte/gt/gte, minute..year, cidr, exists and fieldref cannot be \
                 combined with each other"
                    .to_owned(),
            );
        }
        let text_only = self.position != Position::Whole
            || self.windash
            || !self.encodings.is_empty()
            || self.expand;
        if text_only && (self.regex.is_some() || self.cidr || self.exists) {
            return Err("string modifiers cannot be combined with re, cidr or exists".to_owned());
        }
        if (self.comparison.is_some() || self.time_part.is_some()) && text_only {
            return Err(
                "numeric and time modifiers cannot be combined with string modifiers".to_owned(),
            );
        }
        Ok(())
    }
}

/// Applies the encodings in order and returns every variant that may appear in the field
/// (one, or three for `base64offset`), as text. Encoded output is matched case-sensitively.
pub fn encode(value: &str, encodings: &[Encoding]) -> Vec<String> {
    use base64::Engine as _;
    let b64 = &base64::engine::general_purpose::STANDARD;
    let mut variants: Vec<Vec<u8>> = vec![value.as_bytes().to_vec()];
    for encoding in encodings {
        variants = variants
            .into_iter()
            .flat_map(|bytes| match encoding {
                Encoding::Base64 => vec![b64.encode(&bytes).into_bytes()],
                Encoding::Base64Offset => base64_offsets(&bytes),
                Encoding::Utf16Le => vec![utf16(&bytes, u16::to_le_bytes, false)],
                Encoding::Utf16Be => vec![utf16(&bytes, u16::to_be_bytes, false)],
                Encoding::Utf16Bom => vec![utf16(&bytes, u16::to_le_bytes, true)],
            })
            .collect();
    }
    variants
        .into_iter()
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .collect()
}

/// The base64 text of `bytes` as it appears when they start at offset 0, 1 or 2 of a longer
/// encoded input: the characters that depend on the unknown neighbours are cut off.
fn base64_offsets(bytes: &[u8]) -> Vec<Vec<u8>> {
    use base64::Engine as _;
    let b64 = &base64::engine::general_purpose::STANDARD;
    const CUT_START: [usize; 3] = [0, 2, 3];
    const CUT_END: [usize; 3] = [0, 3, 2];
    (0..3)
        .map(|shift| {
            let mut padded = vec![b' '; shift];
            padded.extend_from_slice(bytes);
            let text = b64.encode(&padded).into_bytes();
            let end = text
                .len()
                .saturating_sub(CUT_END[(bytes.len() + shift) % 3]);
            text.get(CUT_START[shift]..end).unwrap_or_default().to_vec()
        })
        .collect()
}

/// UTF-16 code units of the (UTF-8) bytes, each written with `order`.
fn utf16(bytes: &[u8], order: fn(u16) -> [u8; 2], bom: bool) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::with_capacity(bytes.len() * 2 + 2);
    if bom {
        out.extend_from_slice(&order(0xFEFF));
    }
    for unit in text.encode_utf16() {
        out.extend_from_slice(&order(unit));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64offset_gives_the_three_shifted_forms() {
        // The classic example: "/bin/bash" inside base64 at any alignment.
        let forms = encode("/bin/bash", &[Encoding::Base64Offset]);
        assert_eq!(forms, vec!["L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"]);
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        for prefix in ["", "a", "ab"] {
            let whole = b64.encode(format!("{prefix}/bin/bash -i"));
            assert!(forms.iter().any(|f| whole.contains(f.as_str())), "{prefix}");
        }
    }

    #[test]
    fn utf16_forms_and_base64() {
        assert_eq!(encode("A", &[Encoding::Utf16Le]), vec!["A\0"]);
        assert_eq!(encode("A", &[Encoding::Utf16Be]), vec!["\0A"]);
        assert_eq!(
            encode("A", &[Encoding::Utf16Le, Encoding::Base64]),
            vec!["QQA="]
        );
        assert_eq!(
            encode("A", &[Encoding::Utf16Bom, Encoding::Base64]),
            vec!["//5BAA=="]
        );
        assert_eq!(encode("ping", &[Encoding::Base64]), vec!["cGluZw=="]);
    }

    #[test]
    fn unknown_and_conflicting_modifiers_are_errors() {
        let err = |s: &str| Modifiers::parse(s.split('|')).expect_err(s);
        assert!(err("contains|bogus").contains("unknown modifier 'bogus'"));
        assert!(err("contains|startswith").contains("conflicts"));
        assert!(err("i").contains("flag of 're'"));
        assert!(err("re|cidr").contains("cannot be combined"));
        assert!(Modifiers::parse("re|i|m|s".split('|')).is_ok());
        assert!(Modifiers::parse("hour|gte".split('|')).is_ok());
    }
}
