// The lab's page in a real browser: Debian's chromium, headless, driven by playwright-core.
// It loads the page served by `flipshift lab`, types a kernel, drags the t0 slider and steps Δ,
// and checks that what is drawn and printed changes and matches the API's own numbers (never
// pinned values: the continuous engine's last digits may change). No console errors allowed; a
// screenshot of the page as it opens (lab.png) and after the moves (lab-after.png) is written to
// target/lab-browser/ for people to look at.
//
//   node --test tests/browser/          (after `cargo build`; FLIPSHIFT_BIN names another binary,
//                                        CHROMIUM another browser)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.FLIPSHIFT_BIN ?? join(root, "target/debug/flipshift");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const shots = join(root, "target/lab-browser");

let server, url, browser, page;
const consoleErrors = [];

function startServer() {
  return new Promise((ok, fail) => {
    assert.ok(existsSync(bin), `${bin} does not exist: run cargo build first`);
    // The debug build on a shared CI machine: a request may well take longer than the 20 s a
    // user's release build is given before 503.
    server = spawn(bin, ["lab", "--port", "0", "--timeout", "600"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/http:\/\/[^\s]+\//);
      if (m && !url) { url = m[0]; ok(); }
    });
    server.on("exit", (code) => { if (!url) { fail(new Error(`lab exited with ${code}: ${out}`)); } });
  });
}

async function api(command, params) {
  const q = new URLSearchParams(params);
  const r = await fetch(`${url}api/${command}?${q}`);
  assert.equal(r.status, 200, `${command}: ${await r.clone().text()}`);
  return r.json();
}

/** Wait until `check(arg)` holds in the page and no request is in flight. (The page's
 * Content-Security-Policy forbids eval, so the predicate is passed as a function.) */
async function settled(check, arg) {
  const opts = { timeout: 120000, polling: 100 };
  for (let i = 0; i < 3; i++) {
    await page.waitForFunction(check, arg, opts);
    await page.waitForFunction(() => document.body.dataset.pending === "0", null, opts);
    if (await page.evaluate(check, arg)) { return; }
  }
  throw new Error("the page did not settle");
}

const state = () => page.evaluate(() => {
  const s = window.lab.charts["chart-slide"].data;
  const z = document.getElementById("z-value");
  return {
    t0: Number(document.getElementById("t0").value),
    z: Number(z.dataset.value), zT0: Number(z.dataset.t0), zText: z.textContent,
    tau: s[0], x: s[1], hShift: s[2],
    heatRow: Number(document.getElementById("heat-row").dataset.t),
  };
});

before(async () => {
  await startServer();
  browser = await chromium.launch({
    executablePath: browserPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("console", (m) => { if (m.type() === "error") { consoleErrors.push(m.text()); } });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("requestfailed", (r) => consoleErrors.push(`request failed: ${r.url()}`));
  await page.goto(url);
  await settled(() => document.querySelector("#check-table tbody") && window.lab.charts["chart-row"]
    && document.getElementById("z-value").dataset.value);
});

after(async () => {
  await browser?.close();
  if (server) {
    const exited = new Promise((ok) => server.on("exit", (code, signal) => ok({ code, signal })));
    server.kill("SIGINT");
    const { code } = await exited;
    assert.equal(code, 0, "the lab did not stop cleanly on Ctrl-C");
  }
});

test("the page loads offline and draws the API's numbers", async () => {
  const s = await state();
  const h = await page.inputValue("#h"), x = await page.inputValue("#x");
  const conv = await api("convolve", { h, x, t: String(s.t0) });
  assert.equal(s.z, conv.values[0], "printed z(t0) is the API's");
  assert.equal(Number(s.zText), conv.values[0], "the text shows the same number");
  const d = await api("derivative", { h, t0: String(s.t0), tau: "-3:4:561" });
  assert.deepEqual(s.hShift, d.values, "the plotted h(t0 − τ) is the API's");
  assert.deepEqual(s.x, (await api("eval", { f: x, t: "-3:4:561" })).values);
  // Maths typeset, no KaTeX errors; the Gateaux check is printed and small.
  assert.ok(await page.locator("#derivative-tex .katex").count() > 0);
  assert.equal(await page.locator(".katex-error").count(), 0);
  assert.ok(await page.locator("header .katex").count() >= 4, "the static maths is typeset");
  const rel = Number(await page.getAttribute("#gateaux-tex", "data-rel-discrepancy"));
  assert.ok(rel < 1e-8, `Gateaux discrepancy ${rel}`);
  // Every library came from the server.
  assert.ok(await page.evaluate(() => Boolean(window.uPlot && window.d3 && window.katex)));
  // The convergence table is the check command's.
  const rows = await page.locator("#check-table tbody tr").count();
  const check = await api("check", { h, x, y: await page.inputValue("#y"), levels: "6" });
  assert.equal(rows, check.deltas.length + 1);
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, "lab.png"), fullPage: true });
});

test("typing a kernel redraws everything from the API", async () => {
  const before = await state();
  await page.fill("#h", "");
  await page.type("#h", "gauss(t/0.5)/0.5", { delay: 20 });
  await settled(() => window.lab.state.h === "gauss(t/0.5)/0.5"
    && document.getElementById("z-value").dataset.value !== undefined);
  await settled((z) => document.getElementById("z-value").dataset.value !== z, String(before.z));
  const s = await state();
  assert.notEqual(s.z, before.z, "z(t0) changed");
  assert.notDeepEqual(s.hShift, before.hShift, "the curve changed");
  const conv = await api("convolve", { h: "gauss(t/0.5)/0.5", x: await page.inputValue("#x"), t: String(s.t0) });
  assert.equal(s.z, conv.values[0]);
  const d = await api("derivative", { h: "gauss(t/0.5)/0.5", t0: String(s.t0), tau: "-3:4:561" });
  assert.deepEqual(s.hShift, d.values);
});

test("dragging t0 slides the kernel, z(t0) and the Jacobian's row", async () => {
  const before = await state();
  const box = await page.locator("#t0").boundingBox();
  const y = box.y + box.height / 2;
  // From the thumb's place (t0 = 1 on [−3, 4]) to about t0 = 2.5, as a hand would.
  await page.mouse.move(box.x + box.width * (4 / 7), y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) {
    await page.mouse.move(box.x + box.width * (4 / 7 + (i / 10) * (1.5 / 7)), y);
  }
  await page.mouse.up();
  const t0 = Number(await page.inputValue("#t0"));
  assert.ok(t0 > 2 && t0 < 3, `t0 = ${t0}`);
  await settled((t) => Number(document.getElementById("z-value").dataset.t0) === t
    && Math.abs(Number(document.getElementById("heat-row").dataset.t) - t) <= 0.25, t0);
  const s = await state();
  assert.equal(s.t0, t0);
  assert.notEqual(s.z, before.z, "z(t0) changed");
  const h = await page.inputValue("#h"), x = await page.inputValue("#x");
  const conv = await api("convolve", { h, x, t: String(t0) });
  assert.equal(s.z, conv.values[0], "printed z(t0) is the API's at the new t0");
  const d = await api("derivative", { h, t0: String(t0), tau: "-3:4:561" });
  assert.deepEqual(s.hShift, d.values, "the plotted h(t0 − τ) is the API's at the new t0");
  assert.notEqual(s.heatRow, before.heatRow, "the highlighted row of H moved");
  // The kernel's peak sits at t0 (gauss is centred): the curve really slid.
  const peak = s.tau[s.hShift.indexOf(Math.max(...s.hShift))];
  assert.ok(Math.abs(peak - t0) < 0.02, `peak at ${peak}, t0 = ${t0}`);
});

test("a smaller Δ gives more rows, each the API's Jacobian row on the curve", async () => {
  const title = () => page.locator("#chart-heat .heat-title").textContent();
  const before = await title();
  await page.focus("#delta");
  await page.keyboard.press("ArrowRight");
  await settled(() => document.getElementById("delta-value").textContent === "0.25"
    && document.querySelector("#chart-heat .heat-title").textContent.includes("Δ = 0.25")
    && Number(document.getElementById("chart-row").dataset.t)
      === Number(document.getElementById("heat-row").dataset.t));
  assert.notEqual(await title(), before);
  const marks = await page.evaluate(() => {
    const d = window.lab.charts["chart-row"].data;
    return d[0].map((t, i) => [t, d[2][i]]).filter((p) => p[1] !== null);
  });
  const tk = Number(await page.getAttribute("#chart-row", "data-t"));
  // The API's Jacobian at Δ = 0.25 for the same samples of h: row tₖ.
  const dt = 0.25, h = await page.inputValue("#h");
  const times = []; for (let i = -20; i <= 20; i++) { times.push(i * dt); }
  const hs = await api("eval", { f: h, t: times.join(",") });
  const jac = await api("jacobian", { h: hs.values.join(","), n: String(4 / dt + 3 / dt + 1) });
  const k = Math.round((tk - (-5 - 3)) / dt);
  assert.deepEqual(marks.map((p) => p[1]), jac.values[k], `row tₖ = ${tk}`);
});

test("no console errors, and a screenshot for people", async () => {
  await page.screenshot({ path: join(shots, "lab-after.png"), fullPage: true });
  await page.locator("#panel-slide").screenshot({ path: join(shots, "lab-slide.png") });
  assert.deepEqual(consoleErrors, []);
});
