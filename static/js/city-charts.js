// Charts beside the city map: jobs by sector over time, firms by district and a
// Sankey diagram of material flows. Each has a table with the same figures.
(function () {
  "use strict";
  var node = document.getElementById("chart-data");
  if (!node || typeof Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var lang = document.documentElement.lang;
  var fmt = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var PALETTE = ["#1a4f8b", "#0b6e4f", "#e65100", "#8e24aa", "#c62828", "#00838f", "#795548"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#1b1f24";
  Chart.defaults.animation = false;

  var jobs = document.getElementById("chart-jobs");
  if (jobs && data.jobs.years.length) {
    new Chart(jobs, {
      type: "line",
      data: {
        labels: data.jobs.years,
        datasets: data.jobs.series.map(function (series, i) {
          return {
            label: series.label, data: series.values, borderColor: PALETTE[i % PALETTE.length],
            backgroundColor: PALETTE[i % PALETTE.length], borderWidth: 2, pointRadius: 2, tension: 0.2
          };
        })
      },
      options: {
        maintainAspectRatio: false,
        plugins: {
          legend: {
            position: "bottom",
            labels: {
              boxWidth: 12,
              // Long division names would run off a phone: the table has them in full.
              generateLabels: function (chart) {
                var max = chart.width < 500 ? 30 : 60;
                return Chart.defaults.plugins.legend.labels.generateLabels(chart).map(function (item) {
                  if (item.text.length > max) { item.text = item.text.slice(0, max - 1) + "…"; }
                  return item;
                });
              }
            }
          }
        },
        scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return fmt.format(v); } } } }
      }
    });
  }

  var firms = document.getElementById("chart-firms");
  if (firms && data.firms.rows.length) {
    new Chart(firms, {
      type: "bar",
      data: {
        labels: data.firms.rows.map(function (r) { return r.district; }),
        datasets: [{ data: data.firms.rows.map(function (r) { return r.value; }), backgroundColor: "#1a4f8b" }]
      },
      options: {
        indexAxis: "y", maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true }, y: { ticks: { autoSkip: false, font: { size: 11 } } } }
      }
    });
  }

  var flows = document.getElementById("chart-flows");
  if (flows && data.links.length) {
    new Chart(flows, {
      type: "sankey",
      data: {
        datasets: [{
          data: data.links.map(function (l) { return { from: l.from, to: l.to, flow: l.tonnes }; }),
          colorFrom: function () { return "#1a4f8b"; },
          colorTo: function () { return "#0b6e4f"; },
          colorMode: "gradient",
          borderWidth: 0,
          nodeWidth: 12,
          size: "max",
          font: { size: 12 }
        }]
      },
      options: {
        maintainAspectRatio: false,
        plugins: {
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var item = ctx.dataset.data[ctx.dataIndex];
                return item.from + " → " + item.to + ": " + fmt.format(item.flow) + " t";
              }
            }
          }
        }
      }
    });
    flows.dataset.links = String(data.links.length);
  }
})();
