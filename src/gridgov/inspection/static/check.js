// Mobile check page: the checklist's answers, GPS and a photo reference POSTed to /api/v1/inspections/checks.
// Offline, the check waits in localStorage (with the phone's client_id, so a check sent twice is recorded once)
// and is sent on the next `online` event or page load, as the core's mobile report page does.
(function () {
  "use strict";
  var QUEUE_KEY = "gridgov.inspection.queue";
  var root = document.getElementById("check");
  var form = document.getElementById("check-form");
  if (!root || !form) return;
  var text = root.dataset;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var result = root.querySelector('[data-testid="check-result"]');
  var queueBox = root.querySelector('[data-testid="check-queue"]');
  var errorBox = form.querySelector('[data-testid="check-error"]');
  var gps = form.querySelector('[data-testid="gps-status"]');
  var position = null;

  function readQueue() {
    try { var q = JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); return Array.isArray(q) ? q : []; }
    catch (e) { return []; }
  }
  function writeQueue(items) {
    if (items.length) localStorage.setItem(QUEUE_KEY, JSON.stringify(items)); else localStorage.removeItem(QUEUE_KEY);
    queueBox.hidden = items.length === 0;
    queueBox.textContent = items.length ? text.textPending.replace("{count}", items.length) : "";
    queueBox.dataset.count = String(items.length);
  }
  function errorText(body, status) {
    if (body && Array.isArray(body.detail)) return body.detail.map(function (d) { return d.msg; }).join("；");
    return "HTTP " + status;
  }
  function send(payload) {
    return fetch("/api/v1/inspections/checks", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.ok) return body;
        throw { network: false, status: response.status, message: errorText(body, response.status) };
      });
    }, function () { throw { network: true }; });
  }
  function shown(created) {
    var count = (created && created.findings) ? created.findings.length : 0;
    result.textContent = count ? text.textFindings.replace("{count}", count) : text.textSent;
    result.hidden = false;
  }
  function flush() {
    var items = readQueue();
    if (!items.length) { writeQueue(items); return; }
    send(items[0]).then(function (created) {
      writeQueue(readQueue().slice(1)); shown(created); flush();
    }, function (err) {
      if (!err.network && err.status < 500 && err.status !== 401 && err.status !== 403) {
        writeQueue(readQueue().slice(1)); errorBox.textContent = text.textFailed + err.message; errorBox.hidden = false;
      }
    });
  }
  function answers() {
    var out = {};
    form.querySelectorAll("fieldset[data-item]").forEach(function (set) {
      var code = set.dataset.item, kind = set.dataset.kind, value = null;
      if (kind === "yes_no") { var c = set.querySelector("input:checked"); value = c ? c.value : null; }
      else { var el = set.querySelector("input, select"); value = el ? el.value : null; }
      if (kind === "number" && value !== null && value !== "") value = parseFloat(value);
      if (value !== null && value !== "") out[code] = value;
    });
    return out;
  }
  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (p) {
      position = p.coords; gps.textContent = p.coords.longitude.toFixed(5) + ", " + p.coords.latitude.toFixed(5);
    }, function () { gps.textContent = ""; }, { timeout: 10000 });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    errorBox.hidden = true;
    var photo = form.elements.photo.files && form.elements.photo.files[0];
    var payload = {
      place_id: parseInt(root.dataset.place, 10), answers: answers(), photos: photo ? [photo.name] : [],
      note: form.elements.note.value.trim() || null, checked_at: new Date().toISOString(),
      client_id: Date.now() + "-" + Math.random().toString(36).slice(2),
      lon: position ? position.longitude : null, lat: position ? position.latitude : null
    };
    send(payload).then(function (created) { shown(created); form.reset(); }, function (err) {
      if (err.network) {
        var items = readQueue(); items.push(payload); writeQueue(items);
        result.textContent = text.textQueued; result.hidden = false; form.reset();
      } else { errorBox.textContent = err.message; errorBox.hidden = false; }
    });
  });
  window.addEventListener("online", flush);
  writeQueue(readQueue());
  flush();
})();
