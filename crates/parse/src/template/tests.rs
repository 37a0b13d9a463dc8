use super::line::split_tokens;
use super::*;
use mask::WILDCARD;
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
fn lines_that_differ_in_masked_variables_share_one_template() {
    let mut miner = TemplateMiner::new(MinerConfig::default());
    let got = mine_all(
        &mut miner,
        &[
            "Accepted password for root from 10.0.0.1 port 22 ssh2",
            "Accepted password for root from 10.0.0.2 port 2222 ssh2",
            "Connection closed by 10.0.0.9 [preauth]",
        ],
    );
    assert_eq!(got[0].0, got[1].0);
    assert_ne!(got[0].0, got[2].0);
    assert_eq!(
        got[1].1,
        "Accepted password for root from <*> port <*> ssh2"
    );
    assert_eq!(got[2].1, "Connection closed by <*> [preauth]");
    assert_eq!(miner.templates().count(), 2);
    let first = miner.templates().next().unwrap();
    assert_eq!(first.count(), 2);
    assert_eq!(
        first.example(),
        "Accepted password for root from 10.0.0.1 port 22 ssh2"
    );
}

#[test]
fn the_id_stays_when_the_template_generalises() {
    let mut miner = TemplateMiner::new(MinerConfig::default());
    let first = miner.mine("disk sda full after 3 retries").unwrap();
    let (id, outcome) = (first.template.id(), first.outcome);
    assert_eq!(outcome, Outcome::Created);
    let second = miner.mine("disk sda full after 4 retries").unwrap();
    assert_eq!(second.outcome, Outcome::Matched);
    let third = miner.mine("disk sda full after 5 retries/s").unwrap();
    assert_eq!(third.outcome, Outcome::Generalised);
    assert_eq!(third.template.id(), id);
    assert_eq!(third.template.text(), "disk sda full after <*> <*>");
}

#[test]
fn one_differing_word_is_a_new_template_until_the_position_shows_it_varies() {
    let mut miner = TemplateMiner::new(MinerConfig::default());
    let start = miner
        .mine("Starting TrustedInstaller initialization.")
        .unwrap()
        .index;
    let end = miner
        .mine("Ending TrustedInstaller initialization.")
        .unwrap()
        .index;
    let fin = miner
        .mine("Starting TrustedInstaller finalization.")
        .unwrap()
        .index;
    assert_eq!(miner.templates().count(), 3);
    assert_ne!(miner.id_of(start), miner.id_of(fin));
    assert_ne!(miner.id_of(end), miner.id_of(start));

    let root = miner.mine("session opened for user root").unwrap();
    assert_eq!(root.outcome, Outcome::Created);
    let (root_index, root_id) = (root.index, root.template.id());
    let alice = miner.mine("session opened for user alice").unwrap().index;
    assert_ne!(
        miner.id_of(alice),
        root_id,
        "two users are not yet a variable"
    );
    let bob = miner.mine("session opened for user bob").unwrap();
    assert_eq!(bob.outcome, Outcome::Generalised);
    assert_eq!(
        bob.template.id(),
        root_id,
        "the oldest id survives the merge"
    );
    assert_eq!(bob.template.text(), "session opened for user <*>");
    assert_eq!(bob.template.count(), 3);
    assert_eq!(miner.id_of(alice), root_id);
    assert_eq!(miner.id_of(root_index), root_id);
    let carol = miner.mine("session opened for user carol").unwrap();
    assert_eq!(
        (carol.outcome, carol.template.id()),
        (Outcome::Matched, root_id)
    );
    let template = carol.template.clone();
    assert_eq!(
        miner.parameters(&template, "session opened for user carol"),
        ["carol"]
    );
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
    let mut ids: Vec<_> = miner.templates().map(Template::id).collect();
    ids.dedup();
    assert_eq!(ids.len(), miner.templates().count());
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
    assert_eq!(miner.templates().count(), 1);
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
            let template = miner.mine(line).unwrap().template.clone();
            prop_assert_eq!(template.tokens().count(), split_tokens(line).count());
            let wildcards = template.tokens().filter(|t| t.contains(WILDCARD)).count();
            prop_assert_eq!(miner.parameters(&template, line).len(), wildcards);
        }
    }

    #[test]
    fn a_format_never_panics_on_any_line(line in ".{0,120}") {
        let format = HeaderFormat::parse(r"<Date> <Time> \[<Level>\] <Component>(\[<Pid>\])?: <Content>").unwrap();
        let mut at = format.locations();
        let _ = format.content(&line, &mut at);
    }
}
