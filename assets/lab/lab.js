// The convolution lab. Every number on the page comes from flipshift's API
// (GET /api/COMMAND?option=value, the object `flipshift COMMAND --format json` prints); this
// script only asks and draws: uPlot for curves, D3 for the heat map, KaTeX for the maths.
(function () {
  "use strict";

  // The τ window of panels 1 and 5, and its grid.
  var LO = -3, HI = 4, N = 561;
  var GRID = LO + ":" + HI + ":" + N;
  var TAU = [];
  for (var i = 0; i < N; i++) { TAU.push(LO + (HI - LO) * i / (N - 1)); }
  // Panel 3: the spacings of the Δ slider, and where h is sampled.
  var DELTAS = [1, 0.5, 0.25, 0.125];
  var H_REACH = 5;
  var COLORS = { x: "#1f4e9c", h: "#c0392b", product: "#e08a1e", z: "#2e8b57", grey: "#b8bcc2",
    y: "#7d5ba6", grad: "#1f4e9c", resid: "#c0392b", q: ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"] };

  var state = { h: "", x: "", y: "", t0: 1, xv: null, hRange: [0, 1], z: null, yv: null,
    jac: null, rowCurve: null };
  var charts = {};
  var pending = 0, updates = 0;

  function $(id) { return document.getElementById(id); }

  function setPending(d) {
    pending += d;
    document.body.setAttribute("data-pending", String(pending));
  }

  function bump() {
    updates += 1;
    document.body.setAttribute("data-updates", String(updates));
  }

  // One API call: resolves with the JSON object (a 422 — a tolerance not met — is an answer
  // too, with its "error"); rejects with {status, message} otherwise.
  function api(command, params) {
    var q = new URLSearchParams();
    Object.keys(params).forEach(function (k) {
      if (params[k] === true) { q.append(k, ""); } else { q.append(k, String(params[k])); }
    });
    setPending(1);
    return fetch("/api/" + command + "?" + q.toString())
      .then(function (r) {
        return r.json().then(function (body) {
          if (r.status === 200 || r.status === 422) { return body; }
          throw { status: r.status, message: body && body.error ? body.error : "status " + r.status };
        });
      })
      .finally(function () { setPending(-1); });
  }

  // A number as the command line prints it: the shortest text that reads back the same.
  function num(v) {
    if (v === 0) { return "0"; }
    var a = Math.abs(v);
    return (a >= 1e-4 && a < 1e7) ? String(v) : v.toExponential();
  }

  function sci(v, digits) {
    if (v === 0) { return "0"; }
    var s = v.toExponential(digits === undefined ? 1 : digits);
    var m = s.split("e");
    return m[0] + "\\times 10^{" + Number(m[1]) + "}";
  }

  function tex(el, source) {
    if (window.katex) {
      window.katex.render(source, el, { displayMode: true, throwOnError: false });
    } else {
      el.textContent = source;
    }
  }

  function panelError(panel, message) {
    var box = $(panel);
    var p = box.querySelector("p.error");
    if (!p) {
      p = document.createElement("p");
      p.className = "error";
      p.setAttribute("role", "alert");
      box.insertBefore(p, box.children[1] || null);
    }
    p.textContent = message ? "flipshift: " + message : "";
  }

  // ---- charts -------------------------------------------------------------------------

  function size(el, ratio) {
    var w = Math.max(280, el.clientWidth - 8);
    return { width: w, height: Math.round(w * (ratio || 0.62)) };
  }

  // A dashed vertical line at x = at(), drawn after the series.
  function marker(at, label) {
    return {
      hooks: {
        draw: [function (u) {
          var v = at();
          if (v === null || v === undefined) { return; }
          var x = u.valToPos(v, "x", true);
          var ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = "#555";
          ctx.setLineDash([6, 5]);
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = "#333";
          ctx.font = (13 * devicePixelRatio) + "px DejaVu Sans, sans-serif";
          ctx.fillText(label, x + 5 * devicePixelRatio, u.bbox.top + 16 * devicePixelRatio);
          ctx.restore();
        }]
      }
    };
  }

  function lineChart(id, opts, data) {
    var el = $(id);
    var s = size(el, opts.ratio);
    var o = {
      width: s.width, height: s.height, title: opts.title,
      scales: opts.scales || { x: { time: false } },
      series: [{ label: opts.xLabel }].concat(opts.series),
      axes: opts.axes || [{ label: opts.xLabel }, { label: opts.yLabel, size: 60 }],
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      plugins: opts.plugins || []
    };
    var u = new uPlot(o, data, el);
    charts[id] = u;
    return u;
  }

  function slideData() {
    var hv = state.rowShift || TAU.map(function () { return null; });
    var prod = TAU.map(function (_, i) {
      return state.xv && hv[i] !== null ? state.xv[i] * hv[i] : null;
    });
    return [TAU, state.xv || TAU.map(function () { return null; }), hv, prod];
  }

  function drawSlide() {
    var data = slideData();
    if (!charts["chart-slide"]) {
      lineChart("chart-slide", {
        title: "x(τ) and h(t₀ − τ); shaded: their product",
        xLabel: "τ", yLabel: "",
        series: [
          { label: "x(τ)", stroke: COLORS.x, width: 2.5 },
          { label: "h(t₀ − τ)", stroke: COLORS.h, width: 2.5 },
          { label: "h(t₀ − τ)·x(τ)", stroke: COLORS.product, width: 1, fill: "rgba(224,138,30,0.28)" }
        ],
        scales: { x: { time: false }, y: { range: function () { return yRange([state.xv, state.hRange]); } } },
        plugins: [marker(function () { return state.t0; }, "t₀")]
      }, data);
    } else {
      charts["chart-slide"].setData(data);
    }
  }

  function yRange(arrays) {
    var lo = 0, hi = 0;
    arrays.forEach(function (a) {
      (a || []).forEach(function (v) {
        if (v !== null && isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      });
    });
    var pad = 0.08 * ((hi - lo) || 1);
    return [lo - (lo < 0 ? pad : 0), hi + pad];
  }

  function drawZ() {
    if (!state.z) { return; }
    var upTo = TAU.map(function (t, i) { return t <= state.t0 + 1e-12 ? state.z[i] : null; });
    var data = [TAU, state.z, upTo];
    if (!charts["chart-z"]) {
      lineChart("chart-z", {
        title: "z(t) = (h * x)(t), drawn up to t₀",
        xLabel: "t", yLabel: "",
        series: [
          { label: "z(t)", stroke: COLORS.grey, width: 1.5 },
          { label: "z(t), t ≤ t₀", stroke: COLORS.z, width: 3 }
        ],
        scales: { x: { time: false }, y: { range: function () { return yRange([state.z]); } } },
        plugins: [marker(function () { return state.t0; }, "t₀"), {
          hooks: { draw: [function (u) {
            if (state.zt0 === undefined) { return; }
            var ctx = u.ctx;
            var px = u.valToPos(state.t0, "x", true), py = u.valToPos(state.zt0, "y", true);
            ctx.save();
            ctx.fillStyle = COLORS.z;
            ctx.beginPath();
            ctx.arc(px, py, 5 * devicePixelRatio, 0, 2 * Math.PI);
            ctx.fill();
            ctx.restore();
          }] }
        }]
      }, data);
    } else {
      charts["chart-z"].setData(data);
    }
  }

  // ---- panel 1 and 2: t0 ------------------------------------------------------------------

  var t0Busy = false, t0Again = false;

  function updateT0() {
    if (t0Busy) { t0Again = true; return Promise.resolve(); }
    t0Busy = true;
    var t0 = state.t0, h = state.h, x = state.x;
    var derivative = api("derivative", {
      h: h, t0: t0, tau: GRID, x: x, gateaux: true, bump: (t0 - 1) + ",1.5"
    });
    var conv = api("convolve", { h: h, x: x, t: String(t0) });
    return Promise.all([derivative, conv]).then(function (r) {
      if (t0 !== state.t0 || h !== state.h || x !== state.x) { return; }
      var d = r[0], c = r[1];
      state.rowShift = d.values;
      state.zt0 = c.values[0];
      state.derivative = d;
      drawSlide();
      drawZ();
      var zEl = $("z-value");
      zEl.textContent = num(c.values[0]);
      zEl.setAttribute("data-value", String(c.values[0]));
      zEl.setAttribute("data-t0", String(t0));
      $("z-detail").textContent = "± " + c.error_estimate.toExponential(1) + " (" + c.method +
        (c.error ? "; " + c.error : "") + ")";
      var g = d.gateaux;
      tex($("derivative-tex"), "\\left.\\frac{\\delta z(t_0)}{\\delta x(\\tau)}\\right|_{t_0 = " + num(t0) +
        "} = h(t_0 - \\tau) = " + d.latex);
      tex($("gateaux-tex"), "\\frac{d}{d\\varepsilon}\\, z[x + \\varepsilon\\varphi](t_0)\\Big|_{\\varepsilon=0} = " +
        num(g.directional) + "\\quad\\text{vs}\\quad \\int h(t_0-\\tau)\\,\\varphi(\\tau)\\,d\\tau = " +
        num(g.inner_product) + ",\\qquad \\text{relative discrepancy } " + sci(g.rel_discrepancy));
      $("gateaux-tex").setAttribute("data-rel-discrepancy", String(g.rel_discrepancy));
      panelError("panel-slide", "");
      drawJacobianRow();
      bump();
    }).catch(function (e) {
      panelError("panel-slide", e.message);
    }).finally(function () {
      t0Busy = false;
      if (t0Again) { t0Again = false; updateT0(); }
    });
  }

  // ---- panel 3: the Jacobian --------------------------------------------------------------

  function delta() { return DELTAS[Number($("delta").value)]; }

  function updateJacobian() {
    var dt = delta(), h = state.h;
    var j0 = Math.ceil(LO / dt), j1 = Math.floor(HI / dt);
    var i0 = Math.round(-H_REACH / dt), i1 = Math.round(H_REACH / dt);
    var hTimes = [];
    for (var i = i0; i <= i1; i++) { hTimes.push(i * dt); }
    return api("eval", { f: h, t: hTimes.join(",") }).then(function (hs) {
      return api("jacobian", { h: hs.values.join(","), n: j1 - j0 + 1 });
    }).then(function (jac) {
      if (dt !== delta() || h !== state.h) { return; }
      // Row k of the full Jacobian is z at t_k = (i0 + j0 + k)Δ; keep the rows inside the window.
      var rows = [];
      jac.values.forEach(function (row, k) {
        var t = (i0 + j0 + k) * dt;
        if (t >= LO - 1e-9 && t <= HI + 1e-9) { rows.push({ t: t, k: k, row: row }); }
      });
      var taus = [];
      for (var j = j0; j <= j1; j++) { taus.push(j * dt); }
      state.jac = { dt: dt, rows: rows, taus: taus, full: jac.values.length };
      drawHeat();
      drawJacobianRow();
      panelError("panel-jacobian", "");
    }).catch(function (e) {
      panelError("panel-jacobian", e.message);
    });
  }

  function nearestRow() {
    var J = state.jac;
    if (!J) { return null; }
    var best = 0;
    J.rows.forEach(function (r, i) {
      if (Math.abs(r.t - state.t0) < Math.abs(J.rows[best].t - state.t0)) { best = i; }
    });
    return best;
  }

  function drawHeat() {
    var J = state.jac;
    var el = $("chart-heat");
    el.innerHTML = "";
    var W = 520, H = 470, m = { l: 58, r: 12, t: 34, b: 46 };
    var svg = d3.select(el).append("svg").attr("viewBox", "0 0 " + W + " " + H)
      .attr("role", "img").attr("aria-label", "the Jacobian H as a heat map");
    var nr = J.rows.length, nc = J.taus.length;
    var peak = d3.max(J.rows, function (r) { return d3.max(r.row, Math.abs); }) || 1;
    var colour = d3.scaleDiverging(d3.interpolateRdBu).domain([-peak, 0, peak]);
    var x = d3.scaleLinear().domain([J.taus[0] - J.dt / 2, J.taus[nc - 1] + J.dt / 2]).range([m.l, W - m.r]);
    var y = d3.scaleLinear().domain([J.rows[0].t - J.dt / 2, J.rows[nr - 1].t + J.dt / 2]).range([m.t, H - m.b]);
    var cw = (W - m.l - m.r) / nc, ch = (H - m.t - m.b) / nr;
    var cells = [];
    J.rows.forEach(function (r, a) {
      r.row.forEach(function (v, b) { cells.push({ a: a, b: b, v: v }); });
    });
    svg.append("text").attr("x", W / 2).attr("y", 20).attr("text-anchor", "middle")
      .attr("class", "heat-title").style("font", "600 15px DejaVu Sans, sans-serif")
      .text("H at Δ = " + J.dt + " (" + nr + " of " + J.full + " rows × " + nc + " columns)");
    svg.append("g").selectAll("rect").data(cells).join("rect")
      .attr("x", function (d) { return m.l + d.b * cw; })
      .attr("y", function (d) { return m.t + d.a * ch; })
      .attr("width", cw + 0.3).attr("height", ch + 0.3)
      .attr("fill", function (d) { return colour(d.v); });
    svg.append("g").attr("transform", "translate(0," + (H - m.b) + ")")
      .call(d3.axisBottom(x).ticks(8)).call(function (g) { g.selectAll("text").style("font-size", "12px"); });
    svg.append("g").attr("transform", "translate(" + m.l + ",0)")
      .call(d3.axisLeft(y).ticks(8)).call(function (g) { g.selectAll("text").style("font-size", "12px"); });
    svg.append("text").attr("x", W / 2).attr("y", H - 8).attr("text-anchor", "middle")
      .style("font", "13px DejaVu Sans, sans-serif").text("column τⱼ (x samples)");
    svg.append("text").attr("transform", "translate(14," + (H / 2) + ") rotate(-90)").attr("text-anchor", "middle")
      .style("font", "13px DejaVu Sans, sans-serif").text("row tₖ (z samples)");
    svg.append("rect").attr("id", "heat-row").attr("fill", "none").attr("stroke", "#111").attr("stroke-width", 2.5)
      .attr("x", m.l).attr("width", W - m.l - m.r).attr("height", ch);
    state.heat = { y0: m.t, ch: ch };
    placeRow();
  }

  function placeRow() {
    var k = nearestRow();
    if (k === null || !state.heat) { return; }
    d3.select("#heat-row").attr("y", state.heat.y0 + k * state.heat.ch)
      .attr("data-t", String(state.jac.rows[k].t));
  }

  var rowBusy = false;
  function drawJacobianRow() {
    var J = state.jac;
    var k = nearestRow();
    if (k === null) { return; }
    placeRow();
    var tk = J.rows[k].t;
    if (rowBusy) { return; }
    rowBusy = true;
    api("derivative", { h: state.h, t0: tk, tau: GRID }).then(function (d) {
      var J2 = state.jac;
      var k2 = nearestRow();
      if (J2 !== J || k2 !== k) { return; }
      // The row's entries at τⱼ, merged into the fine grid (uPlot plots one x axis).
      var xs = TAU.slice(), curve = d.values.slice(), marks = TAU.map(function () { return null; });
      J.taus.forEach(function (t, j) {
        var at = d3.bisectLeft(xs, t);
        if (at < xs.length && Math.abs(xs[at] - t) < 1e-9) {
          marks[at] = J.rows[k].row[j];
        } else {
          xs.splice(at, 0, t);
          curve.splice(at, 0, null);
          marks.splice(at, 0, J.rows[k].row[j]);
        }
      });
      var data = [xs, curve, marks];
      var title = "row tₖ = " + num(tk) + " of H on h(tₖ − τ)";
      state.rowT = tk;
      if (!charts["chart-row"]) {
        lineChart("chart-row", {
          title: title, xLabel: "τ", yLabel: "",
          series: [
            { label: "h(tₖ − τ)", stroke: COLORS.h, width: 2.5, spanGaps: true },
            { label: "row k of H: h(tₖ − τⱼ)", stroke: COLORS.x, width: 0, paths: function () { return null; },
              points: { show: true, size: 9, fill: COLORS.x, stroke: COLORS.x } }
          ],
          plugins: [marker(function () { return state.rowT; }, "tₖ")]
        }, data);
      } else {
        charts["chart-row"].root.querySelector(".u-title").textContent = title;
        charts["chart-row"].setData(data);
      }
      $("chart-row").setAttribute("data-t", String(tk));
    }).catch(function (e) {
      panelError("panel-jacobian", e.message);
    }).finally(function () {
      rowBusy = false;
      var k3 = nearestRow();
      if (state.jac && k3 !== null && state.jac.rows[k3].t !== state.rowT) { drawJacobianRow(); }
    });
  }

  // ---- panel 4: check ---------------------------------------------------------------------

  function updateCheck() {
    var h = state.h, x = state.x, y = state.y;
    var table = $("check-table");
    table.innerHTML = "<caption class=\"muted\">computing…</caption>";
    return api("check", { h: h, x: x, y: y, levels: 6 }).then(function (c) {
      if (h !== state.h || x !== state.x || y !== state.y) { return; }
      var names = Object.keys(c.errors);
      var html = "<thead><tr><th class=\"n\">Δ</th>" + names.map(function (n) {
        return "<th class=\"n\">" + n + "</th>";
      }).join("") + "</tr></thead><tbody>";
      c.deltas.forEach(function (d, i) {
        html += "<tr><td class=\"n\">" + num(d) + "</td>" + names.map(function (n) {
          return "<td class=\"n\">" + c.errors[n][i].toExponential(1) + "</td>";
        }).join("") + "</tr>";
      });
      html += "<tr class=\"order\"><td class=\"n\">order</td>" + names.map(function (n) {
        var p = c.orders[n];
        return "<td class=\"n\">" + (p === null ? (c.rounding[n] ? "rounding" : "—") : p.toFixed(2)) + "</td>";
      }).join("") + "</tr></tbody>";
      table.innerHTML = html + "<caption class=\"muted\">relative errors; the order is the slope on log–log axes</caption>";
      var xs = c.deltas.slice().reverse();
      var data = [xs].concat(names.map(function (n) {
        return c.errors[n].slice().reverse().map(function (e) { return e > 0 ? e : null; });
      }));
      if (charts["chart-check"]) { charts["chart-check"].destroy(); delete charts["chart-check"]; }
      lineChart("chart-check", {
        title: "relative error against Δ (log–log)", xLabel: "Δ", yLabel: "relative error",
        scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
        axes: [{ label: "Δ" }, { label: "relative error", size: 70, values: function (u, vals) {
          return vals.map(function (v) { return v === null ? "" : v.toExponential(0); });
        } }],
        series: names.map(function (n, i) {
          var p = c.orders[n];
          return { label: n + (p === null ? (c.rounding[n] ? " (rounding)" : "") : ": p = " + p.toFixed(2)),
            stroke: COLORS.q[i % 4], width: 2, points: { show: true, size: 7, fill: COLORS.q[i % 4] } };
        })
      }, data);
      panelError("panel-check", "");
    }).catch(function (e) {
      table.innerHTML = "";
      panelError("panel-check", e.message);
    });
  }

  // ---- panel 5: the least-squares gradient ------------------------------------------------

  function updateGradient() {
    var h = state.h, x = state.x, y = state.y;
    var S = 141, sGrid = LO + ":" + HI + ":" + S;
    return Promise.all([
      api("lsgrad", { h: h, x: x, y: y, s: sGrid }),
      api("eval", { f: y, t: GRID })
    ]).then(function (r) {
      if (h !== state.h || x !== state.x || y !== state.y) { return; }
      var g = r[0];
      state.yv = r[1].values;
      // The gradient's points merged into the fine grid of the residual.
      var xs = TAU.slice(), resid = state.z.map(function (z, i) { return z - state.yv[i]; });
      var grad = TAU.map(function () { return null; });
      g.grid.forEach(function (s, i) {
        var at = d3.bisectLeft(xs, s);
        if (at < xs.length && Math.abs(xs[at] - s) < 1e-9) { grad[at] = g.values[i]; } else {
          xs.splice(at, 0, s); resid.splice(at, 0, null); grad.splice(at, 0, g.values[i]);
        }
      });
      var data = [xs, resid, grad];
      if (charts["chart-gradient"]) { charts["chart-gradient"].setData(data); } else {
        lineChart("chart-gradient", {
          title: "the residual r = h * x − y and the gradient δJ/δx = Rh * r", xLabel: "t, s", yLabel: "",
          ratio: 0.36,
          series: [
            { label: "r(t) = (h * x)(t) − y(t)", stroke: COLORS.resid, width: 2, dash: [7, 5], spanGaps: true },
            { label: "δJ/δx(s) = (Rh * r)(s)", stroke: COLORS.grad, width: 3, spanGaps: true }
          ]
        }, data);
      }
      var jEl = $("j-value");
      jEl.textContent = num(g.J) + (g.error_estimate !== undefined ? " ± " + g.error_estimate.toExponential(1) : "");
      jEl.setAttribute("data-value", String(g.J));
      panelError("panel-gradient", "");
    }).catch(function (e) {
      panelError("panel-gradient", e.message);
    });
  }

  // ---- inputs -----------------------------------------------------------------------------

  function readInputs() {
    return { h: $("h").value.trim(), x: $("x").value.trim(), y: $("y").value.trim() };
  }

  var inputGen = 0;
  function updateInputs() {
    var v = readInputs();
    var gen = ++inputGen;
    ["h", "x", "y"].forEach(function (k) { $(k).classList.remove("bad"); });
    $("input-error").textContent = "";
    // Each expression on the window: a bad one is named before anything else runs.
    var checks = ["h", "x", "y"].map(function (k) {
      return api("eval", { f: v[k], t: GRID }).catch(function (e) { throw { field: k, message: e.message }; });
    });
    return Promise.all(checks).then(function (r) {
      if (gen !== inputGen) { return; }
      state.h = v.h; state.x = v.x; state.y = v.y;
      state.xv = r[1].values;
      state.hRange = r[0].values;
      return api("convolve", { h: v.h, x: v.x, t: GRID }).then(function (c) {
        if (gen !== inputGen) { return; }
        state.z = c.values;
        return Promise.all([updateT0(), updateJacobian(), updateCheck(), updateGradient()]);
      });
    }).catch(function (e) {
      if (gen !== inputGen) { return; }
      if (e.field) { $(e.field).classList.add("bad"); }
      $("input-error").textContent = (e.field ? e.field + "(t): " : "") + e.message;
    });
  }

  function debounce(f, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(f, ms);
    };
  }

  function init() {
    if (window.renderMathInElement) {
      window.renderMathInElement(document.body, {
        delimiters: [{ left: "\\(", right: "\\)", display: false }, { left: "\\[", right: "\\]", display: true }],
        throwOnError: false
      });
    }
    var t0 = $("t0");
    state.t0 = Number(t0.value);
    t0.addEventListener("input", function () {
      state.t0 = Number(t0.value);
      $("t0-value").textContent = num(state.t0);
      if (state.h) { updateT0(); }
    });
    var dEl = $("delta");
    dEl.addEventListener("input", function () {
      $("delta-value").textContent = String(delta());
      if (state.h) { updateJacobian(); }
    });
    $("delta-value").textContent = String(delta());
    var onType = debounce(updateInputs, 350);
    ["h", "x", "y"].forEach(function (k) { $(k).addEventListener("input", onType); });
    $("inputs").addEventListener("submit", function (e) { e.preventDefault(); updateInputs(); });
    window.addEventListener("resize", debounce(function () {
      Object.keys(charts).forEach(function (id) {
        var s = size($(id), id === "chart-gradient" ? 0.36 : 0.62);
        charts[id].setSize(s);
      });
    }, 200));
    updateInputs();
  }

  window.lab = { state: state, charts: charts, tau: TAU };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
