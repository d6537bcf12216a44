// vigil-trace report, part 2 of 4: the heap chart with the time selection dragged on it, and
// the totals line under it.
// ---- heap chart: live bytes (area, left axis) and allocation rate per bucket (right axis)
const chart = { left: 64, right: 64, top: 8, bottom: 30 };
const rate = new Float64Array(NB);
for (let i = 0; i < NC; ++i) rate[C[6 * i + 2]] += C[6 * i + 4];
const endUs = Math.max(NB * W, 1);
function el(tag, attrs, parent) {
  const e = document.createElementNS(svgNS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}
function niceStep(max, n) {
  const raw = max / n, p = Math.pow(10, Math.floor(Math.log10(raw || 1)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
function unitFor(max) {
  const u = [['B', 1], ['KiB', 1024], ['MiB', 1048576], ['GiB', 1073741824]];
  let r = u[0];
  for (const x of u) if (max >= x[1]) r = x;
  return r;
}
function drawChart() {
  const svg = $('chart');
  svg.textContent = '';
  const w = svg.clientWidth || 1200, h = svg.clientHeight || 190;
  const x0 = chart.left, x1 = w - chart.right, y0 = h - chart.bottom, y1 = chart.top;
  chart.x0 = x0; chart.x1 = x1;
  svg.dataset.plotLeft = x0; svg.dataset.plotRight = x1;
  const sx = (us) => x0 + (x1 - x0) * us / endUs;
  let maxLive = 1;
  for (let i = 0; i < D.series.length; i += 4) maxLive = Math.max(maxLive, D.series[i + 2] * BPS);
  let maxRate = 1;
  for (let b = 0; b < NB; ++b) maxRate = Math.max(maxRate, rate[b] * BPS / (W / 1e6));
  const [lu, lm] = unitFor(maxLive), [ru, rm] = unitFor(maxRate);
  const ls = niceStep(maxLive / lm, 4) * lm, rs = niceStep(maxRate / rm, 4) * rm;
  const topL = Math.ceil(maxLive / ls) * ls, topR = Math.ceil(maxRate / rs) * rs;
  const syL = (v) => y0 - (y0 - y1) * v / topL, syR = (v) => y0 - (y0 - y1) * v / topR;
  for (let v = 0; v <= topL + 1e-9; v += ls) {
    el('line', { x1: x0, x2: x1, y1: syL(v), y2: syL(v), class: 'grid' }, svg);
    el('text', { x: x0 - 4, y: syL(v) + 4, 'text-anchor': 'end' }, svg).textContent = +(v / lm).toFixed(2);
  }
  for (let v = 0; v <= topR + 1e-9; v += rs) {
    el('text', { x: x1 + 4, y: syR(v) + 4 }, svg).textContent = +(v / rm).toFixed(2);
  }
  const ts = niceStep(endUs / 1e6, 8), dec = Math.max(0, Math.ceil(-Math.log10(ts) + 1e-9)) + 1;
  for (let i = 0; i * ts * 1e6 <= endUs + 1; ++i) {
    const t = i * ts;
    el('line', { x1: sx(t * 1e6), x2: sx(t * 1e6), y1: y0, y2: y0 + 4, class: 'axis' }, svg);
    el('text', { x: sx(t * 1e6), y: y0 + 15, 'text-anchor': 'middle' }, svg).textContent = +t.toFixed(dec);
  }
  el('text', { x: (x0 + x1) / 2, y: h - 2, 'text-anchor': 'middle' }, svg).textContent = 'time since start (s)';
  el('text', { x: 12, y: (y0 + y1) / 2, transform: `rotate(-90 12 ${(y0 + y1) / 2})`, 'text-anchor': 'middle' }, svg).textContent = 'live heap (' + lu + ')';
  el('text', { x: w - 12, y: (y0 + y1) / 2, transform: `rotate(90 ${w - 12} ${(y0 + y1) / 2})`, 'text-anchor': 'middle' }, svg).textContent = 'allocation rate (' + ru + '/s)';
  let area = `M${x0},${y0}`, peak = '';
  for (let i = 0; i < D.series.length; i += 4) {
    const x = sx(D.series[i]).toFixed(1);
    area += `L${x},${syL(D.series[i + 1] * BPS).toFixed(1)}`;
    peak += (peak ? 'L' : 'M') + `${x},${syL(D.series[i + 2] * BPS).toFixed(1)}`;
  }
  if (D.series.length) area += `L${sx(D.series[D.series.length - 4]).toFixed(1)},${y0}Z`;
  el('path', { d: peak, class: 'peak' }, svg);
  el('path', { d: area, class: 'area' }, svg);
  let rp = '';
  for (let b = 0; b < NB; ++b) {
    const y = syR(rate[b] * BPS / (W / 1e6)).toFixed(1);
    rp += (b ? 'L' : 'M') + `${sx(b * W).toFixed(1)},${y}L${sx((b + 1) * W).toFixed(1)},${y}`;
  }
  el('path', { d: rp, class: 'rate' }, svg);
  el('line', { x1: x0, x2: x1, y1: y0, y2: y0, class: 'axis' }, svg);
  el('line', { x1: x0, x2: x0, y1: y0, y2: y1, class: 'axis' }, svg);
  el('line', { x1: x1, x2: x1, y1: y0, y2: y1, class: 'axis' }, svg);
  const whole = state.b0 === 0 && state.b1 === NB - 1 && state.mode !== 'moment';
  if (!whole) {
    const a = state.mode === 'moment' ? state.b1 + 1 : state.b0;
    el('rect', { x: sx(a * W), y: y1, width: Math.max(sx((state.b1 + 1) * W) - sx(a * W), 2),
                 height: y0 - y1, class: 'sel' }, svg);
  }
}
function bucketAt(clientX) {
  const r = $('chart').getBoundingClientRect();
  const us = (clientX - r.left - chart.x0) / (chart.x1 - chart.x0) * endUs;
  return Math.min(NB - 1, Math.max(0, Math.floor(us / W)));
}
function chartEvents() {
  const svg = $('chart');
  let drag = null;
  svg.addEventListener('mousedown', (e) => { drag = bucketAt(e.clientX); e.preventDefault(); });
  window.addEventListener('mousemove', (e) => {
    if (drag === null) return;
    const b = bucketAt(e.clientX);
    state.b0 = Math.min(drag, b); state.b1 = Math.max(drag, b);
    drawChart();
  });
  window.addEventListener('mouseup', (e) => {
    if (drag === null) return;
    const b = bucketAt(e.clientX);
    state.b0 = Math.min(drag, b); state.b1 = Math.max(drag, b);
    drag = null;
    update();
  });
}

// ---- totals line and range
function totals() {
  const t = R.total;
  const fromUs = state.mode === 'moment' ? (state.b1 + 1) * W : state.b0 * W, toUs = (state.b1 + 1) * W;
  const r = $('range');
  r.dataset.fromUs = state.b0 * W; r.dataset.toUs = toUs;
  r.textContent = state.mode === 'moment' ? 'at ' + fmtSec(toUs) : fmtSec(fromUs) + ' to ' + fmtSec(toUs) +
    ' (' + (state.b1 - state.b0 + 1) + ' of ' + NB + ' buckets of ' + fmtSec(W) + ')';
  const el = $('totals');
  el.dataset.allocSamples = t[0]; el.dataset.liveSamples = t[2];
  el.dataset.allocBytes = t[0] * BPS; el.dataset.liveBytes = t[2] * BPS;
  const what = { range: 'Allocated in the range', moment: 'Live at the moment', leak: 'Allocated in the range and still live at its end' }[state.mode];
  el.textContent = what + ': ' + fmtBytes(t[0] * BPS) + ' in ' + fmtCount(t[1]) + ' objects' +
    (state.mode === 'range' ? ' · of which live at the range\'s end: ' + fmtBytes(t[2] * BPS) +
      ' in ' + fmtCount(t[3]) + ' objects' : '');
}
