// Mobile report page: category, description, photo preview, GPS (or typed lon/lat), POST to the JSON API.
// When the network is down the report waits in localStorage, its photo in IndexedDB, and both are sent on the next
// `online` event or page load.
(function () {
  "use strict";
  var QUEUE_KEY = "gridgov.report.queue";
  var RETRY_MS = 15000;
  var root = document.getElementById("report");
  var form = document.getElementById("report-form");
  if (!root || !form) return;
  var text = root.dataset;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var result = root.querySelector('[data-testid="report-result"]');
  var queueBox = root.querySelector('[data-testid="report-queue"]');
  var errorBox = form.querySelector('[data-testid="report-error"]');
  var gpsStatus = form.querySelector('[data-testid="gps-status"]');
  var preview = form.querySelector('[data-testid="photo-preview"]');
  var submit = form.querySelector('[data-testid="report-submit"]');
  var flushing = false;
  var retryTimer = null;

  // --- the queue ------------------------------------------------------------------------------------------
  function readQueue() {
    try {
      var items = JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) {
      return [];
    }
  }
  function writeQueue(items) {
    if (items.length) localStorage.setItem(QUEUE_KEY, JSON.stringify(items));
    else localStorage.removeItem(QUEUE_KEY);
    showQueue();
  }
  function showQueue() {
    var count = readQueue().length;
    queueBox.hidden = count === 0;
    queueBox.textContent = count ? text.textPending.replace("{count}", count) : "";
    queueBox.dataset.count = String(count);
    if (count && retryTimer === null) retryTimer = window.setInterval(flush, RETRY_MS);
    if (!count && retryTimer !== null) { window.clearInterval(retryTimer); retryTimer = null; }
  }

  // --- queued photos: IndexedDB holds the file itself (localStorage holds only text) -------------------------
  var photos = (function () {
    function open() {
      return new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
        var request = indexedDB.open("gridgov-report", 1);
        request.onupgradeneeded = function () { request.result.createObjectStore("photos"); };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    function run(mode, work) {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction("photos", mode);
          var request = work(tx.objectStore("photos"));
          tx.oncomplete = function () { db.close(); resolve(request.result); };
          tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
        });
      });
    }
    return {
      put: function (id, file) {
        return run("readwrite", function (s) { return s.put({ blob: file, name: file.name, type: file.type }, id); });
      },
      get: function (id) { return run("readonly", function (s) { return s.get(id); }); },
      remove: function (id) { return run("readwrite", function (s) { return s.delete(id); }).catch(function () {}); },
    };
  })();

  /** The queued report's photo, uploaded to its new case, then forgotten. */
  function sendQueuedPhoto(item, number) {
    if (!item.photo) return Promise.resolve();
    return photos.get(item.id).then(function (stored) {
      if (!stored) return null;
      return upload(number, new File([stored.blob], stored.name, { type: stored.type }));
    }, function () { return null; }).then(function () { return photos.remove(item.id); });
  }

  // --- sending --------------------------------------------------------------------------------------------
  function errorText(body, status) {
    if (body && Array.isArray(body.detail)) {
      return body.detail.map(function (d) { return d.msg || JSON.stringify(d); }).join("；");
    }
    if (body && typeof body.detail === "string") return body.detail;
    return "HTTP " + status;
  }

  /** Resolves to the created case; rejects with {network: true} when the request never reached the server. */
  function send(payload) {
    return fetch("/api/v1/cases", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(payload),
    }).then(
      function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          if (response.ok) return body;
          throw { network: false, status: response.status, message: errorText(body, response.status) };
        });
      },
      function () { throw { network: true }; }
    );
  }

  function showResult(message, number) {
    result.textContent = "";
    result.className = "report-result ok";
    var parts = message.split("{number}");
    result.appendChild(document.createTextNode(parts[0]));
    if (number) {
      var link = document.createElement("a");
      link.href = "/cases/" + encodeURIComponent(number);
      link.textContent = number;
      link.className = "mono";
      link.dataset.testid = "report-number";
      result.appendChild(link);
    }
    if (parts.length > 1) result.appendChild(document.createTextNode(parts[1]));
    result.hidden = false;
  }
  function showQueued() {
    result.textContent = text.textQueued;
    result.className = "report-result queued";
    result.hidden = false;
  }
  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function flush() {
    if (flushing) return Promise.resolve();
    var items = readQueue();
    if (!items.length) { showQueue(); return Promise.resolve(); }
    flushing = true;
    var item = items[0];
    return send(item.payload).then(
      function (created) {
        writeQueue(readQueue().filter(function (other) { return other.id !== item.id; }));
        showResult(text.textFlushed, created && created.number);
        return sendQueuedPhoto(item, created && created.number).then(function () {
          flushing = false;
          return flush();
        });
      },
      function (err) {
        flushing = false;
        if (err.network || err.status === 401 || err.status === 403 || err.status >= 500) {
          showQueue(); // keep it for later: offline, signed out, or the server is unwell
          if (!err.network) showError(text.textFailed + err.message);
          return null;
        }
        // the server refused this report for good (e.g. the point lies outside the area): drop it, say why
        writeQueue(readQueue().filter(function (other) { return other.id !== item.id; }));
        photos.remove(item.id);
        showError(text.textFailed + err.message);
        return flush();
      }
    );
  }

  /** Attach the photo to the new case; a failure is shown but does not undo the report. */
  function upload(number, file) {
    var body = new FormData();
    body.append("file", file, file.name);
    return fetch("/api/v1/cases/" + encodeURIComponent(number) + "/attachments", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
      body: body,
    }).then(function (response) {
      if (!response.ok) {
        return response.json().catch(function () { return null; }).then(function (b) {
          showError(errorText(b, response.status));
        });
      }
    }, function () { showError(text.textPhotoFailed || ""); });
  }

  // --- the form -------------------------------------------------------------------------------------------
  function payload() {
    var f = form.elements;
    var description = f.description.value.trim();
    return {
      category: f.category.value,
      description: description,
      lon: parseFloat(f.lon.value),
      lat: parseFloat(f.lat.value),
      address: f.address.value.trim() || null,
    };
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    showError("");
    if (!form.reportValidity()) return;
    var data = payload();
    var photo = form.elements.photo.files && form.elements.photo.files[0];
    submit.disabled = true;
    result.hidden = true;
    send(data).then(
      function (created) {
        showResult(text.textSent, created.number);
        if (photo) upload(created.number, photo);
        form.reset();
        preview.hidden = true;
        submit.disabled = false;
      },
      function (err) {
        submit.disabled = false;
        if (err.network) {
          var id = Date.now() + "-" + Math.random().toString(36).slice(2);
          var kept = photo ? photos.put(id, photo).then(function () { return true; }, function () { return false; })
                           : Promise.resolve(false);
          kept.then(function (stored) {
            // without IndexedDB the queued report can only name its photo
            if (photo && !stored) data.description += "\n" + text.textPhoto.replace("{name}", photo.name);
            var items = readQueue();
            items.push({ id: id, queued_at: new Date().toISOString(), payload: data, photo: stored ? photo.name : null });
            writeQueue(items);
            showQueued();
          });
          form.reset();
          preview.hidden = true;
        } else {
          showError(err.message);
        }
      }
    );
  });

  form.elements.photo.addEventListener("change", function () {
    var file = this.files && this.files[0];
    if (preview.src) URL.revokeObjectURL(preview.src);
    if (file) {
      preview.src = URL.createObjectURL(file);
      preview.alt = file.name;
      preview.hidden = false;
    } else {
      preview.removeAttribute("src");
      preview.hidden = true;
    }
  });

  // --- GPS ------------------------------------------------------------------------------------------------
  function locate(explicit) {
    var lon = form.elements.lon, lat = form.elements.lat;
    if (!navigator.geolocation) { gpsStatus.textContent = text.textNoGps; return; }
    gpsStatus.textContent = text.textLocating;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        if (explicit || (!lon.value && !lat.value)) {
          lon.value = position.coords.longitude.toFixed(6);
          lat.value = position.coords.latitude.toFixed(6);
          lon.dispatchEvent(new Event("change")); // the map picker follows
        }
        gpsStatus.textContent = text.textLocated.replace("{accuracy}", Math.round(position.coords.accuracy));
      },
      function () { gpsStatus.textContent = text.textNoGps; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }
  form.querySelector('[data-testid="report-locate"]').addEventListener("click", function () { locate(true); });

  window.addEventListener("online", flush);
  showQueue();
  locate(false);
  if (navigator.onLine !== false) flush();
})();
