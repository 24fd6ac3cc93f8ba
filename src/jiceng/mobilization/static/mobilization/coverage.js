// Refresh the coverage table from coverage.json every few seconds (no page reload).
(function () {
  var table = document.querySelector("[data-coverage]");
  if (!table) return;
  var url = table.getAttribute("data-coverage");
  var every = parseInt(table.getAttribute("data-every"), 10) * 1000;
  var fields = ["needed", "signed", "arrived", "gap"];
  function put(row, values) {
    fields.forEach(function (f) {
      var cell = row && row.querySelector("[data-f=" + f + "]");
      if (cell) cell.textContent = values[f];
    });
    if (row) row.classList.toggle("short", values.gap > 0);
  }
  function refresh() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        data.rows.forEach(function (n) { put(table.querySelector("tr[data-need='" + n.id + "']"), n); });
        put(table.querySelector("tr[data-total]"), data.totals);
        var stamp = document.querySelector("[data-refreshed]");
        if (stamp) stamp.textContent = data.at;
      })
      .catch(function () {});
  }
  setInterval(refresh, every);
})();
