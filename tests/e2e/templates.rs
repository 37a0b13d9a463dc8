//! Template mining: `palisade templates mine` offline on a real file, and a running server
//! giving unparsed events their template, listing templates over the API and the CLI, and
//! finding the events by template id.

use crate::harness::{bin, tempdir, Server};
use std::process::Command;

fn mine(args: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
    let out = Command::new(bin())
        .args(["templates", "mine"])
        .args(args)
        .output()
        .unwrap();
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), lines, stderr)
}

#[test]
fn offline_mining_prints_one_object_per_line_with_final_ids() {
    let dir = tempdir();
    let log = dir.path().join("app.log");
    std::fs::write(
        &log,
        "2025-11-23 10:00:01 INFO pool: worker 17 started in 35 ms\n\
         2025-11-23 10:00:02 INFO pool: worker 18 started in 41 ms\n\
         2025-11-23 10:00:03 WARN disk: volume /srv/data is 91% full\n\
         this line has no header\n\
         2025-11-23 10:00:04 INFO pool: worker 19 started in 7 ms\n",
    )
    .unwrap();
    let format = "<Date> <Time> <Level> <Component>: <Content>";
    let (code, lines, stderr) = mine(&["--log-format", format, log.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(lines.iter().all(|l| l.get("params").is_none()));
    let (code, lines, stderr) = mine(&["--log-format", format, "--params", log.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines.len(), 5);
    let numbers: Vec<u64> = lines.iter().map(|l| l["line"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5]);
    assert_eq!(lines[0]["template_id"], lines[1]["template_id"]);
    assert_eq!(lines[0]["template_id"], lines[4]["template_id"]);
    assert_ne!(lines[0]["template_id"], lines[2]["template_id"]);
    assert_eq!(lines[0]["template"], "worker <*> started in <*> ms");
    assert_eq!(lines[4]["params"], serde_json::json!(["19", "7"]));
    assert_eq!(lines[2]["template"], "volume <*> is <*>% full");
    assert_eq!(lines[3]["unmatched"], true);
    assert_eq!(lines[3]["template"], "this line has no header");
    assert!(
        stderr.contains("1 of 5 lines (first: line 4) did not match the log format"),
        "{stderr}"
    );

    let (code, _, stderr) = mine(&["--log-format", "<Date> <Time>", log.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(stderr.contains("no <Content> field"), "{stderr}");
    let (code, _, stderr) = mine(&[dir.path().join("missing.log").to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(stderr.contains("cannot read"), "{stderr}");
}

#[test]
fn a_server_mines_unparsed_events_lists_templates_and_finds_events_by_template() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let body: String = (0..30)
        .map(|i| format!("fan {i} on rack {} stopped after {} rpm\n", i % 4, 900 + i))
        .chain((0..5).map(|i| format!("cache rebuild took {i} s\n")))
        .collect();
    let (status, answer) = server.post("/api/v1/ingest", "text/plain", body.as_bytes());
    assert_eq!(status, 200, "{answer}");
    server.wait_for("unparsed:true", 35);

    let (status, listed) = server.get("/api/v1/templates", &[]);
    assert_eq!(status, 200, "{listed}");
    let first = &listed["templates"][0];
    assert_eq!(first["count"], 30, "{listed}");
    assert_eq!(
        first["template"],
        "fan <*> on rack <*> stopped after <*> rpm"
    );
    assert_eq!(first["example"], "fan 0 on rack 0 stopped after 900 rpm");
    assert_eq!(listed["templates"][1]["count"], 5, "{listed}");
    assert_eq!(listed["total"], 2);

    let id = first["id"].as_str().unwrap();
    let found = server.wait_for(&format!("metadata.template_id:{id}"), 30);
    assert!(found
        .iter()
        .all(|e| e["metadata"]["template"] == "fan <*> on rack <*> stopped after <*> rpm"));

    let (code, out, err) = server.cli(&["templates", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(id) && out.contains("2 of 2 templates"),
        "{out}"
    );
    let (status, refused) = server.get("/api/v1/templates", &[("tenant", "*")]);
    assert_eq!(status, 400, "{refused}");
}

#[test]
fn a_reader_that_stops_early_ends_mining_quietly() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    let dir = tempdir();
    let log = dir.path().join("big.log");
    let lines: String = (0..200_000)
        .map(|i| format!("worker {i} started in {} ms\n", i % 97))
        .collect();
    std::fs::write(&log, lines).unwrap();
    let mut child = Command::new(bin())
        .args(["templates", "mine", log.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("{\"line\":1,"), "{first}");
    // The reader is gone (as with `| head -1`): the miner stops by SIGPIPE, without an error.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() || out.status.signal() == Some(libc::SIGPIPE),
        "{:?} {stderr}",
        out.status
    );
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
