/* zhongtai console, finance page: liabilities at each month's end (stacked bars) and breakage (line). */
(function () {
  "use strict";

  var FONT = '"PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", system-ui, sans-serif';
  var PALETTE = ["#0f766e", "#5eead4", "#2563eb", "#ca8a04", "#b91c1c", "#c2410c", "#7c3aed"];  /* bars, then lines */

  function draw() {
    var el = document.getElementById("finance-chart"), src = document.getElementById("finance-chart-data");
    if (!el || !src || !window.echarts) { return; }
    var d = JSON.parse(src.textContent), L = d.labels;
    var stacked = d.liabilities.map(function (s) {
      return {name: L[s.key], type: "bar", stack: "liability", data: s.values, barMaxWidth: 36};
    });
    var lines = d.breakage.map(function (s) {
      return {name: L[s.key], type: "line", yAxisIndex: 1, data: s.values, symbolSize: 6};
    });
    var chart = echarts.init(el, null, {renderer: "canvas"});
    /* data-rendered="true" tells people and tests that the chart has finished drawing. */
    chart.on("finished", function () { el.setAttribute("data-rendered", "true"); });
    chart.setOption({
      color: PALETTE, textStyle: {fontFamily: FONT},
      tooltip: {trigger: "axis", valueFormatter: function (v) { return "¥" + Number(v).toFixed(2); }},
      legend: {top: 0, type: "scroll"},
      grid: {left: 8, right: 8, top: 48, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: d.months},
      yAxis: [{type: "value", name: L.liability, splitLine: {lineStyle: {type: "dashed"}}},
              {type: "value", name: L.breakage, splitLine: {show: false}}],
      series: stacked.concat(lines)
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
