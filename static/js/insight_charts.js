// The value and cost dashboard's charts; the tables below them hold the same numbers.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("insight-chart-data");
  if (!source || !window.Chart) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var names = data.names;
  var kroner = new Intl.NumberFormat("da-DK", { style: "currency", currency: "DKK" });
  var decimal = new Intl.NumberFormat("da-DK", { maximumFractionDigits: 1 });

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) {
      canvas.chart = new window.Chart(canvas, config);
    }
  }
  function options(format, extra) {
    return Object.assign(
      {
        locale: "da-DK",
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return format.format(v); } } } },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (context) {
                return context.dataset.label + ": " + format.format(context.parsed.y);
              },
            },
          },
        },
      },
      extra || {}
    );
  }

  draw("chart-value", {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: names.value, data: data.value },
        { label: names.cost, data: data.cost },
        { label: names.net, data: data.net, type: "line" },
      ],
    },
    options: options(kroner),
  });
  draw("chart-hours", {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: names.hours, data: data.hours }] },
    options: options(decimal),
  });
  draw("chart-runs", {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: names.runs, data: data.runs, yAxisID: "y" },
        { label: names.success, data: data.success, type: "line", yAxisID: "percent" },
      ],
    },
    options: options(decimal, {
      scales: {
        y: { beginAtZero: true },
        percent: { position: "right", min: 0, max: 100 },
      },
    }),
  });
  draw("chart-manual", {
    type: "line",
    data: { labels: data.labels, datasets: [{ label: names.manual, data: data.manual }] },
    options: options(decimal, { scales: { y: { min: 0, max: 100 } } }),
  });
});
