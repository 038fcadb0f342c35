// The page shell: the menu button of narrow screens, the inbox's unread badge, and live regions.
// Live regions: an element with data-live="replace" (its id required) takes the same element of the page as
// fetched again every data-live-seconds (default 30) while the tab is visible; data-live="notice" leaves the
// element alone and shows its data-live-notice text with a reload link when the fresh copy differs.
(function () {
  "use strict";
  var script = document.currentScript;
  var topbar = document.querySelector(".topbar");
  var toggle = document.querySelector(".menu-toggle");
  if (toggle && topbar) {
    toggle.addEventListener("click", function () {
      var open = topbar.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  function every(seconds, task) {
    var run = function () { if (!document.hidden) task(); };
    run();
    return window.setInterval(run, seconds * 1000);
  }

  var unreadUrl = script && script.dataset.unreadUrl;
  if (unreadUrl) {
    every(30, function () {
      fetch(unreadUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          document.querySelectorAll("[data-unread]").forEach(function (badge) {
            badge.textContent = data.unread > 99 ? "99+" : String(data.unread);
            badge.hidden = !data.unread;
          });
        })
        .catch(function () { /* offline: keep the last count */ });
    });
  }

  document.querySelectorAll("[data-live][id]").forEach(function (region) {
    var seconds = parseInt(region.dataset.liveSeconds || "30", 10);
    var first = true;
    every(seconds, function () {
      if (first) { first = false; return; }
      fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
          if (!fresh || fresh.textContent === region.textContent) return;
          if (region.dataset.live === "replace") {
            region.replaceChildren.apply(region, Array.prototype.slice.call(fresh.childNodes));
            region.dispatchEvent(new CustomEvent("live:replaced", { bubbles: true }));
          } else {
            notice(region);
          }
          region.dataset.liveUpdated = new Date().toISOString();
        })
        .catch(function () { /* offline: try again next round */ });
    });
  });

  function notice(region) {
    if (region.previousElementSibling && region.previousElementSibling.classList.contains("live-notice")) return;
    var bar = document.createElement("p");
    bar.className = "live-notice";
    bar.setAttribute("role", "status");
    bar.setAttribute("data-testid", "live-notice");
    bar.textContent = (region.dataset.liveNotice || "") + " ";
    var link = document.createElement("a");
    link.href = window.location.href;
    link.textContent = region.dataset.liveReload || "↻";
    bar.appendChild(link);
    region.parentNode.insertBefore(bar, region);
  }
})();
