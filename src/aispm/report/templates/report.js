(function () {
  "use strict";
  var search = document.getElementById("search");
  if (!search) { return; }
  var showSuppressed = document.getElementById("show-suppressed");
  var shownLabel = document.getElementById("shown");
  var noMatch = document.getElementById("no-match");
  var buttons = Array.prototype.slice.call(document.querySelectorAll("button.filter"));
  var groups = Array.prototype.slice.call(document.querySelectorAll(".sev-group"));
  var severity = "all";

  function apply() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var total = 0;
    var shown = 0;
    groups.forEach(function (group) {
      var inGroup = 0;
      group.querySelectorAll(".finding").forEach(function (finding) {
        var text = finding.getAttribute("data-search") || "";
        var ok = (severity === "all" || finding.getAttribute("data-sev") === severity) &&
          (showSuppressed.checked || finding.getAttribute("data-suppressed") !== "true") &&
          words.every(function (word) { return text.indexOf(word) !== -1; });
        finding.hidden = !ok;
        total += 1;
        if (ok) { inGroup += 1; }
      });
      group.hidden = inGroup === 0;
      shown += inGroup;
    });
    buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-sev") === severity));
    });
    shownLabel.textContent = shown + " of " + total + " shown";
    noMatch.hidden = shown !== 0;
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      severity = button.getAttribute("data-sev");
      apply();
    });
  });
  search.addEventListener("input", apply);
  showSuppressed.addEventListener("change", apply);
  apply();
})();
