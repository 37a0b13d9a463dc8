//! The console's static files, compiled into the binary and served under
//! `/console/assets/`.

/// One embedded file.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// `Content-Type` to answer with.
    pub content_type: &'static str,
    /// The file's bytes.
    pub body: &'static str,
}

/// The stylesheet (light and dark theme through `prefers-color-scheme`).
pub const STYLESHEET: Asset = Asset {
    content_type: "text/css; charset=utf-8",
    body: include_str!("../assets/console.css"),
};

/// The script: sign-out with the CSRF header, and the `/` shortcut to the search box.
pub const SCRIPT: Asset = Asset {
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("../assets/console.js"),
};

/// The SOC workflow script: incident and rule actions through the API, the live overview.
pub const OPS_SCRIPT: Asset = Asset {
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("../assets/ops.js"),
};

/// The script of the administration and account pages (calls the API with the CSRF token).
pub const ADMIN_SCRIPT: Asset = Asset {
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("../assets/admin.js"),
};

/// The asset served as `/console/assets/<name>`, if there is one.
pub fn by_name(name: &str) -> Option<Asset> {
    match name {
        "console.css" => Some(STYLESHEET),
        "console.js" => Some(SCRIPT),
        "ops.js" => Some(OPS_SCRIPT),
        "admin.js" => Some(ADMIN_SCRIPT),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_themes_are_in_the_stylesheet() {
        assert!(STYLESHEET.body.contains("prefers-color-scheme: dark"));
        assert!(by_name("console.js").is_some());
        assert!(by_name("../Cargo.toml").is_none());
    }
}
