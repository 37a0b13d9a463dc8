//! Chains tenants add through the API: they run on their own tenant's events only, route to
//! their own chains first, and cannot take a configuration chain's name.

mod common;
use common::*;
use palisade_core::{Event, PayloadFormat, TenantId, Value};
use palisade_parse::{parse_record, ParserChains, TenantChain};

fn table(text: &str) -> toml::Table {
    toml::from_str(text).unwrap()
}

fn tenant_chain(tenant: &str, text: &str) -> TenantChain {
    TenantChain {
        tenant: TenantId::new(tenant).unwrap(),
        table: table(text),
    }
}

fn event_of(tenant: &str, line: &str) -> Event {
    let mut event = parse_record(1, &record(PayloadFormat::Line, line.as_bytes()));
    event.tenant = TenantId::new(tenant).unwrap();
    event
}

const PROMOTED: &str = r#"
name = "door-events"
steps = [
  { type = "template", template = "door <*> opened by <*>", fields = ["door.id", "user.name"] },
  { type = "route", to = "tag" },
]
"#;

#[test]
fn a_tenants_chain_parses_only_that_tenants_events() {
    let chains = ParserChains::compile(
        &[],
        &[
            tenant_chain("acme", PROMOTED),
            tenant_chain(
                "acme",
                r#"
name = "tag"
steps = [{ type = "set", field = "labels", value = "acme" }]
"#,
            ),
        ],
    )
    .unwrap();
    let mut own = event_of("acme", "door 7 opened by alice");
    chains.apply("syslog-tcp", &mut own);
    assert_eq!(text(&own, "door.id"), "7");
    assert_eq!(text(&own, "user.name"), "alice");
    assert_eq!(text(&own, "metadata.parser"), "door-events");
    assert_eq!(own.get("unparsed"), None);
    assert_eq!(
        text(&own, "labels"),
        "acme",
        "routes reach the tenant's own chain"
    );

    let mut foreign = event_of("globex", "door 7 opened by alice");
    chains.apply("syslog-tcp", &mut foreign);
    assert_eq!(foreign.get("door.id"), None);
    assert_eq!(foreign.get("unparsed"), Some(&Value::Bool(true)));
}

#[test]
fn routes_reach_the_configuration_but_never_another_tenant() {
    let tag = "name = \"tag\"\nsteps = [{ type = \"drop\" }]";
    assert!(ParserChains::compile(&[table(tag)], &[tenant_chain("acme", PROMOTED)]).is_ok());
    let err = ParserChains::compile(
        &[],
        &[tenant_chain("globex", tag), tenant_chain("acme", PROMOTED)],
    )
    .unwrap_err();
    assert_eq!(
        (err.chain.as_str(), err.step),
        ("door-events", Some(2)),
        "{err}"
    );
}

#[test]
fn names_are_unique_per_tenant_and_never_shadow_the_configuration() {
    let config = [table("name = \"tag\"\nsteps = []")];
    let shadow = tenant_chain("acme", "name = \"tag\"\nsteps = []");
    let err = ParserChains::compile(&config, &[shadow]).unwrap_err();
    assert!(err.message.contains("configuration has this name"), "{err}");

    let twice = [
        tenant_chain("acme", "name = \"x\"\nsteps = []"),
        tenant_chain("acme", "name = \"x\"\nsteps = []"),
    ];
    assert!(ParserChains::compile(&[], &twice).is_err());
    let apart = [
        tenant_chain("acme", "name = \"x\"\nsteps = []"),
        tenant_chain("globex", "name = \"x\"\nsteps = []"),
    ];
    assert!(ParserChains::compile(&[], &apart).is_ok());
}
