// Rainfall of a warning's trigger gauge (ECharts): the 5-minute readings as bars and, for the window that
// triggered the warning, its rolling total as a line with the threshold marked. Times are shown in the
// county's zone (data-tz-offset minutes east of UTC), whatever the browser's zone.
(function () {
  var el = document.getElementById("rain-chart");
  if (!el || !window.echarts) return;
  var gauge = el.dataset.gauge;
  var hours = parseInt((el.dataset.window || "").replace("h", ""), 10);
  var threshold = parseFloat(el.dataset.threshold);
  var offset = (parseInt(el.dataset.tzOffset || "480", 10) || 0) * 60000;
  var colours = { red: "#d62728", orange: "#ff7f0e", yellow: "#c9a800", blue: "#1f77b4" };
  fetch("/api/v1/warnings/gauges/" + encodeURIComponent(gauge) + "/rainfall?hours=" + Math.max(24, hours || 0), {
    credentials: "same-origin", headers: { Accept: "application/json" }
  }).then(function (r) { return r.ok ? r.json() : []; }).then(function (points) {
    if (!points.length) {
      el.textContent = el.dataset.labelEmpty || "";
      el.style.height = "auto";
      el.dataset.loaded = "true";
      el.dataset.points = "0";
      return;
    }
    var times = points.map(function (p) { return Date.parse(p.time); });
    var bars = points.map(function (p, i) { return [times[i] + offset, p.mm]; });
    var series = [{
      name: el.dataset.labelInterval, type: "bar", data: bars, barMaxWidth: 6,
      itemStyle: { color: "#42a5f5" }, yAxisIndex: 0
    }];
    if (hours > 0) {
      var span = hours * 3600000, start = 0, sum = 0, rolling = [];
      for (var i = 0; i < points.length; i++) {
        sum += points[i].mm;
        while (times[start] <= times[i] - span) { sum -= points[start].mm; start++; }
        rolling.push([times[i] + offset, Math.round(sum * 10) / 10]);
      }
      var line = {
        name: (el.dataset.labelRolling || "").replace("{hours}", hours), type: "line", data: rolling,
        showSymbol: false, yAxisIndex: 1, lineStyle: { width: 2, color: "#37474f" }, itemStyle: { color: "#37474f" }
      };
      if (!isNaN(threshold)) {
        line.markLine = {
          symbol: "none", silent: true,
          lineStyle: { color: colours[el.dataset.colour] || "#d62728", type: "dashed", width: 2 },
          label: { formatter: (el.dataset.labelThreshold || "").replace("{mm}", threshold), position: "insideStartTop" },
          data: [{ yAxis: threshold }]
        };
      }
      series.push(line);
    }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      useUTC: true,
      grid: { left: 48, right: 56, top: 36, bottom: 40 },
      legend: { top: 0 },
      tooltip: { trigger: "axis", renderMode: "richText" }, // drawn by ECharts, not HTML with inline styles (CSP)
      xAxis: { type: "time", axisLabel: { hideOverlap: true } },
      yAxis: [
        { type: "value", name: "mm", splitLine: { lineStyle: { color: "#eef1f4" } } },
        { type: "value", name: "mm", splitLine: { show: false }, max: function (v) {
          var top = Math.max(v.max, threshold || 0) * 1.1, step = top > 100 ? 20 : 10;
          return Math.ceil(top / step) * step;
        } }
      ],
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.loaded = "true";
    el.dataset.points = String(points.length);
  });
})();
