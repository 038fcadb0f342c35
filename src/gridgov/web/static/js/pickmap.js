// The report page's map picker: the reporter's villages and grids (a county user's townships and villages) as
// outlines; tapping the map puts the point there and fills longitude and latitude; typed or GPS coordinates move
// the point; a name typed in the search box (from the outlines' names) centres the map on that area and puts the
// point at its middle. Names reach the page as text only (option values), never markup.
(function () {
  "use strict";
  var el = document.getElementById("pick-map");
  var form = document.getElementById("report-form");
  if (!el || !form || !window.L) return;
  var lon = form.elements.lon, lat = form.elements.lat;
  var search = form.querySelector('[data-testid="place-search"]');
  var list = document.getElementById("place-list");
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: !!el.dataset.tileUrl });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  var point = null;
  var areas = {};

  function place(latlng, pan) {
    if (!point) {
      point = L.circleMarker(latlng, { radius: 9, weight: 3, color: "#ffffff", fillColor: "#c0392b", fillOpacity: 1,
                                       className: "pick-point" }).addTo(map);
    } else {
      point.setLatLng(latlng);
    }
    point.bringToFront();
    if (pan) map.panTo(latlng);
    el.dataset.picked = latlng.lng.toFixed(6) + "," + latlng.lat.toFixed(6);
  }

  function fill(latlng) {
    lon.value = latlng.lng.toFixed(6);
    lat.value = latlng.lat.toFixed(6);
    place(latlng, false);
  }

  function typed() {
    var x = parseFloat(lon.value), y = parseFloat(lat.value);
    if (isFinite(x) && isFinite(y)) place(L.latLng(y, x), true);
  }
  lon.addEventListener("change", typed);
  lat.addEventListener("change", typed);
  map.on("click", function (event) { fill(event.latlng); });

  search.addEventListener("change", function () {
    var layer = areas[search.value.trim()];
    if (!layer) return;
    map.fitBounds(layer.getBounds(), { padding: [12, 12], maxZoom: 16 });
    fill(layer.getBounds().getCenter());
  });

  fetch(el.dataset.boundaries, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { return r.ok ? r.json() : { features: [] }; })
    .then(function (data) {
      var features = data.features || [];
      var layer = L.geoJSON(features, {
        style: function (feature) {
          var coarse = feature.properties.kind === "township";
          return coarse
            ? { className: "area-outline township", color: "#5f6f80", weight: 1.6, opacity: 0.8, fill: false }
            : { className: "area-outline", color: "#8795a3", weight: 0.8, opacity: 0.7, fillColor: "#e9eef3", fillOpacity: 0.15 };
        },
        onEachFeature: function (feature, shape) {
          var name = feature.properties.name;
          if (areas[name]) name = name + " " + feature.properties.code; // two areas of one name stay apart
          areas[name] = shape;
          var option = document.createElement("option");
          option.value = name;
          list.appendChild(option);
          shape.on("click", function (event) { fill(event.latlng); });
        }
      }).addTo(map);
      var bounds = layer.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [8, 8] });
      else map.setView([30.05, 119.95], 10);
      typed();
      el.dataset.loaded = String(features.length);
    })
    .catch(function () {
      map.setView([30.05, 119.95], 10);
      el.dataset.loaded = "error";
    });
})();
