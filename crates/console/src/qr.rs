//! QR codes drawn as SVG on the server (the second-factor enrolment page shows the
//! `otpauth://` URI this way): the `qrcode` crate computes the module matrix, this module
//! draws each dark module as a unit square of one path, inside the standard 4-module quiet
//! zone, so the code scans in either theme (dark modules on a white background).

use crate::chart::escape_xml;
use qrcode::{Color, QrCode};
use std::fmt::Write;

/// Modules of white border on every side (the quiet zone the QR standard asks for).
const QUIET: usize = 4;

/// `text` as a QR code (`<svg>` with `label` as its accessible name), or why it cannot be.
pub fn svg(text: &str, label: &str) -> Result<String, String> {
    let code = QrCode::new(text.as_bytes()).map_err(|e| format!("cannot draw a QR code: {e}"))?;
    let width = code.width();
    let side = width + 2 * QUIET;
    let mut path = String::new();
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == Color::Dark {
            let _ = write!(path, "M{} {}h1v1h-1z", i % width + QUIET, i / width + QUIET);
        }
    }
    let label = escape_xml(label);
    Ok(format!(
        r##"<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" width="{px}" height="{px}" shape-rendering="crispEdges" role="img" aria-label="{label}"><title>{label}</title><rect width="{side}" height="{side}" fill="#fff"/><path fill="#000" d="{path}"/></svg>"##,
        px = side * 5
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_otpauth_uri_becomes_a_square_code_with_a_quiet_zone() {
        let uri = "otpauth://totp/Palisade:acme%2Fsec?secret=JBSWY3DPEHPK3PXP&issuer=Palisade";
        let svg = svg(uri, "code <for> sec").unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("aria-label=\"code &lt;for&gt; sec\""));
        let code = QrCode::new(uri.as_bytes()).unwrap();
        let side = code.width() + 8;
        assert!(svg.contains(&format!("viewBox=\"0 0 {side} {side}\"")));
        let dark = code
            .to_colors()
            .iter()
            .filter(|c| **c == Color::Dark)
            .count();
        assert_eq!(svg.matches("h1v1h-1z").count(), dark);
        // The finder pattern's corner module sits just inside the quiet zone.
        assert!(svg.contains("M4 4h1v1h-1z"));
    }

    #[test]
    fn text_too_long_for_any_qr_version_is_refused() {
        let e = svg(&"x".repeat(8000), "too long").unwrap_err();
        assert!(e.contains("cannot draw a QR code"), "{e}");
    }
}
