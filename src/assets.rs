//! The files compiled into the binary: KaTeX, uPlot and D3 (vendored from npm, see each
//! `assets/*/README.md`), the shared page style, the lab's page and the report's template. The
//! demo writes some of them next to its page; the lab serves them. Nothing is fetched from the
//! network, ever.

/// One embedded file: its path relative to `assets/` (and to the lab's `/assets/`), and its
/// bytes.
pub type Asset = (&'static str, &'static [u8]);

macro_rules! asset {
    ($path:literal) => {
        (
            $path,
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $path)) as &[u8],
        )
    };
}

/// KaTeX 0.19.1's files, relative to `assets/`.
pub const KATEX: &[Asset] = &[
    asset!("katex/katex.min.css"),
    asset!("katex/katex.min.js"),
    asset!("katex/contrib/auto-render.min.js"),
    asset!("katex/LICENSE"),
    asset!("katex/fonts/KaTeX_AMS-Regular.woff2"),
    asset!("katex/fonts/KaTeX_Caligraphic-Bold.woff2"),
    asset!("katex/fonts/KaTeX_Caligraphic-Regular.woff2"),
    asset!("katex/fonts/KaTeX_Fraktur-Bold.woff2"),
    asset!("katex/fonts/KaTeX_Fraktur-Regular.woff2"),
    asset!("katex/fonts/KaTeX_Main-Bold.woff2"),
    asset!("katex/fonts/KaTeX_Main-BoldItalic.woff2"),
    asset!("katex/fonts/KaTeX_Main-Italic.woff2"),
    asset!("katex/fonts/KaTeX_Main-Regular.woff2"),
    asset!("katex/fonts/KaTeX_Math-BoldItalic.woff2"),
    asset!("katex/fonts/KaTeX_Math-Italic.woff2"),
    asset!("katex/fonts/KaTeX_SansSerif-Bold.woff2"),
    asset!("katex/fonts/KaTeX_SansSerif-Italic.woff2"),
    asset!("katex/fonts/KaTeX_SansSerif-Regular.woff2"),
    asset!("katex/fonts/KaTeX_Script-Regular.woff2"),
    asset!("katex/fonts/KaTeX_Size1-Regular.woff2"),
    asset!("katex/fonts/KaTeX_Size2-Regular.woff2"),
    asset!("katex/fonts/KaTeX_Size3-Regular.woff2"),
    asset!("katex/fonts/KaTeX_Size4-Regular.woff2"),
    asset!("katex/fonts/KaTeX_Typewriter-Regular.woff2"),
];

/// The lab's own files and the libraries it draws with (uPlot 1.6.32, D3 7.9.2), relative to
/// `assets/`.
pub const LAB: &[Asset] = &[
    asset!("style.css"),
    asset!("lab/lab.css"),
    asset!("lab/lab.js"),
    asset!("uplot/uPlot.iife.min.js"),
    asset!("uplot/uPlot.min.css"),
    asset!("uplot/LICENSE"),
    asset!("d3/d3.min.js"),
    asset!("d3/LICENSE"),
];

/// The lab's page.
pub const LAB_PAGE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/lab/index.html"
));

/// The style shared by the demo's report and the lab: type, colours, tables, figures.
pub const STYLE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/style.css"));

/// The demo's page, a minijinja template fed with the demo's results.
pub const REPORT_TEMPLATE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/report/index.html"
));

/// The report's script: typesets the maths and records what a test can check.
pub const REPORT_SCRIPT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/report/report.js"
));

/// An embedded file by its path relative to `assets/`.
pub fn find(path: &str) -> Option<&'static [u8]> {
    KATEX
        .iter()
        .chain(LAB)
        .find(|(p, _)| *p == path)
        .map(|(_, b)| *b)
}

/// The media type a file is served with, from its extension.
pub fn media_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map_or("", |(_, e)| e) {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "woff2" => "font/woff2",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        _ => "text/plain; charset=utf-8",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_file_is_found_and_not_empty() {
        for (p, b) in KATEX.iter().chain(LAB) {
            assert!(!b.is_empty(), "{p} is empty");
            assert_eq!(find(p), Some(*b));
        }
        assert_eq!(find("../Cargo.toml"), None);
        assert_eq!(media_type("lab/lab.js"), "text/javascript; charset=utf-8");
    }
}
