// Draws the dashboard's charts from the numbers the server put in the page (no request of its own).
(function () {
  var data = JSON.parse(document.getElementById('dashboard-data').textContent);
  var colors = { promoter: '#0f766e', passive: '#9ca3af', detractor: '#b91c1c' };
  var weeks = data.trend.map(function (w) { return w.week.slice(5); });
  var common = { responsive: true, maintainAspectRatio: false, animation: false, locale: document.documentElement.lang };
  var rtl = data.rtl;
  new Chart(document.getElementById('trend-chart'), {
    type: 'line',
    data: {
      labels: weeks,
      datasets: [
        { label: '95% high', data: data.trend.map(function (w) { return w.upper; }), borderWidth: 0, pointRadius: 0, fill: '+1', backgroundColor: 'rgba(15,118,110,0.15)', spanGaps: false },
        { label: '95% low', data: data.trend.map(function (w) { return w.lower; }), borderWidth: 0, pointRadius: 0, fill: false, spanGaps: false },
        { label: data.kind.toUpperCase(), data: data.trend.map(function (w) { return w.score; }), borderColor: '#0f766e', backgroundColor: '#0f766e', spanGaps: false },
      ],
    },
    options: Object.assign({}, common, { scales: { x: { reverse: rtl } }, plugins: { legend: { rtl: rtl, labels: { filter: function (item) { return item.text.indexOf('95%') !== 0; } } } } }),
  });
  new Chart(document.getElementById('distribution-chart'), {
    type: 'bar',
    data: {
      labels: data.distribution.map(function (d) { return String(d.score); }),
      datasets: [{ label: 'Answers', data: data.distribution.map(function (d) { return d.count; }), backgroundColor: data.distribution.map(function (d) { return colors[d.band]; }) }],
    },
    options: Object.assign({}, common, { scales: { x: { reverse: rtl }, y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } }),
  });
})();
