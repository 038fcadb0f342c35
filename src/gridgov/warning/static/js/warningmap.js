// Warning board map: every risk zone in the user's area as a dot coloured by its active warning (warned zones on
// top, a click opens the warning), and the rain gauges as small squares shaded by their 24-hour rainfall
// (China's 24 h grades and map colours: 小雨 <10, 中雨 10–25, 大雨 25–50, 暴雨 50–100, 大暴雨 100–250,
// 特大暴雨 ≥250 mm).
(function () {
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: !!el.dataset.tileUrl });
  map.setView([30.0, 119.8], 10); // a view before any vector layer is added (Leaflet needs one)
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  var colours = { red: "#d62728", orange: "#ff7f0e", yellow: "#e6c700", blue: "#1f77b4" };
  var labels = {};
  try { labels = JSON.parse(el.dataset.colourLabels || "{}"); } catch (e) { labels = {}; }
  var grades = [ // the colours of China's precipitation maps (降水量等级色标)
    [250, "#800040", "≥250"], [100, "#fa00fa", "100–250"], [50, "#0000fe", "50–100"],
    [25, "#61b8ff", "25–50"], [10, "#3dba3d", "10–25"], [0.1, "#a6f28f", "0.1–10"], [0, "#e4e7ea", "0"]
  ];
  function grade(mm) {
    for (var i = 0; i < grades.length; i++) if (mm >= grades[i][0]) return grades[i];
    return grades[grades.length - 1];
  }
  function json(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }
  // Data reach the DOM as text only: elements built here, never strings parsed as HTML; colours set through
  // element.style (the CSP allows no style attributes in markup).
  function node(tag, className, content) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (content != null) e.textContent = String(content);
    return e;
  }
  function swatch(colour, className) { var i = node("i", className); i.style.background = colour; return i; }

  Promise.all([
    json("/api/v1/geo/boundaries?kind=township"),
    json("/api/v1/warnings/zones"),
    json("/api/v1/warnings/gauges")
  ]).then(function (got) {
    var outlines = got[0], zones = got[1] || [], gauges = got[2] || [];
    if (outlines && outlines.features && outlines.features.length) {
      L.geoJSON(outlines, { interactive: false, style: function () { return { color: "#8a939b", weight: 1, fill: false }; } }).addTo(map);
    }
    var gaugeLayer = L.layerGroup(), zoneLayer = L.layerGroup();
    map.createPane("zones").style.zIndex = 620; // zones above the gauges' markers (600), below tooltips (650)
    gauges.forEach(function (g) {
      var shade = node("span");
      shade.style.background = grade(g.rain_24h)[1];
      L.marker([g.lat, g.lon], {
        icon: L.divIcon({ className: "gauge", html: shade, iconSize: [11, 11] }),
        keyboard: false
      }).bindTooltip(node("span", null, g.code + " · 1h " + g.rain_1h.toFixed(1) + " mm · 24h " + g.rain_24h.toFixed(1) + " mm"))
        .addTo(gaugeLayer);
    });
    var quiet = [], warned = [];
    zones.forEach(function (z) { (z.colour ? warned : quiet).push(z); });
    var order = { blue: 1, yellow: 2, orange: 3, red: 4 };
    warned.sort(function (a, b) { return order[a.colour] - order[b.colour]; }); // red drawn last, on top
    var bounds = [];
    quiet.concat(warned).forEach(function (z) {
      var marker = L.circleMarker([z.lat, z.lon], {
        radius: z.colour ? 3 + order[z.colour] * 0.5 : 2, weight: z.colour ? 1 : 0, color: "#222",
        fillColor: colours[z.colour] || "#6b8e6b", fillOpacity: z.colour ? 0.95 : 0.55,
        className: "zone level-" + (z.colour || "none"), pane: "zones"
      }).addTo(zoneLayer);
      marker.bindTooltip(node("span", null, z.name + (z.colour ? " · " + (labels[z.colour] || z.colour) : "")), { sticky: true });
      if (z.warning_id) marker.on("click", function () { window.location.href = "/warnings/" + z.warning_id; });
      bounds.push([z.lat, z.lon]);
    });
    gaugeLayer.addTo(map);
    zoneLayer.addTo(map);
    var overlays = {};
    overlays[el.dataset.labelZones || "zones"] = zoneLayer;
    overlays[el.dataset.labelGauges || "gauges"] = gaugeLayer;
    L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(map);

    var legend = L.control({ position: "bottomleft" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "wb-legend");
      div.appendChild(node("b", null, el.dataset.labelZones || ""));
      ["red", "orange", "yellow", "blue"].forEach(function (c) {
        div.append(swatch(colours[c]), labels[c] || c, node("br"));
      });
      div.append(swatch("#6b8e6b"), el.dataset.labelNone || "", node("b", null, el.dataset.labelGauges || ""));
      grades.slice(0, grades.length - 1).forEach(function (g) {
        div.append(swatch(g[1], "sq"), g[2] + " mm", node("br"));
      });
      return div;
    };
    legend.addTo(map);

    if (bounds.length) map.fitBounds(bounds, { padding: [12, 12] });
    el.dataset.loaded = "true";
    el.dataset.zones = String(zones.length);
    el.dataset.warned = String(warned.length);
    el.dataset.gauges = String(gauges.length);
  });
})();
