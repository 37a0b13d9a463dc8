//! RFC 3164 messages and the variants real senders and log files produce.

mod common;
use common::*;
use palisade_core::PayloadFormat;

#[test]
fn classic_bsd_message_with_pid() {
    let e = syslog("<34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed for lonvick");
    assert!(!is_unparsed(&e));
    // Received in November 2023, so October is this year.
    assert_eq!(e.time, 1_697_062_455_000);
    assert_eq!(text(&e, "device.hostname"), "mymachine");
    assert_eq!(text(&e, "metadata.product.name"), "su");
    assert_eq!(text(&e, "unmapped.syslog.procid"), "123");
    assert_eq!(text(&e, "message"), "'su root' failed for lonvick");
    assert_eq!(text(&e, "metadata.log_format"), "rfc3164");
    assert_eq!(int(&e, "severity_id"), 5);
    assert_eq!(int(&e, "unmapped.syslog.facility"), 4);
}

#[test]
fn space_padded_day_and_tag_without_pid() {
    let e = syslog("<13>Feb  5 17:32:18 10.0.0.99 myapp: Use the BFG!");
    assert_eq!(e.time, 1_675_618_338_000);
    assert_eq!(text(&e, "device.hostname"), "10.0.0.99");
    assert_eq!(text(&e, "metadata.product.name"), "myapp");
    assert_eq!(e.get("unmapped.syslog.procid"), None);
    assert_eq!(text(&e, "message"), "Use the BFG!");
}

#[test]
fn no_hostname() {
    let e = syslog("<38>Nov 14 22:00:00 sshd[77]: Accepted publickey for bob");
    assert_eq!(e.get("device.hostname"), None);
    assert_eq!(text(&e, "metadata.product.name"), "sshd");
    assert_eq!(text(&e, "message"), "Accepted publickey for bob");
}

#[test]
fn no_tag() {
    let e = syslog("<13>Nov 14 22:00:00 router1 link eth0 went down");
    assert_eq!(text(&e, "device.hostname"), "router1");
    assert_eq!(e.get("metadata.product.name"), None);
    assert_eq!(text(&e, "message"), "link eth0 went down");
}

#[test]
fn file_line_without_pri() {
    let line = "Nov 14 21:59:01 web01 CRON[991]: (root) CMD (run-parts /etc/cron.hourly)\n";
    let e = palisade_parse::parse_record(1, &record(PayloadFormat::Line, line.as_bytes()));
    assert!(!is_unparsed(&e));
    assert_eq!(text(&e, "device.hostname"), "web01");
    assert_eq!(text(&e, "metadata.product.name"), "CRON");
    assert_eq!(
        text(&e, "message"),
        "(root) CMD (run-parts /etc/cron.hourly)"
    );
    assert_eq!(int(&e, "severity_id"), 0);
    assert_eq!(e.get("unmapped.syslog.facility"), None);
    assert_eq!(text(&e, "raw_data"), line);
}

#[test]
fn iso_timestamp_instead_of_bsd() {
    let e = syslog("<30>2023-11-14T22:13:20.500+01:00 host1 systemd[1]: Started Session 4.");
    assert_eq!(e.time, 1_699_996_400_500);
    assert_eq!(text(&e, "device.hostname"), "host1");
    assert_eq!(text(&e, "metadata.product.name"), "systemd");
    assert_eq!(text(&e, "message"), "Started Session 4.");
}

#[test]
fn december_received_in_january_belongs_to_last_year() {
    let mut rec = record(PayloadFormat::Syslog, b"<13>Dec 31 23:59:59 h app: late");
    rec.received_ms = 1_704_067_205_000; // 2024-01-01T00:00:05Z
    let e = palisade_parse::parse_record(1, &rec);
    assert_eq!(e.time, 1_704_067_199_000); // 2023-12-31T23:59:59Z
}

#[test]
fn a_few_hours_ahead_stays_in_this_year() {
    let mut rec = record(
        PayloadFormat::Syslog,
        b"<13>Jan  1 05:00:00 h app: clock skew",
    );
    rec.received_ms = 1_704_067_205_000; // 2024-01-01T00:00:05Z
    let e = palisade_parse::parse_record(1, &rec);
    assert_eq!(e.time, 1_704_085_200_000); // 2024-01-01T05:00:00Z
}

#[test]
fn invalid_pri_and_garbage_are_unparsed_but_kept() {
    for bad in [
        "<192>Oct 11 22:14:15 host app: too high",
        "<1x>Oct 11 22:14:15 host app: not digits",
        "<13>not a timestamp at all",
        "just some words",
        "",
    ] {
        let e = syslog(bad);
        assert!(is_unparsed(&e), "{bad:?}");
        assert_eq!(text(&e, "message"), bad);
        assert_eq!(text(&e, "raw_data"), bad);
        assert_eq!(text(&e, "metadata.parser"), "none");
    }
}
