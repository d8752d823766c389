//! The demo's web page (`DIR/index.html`, rendered from the template `assets/report/index.html`):
//! complete on disk, and rendered in headless Chromium — KaTeX typesets every formula without an
//! error, every figure loads, KaTeX's fonts load — all offline, from the files the demo wrote.
//!
//! Without Chromium the browser test prints a skip message, unless `FLIPSHIFT_REQUIRE_CHROMIUM=1`
//! (as in CI), when it fails. `FLIPSHIFT_CHROMIUM` names another browser binary (a path that
//! does not exist counts as no browser).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Run the demo once for every test of this file; returns its output directory.
fn demo_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // Under target/tmp: kept for a look after the test, replaced by the next run.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-demo");
        let _ = std::fs::remove_dir_all(&dir);
        let out = Command::new(env!("CARGO_BIN_EXE_flipshift"))
            .args(["demo", "--out"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "demo failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // No progress bar when standard error is not a terminal.
        assert!(
            out.stderr.is_empty(),
            "demo wrote to a non-terminal stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The value of attribute `name` in the first tag of `html` that starts with `<tag`.
fn attr(html: &str, tag: &str, name: &str) -> Option<String> {
    let start = html.find(&format!("<{tag}"))?;
    let end = start + html[start..].find('>')?;
    let t = &html[start..end];
    let key = format!("{name}=\"");
    let i = t.find(&key)? + key.len();
    let j = t[i..].find('"')?;
    Some(t[i..i + j].to_string())
}

/// Every `src="..."` of an `<img>`.
fn img_sources(html: &str) -> Vec<String> {
    html.split("<img ")
        .skip(1)
        .filter_map(|rest| {
            let tag = &rest[..rest.find('>')?];
            let i = tag.find("src=\"")? + 5;
            Some(tag[i..i + tag[i..].find('"')?].to_string())
        })
        .collect()
}

/// How many elements carry `class` among their classes.
fn count_class(html: &str, class: &str) -> usize {
    html.split("class=\"")
        .skip(1)
        .filter(|rest| {
            rest.split('"')
                .next()
                .is_some_and(|c| c.split_whitespace().any(|w| w == class))
        })
        .count()
}

#[test]
fn page_is_complete_on_disk() {
    let dir = demo_dir();
    let html = read(&dir.join("index.html"));
    for f in [
        "katex/katex.min.js",
        "katex/katex.min.css",
        "katex/contrib/auto-render.min.js",
        "katex/fonts/KaTeX_Main-Regular.woff2",
        "katex/fonts/KaTeX_Math-Italic.woff2",
    ] {
        assert!(dir.join(f).is_file(), "{f} was not written");
        assert!(
            html.contains(f) || f.contains("fonts/"),
            "{f} is not loaded"
        );
    }
    // Nothing is fetched from the network.
    assert!(!html.contains("http://") && !html.contains("https://"));
    let imgs = img_sources(&html);
    for stem in [
        "flip_shift",
        "jacobian",
        "conv_compare",
        "gradient",
        "convergence",
    ] {
        // The page shows the SVG; the anti-aliased PNG is beside it, for slides.
        let svg = format!("{stem}.svg");
        assert!(imgs.contains(&svg), "{svg} is not on the page");
        assert!(dir.join(&svg).is_file() && dir.join(format!("{stem}.png")).is_file());
    }
    // The derivation is there, as TeX for KaTeX.
    for tex in [
        "h(t_0 - \\tau) = (S_{t_0} R\\, h)(\\tau)",
        "H_{kj} = h_{k-j}",
        "H^\\top (Hx - y)",
        "(Rh * r)(s)",
    ] {
        assert!(html.contains(tex), "the page lacks {tex}");
    }
    let formulas: usize = attr(&html, "body", "data-formulas")
        .unwrap()
        .parse()
        .unwrap();
    assert!(formulas > 40, "only {formulas} formulas");
    // The page's numbers are the ones the demo printed: the Gateaux discrepancies as story.txt
    // prints them, from summary.json.
    let story = read(&dir.join("story.txt"));
    let summary: Value = serde_json::from_str(&read(&dir.join("summary.json"))).unwrap();
    let chapters = summary["chapters"].as_array().unwrap();
    assert_eq!(chapters.len(), 2);
    for c in chapters {
        for key in ["gateaux_point_eval", "gateaux_lsgrad"] {
            let v = format!("{:.1e}", c[key].as_f64().unwrap());
            assert!(story.contains(&v), "story.txt lacks {key} = {v}");
            assert!(html.contains(&v), "index.html lacks {key} = {v}");
        }
        let z = c["z_t0"].as_f64().unwrap();
        assert!(
            html.contains(&format!("{z}")),
            "index.html lacks z(t0) = {z}"
        );
    }
}

/// A Chromium binary, or `None`.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FLIPSHIFT_CHROMIUM") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// Run headless Chromium on `page` with `extra` arguments; returns standard output.
fn headless(browser: &Path, page: &Path, extra: &[&str], profile: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).map(|_| s)
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium exited with {status}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within two minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().unwrap().unwrap()
}

#[test]
fn page_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        let required = std::env::var("FLIPSHIFT_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "FLIPSHIFT_REQUIRE_CHROMIUM=1 but no Chromium at /usr/bin/chromium \
             (install it: apt-get install -y chromium, or set FLIPSHIFT_CHROMIUM)"
        );
        eprintln!(
            "skipped: no Chromium at /usr/bin/chromium; the page's rendering was not checked \
             (set FLIPSHIFT_REQUIRE_CHROMIUM=1 to make this a failure)"
        );
        return;
    };
    let dir = demo_dir();
    let page = dir.join("index.html");
    let profile = dir.join("chromium-profile");
    let dom = headless(&browser, &page, &["--dump-dom"], &profile);
    let body = |name: &str| {
        attr(&dom, "body", name)
            .unwrap_or_else(|| panic!("<body> has no {name}: did the page's script run?\n{dom}"))
    };
    let formulas: usize = body("data-formulas").parse().unwrap();
    let math_ok: usize = body("data-math-ok").parse().unwrap();
    let katex_spans = count_class(&dom, "katex");
    let errors = count_class(&dom, "katex-error");
    println!(
        "formulas {formulas}, typeset {math_ok} ({katex_spans} .katex in the DOM), errors {errors}, \
         images {}, KaTeX fonts loaded {}",
        body("data-images-ok"),
        body("data-katex-fonts")
    );
    assert!(formulas > 40);
    assert!(
        math_ok >= formulas && katex_spans >= formulas,
        "KaTeX typeset {math_ok} formulas ({katex_spans} in the DOM) of {formulas}"
    );
    assert_eq!(errors, 0, "KaTeX reported errors");
    assert_eq!(body("data-math-errors"), "0");
    assert_eq!(body("data-math-raw"), "0", "math delimiters left untypeset");
    let (ok, total) = body("data-images-ok")
        .split_once('/')
        .map(|(a, b)| (a.parse::<usize>().unwrap(), b.parse::<usize>().unwrap()))
        .unwrap();
    assert!(total >= 5, "only {total} images on the page");
    assert_eq!(ok, total, "{ok} of {total} images loaded");
    let fonts: usize = body("data-katex-fonts").parse().unwrap();
    assert!(fonts >= 3, "only {fonts} KaTeX fonts loaded");
    let _ = std::fs::remove_dir_all(&profile);
}
