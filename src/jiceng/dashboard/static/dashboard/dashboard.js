/* Charts of the dashboard and the big screen, drawn with the locally served ECharts from the
   figures embedded in the page (#dashboard-data). Tables stay on the page: they are the
   fallback and carry the same links. The big screen polls its JSON and updates in place. */
(function () {
  "use strict";
  var root = document.body.dataset;
  var dark = root.theme === "dark";
  var theme = dark ? "dark" : null;
  var palette = ["#b3261e", "#e08e0b", "#2f6f9f", "#3f8f5f", "#8e5ea2", "#c46a3a", "#5a6b7a", "#d4a017"];
  var charts = [];
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);

  function go(href) { if (href) { window.location.href = href; } }

  function rowsOf(el, d) {
    var source = el.dataset.source === "orgs" ? d.orgs : d.members;
    return source[el.dataset.chart] || [];
  }

  function option(el, rows) {
    var base = { color: palette, backgroundColor: "transparent", animationDuration: 400,
                 textStyle: { fontSize: dark ? 16 : 12 } };
    var items = rows.map(function (r) { return { name: r.label, value: r.n, href: r.href }; });
    if (el.dataset.type === "pie") {
      base.tooltip = { trigger: "item", formatter: "{b}：{c}（{d}%）" };
      var counts = {};
      items.forEach(function (i) { counts[i.name] = i.value; });
      // Page cards are narrow: a legend below instead of labels around the ring.
      base.legend = dark ? undefined : { type: "scroll", bottom: 0, formatter: function (n) { return n + " " + counts[n]; } };
      base.series = [{ type: "pie", radius: dark ? ["35%", "68%"] : ["30%", "58%"], center: ["50%", dark ? "50%" : "42%"],
                       data: items, label: { show: dark, formatter: "{b} {c}", fontSize: 16 } }];
    } else {
      base.tooltip = { trigger: "axis" };
      base.grid = { left: 8, right: 44, top: 8, bottom: 8, containLabel: true };
      base.xAxis = { type: "value", minInterval: 1, splitNumber: 3, axisLabel: { hideOverlap: true } };
      base.yAxis = { type: "category", inverse: true, data: items.map(function (i) { return i.name; }),
                     axisLabel: { fontSize: dark ? 15 : 12 } };
      base.series = [{ type: "bar", data: items, label: { show: true, position: "right" } }];
    }
    return base;
  }

  function draw(d) {
    document.querySelectorAll(".chart").forEach(function (el) {
      var rows = rowsOf(el, d);
      var chart = echarts.getInstanceByDom(el);
      if (!chart) {
        el.style.height = Math.max(el.dataset.type === "pie" ? 220 : 120, 28 * rows.length + 24) + "px";
        chart = echarts.init(el, theme, { renderer: "canvas" });
        chart.on("click", function (p) { go(p.data && p.data.href); });
        charts.push(chart);
      }
      chart.setOption(option(el, rows), { replaceMerge: ["series"] });
    });
  }

  // The map of the children, coloured by the chosen figure.
  var mapEl = document.getElementById("map");
  var mapChart = null;
  var select = document.getElementById("map-figure");
  var mapNames = {};

  function drawMap(d) {
    if (!mapChart) { return; }
    var key = select ? select.value : "party_members";
    var values = d.children.map(function (c) { return { name: c.name, value: c[key], href: c.href }; });
    // The colour scale spans the children drawn on the map (units without an area are left out).
    var numbers = values.filter(function (v) { return mapNames[v.name]; })
      .map(function (v) { return v.value; }).filter(function (v) { return v !== null && v !== undefined; });
    mapChart.setOption({
      backgroundColor: "transparent",
      tooltip: { trigger: "item", formatter: function (p) { return p.name + "：" + (p.value === undefined || isNaN(p.value) ? "—" : p.value); } },
      visualMap: { min: numbers.length ? Math.min.apply(null, numbers) : 0, max: numbers.length ? Math.max.apply(null, numbers) || 1 : 1,
                   left: 8, bottom: 8, calculable: true, inRange: { color: dark ? ["#1d3557", "#e63946"] : ["#fde7e4", "#8f1d16"] },
                   textStyle: { color: dark ? "#ddd" : "#333" } },
      series: [{ type: "map", map: "dashboard-" + d.node.id, roam: true, data: values, nameProperty: "name",
                 label: { show: true, fontSize: dark ? 14 : 11, color: dark ? "#fff" : "#222",
                          textBorderColor: dark ? "#0b1426" : "#fff", textBorderWidth: 2 },
                 emphasis: { label: { show: true } } }]
    }, { replaceMerge: ["series"] });
  }

  function loadMap() {
    if (!mapEl) { return; }
    fetch(mapEl.dataset.url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
      if (!geo.features || !geo.features.length) { return; }
      if (mapEl.hasAttribute("hidden")) { mapEl.removeAttribute("hidden"); }
      var card = mapEl.closest("[hidden]");
      if (card) { card.removeAttribute("hidden"); }
      geo.features.forEach(function (f) { mapNames[f.properties.name] = true; });
      echarts.registerMap("dashboard-" + data.node.id, geo);
      mapChart = echarts.init(mapEl, theme);
      mapChart.on("click", function (p) { go(p.data && p.data.href); });
      charts.push(mapChart);
      drawMap(data);
    });
  }

  if (select) { select.addEventListener("change", function () { drawMap(data); }); }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  draw(data);
  loadMap();
  // With charts drawn, the tables below them fold away (still one click from every list).
  document.querySelectorAll("details.cells-detail").forEach(function (d) { d.removeAttribute("open"); });

  var full = document.getElementById("fullscreen");
  if (full) {
    full.addEventListener("click", function () {
      if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen(); }
    });
  }
  // Big screen: the panels' box turns a page every few seconds when they do not all fit.
  var box = document.querySelector(".screen .panels");
  if (box) {
    setInterval(function () {
      if (box.scrollHeight <= box.clientHeight) { return; }
      var next = box.scrollTop + box.clientHeight - 24;
      box.scrollTo({ top: next >= box.scrollHeight - box.clientHeight + 1 ? 0 : next, behavior: "smooth" });
    }, 8000);
  }

  // Big screen: poll the figures and update numbers, tables and charts in place.
  function setText(sel, value) { var el = document.querySelector(sel); if (el) { el.textContent = value; } }
  if (root.poll) {
    var seconds = parseInt(root.refresh, 10) || 30;
    setInterval(function () {
      fetch(root.poll, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (d) {
        if (!d) { return; }
        data = d;
        Object.keys(d.figures).forEach(function (k) { setText('[data-figure="' + k + '"]', d.figures[k]); });
        document.querySelectorAll("[data-panel-cell]").forEach(function (el) {
          var parts = el.dataset.panelCell.split(":");
          d.panels.forEach(function (p) { if (p.key === parts[0]) { p.rows.forEach(function (r) {
            if (r.key === parts[1]) { el.textContent = r.n === null ? "—" : r.n; } }); } });
        });
        var body = document.querySelector("#children tbody");
        if (body && d.children.length) {
          var pctText = function (v) { return v === null || v === undefined ? "—" : v + "%"; };
          body.replaceChildren.apply(body, d.children.map(function (c) {
            var tr = document.createElement("tr");
            var cells = [c.name, c.party_members, c.full, c.probationary, c.orgs];
            if (!d.on) { cells.push(pctText(c.life_rate)); }
            cells.push(pctText(c.resolution_rate));
            cells.forEach(function (v) { var td = document.createElement("td"); td.textContent = v; tr.appendChild(td); });
            return tr;
          }));
        }
        setText("#updated", new Date().toLocaleTimeString("zh-CN", { hour12: false }));
        draw(d);
        drawMap(d);
      });
    }, seconds * 1000);
  }
})();
