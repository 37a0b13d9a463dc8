//! A horizontal bar chart drawn as SVG on the server (the search page's `stats` results):
//! one row per bar, its label on the left, its count at the end of the bar. Every label is
//! XML-escaped, so the output is safe to place in a page.

use crate::chart::{escape_xml, Bar};
use std::fmt::Write;

const WIDTH: f64 = 1000.0;
const ROW: f64 = 24.0;
/// Where the bars start (the labels use the space to the left).
const LABEL_WIDTH: f64 = 320.0;
/// Room kept right of the longest bar for its count.
const COUNT_WIDTH: f64 = 90.0;
/// Labels longer than this are cut with `…`.
const LABEL_CHARS: usize = 40;

/// `bars` top to bottom, scaled to the largest count, with `title` as the accessible name.
pub fn horizontal(title: &str, bars: &[Bar]) -> String {
    let height = ROW * bars.len().max(1) as f64 + 4.0;
    let title = escape_xml(title);
    let mut svg = format!(
        r#"<svg class="barchart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{title}"><title>{title}</title>"#
    );
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let span = WIDTH - LABEL_WIDTH - COUNT_WIDTH;
    for (i, bar) in bars.iter().enumerate() {
        let y = i as f64 * ROW + 2.0;
        let w = (bar.count as f64 / max * span).max(if bar.count > 0 { 1.0 } else { 0.0 });
        let label: String = match bar.label.char_indices().nth(LABEL_CHARS) {
            Some((cut, _)) => format!("{}…", &bar.label[..cut]),
            None => bar.label.clone(),
        };
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect class="bar" x="{LABEL_WIDTH}" y="{:.1}" width="{w:.1}" height="{:.1}"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}">{}</text>"#,
            LABEL_WIDTH - 8.0,
            y + ROW * 0.65,
            escape_xml(&label),
            y + 3.0,
            ROW - 6.0,
            escape_xml(&bar.label),
            bar.count,
            LABEL_WIDTH + w + 6.0,
            y + ROW * 0.65,
            bar.count
        );
    }
    svg.push_str("</svg>");
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
    fn the_largest_count_spans_the_plot_and_labels_are_escaped() {
        let svg = horizontal("hosts", &[bar("web<01>", 8), bar("db01", 2)]);
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains(r#"width="590.0""#), "{svg}");
        assert!(svg.contains(r#"width="147.5""#), "{svg}");
        assert!(svg.contains("web&lt;01&gt;: 8"));
        assert!(!svg.contains("web<01>"));
    }

    #[test]
    fn long_labels_are_cut_but_kept_whole_in_the_tooltip() {
        let long = "x".repeat(60);
        let svg = horizontal("t", &[bar(&long, 1)]);
        assert!(svg.contains(&format!("{}…", "x".repeat(40))));
        assert!(svg.contains(&format!("{long}: 1")));
    }

    proptest! {
        #[test]
        fn never_emits_raw_markup_from_labels(label in ".*", count in any::<u64>()) {
            let svg = horizontal(&label, &[bar(&label, count)]);
            // svg, title, text, rect, title, text: six elements whatever the label holds.
            prop_assert_eq!(svg.matches('<').count(), 12);
        }
    }
}
