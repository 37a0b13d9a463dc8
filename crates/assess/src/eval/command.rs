//! `command` rules: a program run without a shell, with a timeout, its output tested.

use super::file::judge_texts;
use crate::outcome::{Evidence, Verdict};
use crate::target::Target;
use crate::text::LineTest;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Most bytes kept of each output stream.
const MAX_OUTPUT: u64 = 1 << 20;
/// Lines of output quoted when no line test picks any.
const EXCERPT_LINES: usize = 5;

/// What a finished command left.
pub struct Ran {
    /// Exit status (`None` when killed by a signal).
    pub status: Option<i32>,
    /// Standard output then standard error, lossy UTF-8.
    pub output: String,
}

fn drain(stream: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stream {
            let _ = s.take(MAX_OUTPUT).read_to_end(&mut buf);
        }
        buf
    })
}

/// Runs `argv` with stdin closed; kills it after `timeout`.
pub fn run(argv: &[String], timeout: Duration) -> std::io::Result<Ran> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| std::io::Error::other("empty command"))?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if started.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("timed out after {} s", timeout.as_secs()),
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut output = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    output.push_str(&String::from_utf8_lossy(&err.join().unwrap_or_default()));
    Ok(Ran {
        status: status.code(),
        output,
    })
}

/// Evaluates a command rule. Commands run only when the target is the running host.
pub fn evaluate(
    target: &Target,
    argv: &[String],
    timeout: Duration,
    exit: Option<i32>,
    text: Option<&LineTest>,
    evidence: &mut Vec<Evidence>,
) -> Verdict {
    let label = format!("$ {}", argv.join(" "));
    if !target.is_host() {
        return Verdict::NotApplicable(format!(
            "{label}: commands run only when the target root is /"
        ));
    }
    let ran = match run(argv, timeout) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Verdict::NotApplicable(format!("{}: program not found", argv[0]));
        }
        Err(e) => return Verdict::Error(format!("{label}: {e}")),
    };
    let status_text = ran
        .status
        .map_or_else(|| "killed by a signal".to_owned(), |c| format!("exit {c}"));
    evidence.push(Evidence::about(&label, status_text));
    if let Some(want) = exit {
        if ran.status != Some(want) {
            return Verdict::NotHeld;
        }
    }
    let Some(test) = text else {
        for (i, l) in ran.output.lines().take(EXCERPT_LINES).enumerate() {
            evidence.push(Evidence::line(&label, i + 1, l));
        }
        return Verdict::Held;
    };
    judge_texts(&[(label, ran.output)], test, evidence)
}
