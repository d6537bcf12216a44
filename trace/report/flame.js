// vigil-trace report, part 3 of 4: the flame graph (an icicle: callers on top), its zoom,
// tooltip and search.
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
