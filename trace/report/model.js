// vigil-trace report, part 1 of 4 (the four files are one script, in this order): units,
// the JSON data from #data unpacked (trace/report_data.h describes it), the page's state, and
// the figures of the selection. No network.
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
// The live set's series ends at the trace's last event, with the figures at the end (and
// the trace's peak, when it came after the last point).
if (D.series.length === 0 || D.series[D.series.length - 4] < D.info.duration_us) {
  const last = D.series.length ? D.series[D.series.length - 4] : 0;
  const peak = D.info.peak_us > last ? D.info.peak_samples : D.info.live_samples;
  D.series.push(D.info.duration_us, D.info.live_samples, peak, D.info.allocated_samples);
}
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
