use super::*;
use proptest::prelude::*;

fn mine_all(miner: &mut TemplateMiner, lines: &[&str]) -> Vec<(TemplateId, String)> {
    lines
        .iter()
        .map(|line| {
            let mined = miner.mine(line).expect("no template limit");
            (mined.template.id(), mined.template.text().to_owned())
        })
        .collect()
}

#[test]
fn lines_that_differ_in_variables_share_one_template() {
    let mut miner = TemplateMiner::new(MinerConfig::default());
    let got = mine_all(
        &mut miner,
        &[
            "Accepted password for alice from 10.0.0.1 port 22 ssh2",
            "Accepted password for bob from 10.0.0.2 port 2222 ssh2",
            "Connection closed by 10.0.0.9 [preauth]",
        ],
    );
    assert_eq!(got[0].0, got[1].0);
    assert_ne!(got[0].0, got[2].0);
    assert_eq!(got[1].1, "Accepted password for <*> from <*> port <*> <*>");
    assert_eq!(got[2].1, "Connection closed by <*> [preauth]");
    assert_eq!(miner.templates().len(), 2);
    assert_eq!(miner.templates()[0].count(), 2);
    assert_eq!(
        miner.templates()[0].example(),
        "Accepted password for alice from 10.0.0.1 port 22 ssh2"
    );
}

#[test]
fn the_id_stays_when_the_template_generalises() {
    let mut miner = TemplateMiner::new(MinerConfig::default());
    let first = miner.mine("session opened for user root").unwrap();
    let (id, outcome) = (first.template.id(), first.outcome);
    assert_eq!(outcome, Outcome::Created);
    let second = miner.mine("session opened for user alice").unwrap();
    assert_eq!(second.outcome, Outcome::Generalised);
    assert_eq!(second.template.id(), id);
    assert_eq!(second.template.text(), "session opened for user <*>");
    let third = miner.mine("session opened for user bob").unwrap();
    assert_eq!(third.outcome, Outcome::Matched);
    assert_eq!(third.parameters().collect::<Vec<_>>(), ["bob"]);
}

#[test]
fn ids_are_the_same_in_every_run_and_unique_within_one() {
    let lines = [
        "a b c",
        "disk sda1 full",
        "x y z w",
        "a b d",
        "completely different words here",
    ];
    let first = mine_all(&mut TemplateMiner::new(MinerConfig::default()), &lines);
    let second = mine_all(&mut TemplateMiner::new(MinerConfig::default()), &lines);
    assert_eq!(first, second);
    let mut miner = TemplateMiner::new(MinerConfig::default());
    mine_all(&mut miner, &lines);
    let mut ids: Vec<_> = miner.templates().iter().map(Template::id).collect();
    ids.dedup();
    assert_eq!(ids.len(), miner.templates().len());
    let shown = first[0].0.to_string();
    assert_eq!(shown.len(), 16);
    assert_eq!(shown.parse::<TemplateId>(), Ok(first[0].0));
}

#[test]
fn dissimilar_lines_of_one_length_stay_apart() {
    let mut miner = TemplateMiner::new(MinerConfig::default());
    let got = mine_all(
        &mut miner,
        &["user root logged in now", "user root was deleted today"],
    );
    assert_ne!(got[0].0, got[1].0);
}

#[test]
fn per_format_masks_run_before_tokenising() {
    let mut miner = TemplateMiner::new(MinerConfig::default())
        .with_masks(&[r"job \w+"])
        .unwrap();
    let a = miner.mine("started job alpha now").unwrap().template.id();
    let b = miner.mine("started job beta now").unwrap();
    assert_eq!(b.template.id(), a);
    assert_eq!(b.template.text(), "started <*> now");
    assert!(TemplateMiner::new(MinerConfig::default())
        .with_masks(&["("])
        .is_err());
}

#[test]
fn the_template_limit_refuses_new_templates_but_still_matches() {
    let mut miner = TemplateMiner::new(MinerConfig {
        max_templates: 1,
        ..MinerConfig::default()
    });
    assert!(miner.mine("disk 1 full").is_some());
    assert!(miner.mine("fan stopped spinning now").is_none());
    assert!(miner.mine("disk 2 full").is_some());
    assert_eq!(miner.templates().len(), 1);
}

#[test]
fn empty_and_blank_content_get_a_template() {
    let mut miner = TemplateMiner::new(MinerConfig::default());
    let a = miner.mine("").unwrap().template.id();
    let b = miner.mine(" \t ").unwrap();
    assert_eq!(b.template.id(), a);
    assert_eq!(b.template.text(), "");
}

proptest! {
    #[test]
    fn mining_never_panics_and_keeps_the_token_count(lines in proptest::collection::vec(".{0,80}", 1..20)) {
        let mut miner = TemplateMiner::new(MinerConfig { prefix_depth: 3, max_children: 3, ..MinerConfig::default() });
        for line in &lines {
            let mined = miner.mine(line).unwrap();
            prop_assert_eq!(mined.template.tokens().count(), split_tokens(line).count());
            let wildcards = mined.template.tokens().filter(|t| t.contains(WILDCARD)).count();
            prop_assert_eq!(mined.parameters().count(), wildcards);
        }
    }

    #[test]
    fn a_format_never_panics_on_any_line(line in ".{0,120}") {
        let format = HeaderFormat::parse(r"<Date> <Time> \[<Level>\] <Component>(\[<Pid>\])?: <Content>").unwrap();
        let mut at = format.locations();
        let _ = format.content(&line, &mut at);
    }
}
