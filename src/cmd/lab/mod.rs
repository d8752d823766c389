//! `flipshift lab`: a local web server with one page — the convolution lab, where t0 slides the
//! reversed kernel across the signal — and the JSON API it draws from ([`api`]).
//!
//! Safe by default: it binds to loopback (another host only when asked, with a warning) and
//! answers only requests addressed to the host it serves (a page elsewhere cannot reach it by
//! rebinding a name to 127.0.0.1); every request is held to the [`api::Caps`] before it runs;
//! at most [`computation_slots`] computations run at once, and a request not answered within the
//! time cap gets status 503 (its computation finishes in the background and keeps its slot
//! until then, so a burst of slow requests makes others wait, never pile up). Ctrl-C stops it:
//! requests being answered are finished first, within the time cap.
//!
//! The server is axum on tokio. tiny_http builds in a quarter of the time (8.6 against 39 CPU
//! seconds, measured), but its connection pool can leave a browser's sixth parallel keep-alive
//! connection unserved until another closes: the page's scripts never loaded.

pub mod api;

use crate::assets;
use crate::error::CliError;
use crate::output::Output;
use api::{Caps, Reply};
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use clap::Args;
use serde_json::json;
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// Arguments of `lab`.
#[derive(Debug, Args)]
pub struct LabArgs {
    /// The port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value = "8470")]
    port: String,
    /// The address to bind: loopback by default; any other address lets other machines use the
    /// server, and a warning says so.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Open the page in the default browser.
    #[arg(long)]
    open: bool,
    /// Seconds a request may take before it is answered with status 503.
    #[arg(long, default_value = "20", allow_hyphen_values = true)]
    timeout: String,
}

/// At most this many computations run at once: twice the cores, at least 4.
pub fn computation_slots() -> usize {
    (std::thread::available_parallelism().map_or(2, usize::from) * 2).max(4)
}

/// What the request handlers share.
struct Lab {
    caps: Caps,
    slots: Arc<Semaphore>,
    /// The `Host` header values accepted, or `None` for any (a non-loopback bind).
    hosts: Option<Vec<String>>,
    answered: AtomicU64,
}

/// Run a command as the API does — inline vectors, on a blocking worker — within the deadline.
async fn compute(lab: &Lab, args: Vec<String>, inline: bool, deadline: Instant) -> Reply {
    let seconds = lab.caps.seconds;
    let slots = Arc::clone(&lab.slots);
    let run = async move {
        let permit = slots
            .acquire_owned()
            .await
            .map_err(|_| Reply::error(503, "the lab is stopping"))?;
        tokio::task::spawn_blocking(move || {
            // The slot is given back when the computation ends, answered in time or not.
            let _permit = permit;
            if inline {
                crate::input::with_inline_vectors(|| crate::execute(&args))
            } else {
                crate::execute(&args)
            }
        })
        .await
        .map_err(|_| {
            Reply::error(
                500,
                "the computation failed unexpectedly (a bug: please report the request)",
            )
        })
    };
    match tokio::time::timeout_at(deadline, run).await {
        Ok(Ok(outcome)) => api::reply(&outcome),
        Ok(Err(reply)) => reply,
        Err(_) => Reply::error(
            503,
            format!(
                "no answer within the lab's {seconds} s (the request waited for a free worker or computed for too long); ask for fewer points or a looser --tol, or run the command line"
            ),
        ),
    }
}

fn with_headers(mut r: Response, content_type: &'static str, cache: &'static str) -> Response {
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // The page loads nothing from elsewhere and may not be framed.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'",
        ),
    );
    r
}

fn json_response(reply: &Reply) -> Response {
    let mut r = Response::new(Body::from(reply.body.to_string()));
    *r.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    with_headers(r, "application/json; charset=utf-8", "no-store")
}

fn file_response(path: &str, bytes: &'static [u8]) -> Response {
    with_headers(
        Response::new(Body::from(bytes)),
        assets::media_type(path),
        "no-cache",
    )
}

/// Answer one request: the page, its files, the API.
async fn answer(lab: Arc<Lab>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let arrived = Instant::now();
    let response = route(&lab, &method, &uri, &headers, arrived).await;
    lab.answered.fetch_add(1, Ordering::Relaxed);
    response
}

async fn route(
    lab: &Lab,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    arrived: Instant,
) -> Response {
    if let Some(hosts) = &lab.hosts {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_ascii_lowercase);
        if !host.is_some_and(|h| hosts.contains(&h)) {
            return json_response(&Reply::error(
                421,
                "this server answers only requests addressed to its loopback address",
            ));
        }
    }
    if method != Method::GET && method != Method::HEAD {
        return json_response(&Reply::error(405, "the lab answers GET requests only"));
    }
    let path = uri.path();
    match path {
        "/" | "/index.html" => file_response("index.html", assets::LAB_PAGE.as_bytes()),
        "/api" | "/api/" => json_response(&api::index(lab.caps)),
        p if p.starts_with("/api/") => {
            let command = &p["/api/".len()..];
            let reply = match api::argv(command, uri.query().unwrap_or(""), lab.caps) {
                Ok(args) => {
                    let deadline = arrived + Duration::from_secs_f64(lab.caps.seconds);
                    compute(lab, args, api::reads_vectors(command), deadline).await
                }
                Err(reply) => reply,
            };
            json_response(&reply)
        }
        p if p.starts_with("/assets/") => match assets::find(&p["/assets/".len()..]) {
            Some(bytes) => file_response(p, bytes),
            None => json_response(&Reply::error(404, format!("no file {p}"))),
        },
        p => json_response(&Reply::error(
            404,
            format!("nothing at {p}; the page is at /, the API at /api/COMMAND"),
        )),
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Open `url` in the default browser; a failure is a warning, never an error.
fn open_browser(url: &str) {
    let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    let spawned = std::process::Command::new(program)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        eprintln!("warning: could not open a browser ({program}: {e}); open {url} yourself");
    }
}

/// A future that completes on Ctrl-C (SIGINT), with the handler installed now.
#[cfg(unix)]
fn interrupt_signal() -> Result<impl std::future::Future<Output = ()>, CliError> {
    let mut signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(|e| usage(format!("cannot handle Ctrl-C: {e}")))?;
    Ok(async move {
        signal.recv().await;
    })
}

/// A future that completes on Ctrl-C.
#[cfg(not(unix))]
fn interrupt_signal() -> Result<impl std::future::Future<Output = ()>, CliError> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

fn usage(message: String) -> CliError {
    CliError::Usage { message }
}

/// `flipshift lab`.
pub fn lab(a: &LabArgs) -> Result<Output, CliError> {
    let port: u16 = a.port.trim().parse().map_err(|_| {
        CliError::arg(
            "--port",
            format!("'{}' is not a port number (0 to 65535)", a.port),
        )
    })?;
    let seconds: f64 = a
        .timeout
        .trim()
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s <= 3600.0)
        .ok_or_else(|| {
            CliError::arg(
                "--timeout",
                format!("'{}' is not a number of seconds from 0 to 3600", a.timeout),
            )
        })?;
    let host = a.host.trim();
    let ip: IpAddr = if host == "localhost" {
        IpAddr::from([127, 0, 0, 1])
    } else {
        host.parse().map_err(|_| {
            CliError::arg(
                "--host",
                format!("'{host}' is not an IP address (e.g. 127.0.0.1)"),
            )
        })?
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Deeply nested expressions recurse: the computations get a main thread's stack.
        .thread_stack_size(16 << 20)
        .thread_name("flipshift-lab")
        .build()
        .map_err(|e| usage(format!("cannot start the server: {e}")))?;
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(ip, port))
            .await
            .map_err(|e| {
                CliError::arg(
                    "--port",
                    format!("cannot listen on {ip}:{port}: {e} (choose another --port, or 0 for any)"),
                )
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| usage(format!("cannot read the server's address: {e}")))?;
        let shown = if addr.is_ipv6() {
            format!("[{}]:{}", addr.ip(), addr.port())
        } else {
            addr.to_string()
        };
        let url = format!("http://{shown}/");
        let hosts = is_loopback(host).then(|| {
            let p = addr.port();
            vec![
                format!("127.0.0.1:{p}"),
                format!("localhost:{p}"),
                format!("[::1]:{p}"),
                shown.clone(),
            ]
        });
        if hosts.is_none() {
            eprintln!(
                "warning: serving on {ip}, not loopback: anyone who can reach this machine can use the lab and its API"
            );
        }
        let lab = Arc::new(Lab {
            caps: Caps {
                seconds,
                ..Caps::default()
            },
            slots: Arc::new(Semaphore::new(computation_slots())),
            hosts,
            answered: AtomicU64::new(0),
        });
        // Ctrl-C is caught from here on: before the address is printed, so that a script that
        // reads the address and interrupts at once stops the server cleanly.
        let interrupted = interrupt_signal()?;
        // The address first, flushed: scripts (and the browser test) read it to find a port 0.
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "flipshift lab: {url} (Ctrl-C stops it)");
            let _ = out.flush();
        }
        if a.open {
            open_browser(&url);
        }
        let state = Arc::clone(&lab);
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap| {
            answer(Arc::clone(&state), method, uri, headers)
        });
        axum::serve(listener, app)
            .with_graceful_shutdown(interrupted)
            .await
            .map_err(|e| usage(format!("the server failed: {e}")))?;
        Ok::<_, CliError>((url, lab.answered.load(Ordering::Relaxed)))
    });
    // A computation still running past its answer is not waited for.
    runtime.shutdown_timeout(Duration::from_secs(1));
    let (url, answered) = result?;
    Ok(Output::vector("lab", &[])?
        .field("url", json!(url))
        .field("requests", json!(answered))
        .with_text(format!("stopped after {answered} requests")))
}
