//! The access matrix against the live server: every row of the table in docs/access.md,
//! called with a token of every role, in the caller's own tenant and in a foreign one, must
//! be allowed (any status but 401/403) or refused (403) exactly as the table says; a route
//! the table does not know is refused for everyone.

use crate::harness::{tempdir, Server};

/// One row of the matrix: method spec, route pattern, and per role whether it is allowed.
struct Row {
    methods: String,
    pattern: String,
    allowed: Vec<(String, bool)>,
}

/// Parses the matrix table of docs/access.md.
fn matrix() -> Vec<Row> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/access.md");
    let doc = std::fs::read_to_string(path).expect("docs/access.md");
    let mut lines = doc
        .lines()
        .skip_while(|l| !l.starts_with("| method | route |"));
    let cells = |line: &str| -> Vec<String> {
        line.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`').to_owned())
            .collect()
    };
    let header = cells(lines.next().expect("matrix header in docs/access.md"));
    let roles = header[2..].to_vec();
    lines
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .map(|line| {
            let c = cells(line);
            Row {
                methods: c[0].clone(),
                pattern: c[1].clone(),
                allowed: roles
                    .iter()
                    .zip(&c[2..])
                    .map(|(r, v)| (r.clone(), v == "yes"))
                    .collect(),
            }
        })
        .collect()
}

/// A concrete path for a pattern: parameters become `probe`, a final `/**` is dropped.
fn concrete(pattern: &str) -> String {
    let path = pattern.strip_suffix("/**").unwrap_or(pattern);
    let path = path
        .split('/')
        .map(|s| if s.starts_with('{') { "probe" } else { s })
        .collect::<Vec<_>>()
        .join("/");
    if path.is_empty() {
        "/".into()
    } else {
        path
    }
}

/// The methods a row is probed with.
fn methods(spec: &str) -> Vec<&'static str> {
    match spec {
        "GET" => vec!["GET"],
        "POST" | "WRITE" => vec!["POST"],
        "PUT" => vec!["PUT"],
        "DELETE" => vec!["DELETE"],
        "ANY" => vec!["GET", "POST"],
        other => panic!("unknown method spec {other:?} in docs/access.md"),
    }
}

#[test]
fn every_route_with_every_role_in_own_and_foreign_tenant() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let rows = matrix();
    assert!(rows.len() > 30, "matrix has only {} rows", rows.len());
    let roles: Vec<String> = rows[0].allowed.iter().map(|(r, _)| r.clone()).collect();
    let tokens: Vec<(String, String)> = roles
        .iter()
        .map(|role| (role.clone(), server.account("acme", role).1))
        .collect();
    server.account("rival", "user");
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in &rows {
        let path = concrete(&row.pattern);
        for method in methods(&row.methods) {
            for (role, token) in &tokens {
                let allowed = row.allowed.iter().any(|(r, a)| r == role && *a);
                for (tenant, foreign) in [("acme", false), ("rival", true)] {
                    let sep = if path.contains('?') { '&' } else { '?' };
                    let url = format!("{path}{sep}tenant={tenant}");
                    let body = (method != "GET").then(|| serde_json::json!({}));
                    let (status, answer) = server.call_as(token, method, &url, body.as_ref());
                    let expect_allowed = allowed && (!foreign || role == "operator");
                    let ok = if expect_allowed {
                        status != 401 && status != 403
                    } else {
                        status == 403
                    };
                    checked += 1;
                    if !ok {
                        failures.push(format!(
                            "{method} {url} as {role}: {status} {answer} (expected {})",
                            if expect_allowed { "allowed" } else { "403" }
                        ));
                    }
                }
            }
        }
    }
    for (role, token) in &tokens {
        let (status, _) = server.call_as(token, "GET", "/api/v1/not-in-the-table", None);
        if status != 403 {
            failures.push(format!("unknown route as {role}: {status}, expected 403"));
        }
    }
    let (status, _) = server.call_as("pal_0000000000000000_x", "GET", "/api/v1/events", None);
    assert_eq!(status, 401);
    assert!(
        failures.is_empty(),
        "{} of {checked} checks disagree with docs/access.md:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("access matrix: {checked} requests agree with docs/access.md");
}
