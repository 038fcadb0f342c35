// Charts of the carbon pages (ECharts, data in data- attributes: no inline script). The band chart shows each
// capacity band's members and its head group's intensity; the trend chart an enterprise's monthly emissions,
// a missing month as a gap (never a zero).
(function () {
  if (!window.echarts) return;
  var bandEl = document.getElementById("band-chart");
  if (bandEl) {
    var bands = JSON.parse(bandEl.dataset.bands || "[]");
    var chart = echarts.init(bandEl, null, { renderer: "svg" });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 56, top: 36, bottom: 48 },
      xAxis: { type: "category", data: bands.map(function (b) { return b.band; }), axisLabel: { interval: 0, fontSize: 10 } },
      yAxis: [{ type: "value", name: bandEl.dataset.labelMembers }, { type: "value", name: "t/万元" }],
      series: [
        { name: bandEl.dataset.labelMembers, type: "bar", data: bands.map(function (b) { return b.members; }),
          label: { show: true, position: "top", fontSize: 10, formatter: function (p) { return bands[p.dataIndex].model || ""; } } },
        { name: bandEl.dataset.labelIntensity, type: "line", yAxisIndex: 1,
          data: bands.map(function (b) { return b.intensity === null ? null : Math.round(b.intensity * 10000) / 10000; }) }
      ]
    });
    bandEl.dataset.loaded = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  }
  var trendEl = document.getElementById("trend-chart");
  if (trendEl) {
    var months = JSON.parse(trendEl.dataset.trend || "[]");
    var trend = echarts.init(trendEl, null, { renderer: "svg" });
    trend.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 56, right: 16, top: 24, bottom: 40 },
      xAxis: { type: "category", data: months.map(function (m) { return m.month; }) },
      yAxis: { type: "value", name: "t" },
      series: [{ name: trendEl.dataset.labelEmissions, type: "line", connectNulls: false,
        data: months.map(function (m) { return m.emissions === null ? null : Math.round(m.emissions * 10) / 10; }) }]
    });
    trendEl.dataset.loaded = "true";
    window.addEventListener("resize", function () { trend.resize(); });
  }
})();
