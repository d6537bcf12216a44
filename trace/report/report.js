// vigil-trace report: draws the heap chart, the time selection, the flame graph and the
// table of sites from the JSON in #data (trace/report_data.h describes it). No network.
'use strict';
const D = JSON.parse(document.getElementById('data').textContent);
const S = D.strings, BPS = D.bytes_per_sample, W = D.bucket_us, NB = Math.max(D.buckets, 1);
const $ = (id) => document.getElementById(id);
const svgNS = 'http://www.w3.org/2000/svg';

// ---- units
function fmtBytes(b) {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(b) >= 1024 && i < u.length - 1) { b /= 1024; ++i; }
  return (i === 0 ? Math.round(b) : b.toFixed(b < 10 ? 2 : 1)) + ' ' + u[i];
}
function fmtCount(n) {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + ' G';
  if (n >= 1e6) return (n / 1e6).toFixed(2) + ' M';
  if (n >= 1e4) return (n / 1e3).toFixed(1) + ' k';
  return String(Math.round(n));
}
const fmtSec = (us) => (us / 1e6).toFixed(3) + ' s';
function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

// ---- the data, unpacked
const NF = D.frames.length / 4;
const fParent = new Int32Array(NF), fName = new Array(NF), fLoc = new Array(NF), fKind = new Int8Array(NF);
for (let i = 0; i < NF; ++i) {
  fParent[i] = D.frames[4 * i]; fName[i] = S[D.frames[4 * i + 1]];
  fLoc[i] = S[D.frames[4 * i + 2]]; fKind[i] = D.frames[4 * i + 3];
}
fName[0] = 'all';
const children = Array.from({ length: NF }, () => []);
for (let i = 1; i < NF; ++i) children[fParent[i]].push(i);
// The cells, ungrouped: [frame, site, alloc bucket, free bucket or -1, samples, objects].
const C = (() => {
  const g = D.cells, out = [];
  for (let i = 0; i < g.length;) {
    const fr = g[i], site = g[i + 1], n = g[i + 2];
    i += 3;
    for (let j = 0; j < n; ++j, i += 4) {
      out.push(fr, site, g[i], g[i + 1] < 0 ? -1 : g[i] + g[i + 1], g[i + 2], g[i + 3]);
    }
  }
  return out;
})();
const NC = C.length / 6;

// ---- state
const state = { b0: 0, b1: NB - 1, mode: 'range', weight: 'bytes', measure: 'alloc',
                colour: 'kind', zoom: 0, search: '', sortKey: 'ab', asc: false, filter: '' };

// Figures of the selection, per frame (own) and per site: [alloc samples, alloc objects,
// live samples, live objects].
function compute() {
  const own = new Float64Array(NF * 4), sites = new Map();
  const { b0, b1, mode } = state;
  for (let i = 0; i < NC; ++i) {
    const k = 6 * i, a = C[k + 2], f = C[k + 3];
    const liveAtEnd = f < 0 || f > b1;
    let inSet;
    if (mode === 'moment') inSet = a <= b1 && liveAtEnd;
    else if (mode === 'leak') inSet = a >= b0 && a <= b1 && liveAtEnd;
    else inSet = a >= b0 && a <= b1;
    if (!inSet) continue;
    const fr = C[k], s = C[k + 4], o = C[k + 5];
    own[4 * fr] += s; own[4 * fr + 1] += o;
    if (liveAtEnd) { own[4 * fr + 2] += s; own[4 * fr + 3] += o; }
    if (C[k + 1] >= 0) {
      let r = sites.get(C[k + 1]);
      if (!r) sites.set(C[k + 1], r = [0, 0, 0, 0]);
      r[0] += s; r[1] += o;
      if (liveAtEnd) { r[2] += s; r[3] += o; }
    }
  }
  const total = Float64Array.from(own);
  for (let i = NF - 1; i > 0; --i) {
    for (let j = 0; j < 4; ++j) total[4 * fParent[i] + j] += total[4 * i + j];
  }
  return { own, total, sites };
}
let R = compute();
const col = () => (state.measure === 'alloc' ? 0 : 2) + (state.weight === 'bytes' ? 0 : 1);
const val = (fr) => R.total[4 * fr + col()];
const shown = (v) => (state.weight === 'bytes' ? fmtBytes(v * BPS) : fmtCount(v) + ' objects');

// ---- header
function header() {
  const i = D.info;
  document.title = 'vigil-trace: ' + (i.executable || i.source);
  $('title').textContent = 'Heap of ' + (i.executable || '?') + ' (pid ' + i.pid + ') on ' + (i.host || '?');
  $('info').innerHTML = ['started ' + esc(new Date(i.start_us / 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC'),
    'duration ' + fmtSec(i.duration_us), 'sample rate ' + i.sample_rate + ' per word (' +
      fmtBytes(BPS) + ' per sample)', fmtCount(i.events) + ' events (' + fmtCount(i.allocs) +
      ' allocations, ' + fmtCount(i.collects) + ' frees)', 'peak ' + fmtBytes(i.peak_samples * BPS) +
      ' at ' + fmtSec(i.peak_us), 'source ' + esc(i.source) + ' (' + fmtBytes(i.bytes) + ')'].join(' · ');
  if (i.notice) { $('notice').hidden = false; $('notice').textContent = i.notice; }
}

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
  const ts = niceStep(endUs / 1e6, 8);
  for (let t = 0; t * 1e6 <= endUs + 1; t += ts) {
    el('line', { x1: sx(t * 1e6), x2: sx(t * 1e6), y1: y0, y2: y0 + 4, class: 'axis' }, svg);
    el('text', { x: sx(t * 1e6), y: y0 + 15, 'text-anchor': 'middle' }, svg).textContent = +t.toFixed(3);
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

// ---- flame graph (icicle: callers on top)
const ROW = 18;
function hue(s) { let h = 0; for (let i = 0; i < s.length; ++i) h = (h * 31 + s.charCodeAt(i)) >>> 0; return h; }
function colour(fr) {
  const h = hue(fName[fr]);
  if (state.colour === 'module') {
    // A module: the library's file, or the directory of a source file.
    const file = fLoc[fr].replace(/:[\d, ]*$/, ''), so = /\.so(\.[\d.]+)?$/.test(file);
    const mod = so ? file : file.replace(/\/[^/]*$/, '');
    return `hsl(${hue(mod) % 360},55%,${62 + h % 14}%)`;
  }
  if (fKind[fr] === 0) return `hsl(${10 + h % 40},85%,${58 + h % 12}%)`;  // own code: warm
  if (fKind[fr] === 1) return `hsl(${195 + h % 30},35%,${70 + h % 10}%)`;  // the system: cool
  return 'hsl(0,0%,80%)';
}
function matcher() {
  if (!state.search) return null;
  try { return new RegExp(state.search, 'i'); } catch (e) {
    const s = state.search.toLowerCase();
    return { test: (x) => x.toLowerCase().includes(s) };
  }
}
function drawFlame() {
  const box = $('flame'), width = box.clientWidth || 1200;
  box.textContent = '';
  const z = state.zoom, zv = val(z), re = matcher();
  const frag = document.createDocumentFragment();
  let maxDepth = 0, matched = 0;
  const add = (fr, x, w, depth, dim) => {
    const d = document.createElement('div');
    d.className = 'fr' + (dim ? ' dim' : '');
    d.style.left = x.toFixed(1) + 'px'; d.style.top = (depth * ROW) + 'px';
    d.style.width = Math.max(w - 1, 1).toFixed(1) + 'px';
    d.style.background = colour(fr);
    d.dataset.frame = fr; d.dataset.parent = fParent[fr]; d.dataset.name = fName[fr];
    d.dataset.value = val(fr);
    if (w > 30) d.textContent = fName[fr];
    frag.appendChild(d);
    maxDepth = Math.max(maxDepth, depth);
    return d;
  };
  // The zoomed frame's callers, full width.
  const up = [];
  for (let f = z; f !== 0; f = fParent[f]) up.unshift(f);
  up.unshift(0);
  up.forEach((f, i) => { if (f !== z) add(f, 0, width, i, true); });
  const walk = (fr, x, depth, inMatch) => {
    const w = zv > 0 ? val(fr) / zv * width : 0;
    if (w < 0.5) return;
    const d = add(fr, x, w, depth, false);
    let m = inMatch;
    if (re && fr !== 0 && re.test(fName[fr])) {
      d.classList.add('match');
      if (!inMatch) { matched += val(fr); m = true; }
    }
    const kids = children[fr].filter((c) => val(c) > 0).sort((a, b) => val(b) - val(a));
    let cx = x;
    for (const c of kids) { walk(c, cx, depth + 1, m); cx += val(c) / zv * width; }
  };
  walk(z, 0, up.length - 1, false);
  box.appendChild(frag);
  box.style.height = ((maxDepth + 1) * ROW + 4) + 'px';
  $('crumbs').textContent = z === 0 ? 'click a frame to zoom in' : 'zoomed into ' + up.slice(1).map((f) => fName[f]).join(' → ');
  const m = $('match');
  m.dataset.share = re && zv > 0 ? matched / zv : '';
  m.textContent = re ? 'matched ' + shown(matched) + ' = ' + (zv > 0 ? (100 * matched / zv).toFixed(1) : '0') + '% of ' + shown(zv) : '';
}
function flameEvents() {
  const box = $('flame'), tip = $('tip');
  box.addEventListener('click', (e) => {
    const d = e.target.closest('.fr');
    if (!d) return;
    const fr = +d.dataset.frame;
    state.zoom = fr;
    drawFlame();
  });
  box.addEventListener('mousemove', (e) => {
    const d = e.target.closest('.fr');
    if (!d) { tip.hidden = true; return; }
    const fr = +d.dataset.frame, t = R.total, o = R.own, root = val(0);
    const exact = (samples) => `${fmtBytes(samples * BPS)} = ${Math.round(samples * BPS).toLocaleString('en')} bytes, ${samples} samples`;
    tip.innerHTML = `<b>${esc(fName[fr])}</b><br>${esc(fLoc[fr] || 'no location')}<br>` +
      `allocated: ${exact(t[4 * fr])}, ${Math.round(t[4 * fr + 1]).toLocaleString('en')} objects<br>` +
      `&nbsp;&nbsp;of which in this frame itself: ${exact(o[4 * fr])}<br>` +
      `live at the range's end: ${exact(t[4 * fr + 2])}, ${Math.round(t[4 * fr + 3]).toLocaleString('en')} objects<br>` +
      `${root > 0 ? (100 * val(fr) / root).toFixed(2) : 0}% of the ${state.measure === 'alloc' ? 'allocated' : 'live'} ${state.weight}`;
    tip.hidden = false;
    tip.style.left = Math.min(e.clientX + 14, window.innerWidth - 530) + 'px';
    tip.style.top = (e.clientY + 14) + 'px';
  });
  box.addEventListener('mouseleave', () => { tip.hidden = true; });
}

// ---- table of sites
function drawTable() {
  const rows = [];
  const f = state.filter.toLowerCase();
  for (const [site, r] of R.sites) {
    const name = S[D.sites[2 * site]], loc = S[D.sites[2 * site + 1]];
    if (f && !name.toLowerCase().includes(f) && !loc.toLowerCase().includes(f)) continue;
    rows.push({ name, loc, ab: r[0] * BPS, ao: r[1], lb: r[2] * BPS, lo: r[3] });
  }
  const k = state.sortKey, dir = state.asc ? 1 : -1;
  rows.sort((a, b) => (a[k] < b[k] ? -dir : a[k] > b[k] ? dir : 0));
  const body = document.querySelector('#sites tbody');
  const shownRows = rows.slice(0, 500);
  body.innerHTML = shownRows.map((r) => `<tr><td>${esc(r.name)}</td><td class="loc" title="${esc(r.loc)}">${esc(r.loc)}</td>` +
    `<td class="num" data-bytes="${r.ab}">${fmtBytes(r.ab)}</td><td class="num">${fmtCount(r.ao)}</td>` +
    `<td class="num" data-bytes="${r.lb}">${fmtBytes(r.lb)}</td><td class="num">${fmtCount(r.lo)}</td></tr>`).join('');
  $('rows').textContent = rows.length + ' sites' + (rows.length > 500 ? ' (first 500 shown)' : '');
  document.querySelectorAll('#sites th').forEach((th) => {
    th.classList.toggle('sorted', th.dataset.key === k);
    th.classList.toggle('asc', th.dataset.key === k && state.asc);
  });
}
function tableEvents() {
  document.querySelectorAll('#sites th').forEach((th) => th.addEventListener('click', () => {
    if (state.sortKey === th.dataset.key) state.asc = !state.asc;
    else { state.sortKey = th.dataset.key; state.asc = th.dataset.key === 'name' || th.dataset.key === 'loc'; }
    drawTable();
  }));
  $('filter').addEventListener('input', (e) => { state.filter = e.target.value; drawTable(); });
}

// ---- wiring
function update() {
  R = compute();
  drawChart(); totals(); drawFlame(); drawTable();
}
function controls() {
  document.querySelectorAll('input[name=mode]').forEach((r) => r.addEventListener('change', () => {
    state.mode = r.value;
    if (state.mode === 'leak' || state.mode === 'moment') { state.measure = 'live'; $('measure').value = 'live'; }
    update();
  }));
  $('clear').addEventListener('click', () => { state.b0 = 0; state.b1 = NB - 1; update(); });
  $('unzoom').addEventListener('click', () => { state.zoom = 0; drawFlame(); });
  for (const id of ['weight', 'measure', 'colour']) {
    $(id).addEventListener('change', (e) => { state[id] = e.target.value; drawFlame(); });
  }
  $('search').addEventListener('input', (e) => { state.search = e.target.value; drawFlame(); });
  let t = null;
  window.addEventListener('resize', () => { clearTimeout(t); t = setTimeout(() => { drawChart(); drawFlame(); }, 100); });
}
header(); chartEvents(); flameEvents(); tableEvents(); controls(); update();
document.body.dataset.ready = performance.now().toFixed(0);
