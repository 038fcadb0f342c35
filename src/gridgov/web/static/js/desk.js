// Case detail: each allowed action is a small form posted to the JSON API with the CSRF header, then the page reloads.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var box = document.querySelector('[data-testid="case-actions"]');
  if (!box) return;

  function errorText(body, status) {
    if (body && Array.isArray(body.detail)) {
      return body.detail.map(function (d) { return d.msg || JSON.stringify(d); }).join("；");
    }
    if (body && typeof body.detail === "string") return body.detail;
    return "HTTP " + status;
  }

  function payload(form) {
    var data = { action: form.dataset.action, comment: "" };
    var fields = form.elements;
    for (var i = 0; i < fields.length; i++) {
      var el = fields[i];
      if (!el.name) continue;
      var value = (el.value || "").trim();
      if (el.name === "days") { if (value) data.days = parseInt(value, 10); }
      else if (el.name === "comment") data.comment = value;
      else if (value) data[el.name] = value;
    }
    return data;
  }

  box.querySelectorAll("form.action-form").forEach(function (form) {
    var error = form.querySelector(".error");
    var button = form.querySelector('button[type="submit"]');
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      error.hidden = true;
      if (!form.reportValidity()) return;
      button.disabled = true;
      fetch("/api/v1/cases/" + encodeURIComponent(form.dataset.number) + "/actions", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(payload(form)),
      })
        .then(function (response) {
          if (response.ok) { window.location.reload(); return null; }
          return response.json().catch(function () { return null; }).then(function (body) {
            throw new Error(errorText(body, response.status));
          });
        })
        .catch(function (err) {
          error.textContent = err instanceof TypeError ? box.dataset.textNetwork : err.message;
          error.hidden = false;
          button.disabled = false;
        });
    });
  });
})();
