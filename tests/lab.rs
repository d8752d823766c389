//! `flipshift lab`'s server, as a client sees it: the API answers with exactly what the command
//! line prints (200, 400 with the CLI's message, 422 with the exit-1 object), refuses what it
//! must (files, foreign hosts, oversized requests, slow computations), serves concurrent
//! requests without losing one, and stops cleanly on Ctrl-C.
//!
//! The page itself is tested in a real browser by `tests/browser/lab.test.mjs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `flipshift lab --port 0`, stopped with Ctrl-C (SIGINT) when dropped.
struct Lab {
    child: Child,
    /// `127.0.0.1:PORT`.
    addr: String,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Lab {
    fn start(extra: &[&str]) -> Lab {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flipshift"))
            .args(["lab", "--port", "0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Lab {
            child,
            addr,
            stdout,
        }
    }

    /// Send SIGINT, as Ctrl-C does; returns the exit status and what was printed after the
    /// address line.
    fn interrupt(mut self) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        let code = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s.code();
            }
            assert!(
                Instant::now() < deadline,
                "the lab did not stop within 10 s of Ctrl-C"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        (code, rest)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One HTTP/1.1 request on a fresh connection; returns status and body.
fn http(addr: &str, method: &str, target: &str, host: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(
        s,
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        host.unwrap_or(addr)
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    // Fonts are binary: only the head and JSON bodies are read as text.
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap();
    // Bodies may come chunked: undo the framing.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut rest = body;
        while let Some((len, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(len.trim(), 16).unwrap();
            if n == 0 {
                break;
            }
            out.push_str(&tail[..n]);
            rest = &tail[n + 2..];
        }
        out
    } else {
        body.to_string()
    };
    (status, body)
}

fn get(lab: &Lab, target: &str) -> (u16, Value) {
    let (status, body) = http(&lab.addr, "GET", target, None);
    let v = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{target}: {e}: {body}"));
    (status, v)
}

/// What `flipshift ARGS --format json` prints, its exit status and its standard error.
fn cli(args: &[&str]) -> (Option<i32>, Option<Value>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_flipshift"))
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let json = (!stdout.trim().is_empty()).then(|| serde_json::from_str(stdout.trim()).unwrap());
    (
        out.status.code(),
        json,
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `k=v&...` with each value percent-encoded.
fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The CLI's arguments for the same options: `--k v`.
fn cli_args<'a>(command: &'a str, pairs: &[(&'a str, &'a str)]) -> Vec<String> {
    let mut a = vec![command.to_string()];
    for (k, v) in pairs {
        if v.is_empty() {
            a.push(format!("--{k}"));
        } else {
            a.push(format!("--{k}={v}"));
        }
    }
    a
}

/// Every served command, as the API and the command line answer it.
const REQUESTS: &[(&str, &[(&str, &str)])] = &[
    ("eval", &[("f", "exp(-t^2/2)"), ("t", "-2:2:9")]),
    (
        "convolve",
        &[("h", "rect(t)"), ("x", "exp(-t^2)"), ("t", "-2:2:41")],
    ),
    (
        "convolve",
        &[
            ("h", "exp(-t^2)"),
            ("x", "abs(t)^0.5*exp(-t^2)"),
            ("t", "0:1:3"),
            ("method", "quadrature"),
            ("tol", "1e-17"),
        ],
    ),
    (
        "derivative",
        &[
            ("h", "exp(-t)*step(t)"),
            ("t0", "1"),
            ("tau", "-2:2:21"),
            ("x", "exp(-t^2)"),
            ("gateaux", ""),
        ],
    ),
    (
        "lsgrad",
        &[
            ("h", "gauss(t)"),
            ("x", "exp(-t^2)"),
            ("y", "0.8*exp(-(t - 1)^2)"),
            ("s", "-2:2:9"),
        ],
    ),
    (
        "functional",
        &[
            ("h", "gauss(t)"),
            ("x", "exp(-t^2)"),
            ("y", "exp(-t^2)"),
            ("reg", "smoothness"),
            ("s", "-1:1:5"),
        ],
    ),
    ("hessian-kernel", &[("h", "tri(t)"), ("t", "-2:2:9")]),
    (
        "euler-lagrange",
        &[
            ("lagrangian", "xp^2/2 - x^2/2"),
            ("x", "sin(t)"),
            ("t", "0:3:4"),
        ],
    ),
    (
        "check",
        &[
            ("h", "exp(-t)*step(t)"),
            ("x", "exp(-t^2)"),
            ("levels", "4"),
        ],
    ),
    ("conv", &[("x", "1,2,3"), ("h", "1,-1"), ("mode", "same")]),
    ("corr", &[("x", "1,2,3"), ("h", "1,-1")]),
    ("jacobian", &[("h", "1,2,3"), ("n", "4")]),
    ("grad", &[("x", "1,2"), ("h", "1,1"), ("y", "1,0,1")]),
    (
        "solve",
        &[("h", "1,0.5"), ("y", "1,2,3,1.5"), ("lambda", "0.1")],
    ),
    ("deconvolve", &[("dt", "0.05")]),
];

/// Write inline vectors to files for the command line, which reads vectors from files.
fn as_files(command: &str, pairs: &[(&str, &str)], dir: &std::path::Path) -> Vec<String> {
    let discrete = ["conv", "corr", "jacobian", "grad", "solve"].contains(&command);
    let mut a = vec![command.to_string()];
    for (k, v) in pairs {
        if discrete && ["x", "h", "y"].contains(k) {
            let p = dir.join(format!("{command}-{k}.csv"));
            std::fs::write(&p, v).unwrap();
            a.push(format!("--{k}={}", p.display()));
        } else if v.is_empty() {
            a.push(format!("--{k}"));
        } else {
            a.push(format!("--{k}={v}"));
        }
    }
    a
}

#[test]
fn every_command_answers_exactly_what_the_command_line_prints() {
    let lab = Lab::start(&[]);
    let dir = std::env::temp_dir().join(format!("flipshift-lab-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (command, pairs) in REQUESTS {
        let (status, body) = get(&lab, &format!("/api/{command}?{}", query(pairs)));
        let args = as_files(command, pairs, &dir);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, json, stderr) = cli(&args);
        let expected = match code {
            Some(0) => 200,
            Some(1) => 422,
            other => panic!("{command}: the command line exited with {other:?}: {stderr}"),
        };
        assert_eq!(status, expected, "{command}: {body}");
        assert_eq!(Some(&body), json.as_ref(), "{command}");
    }
    // The unmet tolerance above is the exit-1 object, "error" included.
    let (status, body) = get(&lab, &format!("/api/convolve?{}", query(REQUESTS[2].1)));
    assert_eq!(status, 422);
    assert!(body["error"].as_str().unwrap().contains("--tol"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_400_with_the_command_lines_message() {
    let lab = Lab::start(&[]);
    for (command, pairs) in [
        (
            "convolve",
            vec![("h", "rect(t"), ("x", "t"), ("t", "0:1:3")],
        ),
        ("eval", vec![("f", "log(t)"), ("t", "-1:1:3")]),
        ("eval", vec![("f", "t"), ("t", "1:0:x")]),
        ("convolve", vec![("h", "t"), ("x", "1"), ("t", "0")]),
        ("eval", vec![("f", "t"), ("nope", "1"), ("t", "0")]),
        ("derivative", vec![("h", "t"), ("t0", "1"), ("gateaux", "")]),
    ] {
        let (status, body) = get(&lab, &format!("/api/{command}?{}", query(&pairs)));
        let args = cli_args(command, &pairs);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, _, stderr) = cli(&args);
        assert_eq!(code, Some(2), "{command} {pairs:?}: {stderr}");
        assert_eq!(status, 400, "{command} {pairs:?}: {body}");
        let message = stderr.trim().strip_prefix("error: ").unwrap();
        assert_eq!(body, serde_json::json!({ "error": message }));
    }
}

#[test]
fn files_foreign_hosts_and_oversized_requests_are_refused() {
    let lab = Lab::start(&[]);
    // A vector is inline through the API: a path is not a number, and nothing is read.
    let (status, body) = get(&lab, "/api/conv?x=%2Fetc%2Fpasswd&h=1");
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("inline"), "{body}");
    for q in [
        "/api/conv?x=1&h=1&out=%2Ftmp%2Fx.npy",
        "/api/conv?x=1&h=1&format=text",
    ] {
        assert_eq!(get(&lab, q).0, 400, "{q}");
    }
    for q in ["/api/demo", "/api/lab", "/nothing", "/assets/../Cargo.toml"] {
        assert_eq!(get(&lab, q).0, 404, "{q}");
    }
    assert_eq!(get(&lab, "/api/eval?f=t&t=0:1:100001").0, 413);
    assert_eq!(get(&lab, "/api/jacobian?h=1,2&n=5000").0, 413);
    let long = format!("/api/eval?f={}t&t=0", "t%2B".repeat(1000));
    assert_eq!(get(&lab, &long).0, 413);
    // A page on another name that resolves to 127.0.0.1 (DNS rebinding) gets nothing.
    let (status, _) = http(&lab.addr, "GET", "/api", Some("attacker.example:80"));
    assert_eq!(status, 421);
    let (status, _) = http(&lab.addr, "POST", "/api/eval?f=t&t=0", None);
    assert_eq!(status, 405);
    // The index lists the commands and the caps.
    let (status, index) = get(&lab, "/api");
    assert_eq!(status, 200);
    assert_eq!(index["commands"].as_array().unwrap().len(), 14);
    assert_eq!(index["caps"]["points"], 100_000);
}

#[test]
fn the_page_and_its_files_are_served_offline() {
    let lab = Lab::start(&[]);
    let (status, page) = http(&lab.addr, "GET", "/", None);
    assert_eq!(status, 200);
    let mut srcs = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for rest in page.split(attr).skip(1) {
            srcs.push(rest.split('"').next().unwrap().to_string());
        }
    }
    for src in srcs.iter().filter(|s| s.starts_with('/')) {
        let (status, body) = http(&lab.addr, "GET", src, None);
        assert_eq!(status, 200, "{src}");
        assert!(!body.is_empty(), "{src}");
    }
    for needed in [
        "katex.min.js",
        "uPlot.iife.min.js",
        "d3.min.js",
        "lab.js",
        "style.css",
    ] {
        assert!(
            srcs.iter().any(|s| s.ends_with(needed)),
            "{needed} is not loaded"
        );
    }
    assert!(!page.contains("http://") && !page.contains("https://"));
    let (status, _) = http(
        &lab.addr,
        "GET",
        "/assets/katex/fonts/KaTeX_Main-Regular.woff2",
        None,
    );
    assert_eq!(status, 200);
}

#[test]
fn a_slow_request_is_answered_503_at_the_time_cap_and_the_server_goes_on() {
    let lab = Lab::start(&["--timeout", "0.5"]);
    let started = Instant::now();
    // Ten thousand nested quadratures of a kinked integrand: seconds of work.
    let (status, body) = get(
        &lab,
        "/api/convolve?h=abs(t)%5E0.5*exp(-t%5E2)&x=abs(t-0.3)%5E0.5*exp(-t%5E2)&t=-3:3:10000&method=quadrature",
    );
    let took = started.elapsed();
    assert_eq!(status, 503, "{body}");
    assert!(body["error"].as_str().unwrap().contains("0.5 s"), "{body}");
    // Answered at the cap, not when the computation ended (generous: a loaded machine).
    assert!(took < Duration::from_secs(5), "answered after {took:?}");
    let (status, body) = get(&lab, "/api/eval?f=t&t=0:1:3");
    assert_eq!(status, 200, "{body}");
    let (code, rest) = lab.interrupt();
    assert_eq!(code, Some(0), "{rest}");
}

/// 200 requests, 8 at a time, of a mix of commands: every one answered, with the right object.
/// Prints the latencies (the README's figure comes from the release build:
/// `cargo test --release --test lab -- --nocapture concurrent`).
#[test]
fn concurrent_requests_are_all_answered() {
    let lab = Lab::start(&[]);
    let mix: Vec<(String, Value)> = [
        "/api/convolve?h=exp(-(t-0.5))*step(t-0.5)&x=exp(-t%5E2)&t=1",
        "/api/derivative?h=exp(-(t-0.5))*step(t-0.5)&t0=1&tau=-3:4:561",
        "/api/eval?f=exp(-t%5E2)&t=-3:4:561",
        "/api/jacobian?h=1,2,3,4,5&n=40",
        "/api/convolve?h=exp(-(t-0.5))*step(t-0.5)&x=exp(-t%5E2)&t=-3:4:561",
    ]
    .iter()
    .map(|q| (q.to_string(), get(&lab, q).1))
    .collect();
    let (threads, per_thread) = (8, 25);
    let addr = lab.addr.clone();
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (addr, mix) = (addr.clone(), mix.clone());
            std::thread::spawn(move || {
                (0..per_thread)
                    .map(|k| {
                        let (q, want) = &mix[(i + k) % mix.len()];
                        let t = Instant::now();
                        let (status, body) = http(&addr, "GET", q, None);
                        let got: Value = serde_json::from_str(&body).unwrap();
                        assert_eq!(status, 200, "{q}: {body}");
                        assert_eq!(&got, want, "{q}");
                        t.elapsed()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let wall = started.elapsed();
    assert_eq!(latencies.len(), threads * per_thread, "requests were lost");
    latencies.sort();
    let pct = |p: f64| latencies[((p * latencies.len() as f64).ceil() as usize).saturating_sub(1)];
    println!(
        "{} requests, {threads} at a time, all answered correctly in {wall:.2?}: p50 {:.1?}, p99 {:.1?}, max {:.1?}",
        latencies.len(),
        pct(0.50),
        pct(0.99),
        latencies[latencies.len() - 1]
    );
    let (code, rest) = lab.interrupt();
    assert_eq!(code, Some(0));
    assert!(rest.contains("stopped after"), "{rest}");
}

#[test]
fn ctrl_c_stops_the_server_cleanly() {
    let lab = Lab::start(&[]);
    let addr = lab.addr.clone();
    assert_eq!(get(&lab, "/api/eval?f=t&t=0:1:3").0, 200);
    let (code, rest) = lab.interrupt();
    assert_eq!(code, Some(0), "{rest}");
    assert!(rest.contains("stopped after 1 requests"), "{rest}");
    // The port is closed.
    assert!(TcpStream::connect(&addr).is_err());
}

#[test]
fn another_host_is_served_only_when_asked_and_with_a_warning() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flipshift"))
        .args(["lab", "--port", "0", "--host", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(child.status.code(), Some(2));
    let stderr = String::from_utf8(std::mem::take(&mut child.stderr)).unwrap();
    assert!(stderr.starts_with("error: --host"), "{stderr}");
    // 127.0.0.2 is loopback too, but not the default: no warning for it; 0.0.0.0 would warn,
    // but a test must not open a port to the network.
    let lab = Lab::start(&["--host", "127.0.0.2"]);
    assert!(lab.addr.starts_with("127.0.0.2:"));
    let (code, _) = lab.interrupt();
    assert_eq!(code, Some(0));
}
