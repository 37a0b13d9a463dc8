//! Linux-PAM `pam_unix` messages, whatever program wrote them (sshd, su, sudo, login, cron):
//! authentication failures and sessions opened and closed.

use super::{
    kv,
    ocsf::{self, Status, AUTHENTICATION, LOGOFF, LOGON},
};
use palisade_core::Event;

/// Maps one `pam_unix(service:facility): ...` message (also `PAM n more authentication
/// failures; ...`); false for anything else.
pub(crate) fn parse(message: &str, event: &mut Event) -> bool {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("PAM ") {
        if rest.contains("authentication failure") {
            return failure(event, rest);
        }
        return false;
    }
    let Some(rest) = message.strip_prefix("pam_unix(") else {
        return false;
    };
    let Some((module, text)) = rest.split_once("): ") else {
        return false;
    };
    let service = module.split(':').next().unwrap_or(module);
    ocsf::set_text(event, "service.name", service);
    if let Some(details) = text.strip_prefix("authentication failure;") {
        return failure(event, details);
    }
    if let Some(rest) = text.strip_prefix("session opened for user ") {
        let (user, actor) = match rest.split_once(" by ") {
            Some((user, by)) => (user, Some(by)),
            None => (rest, None),
        };
        ocsf::set_text(event, "user.name", name_only(user));
        if let Some(actor) = actor.map(name_only).filter(|a| !a.is_empty()) {
            event.set("actor.user.name", actor);
        }
        ocsf::classify(event, AUTHENTICATION, LOGON, Some(Status::Success));
        return true;
    }
    if let Some(rest) = text.strip_prefix("session closed for user ") {
        ocsf::set_text(event, "user.name", name_only(rest));
        ocsf::classify(event, AUTHENTICATION, LOGOFF, Some(Status::Success));
        return true;
    }
    false
}

/// `logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root`
fn failure(event: &mut Event, details: &str) -> bool {
    for pair in kv::pairs(details) {
        match pair.key {
            "user" => ocsf::set_text(event, "user.name", pair.value),
            "rhost" => ocsf::set_text(event, "src_endpoint.ip", pair.value),
            "ruser" | "logname" => ocsf::set_text(event, "actor.user.name", pair.value),
            "tty" => ocsf::set_text(event, "unmapped.pam.tty", pair.value),
            _ => {}
        }
    }
    ocsf::classify(event, AUTHENTICATION, LOGON, Some(Status::Failure));
    true
}

/// `alice(uid=1000)` → `alice`; `(uid=0)` → empty.
fn name_only(user: &str) -> &str {
    let user = user.trim();
    user.split('(').next().unwrap_or(user)
}
