// vigil-trace report, part 4 of 4: the table of sites, the controls, and the start.
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
