// The member's cost per month and per robot (the table below the chart holds the same numbers).
document.addEventListener("DOMContentLoaded", function () {
  var canvas = document.getElementById("cost-chart");
  var source = document.getElementById("cost-chart-data");
  if (!canvas || !source || !window.Chart) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var kroner = new Intl.NumberFormat("da-DK", { style: "currency", currency: "DKK" });
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.datasets.map(function (dataset, index) {
        return index === 0
          ? Object.assign({ type: "line" }, dataset)
          : Object.assign({ stack: "robots" }, dataset);
      }),
    },
    options: {
      locale: "da-DK",
      scales: { y: { ticks: { callback: function (value) { return kroner.format(value); } } } },
      plugins: {
        tooltip: {
          callbacks: {
            label: function (context) {
              return context.dataset.label + ": " + kroner.format(context.parsed.y);
            },
          },
        },
      },
    },
  });
});
