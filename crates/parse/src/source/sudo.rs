//! `sudo` and `su`: commands run as another user, and failed attempts to do so.

use super::ocsf::{self, Status, AUTHENTICATION, LAUNCH, LOGON, PROCESS_ACTIVITY};
use palisade_core::Event;

/// Maps one sudo message: `alice : [problem ; ]TTY=pts/0 ; PWD=/home/alice ; USER=root ;
/// COMMAND=/usr/bin/id`. A problem (`3 incorrect password attempts`, `user NOT in sudoers`)
/// makes the launch a failure.
pub(crate) fn parse_sudo(message: &str, event: &mut Event) -> bool {
    let Some((user, rest)) = message.trim().split_once(" : ") else {
        return false;
    };
    if user.contains(' ') || !rest.contains("COMMAND=") {
        return false;
    }
    event.set("actor.user.name", user);
    let mut problem = None;
    for part in rest.split(" ; ") {
        match part.split_once('=') {
            Some(("TTY", tty)) => ocsf::set_text(event, "process.terminal", tty),
            Some(("PWD", pwd)) => ocsf::set_text(event, "process.cwd", pwd),
            Some(("USER", target)) => ocsf::set_text(event, "process.user.name", target),
            Some(("COMMAND", command)) => {
                ocsf::set_text(event, "process.cmd_line", command);
                let path = command.split(' ').next().unwrap_or(command);
                ocsf::set_text(event, "process.file.path", path);
            }
            Some(_) => {}
            None => problem = Some(part.trim()),
        }
    }
    let status = match problem {
        Some(problem) => {
            event.set("status_detail", problem);
            Status::Failure
        }
        None => Status::Success,
    };
    ocsf::classify(event, PROCESS_ACTIVITY, LAUNCH, Some(status));
    true
}

/// Maps one su message in the shadow-utils (`Successful su for root by alice`,
/// `FAILED su for root by alice`, `+ pts/0 alice:root`) or util-linux
/// (`(to root) alice on pts/0`, `FAILED SU (to root) alice on pts/0`) forms.
pub(crate) fn parse_su(message: &str, event: &mut Event) -> bool {
    let message = message.trim();
    let (status, target, actor) = if let Some(rest) = message.strip_prefix("Successful su for ") {
        let Some((target, actor)) = rest.split_once(" by ") else {
            return false;
        };
        (Status::Success, target, actor)
    } else if let Some(rest) = message.strip_prefix("FAILED su for ") {
        let Some((target, actor)) = rest.split_once(" by ") else {
            return false;
        };
        (Status::Failure, target, actor)
    } else if let Some((status, rest)) = message
        .strip_prefix("FAILED SU (to ")
        .map(|r| (Status::Failure, r))
        .or_else(|| message.strip_prefix("(to ").map(|r| (Status::Success, r)))
    {
        let Some((target, rest)) = rest.split_once(") ") else {
            return false;
        };
        let actor = rest.split(" on ").next().unwrap_or(rest);
        (status, target, actor)
    } else if let Some((status, rest)) = message
        .strip_prefix("+ ")
        .map(|r| (Status::Success, r))
        .or_else(|| message.strip_prefix("- ").map(|r| (Status::Failure, r)))
    {
        let Some((_tty, users)) = rest.split_once(' ') else {
            return false;
        };
        let Some((actor, target)) = users.split_once(':') else {
            return false;
        };
        (status, target, actor)
    } else {
        return false;
    };
    ocsf::set_text(event, "user.name", target.trim());
    ocsf::set_text(event, "actor.user.name", actor.trim());
    event.set("service.name", "su");
    ocsf::classify(event, AUTHENTICATION, LOGON, Some(status));
    true
}
