// The cockpit (数字驾驶舱): live counters, the map of the area's townships/villages/grids coloured by the chosen
// indicator, the children table with ranks and flags, trends and categories (ECharts) and the overdue cases.
// Everything comes aggregated from the server (the page's JSON, then /api/v1/evaluation/cockpit): the browser
// never receives case rows beyond the ten overdue ones. Clicking a township or village drills down; the links
// lead to the case desk (/cases?township=…) or to the list of a village's cases.
(function () {
  "use strict";
  var root = document.getElementById("cockpit");
  var dataEl = document.getElementById("cockpit-data");
  if (!root || !dataEl || !window.L) return;
  var state = JSON.parse(dataEl.textContent);
  var indicatorSelect = document.getElementById("indicator");
  var mapEl = document.getElementById("cockpit-map");
  var map = L.map(mapEl, { zoomSnap: 0.25, attributionControl: !!root.dataset.tileUrl });
  if (root.dataset.tileUrl) L.tileLayer(root.dataset.tileUrl, { attribution: root.dataset.tileAttribution || "" }).addTo(map);
  var areaLayer = null;
  var trend = window.echarts ? echarts.init(document.getElementById("trend-chart")) : null;
  var majors = window.echarts ? echarts.init(document.getElementById("major-chart")) : null;
  var say = root.dataset;  // the page's language: labels come from the catalogue through data attributes
  var LEVEL_NAMES = { township: say.levelTownship, village: say.levelVillage, grid: say.levelGrid };
  var PALETTE = ["#e8f1fa", "#c4dcf0", "#8dbbe0", "#4f93c9", "#2064a8", "#0b3d78"];
  // Chart tooltips drawn by ECharts itself (rich text), not as HTML: category names cannot become markup and
  // the tooltip needs no inline style attributes (the CSP allows none).
  var TOOLTIP = { trigger: "axis", renderMode: "richText" };
  var RATE = { close_rate: 1, on_time_close_rate: 1, handle_rate: 1, on_time_handle_rate: 1, rework_rate: 1 };

  function text(el, value) { el.textContent = value == null ? "—" : String(value); }
  function plain(value) { // for Leaflet tooltips: an element with the text, never a string parsed as HTML
    var span = document.createElement("span");
    span.textContent = value == null ? "" : String(value);
    return span;
  }
  function byCode() { var m = {}; state.children.forEach(function (c) { m[c.code] = c; }); return m; }
  function value(child) { return child ? child[state.indicator] : null; }
  function formatted(child) {
    var v = value(child);
    if (v == null) return "—";
    if (RATE[state.indicator]) {
      var parts = child[state.indicator + "_parts"];
      return v.toFixed(2) + "%" + (parts ? " (" + parts[0] + "/" + parts[1] + ")" : "");
    }
    return state.indicator === "score" ? v.toFixed(2) : String(v);
  }
  function scale() {
    var values = state.children.map(value).filter(function (v) { return v != null; });
    var lo = Math.min.apply(null, values.concat([Infinity])), hi = Math.max.apply(null, values.concat([-Infinity]));
    return function (v) {
      if (v == null || !isFinite(lo)) return "#f1f3f5";
      var t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
      var reverse = state.indicator === "rework_rate";
      if (reverse) t = 1 - t;
      return PALETTE[Math.min(PALETTE.length - 1, Math.floor(t * PALETTE.length))];
    };
  }

  function casesUrl() {
    var a = state.area;
    if (a.kind === "township") return "/cases?township=" + encodeURIComponent(a.code);
    if (a.kind === "village") {
      var month = state.trend.months[state.trend.months.length - 1];
      return "/evaluation/cases?level=village&count=due_close&period=" + month + "&key=" + encodeURIComponent(a.code);
    }
    return "/cases";
  }

  function renderHead() {
    text(root.querySelector('[data-testid="cockpit-area"]'), state.area.name);
    var crumbs = root.querySelector('[data-testid="cockpit-crumbs"]');
    crumbs.textContent = "";
    state.breadcrumbs.forEach(function (c, i) {
      if (i) { var sep = document.createElement("span"); sep.className = "sep"; sep.textContent = "›"; crumbs.appendChild(sep); }
      var a = document.createElement("a");
      a.href = "/cockpit?area=" + encodeURIComponent(c.code);
      a.dataset.area = c.code;
      a.textContent = c.name;
      a.addEventListener("click", function (e) { e.preventDefault(); drill(c.code); });
      crumbs.appendChild(a);
    });
    document.getElementById("cases-link").href = casesUrl();
    var level = state.area.kind === "county" ? "township" : state.area.kind;
    document.getElementById("indicators-link").href = "/evaluation?level=" + state.child_level +
      (state.area.kind === "county" ? "" : "&parent=" + state.area.code) + "&period=" + state.period;
    document.getElementById("ranking-link").href = "/evaluation/ranking?level=" + state.child_level +
      (state.area.kind === "county" ? "" : "&parent=" + state.area.code) + "&period=" + state.period;
    text(document.getElementById("period-label"), state.period_label);
    text(document.getElementById("child-level"), LEVEL_NAMES[state.child_level] || level);
    Object.keys(state.counters).forEach(function (k) {
      var el = root.querySelector('[data-counter="' + k + '"]');
      if (el) text(el, state.counters[k]);
    });
    (state.tiles || []).forEach(function (tile) {  // the modules' counters, as text
      root.querySelectorAll(".counter-tile").forEach(function (el) {
        if (el.dataset.tile !== tile.key) return;
        text(el.querySelector("b"), tile.total);
        text(el.querySelector(".tile-parts"), tile.parts.map(function (p) { return p[0] + " " + p[1]; }).join(" · "));
      });
    });
  }

  function renderChildren() {
    var body = document.getElementById("children-body");
    body.textContent = "";
    var live = state.indicator === "open" || state.indicator === "overdue";  // columns of their own already
    var head = document.getElementById("indicator-head");
    text(head, live ? "" : state.indicators[state.indicator]);
    head.hidden = live;
    var rows = state.children.slice().sort(function (a, b) {
      var va = value(a), vb = value(b);
      if (va == null) return 1; if (vb == null) return -1; return vb - va;
    });
    rows.forEach(function (c) {
      var tr = document.createElement("tr");
      tr.dataset.code = c.code;
      var name = document.createElement("td");
      var link = document.createElement("a");
      link.href = state.child_level === "grid" ? "#" : "/cockpit?area=" + encodeURIComponent(c.code);
      link.textContent = c.name;
      link.dataset.testid = "child-link";
      link.setAttribute("data-testid", "child-link");
      name.appendChild(link);
      if (c.flag) { var f = document.createElement("span"); f.className = "flag flag-" + c.flag; f.textContent = c.flag === "red" ? "红旗" : "黄旗"; name.appendChild(document.createTextNode(" ")); name.appendChild(f); }
      var cells = [name];
      [c.open, c.overdue, formatted(c), c.rank == null ? "—" : c.rank].forEach(function (v, i) {
        var td = document.createElement("td"); td.className = "num"; td.hidden = live && i === 2; text(td, v); cells.push(td);
      });
      cells.forEach(function (td) { tr.appendChild(td); });
      if (state.child_level !== "grid") {
        tr.addEventListener("click", function (e) { e.preventDefault(); drill(c.code); });
      }
      body.appendChild(tr);
    });
    var note = document.getElementById("evaluation-note");
    note.textContent = state.evaluated
      ? say.noteEvaluated.replace("{period}", state.period_label).replace("{scheme}", state.scheme)
      : say.notePending;
  }

  function renderMap(fit) {
    var colour = scale(), codes = byCode();
    if (!areaLayer) return;
    areaLayer.eachLayer(function (layer) {
      var child = codes[layer.feature.properties.code];
      layer.setStyle({ fillColor: colour(value(child)), fillOpacity: 0.85, color: "#ffffff", weight: 1.2 });
      layer.setTooltipContent(plain(layer.feature.properties.name + say.colon + formatted(child)));
    });
    if (fit && areaLayer.getLayers().length) map.fitBounds(areaLayer.getBounds(), { padding: [10, 10] });
    var legend = document.getElementById("map-legend");
    legend.textContent = "";
    legend.appendChild(document.createTextNode(state.indicators[state.indicator] + say.colon + say.low));
    PALETTE.forEach(function (c) { var s = document.createElement("span"); s.className = "legend-swatch"; s.style.background = c; legend.appendChild(s); });
    legend.appendChild(document.createTextNode(say.high));
  }

  function loadAreas() {
    var url = "/api/v1/geo/boundaries?kind=" + state.child_level + "&simplify=0.001" +
      (state.area.kind === "county" ? "" : "&parent=" + encodeURIComponent(state.area.code));
    mapEl.dataset.loaded = "false";
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (data) {
        if (areaLayer) map.removeLayer(areaLayer);
        var codes = {};
        state.children.forEach(function (c) { codes[c.code] = true; });
        areaLayer = L.geoJSON({ type: "FeatureCollection", features: (data.features || []).filter(function (f) { return codes[f.properties.code]; }) }, {
          style: function (feature) { return { className: "area area-" + feature.properties.code }; },
          onEachFeature: function (feature, layer) {
            layer.bindTooltip(plain(feature.properties.name), { sticky: true });
            layer.on("add", function () { var el = layer.getElement(); if (el) el.setAttribute("data-code", feature.properties.code); });
            if (state.child_level !== "grid") layer.on("click", function () { drill(feature.properties.code); });
          }
        }).addTo(map);
        renderMap(true);
        if (!areaLayer.getLayers().length) map.setView([30.05, 119.95], 10);
        mapEl.dataset.loaded = "true";
      })
      .catch(function () { mapEl.dataset.loaded = "error"; map.setView([30.05, 119.95], 10); });
  }

  function renderCharts() {
    if (trend) {
      trend.setOption({
        tooltip: TOOLTIP, legend: { data: ["受理", "结案"], top: 0 },
        grid: { left: 40, right: 12, top: 30, bottom: 24 },
        xAxis: { type: "category", data: state.trend.months },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "受理", type: "bar", data: state.trend.received, itemStyle: { color: "#4f93c9" } },
          { name: "结案", type: "line", data: state.trend.closed, smooth: true, itemStyle: { color: "#b8322a" } }
        ]
      }, true);
    }
    if (majors) {
      majors.setOption({
        tooltip: TOOLTIP, grid: { left: 110, right: 16, top: 8, bottom: 20 },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: state.majors.map(function (m) { return m.name; }) },
        series: [{ name: "在办", type: "bar", data: state.majors.map(function (m) { return m.open; }), itemStyle: { color: "#2064a8" } }]
      }, true);
    }
    var body = document.getElementById("overdue-body");
    body.textContent = "";
    state.overdue.forEach(function (c) {
      var tr = document.createElement("tr"), a = document.createElement("a");
      a.href = "/cases/" + encodeURIComponent(c.number); a.className = "mono"; a.textContent = c.number;
      var td = document.createElement("td"); td.appendChild(a); tr.appendChild(td);
      var cat = document.createElement("td"); text(cat, c.category_code + (c.escalation_level ? " 督办" : "")); tr.appendChild(cat);
      var due = document.createElement("td"); due.className = "nowrap"; text(due, c.deadline_at ? new Date(c.deadline_at).toLocaleString("zh-CN", { hour12: false }) : "—"); tr.appendChild(due);
      body.appendChild(tr);
    });
  }

  function render(fit) { renderHead(); renderChildren(); renderMap(fit); renderCharts(); }

  function fetchCockpit(code, withPush) {
    var url = "/api/v1/evaluation/cockpit?indicator=" + encodeURIComponent(state.indicator) + (code ? "&area=" + encodeURIComponent(code) : "");
    root.dataset.evaluated = "false";
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (payload) {
        var areaChanged = payload.area.code !== state.area.code || payload.child_level !== state.child_level;
        state = payload;
        if (withPush) history.pushState({ area: state.area.code }, "", "/cockpit?area=" + encodeURIComponent(state.area.code));
        render(false);
        root.dataset.evaluated = "true";
        root.dataset.area = state.area.code;
        return areaChanged ? loadAreas() : null;
      });
  }

  function drill(code) { return fetchCockpit(code, true); }

  indicatorSelect.addEventListener("change", function () { state.indicator = indicatorSelect.value; renderChildren(); renderMap(false); });
  window.addEventListener("popstate", function (e) { fetchCockpit(e.state && e.state.area, false); });
  window.addEventListener("resize", function () { if (trend) trend.resize(); if (majors) majors.resize(); });
  root.dataset.area = state.area.code;
  render(false);
  loadAreas().then(function () { return fetchCockpit(state.area.code, false); }).catch(function () { root.dataset.evaluated = "error"; });
})();
