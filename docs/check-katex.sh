#!/usr/bin/env bash
# Check that KaTeX typesets the maths of the API docs: copies the vendored KaTeX next to the
# docs (target/doc/katex/), opens every page of the workspace's crates in one headless Chromium
# run, and fails if a page shows a KaTeX error or if nothing was typeset at all.
#
#   cargo doc --no-deps --workspace && docs/check-katex.sh [CHROMIUM]
#
# Pages are loaded one after another into an iframe of a generated page
# (target/doc/katex-check.html); --allow-file-access-from-files lets it read their DOM.
set -euo pipefail
cd "$(dirname "$0")/.."
doc="${CARGO_TARGET_DIR:-target}/doc"
chromium="${1:-${FLIPSHIFT_CHROMIUM:-/usr/bin/chromium}}"
[ -d "$doc" ] || { echo "no $doc: run cargo doc --no-deps --workspace first" >&2; exit 2; }
rm -rf "$doc/katex"
cp -r assets/katex "$doc/katex"

# Every page of the workspace's crates but the sources and the redirects rustdoc leaves at
# private modules' paths.
pages=$(cd "$doc" && find flipshift* -name '*.html' -not -path '*/src/*' -print0 |
  xargs -0 grep -L 'http-equiv="refresh"' | sort | sed 's/.*/"&"/' | paste -sd, -)
cat > "$doc/katex-check.html" <<HTML
<!DOCTYPE html><html><body><script>
var pages = [$pages], results = [], i = 0;
function next() {
  if (i >= pages.length) {
    var pre = document.createElement("pre");
    pre.id = "katex-check";
    pre.textContent = results.join("\n");
    document.body.appendChild(pre);
    return;
  }
  var f = document.createElement("iframe");
  f.src = pages[i];
  f.onload = function () {
    setTimeout(function () {
      var d = null;
      try { d = f.contentDocument; } catch (e) {}
      results.push(d ? d.querySelectorAll(".katex").length + " " + d.querySelectorAll(".katex-error").length + " " + pages[i]
                     : "- - " + pages[i]);
      f.remove();
      i += 1;
      next();
    }, 200);
  };
  document.body.appendChild(f);
}
next();
</script></body></html>
HTML

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
out=$("$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --allow-file-access-from-files --virtual-time-budget=600000 \
  --dump-dom "file://$PWD/$doc/katex-check.html" 2>/dev/null |
  sed -n '/<pre id="katex-check">/,/<\/pre>/p' | sed 's/<[^>]*>//g')
[ -n "$out" ] || { echo "the check page produced no results" >&2; exit 1; }
echo "$out" | awk '
  $1 == "-" { print "cannot read " $3; bad = 1; next }
  { pages += 1; formulas += $1; if ($1 > 0) with_math += 1 }
  $2 > 0 { print "KaTeX errors: " $2 " in " $3; bad = 1 }
  END {
    printf "KaTeX: %d formulas typeset on %d of %d pages\n", formulas, with_math, pages
    if (formulas == 0) { print "no formula was typeset: is the header loaded (RUSTDOCFLAGS overrides .cargo/config.toml)?"; bad = 1 }
    exit bad
  }'
