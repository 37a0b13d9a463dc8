use super::*;

fn session(nav: Vec<NavItem>) -> Session {
    Session {
        user: "ann".into(),
        tenant: "acme".into(),
        roles: "user".into(),
        csrf: "tok".into(),
        nav,
    }
}

#[test]
fn login_page_escapes_what_the_user_typed() {
    let html = LoginPage {
        csrf: "c1".into(),
        tenant: "acme".into(),
        user: "<script>alert(1)</script>".into(),
        error: Some("invalid user name or password".into()),
    }
    .render()
    .unwrap();
    assert!(html.contains(r#"name="csrf" value="c1""#));
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("invalid user name or password"));
}

#[test]
fn navigation_shows_only_the_given_items() {
    let page = SearchPage {
        session: session(vec![NavItem {
            label: "Search",
            href: "/console/search",
            active: true,
        }]),
        q: "host:web01".into(),
        from: "now-24h".into(),
        to: String::new(),
        error: None,
        events: vec![EventRow {
            time: "2026-11-24 01:00:00".into(),
            host: "web01".into(),
            source: "syslog".into(),
            message: "sshd failed".into(),
            raw: "<13>raw & line".into(),
            normalised: "{}".into(),
        }],
        table: None,
        stats_chart: None,
        facets: vec![Facet {
            field: "device.hostname".into(),
            values: vec![FacetValue {
                value: "web<01>".into(),
                count: 3,
                bar_pct: 100,
                href: "/console/search?q=x".into(),
            }],
        }],
        facets_note: "newest 1 match".into(),
        histogram: Some("<svg></svg>".into()),
        summary: "1 event".into(),
        export_json: "/api/v1/events?q=x".into(),
        export_csv: "/console/search.csv?q=x".into(),
    };
    let html = page.render().unwrap();
    assert!(html.contains(r#"aria-current="page">Search</a>"#));
    assert!(!html.contains("Overview</a>"));
    assert!(!html.contains("<13>raw"), "raw bytes must be escaped");
    assert!(html.contains("13&#62;raw &#38; line"), "{html}");
    assert!(html.contains("<svg></svg>"));
    assert!(html.contains(r#"content="tok""#));
    assert!(html.contains(r#"id="facets""#) && html.contains("web&#60;01&#62;"));
}

#[test]
fn ranked_rows_scale_to_the_largest() {
    let rows = CountRow::ranked(vec![("a".into(), 8), ("b".into(), 2)]);
    assert_eq!(rows[0].bar_pct, 100);
    assert_eq!(rows[1].bar_pct, 25);
    let live = live::OverviewLive {
        tiles: vec![Tile {
            label: "Events / min".into(),
            value: "1,234".into(),
            note: "last 15 min".into(),
            tone: "ok",
        }],
        alert_levels: None,
        incident_levels: None,
        alert_trend: None,
        rate_chart: None,
        sources: rows,
        hosts: vec![],
        users: vec![],
        addresses: vec![],
        silent: None,
        window: "last 24 h".into(),
        drawn_at: "01:00".into(),
    }
    .render()
    .unwrap();
    let html = OverviewPage {
        session: session(vec![]),
        wall: false,
        live,
    }
    .render()
    .unwrap();
    assert!(html.contains("1,234"));
    assert!(html.contains(r#"id="sources""#));
    assert!(!html.contains(r#"id="hosts""#));
    assert!(!html.contains(r#"id="alert-levels""#));
}
