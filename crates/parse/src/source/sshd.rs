//! OpenSSH server (`sshd`) messages: accepted and failed passwords and keys, invalid users,
//! too many attempts, disconnects.

use super::ocsf::{self, Status, AUTHENTICATION, LOGOFF, LOGON};
use palisade_core::Event;

/// Maps one sshd message; false when the message is not one this parser knows.
pub(crate) fn parse(message: &str, event: &mut Event) -> bool {
    let message = message.trim();
    let (activity, status, rest) = if let Some(rest) = message.strip_prefix("Accepted ") {
        (LOGON, Status::Success, rest)
    } else if let Some(rest) = message.strip_prefix("Failed ") {
        (LOGON, Status::Failure, rest)
    } else if let Some(rest) = message.strip_prefix("Invalid user ") {
        event.set("status_detail", "invalid user");
        return attempt(event, rest, LOGON, Status::Failure);
    } else if let Some(rest) =
        message.strip_prefix("error: maximum authentication attempts exceeded for ")
    {
        event.set("status_detail", "maximum authentication attempts exceeded");
        return attempt(event, rest, LOGON, Status::Failure);
    } else if let Some(rest) = strip_any(
        message,
        &[
            "Disconnected from user ",
            "Disconnected from authenticating user ",
            "Disconnected from invalid user ",
            "Connection closed by authenticating user ",
            "Connection closed by invalid user ",
        ],
    ) {
        return peer_with_user(event, rest, LOGOFF);
    } else if let Some(rest) = strip_any(
        message,
        &[
            "Received disconnect from ",
            "Disconnected from ",
            "Connection closed by ",
        ],
    ) {
        return peer(event, rest, LOGOFF, None);
    } else {
        return false;
    };
    // `<method> for [invalid user ]<user> from <ip> port <port> ssh2[: <key info>]`
    let Some((method, rest)) = rest.split_once(" for ") else {
        return false;
    };
    event.set("auth_protocol", method);
    let rest = match rest.strip_prefix("invalid user ") {
        Some(after) => {
            event.set("status_detail", "invalid user");
            after
        }
        None => rest,
    };
    attempt(event, rest, activity, status)
}

/// `<user> from <ip> port <port> ...`
fn attempt(event: &mut Event, rest: &str, activity: i64, status: Status) -> bool {
    let Some((user, after)) = rest.rsplit_once(" from ") else {
        return false;
    };
    ocsf::set_text(event, "user.name", user);
    peer(event, after, activity, Some(status))
}

/// `<user> <ip> port <port> ...` (the disconnect forms).
fn peer_with_user(event: &mut Event, rest: &str, activity: i64) -> bool {
    let Some((user, after)) = rest.split_once(' ') else {
        return false;
    };
    ocsf::set_text(event, "user.name", user);
    peer(event, after, activity, None)
}

/// `<ip> port <port>[:...| ...]`: the client's address, then the class.
fn peer(event: &mut Event, rest: &str, activity: i64, status: Option<Status>) -> bool {
    let mut words = rest.split(' ');
    let Some(ip) = words
        .next()
        .filter(|w| w.parse::<std::net::IpAddr>().is_ok())
    else {
        return false;
    };
    event.set("src_endpoint.ip", ip);
    if words.next() == Some("port") {
        if let Some(port) = words.next() {
            let port = port.split(':').next().unwrap_or(port);
            ocsf::set_number(event, "src_endpoint.port", port);
        }
    }
    event.set("service.name", "sshd");
    ocsf::classify(event, AUTHENTICATION, activity, status);
    true
}

fn strip_any<'a>(message: &'a str, prefixes: &[&str]) -> Option<&'a str> {
    prefixes.iter().find_map(|p| message.strip_prefix(p))
}
