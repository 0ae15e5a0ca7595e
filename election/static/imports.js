// The progress bar of an import job: polls its status until it ends, then shows the result.
(function () {
  "use strict";
  var box = document.getElementById("import-state");
  if (!box || (box.dataset.status !== "running")) return;
  var url = box.dataset.statusUrl;
  function fmt(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "."); }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        var bar = document.getElementById("import-progress");
        if (bar) { bar.max = s.rows_total || 1; bar.value = s.rows_done; }
        var count = document.getElementById("import-count");
        if (count) count.textContent = fmt(s.rows_done) + " / " + fmt(s.rows_total) + " dòng (" + s.percent + ")";
        document.getElementById("import-label").textContent = s.label;
        if (s.status === "running") { setTimeout(poll, 1000); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
