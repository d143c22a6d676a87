// The evaluation results' charts, drawn by charts.js: the grade distribution and a platform's breakdown.
(function () {
  var GRADE_COLOURS = ["#1f7a3f", "#0b5cad", "#a65d00", "#b42318"];
  window.chartBuilders = Object.assign(window.chartBuilders || {}, {
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
  });
})();
