// The demo's page: typeset the maths, then record on the body element what a test (or a reader)
// can check: data-math-ok (typeset formulas), data-math-errors, data-math-raw (delimiters left
// untypeset), data-images-ok ("loaded/total") and data-katex-fonts (KaTeX fonts loaded).
document.addEventListener("DOMContentLoaded", function () {
  var body = document.body;
  if (typeof renderMathInElement === "function") {
    renderMathInElement(body, {
      delimiters: [
        { left: "\\[", right: "\\]", display: true },
        { left: "\\(", right: "\\)", display: false }
      ],
      throwOnError: false
    });
  }
  body.setAttribute("data-math-ok", String(document.querySelectorAll(".katex").length));
  body.setAttribute("data-math-errors", String(document.querySelectorAll(".katex-error").length));
  var raw = 0;
  document.querySelectorAll("main p, main li, main td, main th, main figcaption, main div.math").forEach(function (el) {
    var clone = el.cloneNode(true);
    clone.querySelectorAll(".katex").forEach(function (k) { k.remove(); });
    if (/\\\(|\\\[/.test(clone.textContent)) { raw += 1; }
  });
  body.setAttribute("data-math-raw", String(raw));
});
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute("data-images-ok", ok + "/" + imgs.length);
  var fonts = 0;
  if (document.fonts) {
    document.fonts.forEach(function (f) { if (/^KaTeX/.test(f.family) && f.status === "loaded") { fonts += 1; } });
  }
  document.body.setAttribute("data-katex-fonts", String(fonts));
});
