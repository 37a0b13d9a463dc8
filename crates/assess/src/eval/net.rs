//! `port` rules: listening sockets from `<root>/proc/net/{tcp,tcp6,udp,udp6}`.

use crate::outcome::{Evidence, Verdict};
use crate::rule::Proto;
use crate::target::Target;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A socket the kernel lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Socket {
    /// Local address.
    pub addr: IpAddr,
    /// Local port.
    pub port: u16,
    /// Remote port (0 when unconnected).
    pub remote_port: u16,
    /// Kernel state (`0x0A` is TCP LISTEN).
    pub state: u8,
}

/// TCP LISTEN in the kernel's state numbering.
const TCP_LISTEN: u8 = 0x0A;

fn parse_addr(hex: &str) -> Option<(IpAddr, u16)> {
    let (ip, port) = hex.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| -> Option<[u8; 4]> {
        let h = ip.get(i * 8..i * 8 + 8)?;
        Some(u32::from_str_radix(h, 16).ok()?.to_le_bytes())
    };
    let addr = match ip.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(0)?)),
        32 => {
            let mut b = [0u8; 16];
            for i in 0..4 {
                b[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => return None,
    };
    Some((addr, port))
}

/// Parses one `/proc/net/{tcp,udp}[6]` table; lines that do not parse are skipped.
pub fn parse_proc_net(text: &str) -> Vec<Socket> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let mut f = line.split_whitespace().skip(1);
            let (addr, port) = parse_addr(f.next()?)?;
            let (_, remote_port) = parse_addr(f.next()?)?;
            let state = u8::from_str_radix(f.next()?, 16).ok()?;
            Some(Socket {
                addr,
                port,
                remote_port,
                state,
            })
        })
        .collect()
}

/// Listening sockets of one protocol, `None` when the target has no such tables.
pub fn listening(target: &Target, proto: Proto) -> Option<Vec<Socket>> {
    let names = match proto {
        Proto::Tcp => ["/proc/net/tcp", "/proc/net/tcp6"],
        Proto::Udp => ["/proc/net/udp", "/proc/net/udp6"],
    };
    let mut any_table = false;
    let mut out = Vec::new();
    for name in names {
        let Ok(text) = target.read_to_string(name) else {
            continue;
        };
        any_table = true;
        out.extend(parse_proc_net(&text).into_iter().filter(|s| match proto {
            Proto::Tcp => s.state == TCP_LISTEN,
            Proto::Udp => s.remote_port == 0,
        }));
    }
    any_table.then_some(out)
}

/// A port rule's parts.
pub struct PortRule<'a> {
    /// The ports.
    pub ports: &'a [u16],
    /// TCP or UDP.
    pub proto: Proto,
    /// Whether one must be listening.
    pub listening: bool,
    /// Count only sockets not bound to loopback.
    pub public: bool,
}

/// Evaluates a port rule.
pub fn evaluate(target: &Target, rule: PortRule<'_>, evidence: &mut Vec<Evidence>) -> Verdict {
    let PortRule {
        ports,
        proto,
        listening: listening_wanted,
        public,
    } = rule;
    let label = match proto {
        Proto::Tcp => "tcp",
        Proto::Udp => "udp",
    };
    let Some(sockets) = listening(target, proto) else {
        return Verdict::NotApplicable(format!(
            "no socket table under {}",
            target.root().join("proc/net").display()
        ));
    };
    let open: Vec<&Socket> = sockets
        .iter()
        .filter(|s| ports.contains(&s.port) && !(public && s.addr.is_loopback()))
        .collect();
    let source = format!("/proc/net/{label}");
    if open.is_empty() {
        let list: Vec<String> = ports.iter().map(u16::to_string).collect();
        evidence.push(Evidence::about(
            &source,
            format!("nothing listens on {label} {}", list.join(", ")),
        ));
    }
    for s in &open {
        evidence.push(Evidence::about(
            &source,
            format!(
                "listening on {label} {}",
                std::net::SocketAddr::new(s.addr, s.port)
            ),
        ));
    }
    Verdict::from_bool(open.is_empty() != listening_wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_tables_parse_v4_and_v6() {
        let v4 = "  sl  local_address rem_address   st tx_queue rx_queue\n   0: 0100007F:0016 00000000:0000 0A 00000000:00000000\n   1: garbage\n";
        let s = parse_proc_net(v4);
        assert_eq!(
            s,
            vec![Socket {
                addr: "127.0.0.1".parse().unwrap(),
                port: 22,
                remote_port: 0,
                state: 0x0A
            }]
        );
        let v6 = "sl local\n 0: 00000000000000000000000001000000:01BB 00000000000000000000000000000000:0000 0A x\n";
        let s = parse_proc_net(v6);
        assert_eq!(s[0].addr, "::1".parse::<IpAddr>().unwrap());
        assert_eq!(s[0].port, 443);
    }
}
