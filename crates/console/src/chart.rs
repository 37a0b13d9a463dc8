//! Charts drawn as SVG on the server: a bar histogram (matches or events over time). The
//! output is a complete `<svg>` element with every label XML-escaped, safe to place in a page.

use std::fmt::Write;

/// One bar: its count and the label shown in its tooltip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// Tooltip text (e.g. the bucket's start time).
    pub label: String,
    /// Height of the bar.
    pub count: u64,
}

/// Escapes text for XML content and attribute values.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 160;
const AXIS: u32 = 22;

/// A histogram of `bars`, left to right, scaled to the tallest bar, with the first and last
/// labels under the axis and `title` as the accessible name. Scales with its container.
pub fn histogram(title: &str, bars: &[Bar]) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="none" role="img" aria-label="{}"><title>{}</title>"#,
        escape_xml(title),
        escape_xml(title)
    );
    let plot = f64::from(HEIGHT - AXIS);
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let slot = f64::from(WIDTH) / bars.len().max(1) as f64;
    for (i, bar) in bars.iter().enumerate() {
        let h = (bar.count as f64 / max * plot).max(if bar.count > 0 { 1.0 } else { 0.0 });
        let _ = write!(
            svg,
            r#"<rect class="bar" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{}: {}</title></rect>"#,
            i as f64 * slot + slot * 0.1,
            plot - h,
            slot * 0.8,
            h,
            escape_xml(&bar.label),
            bar.count
        );
    }
    let _ = write!(
        svg,
        r#"<line class="axis" x1="0" y1="{plot}" x2="{WIDTH}" y2="{plot}"/>"#
    );
    if let (Some(first), Some(last)) = (bars.first(), bars.last()) {
        let y = HEIGHT - 4;
        let _ = write!(
            svg,
            r#"<text x="2" y="{y}">{}</text><text x="{}" y="{y}" text-anchor="end">{}</text>"#,
            escape_xml(&first.label),
            WIDTH - 2,
            escape_xml(&last.label)
        );
    }
    let _ = write!(
        svg,
        r#"<text class="peak" x="2" y="14">max {}</text></svg>"#,
        max as u64
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bar(label: &str, count: u64) -> Bar {
        Bar {
            label: label.into(),
            count,
        }
    }

    #[test]
    fn tallest_bar_fills_the_plot_and_labels_are_escaped() {
        let svg = histogram("m<x>", &[bar("10:00", 5), bar("<b>", 10), bar("10:02", 0)]);
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains(r#"height="138.0""#), "{svg}");
        assert!(svg.contains("&lt;b&gt;: 10"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("aria-label=\"m&lt;x&gt;\""));
        assert!(svg.contains("max 10"));
    }

    #[test]
    fn no_bars_is_an_empty_axis() {
        let svg = histogram("none", &[]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 0);
    }

    proptest! {
        #[test]
        fn never_emits_raw_markup_from_labels(label in ".*", count in any::<u64>()) {
            let svg = histogram(&label, &[bar(&label, count)]);
            let escaped = escape_xml(&label);
            prop_assert!(svg.contains(&escaped));
            prop_assert_eq!(svg.matches('<').count(), 15);
        }
    }
}
