// Charts of the evaluation results (Chart.js, served from static/vendor/). Each <canvas data-chart>
// reads its numbers from the <script type="application/json"> block named by data-source; the same
// numbers are in the table beside it, so the page says everything without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof window.Chart === "undefined") return;
  var GRADE_COLOURS = ["#1f7a3f", "#0b5cad", "#a65d00", "#b42318"];
  var read = function (canvas) {
    var source = document.getElementById(canvas.dataset.source);
    return source ? JSON.parse(source.textContent) : null;
  };
  var builders = {
    grades: function (data) {
      return {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [{ label: "平台数", data: data.counts, backgroundColor: GRADE_COLOURS }],
        },
        options: {
          maintainAspectRatio: false,
          plugins: { legend: { display: false } },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        },
      };
    },
    breakdown: function (data) {
      return {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [
            { label: data.platformLabel, data: data.platform, backgroundColor: "#0b5cad" },
            { label: "全省中位数", data: data.median, backgroundColor: "#9aa8b8" },
          ],
        },
        options: {
          indexAxis: "y",
          maintainAspectRatio: false,
          scales: { x: { min: 0, max: 100, title: { display: true, text: "得分（0-100）" } } },
          plugins: { legend: { position: "bottom" } },
        },
      };
    },
  };
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var build = builders[canvas.dataset.chart];
    var data = read(canvas);
    if (!build || !data) return;
    canvas.chart = new window.Chart(canvas, build(data));
    canvas.dataset.rendered = "true";
  });
});
