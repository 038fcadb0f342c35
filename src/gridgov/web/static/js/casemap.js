// Case desk map: the cases of the current page (the table rows) as markers coloured by urgency, over light
// outlines of the user's townships and grids. Rows and markers are linked: hovering either highlights both,
// clicking a marker opens its popup (number, category, state, link) and shows its row, clicking a row opens
// the marker's popup. Only the rows on the page are drawn, so the map never carries more than one page.
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  if (!el || !window.L) return;
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: !!el.dataset.tileUrl });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  var RADIUS = 7, ACTIVE_RADIUS = 11;
  var rows = Array.prototype.slice.call(document.querySelectorAll('[data-testid="cases"] tbody tr[data-number]'));
  var markers = {};
  var group = L.featureGroup().addTo(map);

  function plain(value) { // data reach the DOM as text only (a category name is never markup)
    var span = document.createElement("span");
    span.textContent = value == null ? "" : String(value);
    return span;
  }

  function popup(row) {
    var box = document.createElement("div");
    box.className = "case-popup";
    var number = document.createElement("strong");
    number.className = "mono";
    number.textContent = row.dataset.number;
    var category = document.createElement("div");
    category.textContent = row.dataset.category;
    var state = document.createElement("div");
    var badge = document.createElement("span");
    badge.className = "state state-" + row.dataset.state;
    badge.textContent = row.dataset.stateLabel;
    state.appendChild(badge);
    var link = document.createElement("a");
    link.href = "/cases/" + encodeURIComponent(row.dataset.number);
    link.textContent = el.dataset.openText || row.dataset.number;
    link.setAttribute("data-testid", "popup-link");
    box.append(number, category, state, link);
    return box;
  }

  function highlight(number, on) {
    var marker = markers[number];
    rows.forEach(function (row) { if (row.dataset.number === number) row.classList.toggle("is-active", on); });
    if (!marker) return;
    marker.setRadius(on ? ACTIVE_RADIUS : RADIUS);
    var path = marker.getElement();
    if (path) path.classList.toggle("is-active", on);
    if (on) marker.bringToFront();
  }

  rows.forEach(function (row) {
    var lat = parseFloat(row.dataset.lat), lon = parseFloat(row.dataset.lon);
    if (!isFinite(lat) || !isFinite(lon)) return;
    var number = row.dataset.number;
    var marker = L.circleMarker([lat, lon], {
      radius: RADIUS,
      weight: 1.5,
      color: "#ffffff",
      fillOpacity: 0.95,
      className: "case-marker marker-" + (row.dataset.colour || "none")
    });
    marker.on("add", function () { marker.getElement().setAttribute("data-number", number); });
    marker.bindPopup(popup(row), { autoPan: true });
    marker.bindTooltip(plain(number + " " + row.dataset.category), { direction: "top", offset: [0, -6] });
    marker.on("mouseover", function () { highlight(number, true); });
    marker.on("mouseout", function () { if (!marker.isPopupOpen()) highlight(number, false); });
    marker.on("popupopen", function () {
      highlight(number, true);
      row.scrollIntoView({ block: "nearest" });
    });
    marker.on("popupclose", function () { highlight(number, false); });
    markers[number] = marker.addTo(group);
    row.addEventListener("mouseenter", function () { highlight(number, true); });
    row.addEventListener("mouseleave", function () { if (!marker.isPopupOpen()) highlight(number, false); });
    row.addEventListener("click", function (event) {
      if (event.target.closest("a")) return;  // the number link opens the case
      map.panTo(marker.getLatLng());
      marker.openPopup();
    });
  });
  el.dataset.markers = String(Object.keys(markers).length);

  function outlines(url) {
    if (!url) return Promise.resolve(null);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (data) {
        var features = data.features || [];
        if (!features.length) return null;
        var layer = L.geoJSON(features, {
          interactive: false,
          style: function (feature) {
            var township = feature.properties.kind === "township";
            return township
              ? { className: "area-outline township", color: "#5f6f80", weight: 1.6, opacity: 0.8, fillColor: "#e9eef3", fillOpacity: 0.25 }
              : { className: "area-outline grid", color: "#8795a3", weight: 0.7, opacity: 0.6, dashArray: "3 3", fill: false };
          }
        }).addTo(map);
        layer.bringToBack();
        return layer;
      });
  }

  outlines(el.dataset.boundaries).then(function (areas) {
    var bounds = group.getLayers().length ? group.getBounds() : null;
    if (areas) bounds = bounds ? bounds.extend(areas.getBounds()) : areas.getBounds();
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 15 });
    else map.setView([30.05, 119.95], 10);
    group.eachLayer(function (m) { m.bringToFront(); });
    el.dataset.loaded = "true";
  }).catch(function (error) {
    if (group.getLayers().length) map.fitBounds(group.getBounds(), { padding: [16, 16], maxZoom: 15 });
    else map.setView([30.05, 119.95], 10);
    el.dataset.loaded = "error";
    var message = document.createElement("p");
    message.className = "error map-error";
    message.textContent = (el.dataset.errorText || "") + " " + error;
    el.insertBefore(message, el.firstChild);
  });
})();
