"""The evidence report's stylesheet, script and colours, inlined into every report.

Kept apart from the markup so that `report_html.py` reads as a template. The page must
work from file:// with no network, so nothing here loads anything: no fonts, no images.
"""

from __future__ import annotations

# Okabe-Ito colours: told apart by people with the common colour-vision deficiencies.
EVIDENCE_COLOURS = {
    "guideline": "#0072B2",
    "systematic-review": "#009E73",
    "rct": "#F0E442",
    "clinical-trial": "#B3A600",
    "observational": "#000000",
    "case-report": "#9C9C9C",
    "review": "#56B4E9",
    "textbook-chapter": "#E69F00",
    "textbook": "#D55E00",
    "point-of-care": "#CC79A7",
    "expert-opinion": "#6E6E6E",
    "": "#B8B8B8",  # no evidence type given
}

EVIDENCE_LABELS = {
    "guideline": "Guideline",
    "systematic-review": "Systematic review",
    "rct": "Randomised trial",
    "clinical-trial": "Clinical trial",
    "observational": "Observational study",
    "case-report": "Case report",
    "review": "Review",
    "textbook-chapter": "Textbook chapter",
    "textbook": "Textbook",
    "point-of-care": "Point of care",
    "expert-opinion": "Expert opinion",
    "": "Unclassified",
}

def evidence_label(evidence: str) -> str:
    return EVIDENCE_LABELS.get(evidence, evidence.replace("-", " ").capitalize())


def evidence_order(entries) -> list[str]:
    """The evidence types present in `entries`, in the fixed order of the legend."""
    present = {e.evidence if e.evidence in EVIDENCE_COLOURS else "" for e in entries}
    return [name for name in EVIDENCE_COLOURS if name in present]


CSS = """
:root {
  --ink: #1c1c1c; --muted: #5a5a5a; --paper: #ffffff; --panel: #f4f5f7; --line: #d9dbe0;
  --error: #a4161a; --error-bg: #fde8e8; --warning: #7a4a00; --warning-bg: #fff1d6;
  --notice: #1b4f8f; --notice-bg: #e6f0fb; --ok: #1d6b33; --ok-bg: #e5f4e9;
  --skipped: #555; --skipped-bg: #ececec; --link: #0b57b0;
}
@media (prefers-color-scheme: dark) {
  :root {
    --ink: #e8e8e8; --muted: #a8a8a8; --paper: #16181c; --panel: #20232a; --line: #3a3e47;
    --error: #ff9d9d; --error-bg: #4a1518; --warning: #ffd28a; --warning-bg: #45330f;
    --notice: #a9cbff; --notice-bg: #16304f; --ok: #9be3ae; --ok-bg: #173a22;
    --skipped: #c8c8c8; --skipped-bg: #33363d; --link: #8ab8ff;
  }
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--paper); color: var(--ink);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
}
main { max-width: 62rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0 0.25rem; line-height: 1.25; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
a { color: var(--link); overflow-wrap: anywhere; }
code { font-size: 0.85em; overflow-wrap: anywhere; }
.sub { color: var(--muted); margin: 0; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px;
         padding: 0.75rem 1rem; margin: 0.75rem 0; }
.summary { display: grid; gap: 0.75rem;
           grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); }
.summary .panel { margin: 0; }
.summary h2 { font-size: 1rem; }
.panel > h2:first-child { margin-top: 0; }
.counts { list-style: none; margin: 0; padding: 0; }
.counts li { display: flex; align-items: center; gap: 0.5rem; padding: 0.1rem 0; }
.counts .n { margin-left: auto; font-variant-numeric: tabular-nums; font-weight: 600; }
.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 2px; flex: none; }
button.pick { font: inherit; color: inherit; background: none; border: 0; padding: 0;
              display: flex; align-items: center; gap: 0.5rem; width: 100%; cursor: pointer;
              text-align: left; }
button.pick:hover, button.pick:focus-visible { text-decoration: underline; }
.chart svg { max-width: 100%; height: auto; display: block; }
.chart text { fill: var(--muted); font-size: 11px; font-family: inherit; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.legend { list-style: none; padding: 0; margin: 0.5rem 0 0; display: flex; flex-wrap: wrap;
          gap: 0.25rem 1rem; font-size: 0.875rem; }
.legend li { display: flex; align-items: center; gap: 0.35rem; }
.checks p { margin: 0.25rem 0; }
.checks ul { margin: 0.25rem 0; padding-left: 1.25rem; }
.filters { display: none; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: end;
           position: sticky; top: 0; z-index: 1; }
.js .filters { display: flex; }
.filters label { display: flex; flex-direction: column; font-size: 0.8rem; color: var(--muted); }
.filters label { max-width: 100%; min-width: 0; }
.filters select, .filters button { font: inherit; font-size: 1rem; color: var(--ink);
  background: var(--paper); border: 1px solid var(--line); border-radius: 6px;
  padding: 0.35rem 0.5rem; min-height: 2.5rem; max-width: 100%; }
.filters .count { flex-basis: 100%; margin: 0; font-size: 0.9rem; }
ol.refs { list-style: none; margin: 0; padding: 0; }
li.ref { border: 1px solid var(--line); border-left: 6px solid var(--ev, #b8b8b8);
         border-radius: 8px; padding: 0.75rem 1rem; margin: 0.75rem 0; }
li.ref.has-error { box-shadow: inset 0 0 0 1px var(--error); }
.ref-head { display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; align-items: baseline; }
.num { font-weight: 700; font-size: 1.1rem; min-width: 1.5rem; }
.ev { font-size: 0.8rem; font-weight: 600; padding: 0.05rem 0.45rem; border-radius: 999px;
      color: var(--ev-ink, #000); background: var(--ev, #b8b8b8); }
.age { color: var(--muted); font-size: 0.9rem; }
.key { color: var(--muted); font-size: 0.8rem; margin-left: auto; }
.cite { margin: 0.4rem 0; overflow-wrap: anywhere; }
.cite .sc { font-variant: small-caps; }
.links { margin: 0.25rem 0; font-size: 0.9rem; }
.badges { list-style: none; margin: 0.5rem 0 0; padding: 0; display: flex; flex-wrap: wrap;
          gap: 0.35rem; }
.badge { font-size: 0.8rem; font-weight: 600; border-radius: 6px; padding: 0.1rem 0.5rem;
         border: 1px solid currentColor; }
.badge.s-ok { color: var(--ok); background: var(--ok-bg); }
.badge.s-error { color: var(--error); background: var(--error-bg); }
.badge.s-warning { color: var(--warning); background: var(--warning-bg); }
.badge.s-notice { color: var(--notice); background: var(--notice-bg); }
.badge.s-skipped, .badge.s-not-run { color: var(--skipped); background: var(--skipped-bg);
                                     border-style: dashed; }
.notes { margin: 0.5rem 0 0; padding-left: 1.25rem; font-size: 0.9rem; }
.notes li { margin: 0.15rem 0; overflow-wrap: anywhere; }
.sev { font-weight: 700; }
.sev-error { color: var(--error); } .sev-warning { color: var(--warning); }
.sev-notice { color: var(--notice); } .sev-skipped { color: var(--skipped); }
.empty { color: var(--muted); font-style: italic; }
.todo-panel { border-left: 6px solid var(--error); }
.todo-panel h2 { margin: 0; }
.todo { list-style: none; margin: 0.4rem 0 0; padding: 0; font-size: 0.92rem; }
.todo-item { display: flex; gap: 0.6rem; align-items: baseline; padding: 0.2rem 0;
             border-top: 1px solid var(--line); line-height: 1.35; }
.todo-item:first-child { border-top: 0; }
.todo-item > div { min-width: 0; overflow-wrap: anywhere; }
.fix-num { font-weight: 700; min-width: 1.6rem; text-align: right; flex: none; }
.todo-item .fix { display: block; color: var(--muted); }
.todo-item q { quotes: none; color: var(--ink); }
ins { text-decoration: none; background: var(--ok-bg); color: var(--ok); font-weight: 600; }
del { background: var(--error-bg); color: var(--error); }
.unmade { list-style: none; margin-left: -1.25rem; color: var(--muted); }
footer { color: var(--muted); font-size: 0.8rem; margin: 2rem 0 1rem; }
@media (max-width: 30rem) {
  main { padding: 0.5rem; }
  li.ref { padding: 0.6rem 0.7rem; }
  .key { margin-left: 0; flex-basis: 100%; }
  .filters { position: static; }  /* a sticky panel would take half a phone's screen */
}
@media print {
  :root { --ink: #000; --muted: #333; --paper: #fff; --panel: #fff; --line: #999;
          --link: #000; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  .js .filters { display: block; position: static; border: 0; padding: 0; background: none; }
  .filters label, .filters button { display: none; }  /* keep only "Showing 3 of 12" */
  button.pick { cursor: auto; }
  li.ref { break-inside: avoid; border-left-width: 4px; }
  .summary { grid-template-columns: 1fr 1fr; }
  .summary .panel, .panel.chart { break-inside: avoid; }
  a { text-decoration: none; }
  .ev { color: #000; background: none; border: 1px solid #000; }
}
"""

# Plain ES5 on purpose: it must run in any browser that opens a file someone mailed them.
JS = """
(function () {
  "use strict";
  document.documentElement.className += " js";
  var evidence = document.getElementById("filter-evidence");
  var problem = document.getElementById("filter-problem");
  var count = document.getElementById("filter-count");
  var none = document.getElementById("filter-none");
  var rows = Array.prototype.slice.call(document.querySelectorAll("li.ref"));
  // The filters live in the URL's hash (#evidence=guideline&problem=error), so a filtered
  // view can be bookmarked or sent, and Back undoes a filter.
  function fromHash() {
    var state = {evidence: "", problem: ""};
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var parts = pair.split("=");
      if (parts.length === 2 && state.hasOwnProperty(parts[0])) {
        state[parts[0]] = decodeURIComponent(parts[1]);
      }
    });
    return state;
  }
  function choose(select, value) {
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === value;
    });
    select.value = known ? value : "";
  }
  function toHash() {
    var parts = [];
    if (evidence.value) { parts.push("evidence=" + encodeURIComponent(evidence.value)); }
    if (problem.value) { parts.push("problem=" + encodeURIComponent(problem.value)); }
    if (!parts.length && location.hash.indexOf("=") < 0) { return; }  // e.g. #ref-8
    var hash = parts.length ? "#" + parts.join("&") : "";
    if (hash !== location.hash) {
      try {
        history.replaceState(null, "", hash || location.pathname + location.search);
      } catch (error) {
        location.hash = hash;
      }
    }
  }
  function has(list, token) {
    return (" " + (list || "") + " ").indexOf(" " + token + " ") >= 0;
  }
  function apply() {
    var shown = 0;
    rows.forEach(function (row) {
      var visible = (!evidence.value || row.getAttribute("data-evidence") === evidence.value) &&
                    (!problem.value || has(row.getAttribute("data-problems"), problem.value));
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    count.textContent = shown === rows.length
      ? "Showing all " + rows.length + " references"
      : "Showing " + shown + " of " + rows.length + " references";
    none.hidden = shown !== 0;
    toHash();
  }
  evidence.addEventListener("change", apply);
  problem.addEventListener("change", apply);
  document.getElementById("filter-reset").addEventListener("click", function () {
    evidence.value = "";
    problem.value = "";
    apply();
  });
  Array.prototype.forEach.call(document.querySelectorAll("button.pick"), function (button) {
    button.addEventListener("click", function () {
      evidence.value = button.getAttribute("data-evidence") || "";
      problem.value = button.getAttribute("data-problem") || "";
      apply();
      document.getElementById("references").scrollIntoView();
    });
  });
  function load() {
    var state = fromHash();
    choose(evidence, state.evidence);
    choose(problem, state.problem);
    apply();
  }
  window.addEventListener("hashchange", load);
  load();
}());
"""
