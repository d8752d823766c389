//! The lab's JSON API: `GET /api/COMMAND?option=value&...` runs `flipshift COMMAND --option=value
//! ... --format json` through the same function as the command line ([`crate::execute`]) and
//! answers with the object it prints: status 200 on exit 0, 422 on exit 1 (a tolerance not met:
//! the whole object with its `"error"`), 400 with `{"error": "..."}` on exit 2.
//!
//! Before anything runs, the request is held to [`Caps`], so that one request cannot hold the
//! server: no files (vectors come inline, `x=1,2,3`; no `--out`), short expressions, bounded
//! grids, matrices and systems.

use crate::Outcome;
use clap::CommandFactory;
use serde_json::{Value, json};

/// The commands the API serves: every one that makes sense without files.
pub const COMMANDS: &[&str] = &[
    "eval",
    "convolve",
    "derivative",
    "lsgrad",
    "functional",
    "hessian-kernel",
    "euler-lagrange",
    "check",
    "conv",
    "corr",
    "jacobian",
    "grad",
    "solve",
    "deconvolve",
];

/// The commands whose vectors (`--x`, `--h`, `--y`) are data, given inline.
const DISCRETE: &[&str] = &["conv", "corr", "jacobian", "grad", "solve"];

/// The commands that integrate at every grid point (a nested quadrature each).
const PER_POINT_QUADRATURE: &[&str] = &["convolve", "lsgrad", "functional", "hessian-kernel"];

/// Options the API does not take: the output format is JSON, and nothing is written to files.
const REFUSED: &[&str] = &["format", "out", "help", "version"];

/// What one request may ask for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Caps {
    /// Characters in one expression (or any option value that is not a grid or a vector).
    pub expression_chars: usize,
    /// Points in a grid (`a:b:n` or a list) or entries in a vector.
    pub points: usize,
    /// Grid points for the commands that run a quadrature at every point.
    pub quadrature_points: usize,
    /// Entries of a Jacobian (rows × columns).
    pub matrix_entries: usize,
    /// Unknowns of `solve --method dense` (an n × n matrix is formed and factorised).
    pub dense_unknowns: usize,
    /// `check --levels`: each level halves the spacing and doubles the work.
    pub check_levels: usize,
    /// Samples of a `deconvolve` grid, (B − A)/Δ.
    pub deconvolve_samples: usize,
    /// Seconds a request may take, waiting for a free worker included.
    pub seconds: f64,
}

impl Default for Caps {
    fn default() -> Self {
        Self {
            expression_chars: 1000,
            points: 100_000,
            quadrature_points: 10_000,
            matrix_entries: 1_000_000,
            dense_unknowns: 2000,
            check_levels: 9,
            deconvolve_samples: 4000,
            seconds: 20.0,
        }
    }
}

impl Caps {
    /// The caps as JSON, for `GET /api`.
    pub fn to_json(self) -> Value {
        json!({
            "expression_chars": self.expression_chars,
            "points": self.points,
            "quadrature_points": self.quadrature_points,
            "matrix_entries": self.matrix_entries,
            "dense_unknowns": self.dense_unknowns,
            "check_levels": self.check_levels,
            "deconvolve_samples": self.deconvolve_samples,
            "seconds": self.seconds,
        })
    }
}

/// An HTTP answer: status and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Value,
}

impl Reply {
    /// `{"error": message}` with `status`.
    pub fn error(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            body: json!({ "error": message.into() }),
        }
    }
}

/// `GET /api`: the commands served and the caps.
pub fn index(caps: Caps) -> Reply {
    Reply {
        status: 200,
        body: json!({
            "commands": COMMANDS,
            "caps": caps.to_json(),
            "usage": "GET /api/COMMAND?option=value&... answers with what `flipshift COMMAND --option value ... --format json` prints",
        }),
    }
}

/// The number of points a grid or list spec describes, if it is one: `a:b:n` → n, `1,2,3` → 3.
fn points(spec: &str) -> Option<usize> {
    let s = spec.trim();
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() == 3 && parts[..2].iter().all(|p| p.trim().parse::<f64>().is_ok()) {
        // A count that does not parse is the command's error to report, not a cap.
        return parts[2].trim().parse::<usize>().ok();
    }
    let list: Vec<&str> = s
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    (!list.is_empty() && list.iter().all(|p| p.parse::<f64>().is_ok())).then_some(list.len())
}

fn number(pairs: &[(String, String)], key: &str) -> Option<f64> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.trim().parse().ok())
}

fn value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Hold a request to the caps; `Err` is the 400 (or 413) to answer with.
fn check_caps(command: &str, pairs: &[(String, String)], caps: Caps) -> Result<(), Reply> {
    let too_large = |what: String| Reply::error(413, what);
    let grid_cap = if PER_POINT_QUADRATURE.contains(&command) {
        caps.quadrature_points
    } else {
        caps.points
    };
    for (k, v) in pairs {
        match points(v) {
            Some(n) if n > grid_cap => {
                return Err(too_large(format!(
                    "--{k}: {n} points; the lab computes at most {grid_cap} for {command} (run the command line for more)"
                )));
            }
            Some(_) => {}
            None if v.chars().count() > caps.expression_chars => {
                return Err(too_large(format!(
                    "--{k}: {} characters; the lab takes expressions of at most {}",
                    v.chars().count(),
                    caps.expression_chars
                )));
            }
            None => {}
        }
    }
    let entries = |key: &str| value(pairs, key).and_then(points).unwrap_or(0);
    match command {
        "jacobian" => {
            let n = number(pairs, "n").unwrap_or(0.0).max(0.0);
            let m = entries("h") as f64;
            let cells = n * (n + m);
            if cells > caps.matrix_entries as f64 {
                return Err(too_large(format!(
                    "--n: a {n} × {} Jacobian has more than the lab's {} entries",
                    n + m - 1.0,
                    caps.matrix_entries
                )));
            }
        }
        "solve" => {
            let unknowns = entries("y").saturating_sub(entries("h")) + 1;
            if value(pairs, "method").is_some_and(|m| m.trim() == "dense")
                && unknowns > caps.dense_unknowns
            {
                return Err(too_large(format!(
                    "--method dense: {unknowns} unknowns; the lab factorises at most {} (use levinson or cg)",
                    caps.dense_unknowns
                )));
            }
        }
        "check" if number(pairs, "levels").is_some_and(|l| l > caps.check_levels as f64) => {
            return Err(too_large(format!(
                "--levels: the lab runs at most {} levels (each one doubles the work)",
                caps.check_levels
            )));
        }
        "deconvolve" => {
            let dt = number(pairs, "dt").unwrap_or(0.02);
            let (a, b) = value(pairs, "interval")
                .and_then(|s| s.split_once(','))
                .and_then(|(a, b)| Some((a.trim().parse::<f64>().ok()?, b.trim().parse().ok()?)))
                .unwrap_or((-4.0, 4.0));
            let samples = (b - a) / dt;
            if dt > 0.0 && samples > caps.deconvolve_samples as f64 {
                return Err(too_large(format!(
                    "--dt: {} samples on the interval; the lab takes at most {}",
                    samples.round(),
                    caps.deconvolve_samples
                )));
            }
        }
        _ => {}
    }
    Ok(())
}

/// The argument vector for `GET /api/COMMAND?QUERY`, or the error to answer with.
///
/// Each `key=value` becomes `--key=value` (the `=` form, so a value that starts with `-` stays a
/// value); a switch (`--gateaux`) is on for `key`, `key=` or `key=true`, off for `key=false`.
/// Repeated keys repeat the option (`param=a=1&param=b=2`).
pub fn argv(command: &str, query: &str, caps: Caps) -> Result<Vec<String>, Reply> {
    if !COMMANDS.contains(&command) {
        return Err(Reply::error(
            404,
            format!(
                "'{command}' is not served; the API serves {}",
                COMMANDS.join(", ")
            ),
        ));
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if let Some((k, _)) = pairs.iter().find(|(k, _)| REFUSED.contains(&k.as_str())) {
        return Err(Reply::error(
            400,
            format!(
                "--{k}: not available through the API (answers are JSON; nothing is written to files)"
            ),
        ));
    }
    check_caps(command, &pairs, caps)?;
    let cli = crate::Cli::command();
    let switches: Vec<String> = cli
        .find_subcommand(command)
        .map(|c| {
            c.get_arguments()
                .filter(|a| matches!(a.get_action(), clap::ArgAction::SetTrue))
                .filter_map(|a| a.get_long().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut args = vec!["flipshift".to_string(), command.to_string()];
    for (k, v) in pairs {
        if switches.contains(&k) {
            match v.trim() {
                "" | "true" | "1" => args.push(format!("--{k}")),
                "false" | "0" => {}
                other => {
                    return Err(Reply::error(
                        400,
                        format!(
                            "--{k}: '{other}' is not a switch value; use {k}, {k}=true or {k}=false"
                        ),
                    ));
                }
            }
        } else {
            args.push(format!("--{k}={v}"));
        }
    }
    args.extend(["--format".to_string(), "json".to_string()]);
    Ok(args)
}

/// Whether `command` reads vectors (inline through the API).
pub fn reads_vectors(command: &str) -> bool {
    DISCRETE.contains(&command)
}

/// The answer for what the command line would have printed.
pub fn reply(outcome: &Outcome) -> Reply {
    match (outcome.status, &outcome.json, &outcome.error) {
        (0, Some(j), _) => Reply {
            status: 200,
            body: j.clone(),
        },
        (1, Some(j), _) => Reply {
            status: 422,
            body: j.clone(),
        },
        (2, _, Some(msg)) => Reply::error(400, msg.clone()),
        (status, _, msg) => Reply::error(
            500,
            format!(
                "the command ended with status {status} and no JSON object ({})",
                msg.as_deref().unwrap_or("no message")
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_become_long_options_with_equals() {
        let a = argv("convolve", "h=rect(t)&x=-t%5E2&t=-2:2:5", Caps::default()).unwrap();
        assert_eq!(
            a,
            [
                "flipshift",
                "convolve",
                "--h=rect(t)",
                "--x=-t^2",
                "--t=-2:2:5",
                "--format",
                "json"
            ]
        );
        // A plus is a space in a query; an encoded plus is a plus.
        let a = argv("eval", "f=t%2B1&t=0:1:2", Caps::default()).unwrap();
        assert_eq!(a[2], "--f=t+1");
    }

    #[test]
    fn switches_take_no_value() {
        let a = argv("functional", "x=t&s=0:1:3&gateaux", Caps::default()).unwrap();
        assert!(a.contains(&"--gateaux".to_string()));
        let a = argv("functional", "x=t&s=0:1:3&gateaux=false", Caps::default()).unwrap();
        assert!(!a.iter().any(|s| s.starts_with("--gateaux")));
        let e = argv("functional", "gateaux=maybe", Caps::default()).unwrap_err();
        assert_eq!(e.status, 400);
    }

    #[test]
    fn files_formats_and_unknown_commands_are_refused() {
        for q in ["x=1,2&h=1&out=/tmp/x.npy", "format=text", "help="] {
            assert_eq!(argv("conv", q, Caps::default()).unwrap_err().status, 400);
        }
        for c in ["demo", "lab", "../conv", ""] {
            assert_eq!(argv(c, "", Caps::default()).unwrap_err().status, 404);
        }
    }

    #[test]
    fn caps_bound_grids_expressions_and_matrices() {
        let caps = Caps::default();
        assert_eq!(
            argv("eval", "f=t&t=0:1:100001", caps).unwrap_err().status,
            413
        );
        assert!(argv("eval", "f=t&t=0:1:100000", caps).is_ok());
        assert_eq!(
            argv("convolve", "h=t&x=t&t=0:1:10001", caps)
                .unwrap_err()
                .status,
            413
        );
        let long = "t+".repeat(600) + "t";
        assert_eq!(
            argv("eval", &format!("f={long}&t=0:1:3"), caps)
                .unwrap_err()
                .status,
            413
        );
        assert_eq!(
            argv("jacobian", "h=1,2,3&n=1000", caps).unwrap_err().status,
            413
        );
        assert!(argv("jacobian", "h=1,2,3&n=900", caps).is_ok());
        assert_eq!(
            argv("check", "h=t&x=t&levels=12", caps).unwrap_err().status,
            413
        );
        assert_eq!(
            argv("deconvolve", "dt=0.001", caps).unwrap_err().status,
            413
        );
        let y = vec!["1"; 3000].join(",");
        assert_eq!(
            argv("solve", &format!("h=1&y={y}&method=dense"), caps)
                .unwrap_err()
                .status,
            413
        );
        assert!(argv("solve", &format!("h=1&y={y}"), caps).is_ok());
    }

    #[test]
    fn exit_statuses_map_to_http() {
        let ok = Outcome {
            status: 0,
            printed: String::new(),
            json: Some(json!({"values": [1.0]})),
            error: None,
        };
        assert_eq!(reply(&ok).status, 200);
        let unmet = Outcome {
            status: 1,
            json: Some(json!({"values": [1.0], "error": "e"})),
            error: Some("e".into()),
            ..ok.clone()
        };
        assert_eq!(
            reply(&unmet),
            Reply {
                status: 422,
                body: json!({"values": [1.0], "error": "e"})
            }
        );
        let bad = Outcome {
            status: 2,
            json: None,
            error: Some("--h: bad".into()),
            ..ok
        };
        assert_eq!(reply(&bad), Reply::error(400, "--h: bad"));
    }
}
