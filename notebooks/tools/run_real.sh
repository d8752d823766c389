#!/usr/bin/env bash
# Run the notebooks under the real evcxr Jupyter kernel and store the outputs that run produced.
#
#   notebooks/tools/run_real.sh                      # every notebook
#   notebooks/tools/run_real.sh notebooks/03_*.ipynb # some of them, to try a change (not stored)
#
# One command, from a fresh machine: it installs what it needs — evcxr_jupyter (cargo install
# --locked; 5 to 25 minutes once, then kept in ~/.cargo/bin) and nbconvert in a virtual
# environment under target/notebook-tools/ — and keeps Jupyter's and evcxr's files there too
# (evcxr's build directory in $TMPDIR), nothing in $HOME. Cells are compiled at opt-level 1 (init.evcxr), as the numerics need.
#
# A notebook fails the run when a cell's output is an error, holds a panic ("panicked at"; the
# kernel survives a panic and nbconvert alone reports success), or the kernel dies. The run
# goes on to the next notebook and prints the first failing cell's whole error (the
# compiler's message, the panic; later failures one line each) or, when the kernel died,
# nbconvert's log. Only when every notebook has run cleanly are the executed notebooks copied
# over the committed ones, and the README's "last run" lines (between the notebooks:last-run
# markers) rewritten with the date, the kernel's version and what each notebook showed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=$ROOT/target/notebook-tools
EVCXR_VERSION=0.22.0
PY_PACKAGES=(nbconvert==7.17.2 nbclient==0.11.0 jupyter_client==8.10.0 nbformat)

export JUPYTER_CONFIG_DIR=$TOOLS/jupyter-config
export JUPYTER_DATA_DIR=$TOOLS/jupyter-data
export JUPYTER_PATH=$TOOLS/jupyter-data
export JUPYTER_RUNTIME_DIR=$TOOLS/jupyter-runtime
export XDG_CACHE_HOME=$TOOLS/cache
export IPYTHONDIR=$TOOLS/ipython
export EVCXR_CONFIG_DIR=$TOOLS/evcxr-config
# evcxr's build directory may not lie inside the workspace (cargo would take the notebook's
# crate for a stray member): it lives in the temporary directory, kept between runs.
export EVCXR_TMPDIR=${TMPDIR:-/tmp}/flipshift-evcxr-build
mkdir -p "$TOOLS" "$JUPYTER_CONFIG_DIR" "$JUPYTER_DATA_DIR" "$JUPYTER_RUNTIME_DIR" \
  "$XDG_CACHE_HOME" "$EVCXR_CONFIG_DIR" "$EVCXR_TMPDIR" "$TOOLS/out"

say() { printf '== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

installed() { cargo install --list | sed -n 's/^evcxr_jupyter v\([^:]*\):$/\1/p'; }
if [ "$(installed)" != "$EVCXR_VERSION" ]; then
  say "installing evcxr_jupyter $EVCXR_VERSION (once; minutes)"
  cargo install evcxr_jupyter --version "$EVCXR_VERSION" --locked
fi
EVCXR=$(command -v evcxr_jupyter || echo "$HOME/.cargo/bin/evcxr_jupyter")

if [ ! -x "$TOOLS/venv/bin/jupyter-nbconvert" ]; then
  say "installing nbconvert in $TOOLS/venv"
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "${PY_PACKAGES[@]}"
fi
"$EVCXR" --install >/dev/null
printf ':opt 1\n' > "$EVCXR_CONFIG_DIR/init.evcxr"

if [ $# -gt 0 ]; then
  notebooks=("$@")
else
  notebooks=("$ROOT"/notebooks/*.ipynb)
fi

summary=$TOOLS/out/summary.tsv
: > "$summary"
failed=()
for nb in "${notebooks[@]}"; do
  name=$(basename "$nb")
  log=$TOOLS/out/${name%.ipynb}.log
  say "running $name"
  rm -f "$TOOLS/out/$name"
  started=$(date +%s)
  # allow_errors: the run goes on past a failing cell and writes the notebook with the error's
  # output in it, so the check below can print what went wrong (nbconvert's own message is
  # one line of its traceback). nbconvert still fails when the kernel dies or a cell times out.
  if ! "$TOOLS/venv/bin/jupyter-nbconvert" --to notebook --execute "$nb" \
    --output-dir "$TOOLS/out" --output "$name" \
    --ExecutePreprocessor.kernel_name=rust \
    --ExecutePreprocessor.timeout=1800 \
    --ExecutePreprocessor.allow_errors=True \
    --ExecutePreprocessor.record_timing=False >"$log" 2>&1; then
    echo "   FAILED: nbconvert did not finish (kernel died or a cell timed out); its log, $log:"
    tail -n 40 "$log" | sed 's/^/   | /'
    failed+=("$name")
    continue
  fi
  seconds=$(( $(date +%s) - started ))
  # Fail on what nbconvert lets through; count what the notebook showed.
  if ! "$TOOLS/venv/bin/python" - "$TOOLS/out/$name" "$seconds" >> "$summary" <<'PY'
import json, re, sys
path, seconds = sys.argv[1], sys.argv[2]
nb = json.load(open(path))
cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
ansi = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
problems, figures = [], 0
for i, c in enumerate(cells, 1):
    where = f"cell {i} ({c.get('id', '?')}, first line: {''.join(c['source']).splitlines()[0][:60]!r})"
    for o in c.get("outputs", []):
        data = o.get("data", {})
        text = "".join(o.get("text", "")) + "".join(data.get("text/plain", ""))
        if o["output_type"] == "error":
            trace = "\n".join(ansi.sub("", t) for t in o.get("traceback", []))
            problems.append(f"{where}: {o.get('ename', '')}: {o.get('evalue', '')}\n{trace}")
        elif "panicked at" in text or "EVCXR_BEGIN_CONTENT" in text:
            problems.append(f"{where}:\n{ansi.sub('', text).strip()[:4000]}")
        if o["output_type"] in ("display_data", "execute_result") and (
            "image/png" in data or "image/svg+xml" in data
        ):
            figures += 1
    if c.get("execution_count") is None:
        problems.append(f"{where} did not run")
if problems:
    # The first failure in full; the rest (often its consequences: a variable the failed cell
    # did not define) one line each.
    first, rest = problems[0], [p.splitlines()[0][:200] for p in problems[1:]]
    body = "\n".join([first, *(["then:"] if rest else []), *rest]).replace("\n", "\n   | ")
    sys.stderr.write(f"   FAILED: {path}:\n   | {body}\n")
    sys.exit(1)
name = path.rsplit("/", 1)[-1]
print(f"{name}\t{len(cells)}\t{figures}\t{seconds}")
PY
  then
    failed+=("$name")
    continue
  fi
  echo "   ok: $(tail -n1 "$summary" | cut -f2) cells, $(tail -n1 "$summary" | cut -f3) figures, $seconds s"
done

if [ ${#failed[@]} -gt 0 ]; then
  say "failed: ${failed[*]} — nothing stored; the executed notebooks (with their error outputs) and nbconvert's logs are in $TOOLS/out"
  exit 1
fi

# Only a run of every notebook is stored: the committed outputs and the README's last-run lines
# then always describe one run. A run of some of them is for trying a change.
all=("$ROOT"/notebooks/*.ipynb)
if [ ${#notebooks[@]} -ne ${#all[@]} ]; then
  say "ok, ${#notebooks[@]} of ${#all[@]} notebooks: not stored (only a run of all of them is); the executed copies are in $TOOLS/out"
  exit 0
fi

say "storing the outputs"
for nb in "${notebooks[@]}"; do
  cp "$TOOLS/out/$(basename "$nb")" "$nb"
done
version=$(installed)
"$TOOLS/venv/bin/python" - "$ROOT/README.md" "$summary" "$version" "$(date -u +%Y-%m-%d)" <<'PY'
import sys
readme, summary, version, day = sys.argv[1:5]
rows = [l.rstrip("\n").split("\t") for l in open(summary) if l.strip()]
cells = sum(int(r[1]) for r in rows)
figures = sum(int(r[2]) for r in rows)
seconds = sum(int(r[3]) for r in rows)
lines = [
    "<!-- notebooks:last-run (written by notebooks/tools/run_real.sh) -->",
    f"Last run under the real kernel: {day}, evcxr_jupyter {version}, {len(rows)} notebooks, "
    f"{cells} code cells, {figures} figures, no error output and no panic, "
    f"{seconds // 60} min {seconds % 60} s of kernel time:",
    "",
    "| notebook | code cells | figures | seconds |",
    "| --- | --: | --: | --: |",
]
lines += [f"| `{r[0]}` | {r[1]} | {r[2]} | {r[3]} |" for r in rows]
lines.append("<!-- /notebooks:last-run -->")
text = open(readme).read()
start = text.find("<!-- notebooks:last-run")
end = text.find("<!-- /notebooks:last-run -->")
if start < 0 or end < 0:
    sys.exit("README.md has no notebooks:last-run markers")
end += len("<!-- /notebooks:last-run -->")
open(readme, "w").write(text[:start] + "\n".join(lines) + text[end:])
PY
say "done: the outputs in notebooks/ and the README's last-run lines are this run's"
