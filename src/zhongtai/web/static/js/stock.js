/* zhongtai console, stock pages: rows that update live (Server-Sent Events), SKU suggestions, charts. */
(function () {
  "use strict";

  var FONT = '"PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", system-ui, sans-serif';
  var BRAND = "#0f766e";
  var ACCENT = "#c2410c";
  var MUTED = "#94a3b8";

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  /* The server's formatting.quantity: pieces with thousands separators, grams as "1.250 kg". */
  function formatQty(amount, unit) {
    if (unit !== "gram") { return amount.toLocaleString("en-US"); }
    var abs = Math.abs(amount), whole = Math.floor(abs / 1000), grams = abs % 1000;
    return (amount < 0 ? "-" : "") + whole.toLocaleString("en-US") + "." + String(grams).padStart(3, "0") + " kg";
  }

  function axisNumber(unit) {
    return function (v) {
      return unit === "gram" ? (v / 1000).toLocaleString("en-US", {maximumFractionDigits: 3}) : v.toLocaleString("en-US");
    };
  }

  /* --- live stock -------------------------------------------------------------------------------- */

  function setCell(row, field, text) {
    var cell = row.querySelector('[data-field="' + field + '"]');
    if (cell) { cell.textContent = text; }
  }

  /* One `stock_changed` event: new levels for a SKU at this store, if that SKU is on screen. */
  function applyChange(change) {
    var row = document.querySelector('#stock-table tr[data-sku-id="' + change.sku_id + '"]');
    if (!row) { return; }
    var last = row.getAttribute("data-event-id");
    if (last && change.event_id <= last) { return; }  // ids are UUIDv7 and sort by time: older news arrived late
    row.setAttribute("data-event-id", change.event_id);
    var unit = row.getAttribute("data-unit"), safety = Number(row.getAttribute("data-safety"));
    if (change.available > 0) {  // the event has no safety stock, but a positive available pins it down
      safety = change.on_hand - change.reserved - change.available;
      row.setAttribute("data-safety", String(safety));
      setCell(row, "safety", formatQty(safety, unit));
    }
    setCell(row, "on_hand", formatQty(change.on_hand, unit));
    setCell(row, "reserved", formatQty(change.reserved, unit));
    setCell(row, "available", formatQty(change.available, unit));
    var low = change.on_hand - change.reserved <= safety;
    row.classList.toggle("is-low", low);
    var badge = row.querySelector('[data-field="low"]');
    if (badge) { badge.hidden = !low; }
    row.classList.remove("flash");
    void row.offsetWidth;  // restart the animation when the same row changes again
    row.classList.add("flash");
  }

  function liveStock() {
    var indicator = document.getElementById("stock-live");
    if (!indicator) { return; }
    var show = function (state) {
      indicator.setAttribute("data-state", state);
      indicator.querySelector(".live-text").textContent = indicator.getAttribute("data-label-" + state);
    };
    if (!window.EventSource) { show("offline"); return; }
    var source = new EventSource(indicator.getAttribute("data-stream")), dropped = false;
    source.onopen = function () {
      show("live");
      if (dropped && window.htmx) { htmx.trigger("#stock-filters", "submit"); }  // catch up on missed changes
      dropped = false;
    };
    source.onerror = function () {
      dropped = true;
      show(source.readyState === EventSource.CLOSED ? "offline" : "connecting");
    };
    source.addEventListener("stock_changed", function (e) { applyChange(JSON.parse(e.data)); });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  /* --- forms ------------------------------------------------------------------------------------- */

  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  function closeSuggestions() {
    var list = document.getElementById("sku-suggestions"), input = document.getElementById("sku-input");
    if (list) { list.hidden = true; }
    if (input) { input.setAttribute("aria-expanded", "false"); }
  }

  function suggestions() {
    var input = document.getElementById("sku-input");
    if (!input) { return; }
    document.addEventListener("click", function (e) {
      var pick = e.target.closest("[data-fill-sku]");
      if (pick) {
        input.value = pick.getAttribute("data-fill-sku");
        closeSuggestions();
        input.focus();
      } else if (!e.target.closest(".sku-field")) {
        closeSuggestions();
      }
    });
    input.addEventListener("keydown", function (e) { if (e.key === "Escape") { closeSuggestions(); } });
    document.body.addEventListener("htmx:afterSettle", function () {
      var list = document.getElementById("sku-suggestions");
      input.setAttribute("aria-expanded", list && !list.hidden ? "true" : "false");
    });
  }

  /* --- charts ------------------------------------------------------------------------------------ */

  /* data-rendered="true" tells people and tests that the chart has finished drawing. */
  function mount(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return null; }
    var chart = echarts.init(el, null, {renderer: "canvas"});
    chart.on("finished", function () { el.setAttribute("data-rendered", "true"); });
    chart.setOption(option);
    return chart;
  }

  function findChart() {
    var data = readJson("find-chart-data"), el = document.getElementById("find-chart");
    if (!data || !el) { return null; }
    var L = data.labels, fmt = function (v) { return formatQty(v, data.unit); };
    el.style.height = Math.max(220, 34 * data.names.length + 70) + "px";
    var bars = data.values.map(function (v, i) {
      return {value: v, itemStyle: {color: data.complete[i] ? BRAND : ACCENT}};
    });
    return mount("find-chart", {
      textStyle: {fontFamily: FONT},
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}, valueFormatter: fmt},
      grid: {left: 8, right: 72, top: 36, bottom: 8, containLabel: true},
      xAxis: {type: "value", name: data.unit === "gram" ? L.kg : L.piece, minInterval: data.unit === "gram" ? 0 : 1,
              axisLabel: {formatter: axisNumber(data.unit)}, splitLine: {lineStyle: {type: "dashed"}}},
      yAxis: {type: "category", data: data.names, inverse: true, axisLabel: {width: 140, overflow: "truncate"}},
      series: [{
        name: L.promisable, type: "bar", data: bars, barMaxWidth: 22,
        label: {show: true, position: "right", formatter: function (p) { return fmt(p.value); }},
        markLine: {symbol: "none", silent: true, lineStyle: {color: MUTED, type: "dashed"},
                   label: {position: "start", formatter: L.requested + " " + fmt(data.requested)},
                   data: [{xAxis: data.requested}]}
      }]
    });
  }

  function movementsChart() {
    var data = readJson("movements-chart-data");
    if (!data) { return null; }
    var L = data.labels, fmt = function (v) { return formatQty(v, data.unit); };
    return mount("movements-chart", {
      textStyle: {fontFamily: FONT},
      tooltip: {trigger: "axis", valueFormatter: fmt},
      grid: {left: 8, right: 24, top: 32, bottom: 8, containLabel: true},
      xAxis: {type: "time"},
      yAxis: {type: "value", name: data.unit === "gram" ? L.kg : L.piece, axisLabel: {formatter: axisNumber(data.unit)},
              splitLine: {lineStyle: {type: "dashed"}}},
      series: [{name: L.on_hand, type: "line", step: "end", data: data.points, showSymbol: data.points.length <= 60,
                itemStyle: {color: BRAND}, areaStyle: {color: BRAND, opacity: 0.08}}]
    });
  }

  function init() {
    liveStock();
    autosubmit();
    suggestions();
    var charts = [findChart(), movementsChart()].filter(Boolean);
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
