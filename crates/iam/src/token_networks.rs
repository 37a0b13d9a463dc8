//! Where API tokens are used from: administrator tokens only from `iam.admin_networks`, and
//! the networks each token was seen from, so a token showing up in a new network can raise
//! an alert.

use crate::{network, now_ms, Credential, Iam, IamError, Identity};
use palisade_state::rusqlite::{params, OptionalExtension};
use std::{
    collections::HashSet,
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
    sync::Mutex,
};

/// The most (token, network) pairs kept in memory; beyond it, the set starts over.
const SEEN_CAPACITY: usize = 100_000;

/// (token id, network) pairs this process saw recorded. Rows of `iam_token_networks` are
/// never deleted, so a pair seen once needs no lookup again.
#[derive(Debug, Default)]
pub(crate) struct SeenNetworks(Mutex<HashSet<(String, String)>>);

impl SeenNetworks {
    fn contains(&self, token_id: &str, network: &str) -> bool {
        let seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        seen.contains(&(token_id.to_owned(), network.to_owned()))
    }

    fn insert(&self, token_id: &str, network: String) {
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= SEEN_CAPACITY {
            seen.clear();
        }
        seen.insert((token_id.to_owned(), network));
    }
}

/// The network a source address is counted in: its /24 (IPv4) or /64 (IPv6).
pub fn network_of(ip: IpAddr) -> String {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{}/24", Ipv4Addr::new(a, b, c, 0))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{}/64", Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

impl Iam {
    /// Refuses an API token of an administrator role (sysadmin, secadmin, auditadmin,
    /// operator) used from outside `iam.admin_networks`, as a password login would be.
    pub fn check_token_source(
        &self,
        identity: &Identity,
        source: Option<IpAddr>,
    ) -> Result<(), IamError> {
        let token = matches!(identity.credential, Credential::Token(_));
        let admin = identity.roles.iter().any(|r| r.is_admin());
        if !token || !admin || network::allowed(&self.admin_networks, source) {
            return Ok(());
        }
        Err(IamError::Forbidden(format!(
            "administrator tokens are not allowed from {} (iam.admin_networks)",
            source.map_or("an unknown address".into(), |ip| ip.to_string())
        )))
    }

    /// Remembers that token `token_id` was used from `source`. Returns the network when the
    /// token was used before, but never from this network.
    pub fn note_token_network(
        &self,
        token_id: &str,
        source: IpAddr,
    ) -> Result<Option<String>, IamError> {
        let network = network_of(source);
        if self.token_networks_seen.contains(token_id, &network) {
            return Ok(None);
        }
        let (known, any): (Option<i64>, i64) = self.store.with(|c| {
            let known = c
                .query_row(
                    "SELECT 1 FROM iam_token_networks WHERE token_id = ?1 AND network = ?2",
                    params![token_id, network],
                    |r| r.get(0),
                )
                .optional()?;
            let any = c.query_row(
                "SELECT COUNT(*) FROM iam_token_networks WHERE token_id = ?1",
                [token_id],
                |r| r.get(0),
            )?;
            Ok((known, any))
        })?;
        if known.is_some() {
            self.token_networks_seen.insert(token_id, network);
            return Ok(None);
        }
        self.store.with(|c| {
            c.execute(
                "INSERT OR IGNORE INTO iam_token_networks (token_id, network, first_ms)
                 VALUES (?1, ?2, ?3)",
                params![token_id, network, now_ms()],
            )
        })?;
        self.token_networks_seen.insert(token_id, network.clone());
        Ok((any > 0).then_some(network))
    }

    /// Whether token `token_id` is already known to have been used from `source`'s network
    /// (in memory only; `false` means [`Iam::note_token_network`] has to look).
    pub fn token_network_known(&self, token_id: &str, source: IpAddr) -> bool {
        self.token_networks_seen
            .contains(token_id, &network_of(source))
    }
}

#[cfg(test)]
mod tests {
    use super::network_of;

    #[test]
    fn addresses_group_into_their_networks() {
        let net = |s: &str| network_of(s.parse().unwrap());
        assert_eq!(net("192.0.2.77"), "192.0.2.0/24");
        assert_eq!(net("::ffff:192.0.2.1"), "192.0.2.0/24");
        assert_eq!(net("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
    }
}
