//! SLA timers: time to acknowledge and time to resolve per severity. A timer that runs out is
//! recorded once on the incident (history and flag) and notified as `sla_breached`.

use crate::{
    db,
    error::Result,
    manager::Inner,
    model::{Incident, IncidentState},
};
use palisade_state::rusqlite::{self, params, Transaction};
use serde_json::json;

/// Which SLA target ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Acknowledge,
    Resolve,
}

impl Target {
    fn flag(self) -> &'static str {
        match self {
            Target::Acknowledge => "ack_breached",
            Target::Resolve => "resolve_breached",
        }
    }
    fn name(self) -> &'static str {
        match self {
            Target::Acknowledge => "acknowledge",
            Target::Resolve => "resolve",
        }
    }
}

impl Inner {
    /// Flags every incident whose acknowledge or resolve deadline has passed unmet; returns
    /// how many breaches were found this time.
    pub fn check_sla(&self, now: i64) -> Result<usize> {
        let found = self.store.with(|conn| {
            let tx = conn.transaction()?;
            let open = db::list(
                &tx,
                &db::IncidentFilter {
                    states: vec![
                        IncidentState::New,
                        IncidentState::Acknowledged,
                        IncidentState::InProgress,
                    ],
                    limit: usize::MAX >> 1,
                    ..Default::default()
                },
                &self.config.sla,
            )?;
            let mut found = 0;
            for incident in open.iter().filter(|i| i.merged_into.is_none()) {
                let sla = &incident.sla;
                let ack_late = incident.state == IncidentState::New
                    && !sla.acknowledge_breached
                    && sla.acknowledge_due_ms.is_some_and(|due| now > due);
                let resolve_late =
                    !sla.resolve_breached && sla.resolve_due_ms.is_some_and(|due| now > due);
                for (late, target) in [
                    (ack_late, Target::Acknowledge),
                    (resolve_late, Target::Resolve),
                ] {
                    if late {
                        self.breach(&tx, incident, target, now)?;
                        found += 1;
                    }
                }
            }
            tx.commit()?;
            Ok(found)
        })?;
        Ok(found)
    }

    /// After a state change to `to` at `now`: an acknowledgement or resolution that came
    /// after its deadline is a breach too.
    pub fn note_late(
        &self,
        tx: &Transaction<'_>,
        before: &Incident,
        to: IncidentState,
        now: i64,
    ) -> rusqlite::Result<()> {
        let sla = &before.sla;
        let acknowledging = before.acknowledged_ms.is_none() && to != IncidentState::New;
        if acknowledging
            && !sla.acknowledge_breached
            && sla.acknowledge_due_ms.is_some_and(|due| now > due)
        {
            self.breach(tx, before, Target::Acknowledge, now)?;
        }
        if to == IncidentState::Resolved
            && !sla.resolve_breached
            && sla.resolve_due_ms.is_some_and(|due| now > due)
        {
            self.breach(tx, before, Target::Resolve, now)?;
        }
        Ok(())
    }

    fn breach(
        &self,
        tx: &Transaction<'_>,
        incident: &Incident,
        target: Target,
        now: i64,
    ) -> rusqlite::Result<()> {
        tx.execute(
            &format!("UPDATE incidents SET {} = 1 WHERE id = ?1", target.flag()),
            params![incident.id],
        )?;
        let due = match target {
            Target::Acknowledge => incident.sla.acknowledge_due_ms,
            Target::Resolve => incident.sla.resolve_due_ms,
        };
        db::history(
            tx,
            incident.id,
            now,
            "system",
            "sla_breached",
            json!({"target": target.name(), "due_ms": due}),
        )?;
        if let Some(after) = db::load(tx, incident.id, None, &self.config.sla)? {
            crate::notify::enqueue(tx, &self.config, &after, "sla_breached", now)?;
        }
        Ok(())
    }
}
