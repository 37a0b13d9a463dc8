use super::*;

fn registry(dir: &std::path::Path) -> Registry {
    let store = StateStore::open(&dir.join("state.db")).unwrap();
    Registry::open(Arc::new(store)).unwrap()
}

fn beat(version: &str) -> Heartbeat {
    Heartbeat {
        version: version.into(),
        hostname: "web1".into(),
        health: Health {
            buffer_depth: 3,
            files_tailed: 2,
            last_error: None,
        },
    }
}

#[test]
fn enrolment_token_works_once_and_agent_token_authenticates() {
    let dir = tempfile::tempdir().unwrap();
    let reg = registry(dir.path());
    let tenant = TenantId::new("acme").unwrap();
    let (enrol, _) = reg.create_enrol_token(&tenant, 60_000).unwrap();
    let agent = reg.enrol(&enrol, "web1").unwrap();
    assert_eq!(agent.tenant, tenant);
    assert!(matches!(
        reg.enrol(&enrol, "web2"),
        Err(RegistryError::InvalidEnrolToken)
    ));
    let (id, t) = reg.authenticate(&agent.token).unwrap();
    assert_eq!((id.as_str(), t), (agent.agent_id.as_str(), tenant));
    let mut forged = agent.token.to_string();
    forged.pop();
    forged.push('x');
    assert!(reg.authenticate(&forged).is_none());
    assert!(
        reg.authenticate(&enrol).is_none(),
        "an enrolment token is no agent token"
    );
}

#[test]
fn expired_or_malformed_enrolment_tokens_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let reg = registry(dir.path());
    let (expired, _) = reg.create_enrol_token(&TenantId::default(), -1).unwrap();
    assert!(reg.enrol(&expired, "h").is_err());
    assert!(reg.enrol("pae_nothex_x", "h").is_err());
    let (ok, _) = reg
        .create_enrol_token(&TenantId::default(), 60_000)
        .unwrap();
    assert!(matches!(
        reg.enrol(&ok, "bad\nname"),
        Err(RegistryError::BadRequest(_))
    ));
}

#[test]
fn heartbeats_show_in_the_tenant_list_and_silence_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let reg = registry(dir.path());
    let acme = TenantId::new("acme").unwrap();
    let (enrol, _) = reg.create_enrol_token(&acme, 60_000).unwrap();
    let agent = reg.enrol(&enrol, "web1").unwrap();
    let (other, _) = reg
        .create_enrol_token(&TenantId::new("other").unwrap(), 60_000)
        .unwrap();
    reg.enrol(&other, "db1").unwrap();
    reg.heartbeat(&agent.agent_id, &beat("1.2.3")).unwrap();
    let list = reg.list(Some(&acme), 60_000).unwrap();
    assert_eq!(list.len(), 1, "only the tenant's agents");
    assert_eq!(list[0].version.as_deref(), Some("1.2.3"));
    assert_eq!(list[0].status, "online");
    assert_eq!(list[0].health.as_ref().unwrap().buffer_depth, 3);
    assert_eq!(reg.list(None, 60_000).unwrap().len(), 2);
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(reg.list(Some(&acme), 5).unwrap()[0].status, "silent");
    assert!(reg.heartbeat(&agent.agent_id, &beat("")).is_err());
}

#[test]
fn silence_is_reported_once_until_the_agent_is_heard_again() {
    let dir = tempfile::tempdir().unwrap();
    let reg = registry(dir.path());
    let (enrol, _) = reg
        .create_enrol_token(&TenantId::default(), 60_000)
        .unwrap();
    let agent = reg.enrol(&enrol, "web1").unwrap();
    assert!(reg.take_newly_silent(60_000).unwrap().is_empty());
    std::thread::sleep(std::time::Duration::from_millis(20));
    let silent = reg.take_newly_silent(5).unwrap();
    assert_eq!(silent.len(), 1);
    assert_eq!(
        (silent[0].0.as_str(), silent[0].2.as_str()),
        (agent.agent_id.as_str(), "web1")
    );
    assert!(
        reg.take_newly_silent(5).unwrap().is_empty(),
        "reported once"
    );
    reg.heartbeat(&agent.agent_id, &beat("1")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(reg.take_newly_silent(5).unwrap().len(), 1, "silent again");
}
