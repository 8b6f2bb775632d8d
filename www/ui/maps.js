// The "Maps" panel of a lab page: the lab's maps (core::maps) as recorded
// by `make maps` in docs/maps.json. A map runs a claim's measures over a
// grid of settings on seeds 1–5; each cell shows the median over the seeds
// and the bootstrap 90 % interval of the median, coloured by where the
// interval lies: wholly above zero, wholly below, or across it (five seeds
// cannot tell the direction). Recorded, not run here: a map is tens of full
// runs (`continuum map --lab <lab>` reproduces it). Every string goes in as
// text, never as HTML.

import recorded from '../../docs/maps.json';

/** The recorded maps of lab `name` (none if it has no map). */
export function labMaps(name) {
  return (recorded.maps ?? []).filter((m) => m.lab === name);
}

const number = (v) => {
  if (v === null || !Number.isFinite(v)) return '—';
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4)) return v.toExponential(1);
  return Math.abs(v) >= 10 ? v.toFixed(1) : v.toPrecision(2);
};

const READING = { above: 'above 0', below: 'below 0', across: 'across 0', level: 'a level, not a difference' };

/** One measure of a map as a rows × columns table. */
function measureTable(map, m) {
  const table = document.createElement('table');
  table.className = 'map';
  table.dataset.measure = map.cells[0].measures[m].measure;
  const caption = table.createCaption();
  caption.textContent = map.cells[0].measures[m].measure;
  const head = table.createTHead().insertRow();
  head.insertCell().textContent = map.rows[0] + (map.columns[0] ? ` ↓  ${map.columns[0]} →` : '');
  for (const c of map.columns[1]) head.insertCell().textContent = c;
  const body = table.createTBody();
  for (const row of map.rows[1]) {
    const tr = body.insertRow();
    const th = document.createElement('th');
    th.textContent = row;
    tr.append(th);
    for (const cell of map.cells.filter((c) => c.row === row)) {
      const v = cell.measures[m];
      const td = tr.insertCell();
      td.dataset.reading = v.reading;
      td.dataset.value = String(v.median);
      td.title = `${cell.link}\nper seed: ${v.values.map(number).join(', ')}\ninterval ${READING[v.reading]}`;
      td.textContent = `${number(v.median)} [${number(v.interval[0])}, ${number(v.interval[1])}]`;
    }
  }
  return table;
}

/** The panel for lab `name`, or null when it has no recorded map. */
export function mapsPanel(name) {
  const maps = labMaps(name);
  if (!maps.length) return null;
  const el = document.createElement('div');
  el.className = 'panel maps';
  const h = document.createElement('h2');
  h.textContent = 'Maps: where the effect holds';
  const hint = document.createElement('p');
  hint.className = 'hint';
  hint.textContent =
    `Each cell: the median over seeds ${maps[0].seeds.join(', ')} and the 90 % interval of that median; ` +
    'for a difference, green where the whole interval is above 0, red where it is below, grey where it crosses 0 (levels, such as an accuracy, are not coloured). ' +
    `Recorded by make maps (${maps[0].recorded ?? 'date unknown'}); continuum map --lab ${name} reproduces it. ` +
    'Hover a cell for its link and per-seed values.';
  el.append(h, hint);
  for (const map of maps) {
    const h3 = document.createElement('h3');
    h3.textContent = map.map;
    const base = document.createElement('p');
    base.className = 'hint';
    base.textContent = `Base link: ${map.base}`;
    const grid = document.createElement('div');
    grid.className = 'map-grid';
    grid.append(...map.cells[0].measures.map((_, m) => measureTable(map, m)));
    el.append(h3, base, grid);
  }
  return el;
}
