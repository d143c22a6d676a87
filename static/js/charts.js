// Draws every <canvas data-chart="NAME" data-source="ID"> with the builder NAME registered in
// window.chartBuilders (results-charts.js, coverage-charts.js) from the numbers of the
// <script type="application/json" id="ID"> block; the same numbers are in a table beside each chart, so
// the page says everything without JavaScript. Chart.js and its plugins are served from static/vendor/.
window.chartBuilders = window.chartBuilders || {};
document.addEventListener("DOMContentLoaded", function () {
  if (typeof window.Chart === "undefined") return;
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var build = window.chartBuilders[canvas.dataset.chart];
    var source = document.getElementById(canvas.dataset.source);
    if (!build || !source) return;
    canvas.chart = new window.Chart(canvas, build(JSON.parse(source.textContent)));
    canvas.dataset.rendered = "true";
  });
});
