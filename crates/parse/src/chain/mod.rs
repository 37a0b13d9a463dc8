//! Parser chains: per-source steps configured by the operator (`[[parsers]]` in
//! palisade.toml, docs/parsers.md) that run after the built-in parsers — key=value, CSV,
//! regex, grok, JSON, renames, type conversions, timestamps, OCSF class mapping, filtering
//! and routing to another chain, each step optionally under a `when` condition written in the
//! query language.
//!
//! Chains are found by source name through a hash map, so a chain costs nothing for events of
//! other sources: throughput does not fall as sources and chains are added. Chains without
//! `sources` apply to every event and are the only ones that cost for all.

mod aggregate_step;
mod grok;
mod step;
mod template_step;

use palisade_core::{Event, TenantId, Value};
use palisade_query::Expr;
use serde::Deserialize;
use std::{collections::HashMap, sync::Arc};
use step::{Flow, Step, StepSpec};

pub use aggregate_step::{AggregateBy, AggregateRule, AGGREGATE_MARK};

/// One chain as written in the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChainSpec {
    name: String,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    when: Option<String>,
    steps: Vec<toml::Table>,
}

/// A chain one tenant added through the API: it runs on that tenant's events only.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantChain {
    /// The tenant whose events it parses.
    pub tenant: TenantId,
    /// The chain, as a `[[parsers]]` table would write it.
    pub table: toml::Table,
}

/// A compiled chain.
#[derive(Debug)]
struct Chain {
    name: String,
    /// `None` for the configuration's chains (every tenant), else the one tenant it serves.
    tenant: Option<TenantId>,
    when: Option<Expr>,
    steps: Vec<(Option<Expr>, Step)>,
}

/// What the chains decided for an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Keep the (possibly changed) event.
    Keep,
    /// A `drop` step removed it.
    Drop,
}

/// The compiled parser chains of a configuration.
#[derive(Debug, Default)]
pub struct ParserChains {
    chains: Vec<Chain>,
    /// Chains by source name, in configuration order, the chains for every source included
    /// (merged once at start, not per event).
    by_source: HashMap<String, Vec<usize>>,
    /// Chains for every source.
    everywhere: Vec<usize>,
    /// The rules of the `aggregate` steps, by the number they mark events with.
    aggregates: Vec<Arc<AggregateRule>>,
}

/// A configuration error, naming the chain and step.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("parser chain {chain:?}{}: {message}", step.map(|s| format!(", step {s}")).unwrap_or_default())]
pub struct ChainError {
    /// The chain's name (or its position when it has none).
    pub chain: String,
    /// The step (1-based), when the error is in one.
    pub step: Option<usize>,
    /// What is wrong.
    pub message: String,
}

fn condition(text: &str) -> Result<Expr, String> {
    palisade_query::parse(text)
        .map_err(|e| format!("condition {text:?}: {e}"))
        .and_then(|q| match q.pipe {
            None => Ok(q.filter),
            Some(_) => Err(format!("condition {text:?} cannot have a | pipe")),
        })
}

impl ParserChains {
    /// Compiles the `[[parsers]]` tables of a configuration.
    pub fn from_config(tables: &[toml::Table]) -> Result<ParserChains, ChainError> {
        ParserChains::compile(tables, &[])
    }

    /// Compiles the configuration's chains (for every tenant) followed by the chains tenants
    /// added through the API. A tenant's chain names are unique within the tenant and never
    /// those of a configuration chain; its `route` steps reach its own chains first, then the
    /// configuration's.
    pub fn compile(
        config: &[toml::Table],
        tenants: &[TenantChain],
    ) -> Result<ParserChains, ChainError> {
        let owned = config
            .iter()
            .map(|table| (None, table))
            .chain(tenants.iter().map(|c| (Some(&c.tenant), &c.table)));
        let specs: Vec<(Option<TenantId>, ChainSpec)> = owned
            .enumerate()
            .map(|(i, (tenant, table))| {
                ChainSpec::deserialize(toml::Value::Table(table.clone()))
                    .map(|spec| (tenant.cloned(), spec))
                    .map_err(|e| ChainError {
                        chain: table
                            .get("name")
                            .and_then(toml::Value::as_str)
                            .map_or_else(|| format!("#{}", i + 1), str::to_owned),
                        step: None,
                        message: e.to_string().trim().to_owned(),
                    })
            })
            .collect::<Result<_, _>>()?;
        let owners: Vec<(Option<TenantId>, String)> = specs
            .iter()
            .map(|(tenant, spec)| (tenant.clone(), spec.name.clone()))
            .collect();
        let mut chains = ParserChains::default();
        for (position, (tenant, spec)) in specs.into_iter().enumerate() {
            let chain_name = spec.name.clone();
            let fail = |step: Option<usize>, message: String| ChainError {
                chain: chain_name.clone(),
                step,
                message,
            };
            let owner = tenant.clone();
            // A tenant's chain sees its own chains, then the configuration's.
            let index = |name: &str| {
                let find = |owner: Option<&TenantId>| {
                    owners
                        .iter()
                        .position(|(t, n)| t.as_ref() == owner && n == name)
                };
                owner
                    .as_ref()
                    .and_then(|t| find(Some(t)))
                    .or_else(|| find(None))
            };
            if index(&spec.name) != Some(position) {
                return Err(fail(None, "two chains have this name".into()));
            }
            if tenant.is_some() && owners.iter().any(|(t, n)| t.is_none() && *n == spec.name) {
                return Err(fail(
                    None,
                    "a chain of the configuration has this name".into(),
                ));
            }
            chains
                .push(position, tenant, spec, &index)
                .map_err(|(step, m)| fail(step, m))?;
        }
        for order in chains.by_source.values_mut() {
            order.extend(&chains.everywhere);
            order.sort_unstable();
            order.dedup();
        }
        Ok(chains)
    }

    /// Compiles one chain and files it under its sources.
    fn push(
        &mut self,
        position: usize,
        tenant: Option<TenantId>,
        spec: ChainSpec,
        index: &dyn Fn(&str) -> Option<usize>,
    ) -> Result<(), (Option<usize>, String)> {
        let when = spec
            .when
            .as_deref()
            .map(condition)
            .transpose()
            .map_err(|m| (None, m))?;
        let mut steps = Vec::with_capacity(spec.steps.len());
        for (i, mut table) in spec.steps.into_iter().enumerate() {
            let step_when = match table.remove("when") {
                Some(toml::Value::String(text)) => {
                    Some(condition(&text).map_err(|m| (Some(i + 1), m))?)
                }
                Some(_) => return Err((Some(i + 1), "when must be text".into())),
                None => None,
            };
            let step = StepSpec::deserialize(toml::Value::Table(table))
                .map_err(|e| (Some(i + 1), e.to_string().trim().to_owned()))?
                .compile(&spec.name, index, &mut self.aggregates)
                .map_err(|m| (Some(i + 1), m))?;
            steps.push((step_when, step));
        }
        if spec.sources.is_empty() {
            self.everywhere.push(position);
        }
        for source in spec.sources {
            self.by_source.entry(source).or_default().push(position);
        }
        self.chains.push(Chain {
            name: spec.name,
            tenant,
            when,
            steps,
        });
        Ok(())
    }

    /// True when no chain is configured.
    pub fn is_empty(&self) -> bool {
        self.chains.is_empty()
    }

    /// The chain names, in configuration order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.chains.iter().map(|c| c.name.as_str())
    }

    /// True when some chain has an `aggregate` step.
    pub fn has_aggregation(&self) -> bool {
        !self.aggregates.is_empty()
    }

    /// Takes the mark an `aggregate` step left on the event off, and returns that step's rule
    /// (`None` when no aggregate step marked it).
    pub fn take_aggregate_rule(&self, event: &mut Event) -> Option<&Arc<AggregateRule>> {
        if self.aggregates.is_empty() {
            return None;
        }
        match event.remove(AGGREGATE_MARK)? {
            Value::Int(id) => usize::try_from(id)
                .ok()
                .and_then(|i| self.aggregates.get(i)),
            _ => None,
        }
    }

    /// Runs the chains that apply to `source` over the event, in configuration order. A
    /// `route` step continues with the named chain (each chain runs at most once per event).
    /// An `aggregate` step marks the event for the aggregation stage (the verdict stays
    /// `Keep`); a mark that arrived with the input is removed first, so input never picks a
    /// rule itself.
    pub fn apply(&self, source: &str, event: &mut Event) -> Verdict {
        if !self.aggregates.is_empty() {
            event.remove(AGGREGATE_MARK);
        }
        let order = self.by_source.get(source).unwrap_or(&self.everywhere);
        if order.is_empty() {
            return Verdict::Keep;
        }
        let mut ran = vec![false; self.chains.len()];
        let mut pending = order.iter().copied();
        let mut next = pending.next();
        while let Some(at) = next.take() {
            if !std::mem::replace(&mut ran[at], true) {
                match self.run(&self.chains[at], event) {
                    Flow::Drop => return Verdict::Drop,
                    Flow::Route(to) => {
                        next = Some(to);
                        continue;
                    }
                    Flow::Next => {}
                }
            }
            next = pending.next();
        }
        Verdict::Keep
    }

    fn run(&self, chain: &Chain, event: &mut Event) -> Flow {
        if chain.tenant.as_ref().is_some_and(|t| *t != event.tenant)
            || chain.when.as_ref().is_some_and(|w| !w.matches(event))
        {
            return Flow::Next;
        }
        for (when, step) in &chain.steps {
            if when.as_ref().is_some_and(|w| !w.matches(event)) {
                continue;
            }
            match step.apply(event) {
                Flow::Next => {}
                other => return other,
            }
        }
        Flow::Next
    }
}
