/* zhongtai console, order pages: the fulfilment board's refresh and actions, print, the overview charts. */
(function () {
  "use strict";

  var FONT = '"PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", system-ui, sans-serif';
  var BRAND = "#0f766e";
  var DANGER = "#b91c1c";
  var PALETTE = ["#0f766e", "#c2410c", "#2563eb", "#7c3aed", "#ca8a04"];

  /* The board refreshes every 15 s (htmx), but not while someone is typing into a card or has a form open:
     the refresh would throw away what they typed. */
  window.boardIdle = function () {
    var board = document.getElementById("board"), active = document.activeElement;
    if (!board || document.hidden) { return false; }
    var typing = active && board.contains(active) && active.matches("input, textarea, select");
    return !typing && !board.querySelector("details[open]");
  };

  /* htmx swaps 2xx answers only. A console action that fails answers with its error status and the partial
     to show (marked X-Console-Partial), so the message appears where the clerk is looking. */
  function swapErrorPartials() {
    document.body.addEventListener("htmx:beforeSwap", function (e) {
      var xhr = e.detail.xhr;
      if (xhr.status >= 400 && xhr.getResponseHeader("X-Console-Partial")) {
        e.detail.shouldSwap = true;
        e.detail.isError = false;
      }
    });
    document.body.addEventListener("htmx:afterRequest", function (e) {
      var box = document.getElementById("htmx-error"), xhr = e.detail.xhr;
      if (!box || !xhr) { return; }
      var failed = !e.detail.successful && !xhr.getResponseHeader("X-Console-Partial");
      box.hidden = !failed;
      if (failed) { box.textContent = box.getAttribute("data-message"); }
    });
  }

  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  /* --- overview charts --------------------------------------------------------------------------- */

  /* data-rendered="true" tells people and tests that the chart has finished drawing. */
  function mount(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return null; }
    var chart = echarts.init(el, null, {renderer: "canvas"});
    chart.on("finished", function () { el.setAttribute("data-rendered", "true"); });
    chart.setOption(option);
    return chart;
  }

  function npsChart(data) {
    var L = data.labels, d = data.nps;
    if (!d.names.length) { return null; }
    var bars = d.values.map(function (v) { return {value: v, itemStyle: {color: v < 0 ? DANGER : BRAND}}; });
    return mount("nps-chart", {
      textStyle: {fontFamily: FONT},
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}, formatter: function (params) {
        var p = params[0], esc = echarts.format.encodeHTML;
        return "<b>" + esc(p.name) + "</b><br>" + esc(L.nps) + " " + p.value + "<br>" +
               esc(L.responses) + " " + d.responses[p.dataIndex];
      }},
      grid: {left: 8, right: 24, top: 36, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: d.names, axisLabel: {interval: 0, rotate: d.names.length > 5 ? 30 : 0}},
      yAxis: {type: "value", min: -100, max: 100, name: L.nps, splitLine: {lineStyle: {type: "dashed"}}},
      series: [{name: L.nps, type: "bar", data: bars, barMaxWidth: 36,
                label: {show: true, position: "top", formatter: "{c}"}}]
    });
  }

  function channelChart(data) {
    var L = data.labels;
    if (!data.channels.length) { return null; }
    var slices = data.channels.map(function (c) { return {name: L.channels[c.key] || c.key, value: c.value}; });
    return mount("channel-chart", {
      textStyle: {fontFamily: FONT}, color: PALETTE,
      tooltip: {trigger: "item", formatter: "{b}: {c} ({d}%)"},
      legend: {bottom: 0},
      series: [{name: L.orders, type: "pie", radius: ["36%", "66%"], center: ["50%", "45%"], data: slices,
                label: {position: "inside", formatter: "{c}", color: "#fff", fontWeight: "bold"}}]
    });
  }

  function charts() {
    var el = document.getElementById("overview-chart-data");
    if (!el) { return; }
    var data = JSON.parse(el.textContent);
    var drawn = [npsChart(data), channelChart(data)].filter(Boolean);
    window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
  }

  function init() {
    swapErrorPartials();
    autosubmit();
    printButtons();
    charts();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
