// Coverage map (雨量站覆盖): every rain gauge with its 2 km circle (and, toggled on, its 200 m circle), every risk
// zone in the user's area as a dot coloured by the distance to its nearest gauge (≤200 m / ≤2 km / >2 km). A click
// on a zone (on the map or in the table) shows its nearest gauges with their distances and draws lines to them; from
// the table, the map also turns to the zone and those gauges.
// The data come from /api/v1/warnings/coverage/map as of the page's date; the circles are drawn on a canvas.
(function () {
  var el = document.getElementById("coverage-map");
  if (!el || !window.L) return;
  var labels = {};
  try { labels = JSON.parse(el.dataset.labels || "{}"); } catch (e) { labels = {}; }
  var asOf = el.dataset.asOf || "";
  var near = parseFloat(el.dataset.near || "200"), far = parseFloat(el.dataset.far || "2000");
  var bands = { near: "#2e7d32", far: "#e89a0c", beyond: "#d62728" };
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: !!el.dataset.tileUrl });
  map.setView([30.0, 119.8], 10);
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  var canvas = L.canvas({ padding: 0.2 });
  // Data reach the DOM as text only: elements built here, never strings parsed as HTML; colours set through
  // element.style (the CSP allows no style attributes in markup).
  function node(tag, className, content) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (content != null) e.textContent = String(content);
    return e;
  }
  function json(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }
  function query(params) {
    if (asOf) params.as_of = asOf;
    return Object.keys(params).map(function (k) { return k + "=" + encodeURIComponent(params[k]); }).join("&");
  }
  function metres(m) { return m == null ? "—" : Math.round(m).toLocaleString() + " " + (labels.metres || "m"); }

  Promise.all([
    json("/api/v1/geo/boundaries?kind=township"),
    json("/api/v1/warnings/coverage/map?" + query({}))
  ]).then(function (got) {
    var outlines = got[0], data = got[1] || { gauges: [], zones: [] };
    if (outlines && outlines.features && outlines.features.length) {
      L.geoJSON(outlines, { interactive: false, style: function () { return { color: "#8a939b", weight: 1, fill: false }; } }).addTo(map);
    }
    var farLayer = L.layerGroup(), nearLayer = L.layerGroup(), gaugeLayer = L.layerGroup(), zoneLayer = L.layerGroup();
    var gaugeAt = {};
    data.gauges.forEach(function (g) {
      gaugeAt[g.code] = [g.lat, g.lon];
      L.circle([g.lat, g.lon], {
        radius: far, renderer: canvas, interactive: false, weight: 0.6, color: "#1f77b4", opacity: 0.45,
        fillColor: "#1f77b4", fillOpacity: 0.05
      }).addTo(farLayer);
      L.circle([g.lat, g.lon], {
        radius: near, renderer: canvas, interactive: false, weight: 1, color: "#0b3d66", dashArray: "3 3", fill: false
      }).addTo(nearLayer);
      L.circleMarker([g.lat, g.lon], {
        radius: 2.5, renderer: canvas, weight: 0, fillColor: "#263238", fillOpacity: 0.9
      }).bindTooltip(node("span", null, g.code + " · " + (labels.commissioned || "") + " " + (g.commissioned || ""))).addTo(gaugeLayer);
    });
    map.createPane("zones").style.zIndex = 620;
    var lines = L.layerGroup().addTo(map);
    var markers = {}, bounds = [], count = { near: 0, far: 0, beyond: 0 };
    var order = { near: 0, far: 1, beyond: 2 };
    data.zones.slice().sort(function (a, b) { return order[a.band] - order[b.band]; }).forEach(function (z) {
      count[z.band] += 1;
      var marker = L.circleMarker([z.lat, z.lon], {
        radius: z.band === "near" ? 3 : 4.5, weight: 1, color: "#fff", fillColor: bands[z.band], fillOpacity: 0.95,
        className: "cov-zone band-" + z.band + " zone-" + z.code, pane: "zones"
      }).addTo(zoneLayer);
      marker.bindTooltip(node("span", null, z.name + " · " + metres(z.distance_m)), { sticky: true });
      marker.on("click", function () { show(z.code); });
      markers[z.code] = marker;
      bounds.push([z.lat, z.lon]);
    });

    function show(code, fit) {
      var marker = markers[code];
      if (!marker) return;
      json("/api/v1/warnings/coverage/zones?" + query({ code: code, limit: 1 })).then(function (page) {
        var z = page && page.items && page.items[0];
        if (!z) return;
        lines.clearLayers();
        var table = node("table");
        z.gauges.forEach(function (g, i) {
          if (gaugeAt[g.code]) {
            L.polyline([[z.lat, z.lon], gaugeAt[g.code]], {
              color: i === 0 ? "#263238" : "#78909c", weight: i === 0 ? 2 : 1, dashArray: i === 0 ? null : "4 4", interactive: false
            }).addTo(lines);
          }
          var tr = node("tr");
          tr.append(node("td", null, (i + 1) + "."), node("td", "mono", g.code), node("td", "num", metres(g.distance_m)));
          table.appendChild(tr);
        });
        var box = node("div", "cov-popup");
        box.setAttribute("data-testid", "zone-popup");
        box.dataset.zone = z.code;
        var nearest = node("div");
        nearest.appendChild(node("b", null, labels.nearest || ""));
        box.append(node("b", null, z.name), node("br"), node("span", "mono small", z.code), " · " + (z.township_name || ""),
          node("br"), node("i", "cov-swatch band-" + z.band), labels["band_" + z.band] || z.band, nearest,
          z.gauges.length ? table : (labels.none || ""));
        if (fit) { // the zone and its nearest gauges in view, with their circles
          var around = [[z.lat, z.lon]].concat(z.gauges.filter(function (g) { return gaugeAt[g.code]; })
            .map(function (g) { return gaugeAt[g.code]; }));
          map.fitBounds(around, { padding: [60, 60], maxZoom: 15, animate: false });
        }
        marker.bindPopup(box, { maxWidth: 320 }).openPopup();
        el.dataset.selected = z.code;
      });
    }
    document.querySelectorAll(".js-zone").forEach(function (a) {
      a.addEventListener("click", function (event) {
        event.preventDefault();
        show(a.dataset.zone, true);
      });
    });

    farLayer.addTo(map);
    gaugeLayer.addTo(map);
    zoneLayer.addTo(map);
    var overlays = {};
    overlays[labels.far || "2 km"] = farLayer;
    overlays[labels.near || "200 m"] = nearLayer;
    overlays[labels.gauges || "gauges"] = gaugeLayer;
    overlays[labels.zones || "zones"] = zoneLayer;
    L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(map);
    map.on("overlayadd overlayremove", function () { el.dataset.nearCircles = String(map.hasLayer(nearLayer)); });
    el.dataset.nearCircles = "false";

    var legend = L.control({ position: "bottomleft" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "cov-legend");
      div.appendChild(node("b", null, labels.zones || ""));
      ["near", "far", "beyond"].forEach(function (b) {
        var dot = node("i");
        dot.style.background = bands[b];
        div.append(dot, (labels["band_" + b] || b) + " (" + count[b] + ")", node("br"));
      });
      var gauges = node("b");
      gauges.append(node("i", "gauge"), (labels.gauges || "") + " (" + data.gauges.length + ")");
      div.append(gauges, node("i", "ring"), labels.far || "", node("br"), node("i", "ring near"), labels.near || "");
      return div;
    };
    legend.addTo(map);

    if (bounds.length) map.fitBounds(bounds, { padding: [12, 12] });
    el.dataset.zones = String(data.zones.length);
    el.dataset.gauges = String(data.gauges.length);
    el.dataset.countNear = String(count.near);
    el.dataset.countFar = String(count.far);
    el.dataset.countBeyond = String(count.beyond);
    el.dataset.loaded = "true";
  });
})();
