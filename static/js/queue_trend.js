// The SLA page's small trend per queue: items added and finished per day. The counts are
// also written beside each chart.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("queue-trend-data");
  if (!source || !window.Chart) {
    return;
  }
  var data = JSON.parse(source.textContent);
  document.querySelectorAll("canvas[data-queue-trend]").forEach(function (canvas) {
    var counts = data.queues[canvas.dataset.queueTrend];
    if (!counts) {
      return;
    }
    canvas.chart = new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.days,
        datasets: [
          { label: data.labels.added, data: counts.added, borderColor: "#0059b3", pointRadius: 0, tension: 0.3 },
          { label: data.labels.finished, data: counts.finished, borderColor: "#358000", pointRadius: 0, tension: 0.3 },
        ],
      },
      options: {
        locale: "da-DK",
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { display: false }, y: { display: false, beginAtZero: true } },
      },
    });
  });
});
