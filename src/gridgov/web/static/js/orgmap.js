// Org browser map: the current node's children as polygons (no basemap needed); click to drill down.
(function () {
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: !!el.dataset.tileUrl });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  function plain(value) { // data reach the DOM as text only (a name is never markup)
    var span = document.createElement("span");
    span.textContent = value == null ? "" : String(value);
    return span;
  }
  var palette = ["#2f6fb3", "#3a9b6b", "#c8842b", "#8a5cc2", "#c25c7a", "#4b9fb0", "#7d8f2e", "#b4572c"];
  function style(feature) {
    var i = 0, code = feature.properties.code;
    for (var k = 0; k < code.length; k++) i = (i * 31 + code.charCodeAt(k)) % palette.length;
    return { color: "#ffffff", weight: 1, fillColor: palette[i], fillOpacity: 0.55 };
  }
  function load(url, withLinks) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (data) {
        var features = data.type === "Feature" ? [data] : (data.features || []);
        if (!features.length) return null;
        return L.geoJSON(features, {
          interactive: withLinks,
          style: withLinks ? style : function () { return { color: "#333", weight: 2, fill: false }; },
          onEachFeature: function (feature, layer) {
            if (!withLinks) return;
            layer.bindTooltip(plain(feature.properties.name), { sticky: true });
            layer.on("click", function () { window.location.href = "/org/" + feature.properties.code; });
          }
        }).addTo(map);
      });
  }
  var node = el.dataset.node, childKind = el.dataset.childKind;
  var outline = load("/api/v1/org/nodes/" + node + "/boundary", false);
  var children = childKind ? load("/api/v1/geo/boundaries?parent=" + node + "&kind=" + childKind, true) : Promise.resolve(null);
  Promise.all([outline, children]).then(function (layers) {
    var bounds = null;
    layers.forEach(function (layer) { if (layer) bounds = bounds ? bounds.extend(layer.getBounds()) : layer.getBounds(); });
    if (bounds) map.fitBounds(bounds, { padding: [8, 8] }); else map.setView([30.05, 119.95], 10);
    el.dataset.loaded = "true";
  }).catch(function (error) {
    el.dataset.loaded = "error";
    var message = document.createElement("p");
    message.className = "error map-error";
    message.textContent = (el.dataset.errorText || "") + " " + error;
    el.insertBefore(message, el.firstChild);
  });
})();
