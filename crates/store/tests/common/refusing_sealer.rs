//! A sealer that behaves like the identity sealer but, while switched on, refuses tenant
//! `acme` in one direction: the shape of a tenant whose storage key was disabled (sealing
//! refused) or destroyed (opening refused).

use palisade_core::{seal::KeyRef, IdentitySealer, SealError, Sealer};
use std::sync::atomic::{AtomicBool, Ordering};

/// Which of the sealer's two operations is refused for `acme`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// New blocks cannot be sealed (a disabled key).
    Sealing,
    /// Stored blocks cannot be opened (a destroyed key).
    Opening,
}

/// Refuses `acme` in the chosen direction while `refuse` is set.
pub struct AcmeRefusingSealer {
    refuse: AtomicBool,
    direction: Refused,
}

impl AcmeRefusingSealer {
    /// A sealer that refuses `acme` in `direction` once `refuse` is set.
    pub fn new(direction: Refused) -> Self {
        Self {
            refuse: AtomicBool::new(false),
            direction,
        }
    }

    /// Sets or clears the refusal.
    pub fn set_refusing(&self, on: bool) {
        self.refuse.store(on, Ordering::Relaxed);
    }

    fn check(&self, tenant: &str, direction: Refused) -> Result<(), SealError> {
        if tenant == "acme" && self.direction == direction && self.refuse.load(Ordering::Relaxed) {
            return Err(SealError(match direction {
                Refused::Sealing => "storage key \"palisade-storage-acme\" is disabled".into(),
                Refused::Opening => "acme's storage key was destroyed".into(),
            }));
        }
        Ok(())
    }
}

impl Sealer for AcmeRefusingSealer {
    fn seal(
        &self,
        tenant: &str,
        aad: &[u8],
        plain: Vec<u8>,
    ) -> Result<(KeyRef, Vec<u8>), SealError> {
        self.check(tenant, Refused::Sealing)?;
        IdentitySealer.seal(tenant, aad, plain)
    }

    fn unseal(
        &self,
        tenant: &str,
        key: &KeyRef,
        aad: &[u8],
        sealed: Vec<u8>,
    ) -> Result<Vec<u8>, SealError> {
        self.check(tenant, Refused::Opening)?;
        IdentitySealer.unseal(tenant, key, aad, sealed)
    }
}
