// Draws the dashboard's charts from the numbers the server put in the page (no request of its own),
// every label and tick in the page's language and digits (`icu`: Urdu's is ur-u-nu-arabext).
(function () {
  var data = JSON.parse(document.getElementById('dashboard-data').textContent);
  var colors = { promoter: '#0f766e', passive: '#9ca3af', detractor: '#b91c1c' };
  var numbers = new Intl.NumberFormat(data.icu, { maximumFractionDigits: 1 });
  var day = new Intl.DateTimeFormat(data.icu, { day: 'numeric', month: 'short', timeZone: 'UTC' });
  var tick = function (value) { return numbers.format(value); };
  var weeks = data.trend.map(function (w) { return day.format(new Date(w.week + 'T00:00:00Z')); });
  var rtl = data.rtl;
  var common = { responsive: true, maintainAspectRatio: false, animation: false, locale: data.icu };
  var tooltip = { rtl: rtl, textDirection: rtl ? 'rtl' : 'ltr' };
  new Chart(document.getElementById('trend-chart'), {
    type: 'line',
    data: {
      labels: weeks,
      datasets: [
        { label: 'high', data: data.trend.map(function (w) { return w.upper; }), borderWidth: 0, pointRadius: 0, fill: '+1', backgroundColor: 'rgba(15,118,110,0.15)', spanGaps: false },
        { label: 'low', data: data.trend.map(function (w) { return w.lower; }), borderWidth: 0, pointRadius: 0, fill: false, spanGaps: false },
        { label: data.words.kind, data: data.trend.map(function (w) { return w.score; }), borderColor: '#0f766e', backgroundColor: '#0f766e', spanGaps: false },
      ],
    },
    options: Object.assign({}, common, {
      scales: { x: { reverse: rtl }, y: { position: rtl ? 'right' : 'left', ticks: { callback: tick } } },
      plugins: { tooltip: tooltip, legend: { rtl: rtl, labels: { filter: function (item) { return item.datasetIndex === 2; } } } },
    }),
  });
  new Chart(document.getElementById('distribution-chart'), {
    type: 'bar',
    data: {
      labels: data.distribution.map(function (d) { return numbers.format(d.score); }),
      datasets: [{ label: data.words.answers, data: data.distribution.map(function (d) { return d.count; }), backgroundColor: data.distribution.map(function (d) { return colors[d.band]; }) }],
    },
    options: Object.assign({}, common, {
      scales: { x: { reverse: rtl }, y: { position: rtl ? 'right' : 'left', beginAtZero: true, ticks: { precision: 0, callback: tick } } },
      plugins: { tooltip: tooltip, legend: { display: false } },
    }),
  });
})();
