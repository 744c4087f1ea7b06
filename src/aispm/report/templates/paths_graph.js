// aispm attack-path graphs: a small SVG renderer with pan (drag), zoom (wheel) and click.
// Reads the JSON in #paths-data; builds elements with createElementNS and textContent only.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("paths-data").textContent);

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    parent.appendChild(node);
    return node;
  }

  function draw(svg, path, details) {
    var view = el("g", {"class": "view"}, svg);
    var nodes = [path.entry_point].concat(path.steps.map(function (s) { return s.to; }));
    var pos = nodes.map(function (_, i) { return {x: 80 + i * 200, y: 110 + (i % 2) * 50}; });
    path.steps.forEach(function (step, i) {
      var a = pos[i], b = pos[i + 1];
      el("line", {x1: a.x, y1: a.y, x2: b.x, y2: b.y, "marker-end": "url(#arrow)"}, view);
      var label = el("text", {x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 - 8, "class": "edge-label",
        "text-anchor": "middle"}, view);
      var rules = step.findings.map(function (f) { return f.rule_id; }).join(",");
      label.textContent = step.kind + " " + step.ease + (rules ? " [" + rules + "]" : "");
    });
    nodes.forEach(function (n, i) {
      var role = i === 0 ? "entry" : (i === nodes.length - 1 ? "jewel" : "mid");
      var g = el("g", {"class": "node " + role, "data-id": n.id, transform: "translate(" + pos[i].x + "," + pos[i].y + ")"}, view);
      el("circle", {r: 18}, g);
      var t = el("text", {y: 34, "text-anchor": "middle"}, g);
      t.textContent = n.name;
      var k = el("text", {y: -24, "text-anchor": "middle"}, g);
      k.textContent = n.kind;
      g.addEventListener("click", function (ev) {
        ev.stopPropagation();
        Array.prototype.forEach.call(svg.querySelectorAll(".node"), function (o) { o.classList.remove("selected"); });
        g.classList.add("selected");
        var step = i > 0 ? path.steps[i - 1] : null;
        var lines = [n.kind + ": " + n.name, "id: " + n.id, "source: " + n.source];
        if (step) {
          lines.push("reached by: " + step.kind + " (ease " + step.ease + (step.via ? ", via " + step.via : "") + ")");
          step.findings.forEach(function (f) { lines.push("finding: " + f.rule_id + " " + f.severity); });
        } else {
          lines.push("entry point: " + path.entry_point.title);
          path.entry_point.findings.forEach(function (r) { lines.push("finding: " + r); });
        }
        details.textContent = lines.join("\n");
      });
    });
    var defs = el("defs", {}, svg);
    var marker = el("marker", {id: "arrow", viewBox: "0 0 10 10", refX: 28, refY: 5, markerWidth: 8,
      markerHeight: 8, orient: "auto-start-reverse"}, defs);
    el("path", {d: "M 0 0 L 10 5 L 0 10 z", fill: "#6b7385"}, marker);
    var state = {x: 0, y: 0, k: 1, drag: null};
    function apply() { view.setAttribute("transform", "translate(" + state.x + "," + state.y + ") scale(" + state.k + ")"); }
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

  Array.prototype.forEach.call(document.querySelectorAll("svg.graph"), function (svg) {
    var i = Number(svg.getAttribute("data-path"));
    draw(svg, data.paths[i], document.querySelector('[data-details="' + i + '"]'));
  });
})();
