// dvpulse dashboard: draws the charts of a page with Apache ECharts from the
// JSON in <script type="application/json" id="chart-data">, and toggles the
// period fields of the filter bar. Every string shown in a tooltip is
// escaped here: ECharts renders tooltip HTML, and labels and notes can hold
// citizens' text.
(function () {
  "use strict";

  function escapeHTML(s) {
    return String(s == null ? "" : s).replace(/[&<>"'`=\/]/g, function (c) {
      return "&#" + c.charCodeAt(0) + ";";
    });
  }
  window.dvpulseEscapeHTML = escapeHTML;

  function fmt(v, percent) {
    if (v == null || isNaN(v)) return "—";
    var n = Math.round(v * 100) / 100;
    return n.toLocaleString() + (percent ? "%" : "");
  }

  function tooltipFormatter(chart) {
    return function (params) {
      if (!Array.isArray(params)) params = [params];
      if (!params.length) return "";
      var idx = params[0].dataIndex;
      var out = "<b>" + escapeHTML(chart.categories[idx]) + "</b>";
      params.forEach(function (p) {
        var s = chart.series[p.seriesIndex];
        if (!s || s.type === "band-low") return;
        var v = p.value;
        if (s.type === "band-high") {
          var lo = chart.series[p.seriesIndex - 1].data[idx];
          out += "<br>" + escapeHTML(s.name) + ": " + fmt(lo) + " … " + fmt(lo == null || p.value == null ? null : lo + p.value);
          return;
        }
        var pct = chart.percent || s.axis === 1;
        out += "<br>" + p.marker + escapeHTML(s.name) + ": " + fmt(v, pct);
      });
      var notes = chart.notes && chart.notes[idx];
      if (notes && notes.length) {
        out += "<hr style='margin:4px 0'>";
        notes.forEach(function (n) {
          var t = String(n);
          if (t.length > 140) t = t.slice(0, 140) + "…";
          out += "<div style='max-width:360px;white-space:normal'>• " + escapeHTML(t) + "</div>";
        });
      }
      return out;
    };
  }

  function option(chart) {
    var horizontal = chart.kind === "hbar";
    var hasRight = chart.series.some(function (s) { return s.axis === 1; });
    var catAxis = { type: "category", data: chart.categories, axisLabel: { hideOverlap: true } };
    var valAxes = [{ type: "value", axisLabel: { formatter: chart.percent ? "{value}%" : "{value}" } }];
    if (hasRight) valAxes.push({ type: "value", axisLabel: { formatter: "{value}%" }, splitLine: { show: false } });
    var series = chart.series.map(function (s) {
      var o = { name: s.name, data: s.data, connectNulls: false };
      if (s.type === "band-low" || s.type === "band-high") {
        o.type = "line"; o.stack = s.stack; o.symbol = "none"; o.lineStyle = { opacity: 0 };
        if (s.type === "band-high") o.areaStyle = { color: "rgba(31,95,168,0.18)" };
      } else {
        o.type = s.type === "line" ? "line" : "bar";
      }
      if (s.axis === 1 && !horizontal) o.yAxisIndex = 1;
      return o;
    });
    var legend = chart.series.filter(function (s) { return s.type !== "band-low"; }).map(function (s) { return s.name; });
    var opt = {
      animation: false,
      title: { text: chart.title, left: 0, textStyle: { fontSize: 14 } },
      legend: { data: legend.filter(function (v, i) { return legend.indexOf(v) === i; }), top: 24 },
      tooltip: { trigger: "axis", confine: true, formatter: tooltipFormatter(chart) },
      grid: { left: horizontal ? 170 : 50, right: hasRight ? 50 : 20, top: 60, bottom: 30, containLabel: !horizontal },
      series: series
    };
    if (horizontal) { opt.yAxis = catAxis; catAxis.inverse = true; opt.xAxis = valAxes[0]; catAxis.axisLabel.width = 160; catAxis.axisLabel.overflow = "truncate"; }
    else { opt.xAxis = catAxis; opt.yAxis = valAxes; }
    return opt;
  }

  function drawCharts() {
    var el = document.getElementById("chart-data");
    if (!el) return;
    var charts = JSON.parse(el.textContent || "[]") || [];
    var i18n = document.getElementById("chart-i18n");
    charts.forEach(function (chart) {
      var box = document.getElementById("chart-" + chart.id);
      if (!box) return;
      box.setAttribute("data-categories", String(chart.categories ? chart.categories.length : 0));
      if (chart.empty) {
        box.style.height = "auto";
        box.innerHTML = "<p class='chart-msg chart-empty'>" + escapeHTML(i18n ? i18n.dataset.empty : "") + "</p>";
        box.setAttribute("data-state", "empty");
        return;
      }
      if (typeof window.echarts === "undefined") {
        box.style.height = "auto";
        box.innerHTML = "<p class='chart-msg warn'>" + escapeHTML(i18n ? i18n.dataset.missing : "ECharts missing") + "</p>";
        box.setAttribute("data-state", "missing");
        return;
      }
      var c = window.echarts.init(box, null, { renderer: "svg" });
      c.setOption(option(chart));
      box.setAttribute("data-state", "drawn");
      var sum = 0;
      (chart.series[0] && chart.series[0].data || []).forEach(function (v) { if (v != null) sum += v; });
      box.setAttribute("data-sum", String(Math.round(sum * 1000) / 1000));
      window.addEventListener("resize", function () { c.resize(); });
    });
    document.body.setAttribute("data-charts", "done");
  }

  function periodFields() {
    var sel = document.getElementById("f-period");
    if (!sel) return;
    function update() {
      var custom = sel.value === "custom";
      document.querySelectorAll(".p-custom").forEach(function (e) { e.hidden = !custom; });
      document.querySelectorAll(".p-official").forEach(function (e) { e.hidden = custom; });
      var n = document.querySelector(".p-n");
      if (n) {
        n.hidden = custom || !(sel.value === "month" || sel.value === "quarter");
        n.querySelectorAll("option").forEach(function (o) { o.hidden = sel.value === "quarter" && +o.value > 4; });
        var s = n.querySelector("select");
        if (s && sel.value === "quarter" && +s.value > 4) s.value = "4";
      }
    }
    sel.addEventListener("change", update);
    update();
  }

  function init() {
    periodFields();
    try { drawCharts(); } catch (e) { document.body.setAttribute("data-charts", "error: " + e.message); }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
