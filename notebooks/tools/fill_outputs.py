#!/usr/bin/env python3
"""Fill the notebooks' output cells from the same code run as a plain program.

The evcxr kernel is slow to install (5-20 minutes), so the committed outputs are produced by
tests/notebooks.rs, which turns each notebook's code cells into one Rust program, runs it and,
with FLIPSHIFT_NOTEBOOK_OUTPUTS=DIR, saves its standard output with a marker line after every
cell. This script runs that test and writes each cell's text (as a stdout stream) and each
`EVCXR_BEGIN_CONTENT mime ... EVCXR_END_CONTENT` block (as display data, the way evcxr shows
it) into the .ipynb files, with execution counts 1, 2, ...

    python3 notebooks/tools/fill_outputs.py            # all notebooks
    python3 notebooks/tools/fill_outputs.py --no-run   # reuse target/notebooks-check/outputs

Running the notebooks under the real kernel (README, "Notebooks") gives the same outputs, up
to timings.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
OUTPUTS = ROOT / "target" / "notebooks-check" / "outputs"
CELL_END = "\x01FLIPSHIFT-CELL-END"


def run_programs():
    env = dict(os.environ, FLIPSHIFT_NOTEBOOK_OUTPUTS=str(OUTPUTS))
    subprocess.run(
        ["cargo", "test", "--quiet", "--test", "notebooks", "notebooks_run"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def lines(text):
    """Text as Jupyter stores it: a list of lines, each but the last ending in a newline."""
    parts = text.splitlines(keepends=True)
    return parts


def cell_outputs(text):
    """One cell's standard output as Jupyter outputs: streams and display data, in order."""
    outputs = []
    rest = text
    while rest:
        start = rest.find("EVCXR_BEGIN_CONTENT ")
        if start < 0:
            before, rest = rest, ""
        else:
            before = rest[:start]
        if before:
            outputs.append({"name": "stdout", "output_type": "stream", "text": lines(before)})
        if start < 0:
            break
        header_end = rest.index("\n", start)
        mime = rest[start + len("EVCXR_BEGIN_CONTENT "):header_end].strip()
        end = rest.index("EVCXR_END_CONTENT", header_end)
        content = rest[header_end + 1:end].strip("\n")
        data = {mime: content if mime.startswith("image/") and mime != "image/svg+xml" else lines(content)}
        outputs.append({"data": data, "metadata": {}, "output_type": "display_data"})
        rest = rest[end + len("EVCXR_END_CONTENT"):].lstrip("\n")
    return outputs


def fill(path):
    raw = (OUTPUTS / (path.stem + ".out")).read_text(encoding="utf-8")
    chunks = raw.split(CELL_END + "\n")
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    if len(chunks) != len(code) + 1:
        sys.exit(f"{path.name}: {len(code)} code cells but {len(chunks) - 1} recorded outputs")
    for n, (cell, out) in enumerate(zip(code, chunks), start=1):
        cell["execution_count"] = n
        cell["outputs"] = cell_outputs(out)
        for o in cell["outputs"]:
            if o["output_type"] == "execute_result":
                o["execution_count"] = n
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{path.relative_to(ROOT)}: {len(code)} code cells filled")


def main():
    if "--no-run" not in sys.argv:
        run_programs()
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        fill(path)


if __name__ == "__main__":
    main()
