// onestamp ratings: draws the dashboard charts with ECharts from the JSON in each
// element's data-chart attribute. No inline script (the Content-Security-Policy forbids it);
// without JavaScript the tables beside the charts carry the same figures.
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var palette = ["#1a7f37", "#b42318", "#1f5fa8", "#9a6700", "#59636e"];

  function option(d) {
    switch (d.type) {
      case "line":
        return {
          color: palette, tooltip: { trigger: "axis" }, legend: {},
          grid: { left: 40, right: 16, top: 36, bottom: 28 },
          xAxis: { type: "category", data: d.x }, yAxis: { type: "value", minInterval: 1 },
          series: d.series.map(function (s) { return { name: s.name, type: "line", smooth: true, data: s.data }; })
        };
      case "pie":
        return {
          color: ["#1a7f37", "#4cae6a", "#9a6700", "#e8793a", "#b42318"], tooltip: { trigger: "item" },
          legend: { bottom: 0 },
          series: [{ type: "pie", radius: ["35%", "65%"], data: d.data, label: { formatter: "{b}: {c}" } }]
        };
      case "bar":
        return {
          color: ["#1f5fa8"], tooltip: { trigger: "axis", valueFormatter: function (v) { return v + (d.unit || ""); } },
          grid: { left: 150, right: 24, top: 8, bottom: 24 },
          xAxis: { type: "value", max: d.unit === "%" ? 100 : null },
          yAxis: { type: "category", data: d.names, axisLabel: { width: 140, overflow: "truncate" } },
          series: [{ type: "bar", data: d.values }]
        };
      case "stack":
        return {
          color: ["#1f5fa8", "#b42318"], tooltip: { trigger: "axis" }, legend: {},
          grid: { left: 40, right: 16, top: 36, bottom: 28 },
          xAxis: { type: "category", data: d.x }, yAxis: { type: "value", minInterval: 1 },
          series: d.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
        };
    }
    return null;
  }

  var charts = [];
  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
    var d;
    try { d = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
    var o = option(d);
    if (!o) { return; }
    el.style.height = d.type === "bar" ? Math.max(220, 28 * (d.names || []).length + 40) + "px" : "300px";
    var c = echarts.init(el, null, { renderer: "svg" });
    c.setOption(o);
    charts.push(c);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
