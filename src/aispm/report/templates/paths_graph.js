// aispm attack-path graphs: a small SVG renderer with pan (drag), zoom (wheel) and click.
// Shared by `aispm paths -f html` and the "Attack paths" section of the scan report.
// Reads the JSON in #paths-data and draws every <svg class="graph" data-path="i"> with path i;
// a click (or Enter) on a node writes its details into [data-details="i"].
// Builds elements with createElementNS and writes scan text with textContent only.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var source = document.getElementById("paths-data");
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  var STEP = 200, R = 18, MAX_LABEL = 28;

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    parent.appendChild(node);
    return node;
  }

  function short(text) {
    text = String(text);
    return text.length > MAX_LABEL ? text.slice(0, MAX_LABEL - 1) + "\u2026" : text;
  }

  function findingText(f) {
    return f.rule_id + " " + f.severity + (f.raised_to ? " \u2192 " + f.raised_to + " (toxic combination)" : "");
  }

  function arrow(view, a, b) {
    var dx = b.x - a.x, dy = b.y - a.y, len = Math.sqrt(dx * dx + dy * dy) || 1;
    var ux = dx / len, uy = dy / len;
    var tip = {x: b.x - ux * (R + 2), y: b.y - uy * (R + 2)};
    el("line", {x1: a.x + ux * R, y1: a.y + uy * R, x2: tip.x, y2: tip.y}, view);
    var back = {x: tip.x - ux * 9, y: tip.y - uy * 9};
    el("polygon", {"class": "arrow", points: [tip.x, tip.y, back.x - uy * 4.5, back.y + ux * 4.5,
      back.x + uy * 4.5, back.y - ux * 4.5].join(" ")}, view);
  }

  function details(path, nodes, i) {
    var n = nodes[i], step = i > 0 ? path.steps[i - 1] : null;
    var lines = [n.kind + ": " + n.name, "id: " + n.id, "source: " + n.source];
    if (step) {
      lines.push("reached by: " + step.kind + " (ease " + step.ease + (step.via ? ", via " + step.via : "") +
        (step.conditional ? ", conditional" : "") + ") \u2192 " + step.action);
      step.findings.forEach(function (f) { lines.push("finding: " + findingText(f)); });
    } else {
      lines.push("entry point: " + path.entry_point.title + " (" + path.entry_point.access + ")");
      path.entry_point.findings.forEach(function (r) { lines.push("finding: " + r); });
    }
    if (i === nodes.length - 1) {
      lines.push("crown jewel: " + path.crown_jewel.title + " (" + path.action + ")");
    }
    return lines.join("\n");
  }

  function draw(svg, path, out) {
    var view = el("g", {"class": "view"}, svg);
    var nodes = [path.entry_point].concat(path.steps.map(function (s) { return s.to; }));
    var pos = nodes.map(function (_, i) { return {x: 80 + i * STEP, y: 110 + (i % 2) * 50}; });
    path.steps.forEach(function (step, i) {
      var a = pos[i], b = pos[i + 1];
      arrow(view, a, b);
      // above a falling edge, below a rising one: clear of the kind label over the next node
      var label = el("text", {x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 + (b.y < a.y ? 18 : -8),
        "class": "edge-label", "text-anchor": "middle"}, view);
      var rules = step.findings.map(function (f) { return f.rule_id; }).join(",");
      label.textContent = step.kind + " " + step.ease + (rules ? " [" + rules + "]" : "");
    });
    nodes.forEach(function (n, i) {
      var role = i === 0 ? "entry" : (i === nodes.length - 1 ? "jewel" : "mid");
      var g = el("g", {"class": "node " + role, "data-id": n.id, tabindex: 0, role: "button",
        transform: "translate(" + pos[i].x + "," + pos[i].y + ")"}, view);
      g.setAttribute("aria-label", n.kind + " " + n.name);
      el("circle", {r: R}, g);
      var t = el("text", {y: 34, "text-anchor": "middle"}, g);
      t.textContent = short(n.name);
      var k = el("text", {y: -24, "text-anchor": "middle"}, g);
      k.textContent = n.kind;
      function select(ev) {
        ev.stopPropagation();
        Array.prototype.forEach.call(svg.querySelectorAll(".node"), function (o) { o.classList.remove("selected"); });
        g.classList.add("selected");
        out.textContent = details(path, nodes, i);
      }
      g.addEventListener("click", select);
      g.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); select(ev); }
      });
    });
    var state = {x: 0, y: 0, k: 1, drag: null};
    function apply() { view.setAttribute("transform", "translate(" + state.x + "," + state.y + ") scale(" + state.k + ")"); }
    var width = svg.getBoundingClientRect().width, needed = 80 * 2 + (nodes.length - 1) * STEP;
    if (width > 0 && needed > width) { state.k = Math.max(0.2, width / needed); apply(); }
    svg.addEventListener("pointerdown", function (ev) { state.drag = {x: ev.clientX - state.x, y: ev.clientY - state.y}; });
    svg.addEventListener("pointermove", function (ev) {
      if (state.drag) { state.x = ev.clientX - state.drag.x; state.y = ev.clientY - state.drag.y; apply(); }
    });
    svg.addEventListener("pointerup", function () { state.drag = null; });
    svg.addEventListener("pointerleave", function () { state.drag = null; });
    svg.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var r = svg.getBoundingClientRect(), mx = ev.clientX - r.left, my = ev.clientY - r.top;
      var f = ev.deltaY < 0 ? 1.15 : 1 / 1.15, k = Math.min(8, Math.max(0.2, state.k * f));
      state.x = mx - (mx - state.x) * (k / state.k); state.y = my - (my - state.y) * (k / state.k); state.k = k;
      apply();
    }, {passive: false});
    svg.setAttribute("data-rendered", String(nodes.length));
  }

  Array.prototype.forEach.call(document.querySelectorAll("svg.graph[data-path]"), function (svg) {
    var i = Number(svg.getAttribute("data-path"));
    if (data.paths[i]) { draw(svg, data.paths[i], document.querySelector('[data-details="' + i + '"]')); }
  });
})();
