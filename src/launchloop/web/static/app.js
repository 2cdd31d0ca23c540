// launchloop app: draws the ECharts charts whose options the server put in JSON script tags.
// No build step; the pages work without this file (tables carry the same figures).
(function () {
  "use strict";
  const drawn = new Map();

  function draw(root) {
    if (typeof echarts === "undefined") return;
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      const source = document.getElementById(element.dataset.chart);
      if (!source || drawn.has(element)) return;
      const chart = echarts.init(element, null, { renderer: "svg" });
      chart.setOption(JSON.parse(source.textContent));
      drawn.set(element, chart);
      element.dataset.drawn = "true";
    });
  }

  window.addEventListener("resize", function () {
    drawn.forEach(function (chart) { chart.resize(); });
  });
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) { draw(event.target); });
})();
