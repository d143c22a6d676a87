// The coverage pages' charts, drawn by charts.js: the domain × city heat map (the matrix chart of
// chartjs-chart-matrix) and the monthly trends.
(function () {
  window.chartBuilders = Object.assign(window.chartBuilders || {}, {
    heatmap: function (data) {
      var max = Math.max.apply(null, data.cells.map(function (c) { return c.unmet_demands; }).concat([1]));
      // Each cell with open demands shows "unmet/open" (the table below holds every figure).
      var cellText = {
        id: "cellText",
        afterDatasetsDraw: function (chart) {
          var ctx = chart.ctx;
          var meta = chart.getDatasetMeta(0);
          ctx.save();
          ctx.font = "11px sans-serif";
          ctx.textAlign = "center";
          ctx.textBaseline = "middle";
          meta.data.forEach(function (element, index) {
            var cell = chart.data.datasets[0].data[index];
            if (!cell.open) return;
            var centre = element.getCenterPoint();
            ctx.fillStyle = cell.v / max > 0.5 ? "#ffffff" : "#1d2733";
            ctx.fillText(cell.v + "/" + cell.open, centre.x, centre.y);
          });
          ctx.restore();
        },
      };
      return {
        type: "matrix",
        plugins: [cellText],
        data: {
          datasets: [{
            label: "无良好匹配需求",
            data: data.cells.map(function (c) {
              return { x: c.city, y: c.domain, v: c.unmet_demands, open: c.open_demands, offerings: c.offerings };
            }),
            backgroundColor: function (ctx) {
              var cell = ctx.dataset.data[ctx.dataIndex];
              if (!cell) return "transparent";
              if (!cell.open) return cell.offerings ? "#eef4fb" : "#f6f7f9";
              var share = cell.v / max;
              return "rgba(180, 35, 24, " + (0.15 + 0.85 * share).toFixed(2) + ")";
            },
            borderColor: "#ffffff",
            borderWidth: 1,
            width: function (ctx) { var a = ctx.chart.chartArea; return a ? a.width / data.cities.length - 1 : 10; },
            height: function (ctx) { var a = ctx.chart.chartArea; return a ? a.height / data.domains.length - 1 : 10; },
          }],
        },
        options: {
          maintainAspectRatio: false,
          plugins: {
            legend: { display: false },
            tooltip: {
              callbacks: {
                title: function (items) { var c = items[0].raw; return c.y + " · " + c.x; },
                label: function (item) {
                  var c = item.raw;
                  return ["征集中需求 " + c.open + " 项，无良好匹配 " + c.v + " 项", "开放资源 " + c.offerings + " 项"];
                },
              },
            },
          },
          scales: {
            x: { type: "category", labels: data.cities, offset: true, grid: { display: false }, ticks: { autoSkip: false, maxRotation: 60 } },
            // the first domain at the top, as in the table below (the matrix chart draws it at the bottom by default)
            y: { type: "category", labels: data.domains, offset: true, reverse: false, grid: { display: false }, ticks: { autoSkip: false } },
          },
        },
      };
    },
    trends: function (data) {
      var line = function (label, values, colour) {
        return { label: label, data: values, borderColor: colour, backgroundColor: colour, tension: 0.2 };
      };
      return {
        type: "line",
        data: {
          labels: data.months,
          datasets: [
            line("新发布需求", data.demands, "#0b5cad"),
            line("其中无良好匹配", data.unmet, "#b42318"),
            line("新开放资源", data.offerings, "#1f7a3f"),
            line("完成服务", data.bookings, "#a65d00"),
          ],
        },
        options: {
          maintainAspectRatio: false,
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
          plugins: { legend: { position: "bottom" } },
        },
      };
    },
  });
})();
