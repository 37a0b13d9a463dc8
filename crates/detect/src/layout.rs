//! Remembering how the previous event's fields were bound to slots.
//!
//! Events of one source list the same constant field paths in the same order, batch after
//! batch, so binding them to the rules' slots gives the same result every time. The scanner
//! keeps the last event's bindings with the addresses of its paths: an event whose paths are
//! the same constants in the same order reuses them instead of looking each path up.

use palisade_core::Event;
use std::borrow::Cow;

/// The field paths of the last event bound (by address) and the bindings they gave.
#[derive(Default)]
pub(crate) struct LayoutCache {
    /// Address and length of each field path of the remembered event; empty when nothing is
    /// remembered.
    paths: Vec<(usize, usize)>,
    /// `(slot, field index)` for every slot the remembered event filled.
    bound: Vec<(u32, u32)>,
}

impl LayoutCache {
    /// The remembered bindings, when `event` lists exactly the remembered constant paths in
    /// the same order.
    pub fn lookup(&self, event: &Event) -> Option<&[(u32, u32)]> {
        if self.paths.is_empty() || self.paths.len() != event.fields.len() {
            return None;
        }
        let same = event.fields.iter().zip(&self.paths).all(|((path, _), at)| {
            matches!(path, Cow::Borrowed(p) if (p.as_ptr() as usize, p.len()) == *at)
        });
        same.then_some(self.bound.as_slice())
    }

    /// Remembers the bindings of `event` (`touched` slots, filled in `slot_to_field`), when
    /// all its paths are constants: a constant's address names that one path for the life of
    /// the program, which an owned path's address (freed and reused) does not.
    pub fn remember(&mut self, event: &Event, slot_to_field: &[u32], touched: &[u32]) {
        self.paths.clear();
        self.bound.clear();
        if !event
            .fields
            .iter()
            .all(|(path, _)| matches!(path, Cow::Borrowed(_)))
        {
            return;
        }
        let addresses = event
            .fields
            .iter()
            .map(|(p, _)| (p.as_ptr() as usize, p.len()));
        self.paths.extend(addresses);
        let bound = touched.iter().filter_map(|&slot| {
            let index = *slot_to_field.get(slot as usize)?;
            Some((slot, index))
        });
        self.bound.extend(bound);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::TenantId;

    fn event(paths: &[&'static str]) -> Event {
        let mut e = Event::new(1, TenantId::default(), 0);
        for path in paths {
            e.fields.push((Cow::Borrowed(*path), "x".into()));
        }
        e
    }

    #[test]
    fn only_the_same_constant_paths_in_the_same_order_reuse_bindings() {
        let mut cache = LayoutCache::default();
        let first = event(&["message", "device.hostname"]);
        assert!(cache.lookup(&first).is_none(), "nothing remembered yet");
        cache.remember(&first, &[1, u32::MAX, 0], &[0, 2]);
        assert_eq!(cache.lookup(&first), Some(&[(0, 1), (2, 0)][..]));
        assert_eq!(
            cache.lookup(&event(&["message", "device.hostname"])),
            Some(&[(0, 1), (2, 0)][..])
        );
        assert!(cache
            .lookup(&event(&["device.hostname", "message"]))
            .is_none());
        assert!(cache.lookup(&event(&["message"])).is_none());
        let mut owned = event(&["message"]);
        owned
            .fields
            .push((Cow::Owned("device.hostname".into()), "x".into()));
        assert!(
            cache.lookup(&owned).is_none(),
            "an owned path is compared by text"
        );
        cache.remember(&owned, &[0], &[0]);
        assert!(
            cache.lookup(&owned).is_none(),
            "owned paths are never remembered"
        );
    }
}
