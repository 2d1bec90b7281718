/* zhongtai console: draws the stores charts from the JSON the server embedded in the page. */
(function () {
  "use strict";

  var FONT = '"PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", system-ui, sans-serif';
  var STORE_COLOR = "#0f766e";
  var WAREHOUSE_COLOR = "#c2410c";

  function readData() {
    var el = document.getElementById("stores-chart-data");
    return el ? JSON.parse(el.textContent) : null;
  }

  /* Axis bounds a little wider than the data, on round steps, so every tick label is a tidy number. */
  function niceAxis(values) {
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    var pad = Math.max((hi - lo) * 0.1, 0.01);
    var raw = (hi - lo + 2 * pad) / 5, unit = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * unit; }).filter(function (v) { return v >= raw; })[0];
    var digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    var round = function (v) { return +v.toFixed(digits); };
    return {min: round(Math.floor((lo - pad) / step) * step), max: round(Math.ceil((hi + pad) / step) * step),
            interval: step, axisLabel: {formatter: function (v) { return v.toFixed(digits); }}};
  }

  function tooltip(params) {
    var d = params.data, esc = echarts.format.encodeHTML;
    return "<b>" + esc(d.name) + "</b><br>" + esc(d.code) + (d.address ? " · " + esc(d.address) : "");
  }

  /* Labels point away from the middle of the map, so names at the edges are not cut off. */
  function siteSeries(name, sites, symbol, color, midLon, labels) {
    var data = sites.map(function (s) {
      return Object.assign({label: {position: s.value[0] > midLon ? "left" : "right"}}, s);
    });
    return {
      name: name, type: "scatter", data: data, symbol: symbol, symbolSize: symbol === "circle" ? 12 : 16,
      itemStyle: {color: color, borderColor: "#fff", borderWidth: 1},
      label: {show: labels, formatter: "{b}", fontSize: 11, color: "#334155"},
      labelLayout: {hideOverlap: true}, emphasis: {focus: "self", label: {fontWeight: "bold"}}
    };
  }

  /* On a phone the names would cover the points; the tooltip still names each one. */
  function mapOption(data, narrow) {
    var L = data.labels, sites = data.sites;
    var byKind = function (kind) { return sites.filter(function (s) { return s.kind === kind; }); };
    var coord = function (i) { return sites.length ? sites.map(function (s) { return s.value[i]; }) : [0]; };
    var axis = function (name, values) {
      return Object.assign({type: "value", name: name, nameLocation: "middle", nameGap: 36,
                            splitLine: {lineStyle: {type: "dashed"}}}, niceAxis(values));
    };
    var x = axis(L.longitude, coord(0)), mid = (x.min + x.max) / 2;
    return {
      textStyle: {fontFamily: FONT}, legend: {top: 0}, tooltip: {trigger: "item", formatter: tooltip},
      grid: {left: 64, right: 24, top: 36, bottom: 48},
      xAxis: x, yAxis: axis(L.latitude, coord(1)),
      series: [siteSeries(L.store, byKind("store"), "circle", STORE_COLOR, mid, !narrow),
               siteSeries(L.warehouse, byKind("warehouse"), "diamond", WAREHOUSE_COLOR, mid, !narrow)]
    };
  }

  function districtOption(data) {
    var L = data.labels, d = data.districts;
    var names = d.names.map(function (n) { return n || L.noDistrict; });
    var bar = function (name, values, color) {
      return {name: name, type: "bar", stack: "sites", data: values, itemStyle: {color: color}, barMaxWidth: 36};
    };
    return {
      textStyle: {fontFamily: FONT}, legend: {top: 0},
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      grid: {left: 40, right: 16, top: 36, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: names, axisLabel: {interval: 0, rotate: names.length > 5 ? 30 : 0}},
      yAxis: {type: "value", minInterval: 1},
      series: [bar(L.store, d.stores, STORE_COLOR), bar(L.warehouse, d.warehouses, WAREHOUSE_COLOR)]
    };
  }

  /* data-rendered="true" tells people and tests that the chart has finished drawing. */
  function mount(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return null; }
    var chart = echarts.init(el, null, {renderer: "canvas"});
    chart.on("finished", function () { el.setAttribute("data-rendered", "true"); });
    chart.setOption(option);
    return chart;
  }

  function init() {
    var data = readData();
    if (!data) { return; }
    var narrow = window.matchMedia("(max-width: 720px)").matches;
    var charts = [mount("stores-map", mapOption(data, narrow)), mount("stores-by-district", districtOption(data))];
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { if (c) { c.resize(); } });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
