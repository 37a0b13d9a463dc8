//! The web console through plain HTTP (the browser tests in tests/browser/ drive it in
//! Chromium): unauthenticated pages lead to the sign-in form, assets are served from the
//! binary, pages obey the route table, and `GET /` still answers Elasticsearch clients.

use crate::harness::{tempdir, Server};

#[test]
fn console_pages_need_a_session_and_obey_roles() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);

    for page in ["/console/", "/console/search?q=sshd", "/console"] {
        let (status, body) = server.get_public(page);
        assert_eq!(status, 200, "{page} should end on the sign-in page");
        assert!(
            body.contains(r#"action="/console/login""#),
            "{page}: {body}"
        );
        assert!(
            body.contains(r#"name="csrf""#),
            "the form carries a CSRF token"
        );
    }

    let (status, css) = server.get_public("/console/assets/console.css");
    assert_eq!(status, 200);
    assert!(css.contains("prefers-color-scheme: dark"));
    assert_eq!(server.get_public("/console/assets/nope.js").0, 404);

    // Elasticsearch clients still get JSON from `GET /`.
    let (status, body) = server.get_public("/");
    assert_eq!(status, 401);
    assert!(
        serde_json::from_str::<serde_json::Value>(&body).is_ok(),
        "{body}"
    );

    let (_, searcher) = server.account("acme", "user");
    assert_eq!(
        server.get_as(&searcher, "/console/search", &[("q", "x")]).0,
        200
    );
    let (status, _) = server.get_as(&searcher, "/console/search", &[("tenant", "other")]);
    assert_eq!(status, 403, "another tenant's search is refused");
    let (_, sysadmin) = server.account("acme", "sysadmin");
    assert_eq!(server.get_as(&sysadmin, "/console/", &[]).0, 200);
    assert_eq!(server.get_as(&sysadmin, "/console/search", &[]).0, 403);
    assert_eq!(server.get_as(&sysadmin, "/console/search.csv", &[]).0, 403);
}
