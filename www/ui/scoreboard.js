// The claims scoreboard (#lab=claims): one row per claim of the registry,
// with the paper's figure, ours over seeds with its interval, the control
// and the verdict. It shows the numbers `make claims` recorded
// (docs/claims.json) until the visitor runs the claims here; then each
// claim's row fills in as the workers (../worker/claims.js) finish its
// seeds, with the verdict the core computes (`claimVerdict`), so the page
// and `continuum claims` give the same numbers for the same seeds. The runs
// go seed by seed across the claims, and a claim's verdict shows as soon as
// the seeds in settle it (`claimDecided`: three of five on one side settle
// a median), marked as decided early; the full row replaces it when every
// seed is in. A decided claim's remaining runs (whole groups, or the runs
// of a group that only decided claims read) wait until every open claim's
// runs have been handed out, so the last verdicts come sooner and every
// run still ends. All text is set with textContent.

import recorded from '../../docs/claims.json';

export const CLAIMS_HASH = '#lab=claims';

/** Whether `hash` asks for the scoreboard. */
export function isClaims(hash) {
  return /^#lab=claims(&|$)/.test(hash);
}

// One worker per core, two to five (each holds its own copy of the core
// and of its runs' memory).
const WORKERS = Math.max(2, Math.min(5, globalThis.navigator?.hardwareConcurrency || 2));
const short = (v) => (v === null || v === undefined || Number.isNaN(v) ? '—' : v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4) ? v.toExponential(2) : v.toFixed(3));

function cell(row, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  row.append(td);
  return td;
}

/**
 * A table of `claims` (entries of `core.claims()`) with the recorded numbers,
 * and a bar to run them here on seeds 1…N in a worker per core: the scoreboard's
 * body, and every lab page's "Over seeds" panel. Returns `{el, halt}`.
 */
export function claimsPanel(core, claims, { labFilter = true } = {}) {
  const el = document.createElement('div');
  el.className = 'claims-panel';
  const bar = document.createElement('div');
  bar.className = 'buttons';
  const seedsLabel = document.createElement('label');
  seedsLabel.textContent = 'Seeds 1 to ';
  const seedsInput = document.createElement('input');
  seedsInput.type = 'number';
  seedsInput.min = '1';
  seedsInput.max = '10';
  seedsInput.value = '5';
  seedsInput.className = 'seeds-count';
  seedsLabel.append(seedsInput);
  const labSelect = document.createElement('select');
  labSelect.className = 'claims-lab';
  labSelect.append(new Option('all', ''), ...[...new Set(claims.map((c) => c.lab))].map((l) => new Option(l, l)));
  const labLabel = document.createElement('label');
  labLabel.textContent = ' Lab ';
  labLabel.append(labSelect);
  const run = document.createElement('button');
  run.type = 'button';
  run.dataset.action = 'run-claims';
  run.textContent = 'Run here';
  const stop = document.createElement('button');
  stop.type = 'button';
  stop.dataset.action = 'stop-claims';
  stop.textContent = 'Stop';
  stop.disabled = true;
  const progress = document.createElement('progress');
  progress.className = 'claims-progress';
  progress.max = 1;
  progress.value = 0;
  const status = document.createElement('span');
  status.className = 'claims-status';
  status.textContent = 'recorded numbers';
  bar.append(seedsLabel, ...(labFilter ? [labLabel] : []), run, stop, progress, status);
  const table = document.createElement('table');
  table.className = 'scoreboard';
  const head = table.createTHead().insertRow();
  for (const h of ['lab', 'claim', "paper's figure", 'statistic', 'median [90 % interval]', 'per seed', 'control', 'control median', 'verdict']) {
    const th = document.createElement('th');
    th.textContent = h;
    head.append(th);
  }
  const body = table.createTBody();
  const rows = new Map();
  for (const c of claims) {
    const tr = body.insertRow();
    tr.dataset.claim = `${c.lab}:${c.index}`;
    cell(tr, c.lab);
    const name = cell(tr, c.name);
    const link = document.createElement('a');
    link.href = c.link;
    link.textContent = ' (open)';
    name.append(link);
    cell(tr, c.paper_value);
    cell(tr, `${c.statistic} (${c.comparison})`);
    const cells = { median: cell(tr, '—', 'median'), values: cell(tr, '—', 'values'), control: cell(tr, c.control, 'control'), controlMedian: cell(tr, '—', 'control-median'), verdict: cell(tr, '—', 'verdict') };
    rows.set(tr.dataset.claim, { claim: c, tr, cells });
    const r = recorded.claims.find((x) => x.lab === c.lab && x.claim === c.name);
    if (r) show(rows.get(tr.dataset.claim), r, 'recorded');
  }
  const scroll = document.createElement('div');
  scroll.className = 'table-scroll';
  scroll.append(table);
  el.append(bar, scroll);
  let workers = [];
  const halt = (why) => {
    workers.forEach((w) => w.terminate());
    workers = [];
    run.disabled = false;
    stop.disabled = true;
    if (why) status.textContent = why;
  };
  run.addEventListener('click', () => {
    halt();
    const n = Math.min(10, Math.max(1, Number(seedsInput.value) || 5));
    const seeds = Array.from({ length: n }, (_, i) => i + 1);
    const chosen = [...rows.values()].filter((r) => !labSelect.value || r.claim.lab === labSelect.value);
    // One run per distinct (lab, link, seed): claims sharing a link (or a
    // control) read their numbers from the same run, as `continuum claims`
    // does. A worker gets a claim's link and its control at one seed
    // together (a group), so the control can share the claim's work.
    // Seed by seed across the claims, so every claim's verdict can be
    // decided early (`claimDecided`) as soon as the seeds in settle it.
    // A claim whose link an earlier claim runs at this seed joins that
    // group (the Koopman wake's eigenvalue claim and its one-epoch control
    // share the wake the consistency claim simulates).
    const byRun = new Map();
    const groups = [];
    for (const seed of seeds) {
      for (const r of chosen) {
        const keys = [r.claim.link, r.claim.control].map((link) => `${r.claim.lab} ${link} ${seed}`);
        const group = keys.map((k) => byRun.get(k)?.group).find(Boolean) ?? { lab: r.claim.lab, seed, runs: [] };
        for (const control of [false, true]) {
          const link = control ? r.claim.control : r.claim.link;
          const key = keys[Number(control)];
          if (!byRun.has(key)) {
            byRun.set(key, { link, slots: [], group });
            group.runs.push(byRun.get(key));
          }
          byRun.get(key).slots.push({ r, control });
        }
        if (group.runs.length && !groups.includes(group)) groups.push(group);
      }
    }
    const results = new Map(chosen.map((r) => [r, { values: seeds.map(() => null), control: seeds.map(() => null) }]));
    for (const r of chosen) {
      for (const c of Object.values(r.cells)) if (c.className !== 'control') c.textContent = '…';
      delete r.cells.verdict.dataset.holds;
      r.tr.dataset.state = 'running';
    }
    run.disabled = true;
    stop.disabled = false;
    progress.max = byRun.size;
    progress.value = 0;
    // Groups not yet given to a worker, in seed order.
    const pending = groups.map((_, id) => id);
    let finished = 0;
    const decided = new Set();
    const tell = () => {
      status.textContent = `${finished} of ${byRun.size} runs; ${decided.size} of ${chosen.length} verdicts decided`;
      el.dataset.decided = decided.size === chosen.length ? 'all' : String(decided.size);
    };
    tell();
    // The next group with a claim whose verdict is still open; the
    // remaining seeds of decided claims wait until none is left (they still
    // run, for their values, medians and intervals).
    const needed = (run) => run.slots.some((s) => !decided.has(s.r));
    const open = (id) => groups[id].runs.some(needed);
    const give = (worker) => {
      if (!pending.length) return;
      const id = pending.splice(Math.max(0, pending.findIndex(open)), 1)[0];
      const g = groups[id];
      // A group's runs that only decided claims read wait too, as a group
      // of their own (they lose the sharing: the wake's simulation is run
      // again for the Koopman wake's control once its claim is decided).
      if (g.runs.some(needed) && !g.runs.every(needed)) {
        groups.push({ lab: g.lab, seed: g.seed, runs: g.runs.filter((t) => !needed(t)) });
        pending.push(groups.length - 1);
        g.runs = g.runs.filter(needed);
      }
      const runs = g.runs.map((t) => ({ link: t.link, indices: t.slots.map((s) => s.r.claim.index) }));
      worker.postMessage({ id, lab: g.lab, seed: g.seed, runs });
    };
    workers = Array.from({ length: Math.min(WORKERS, groups.length) }, () => {
      const w = new Worker(new URL('../worker/claims.js', import.meta.url), { type: 'module' });
      w.onmessage = ({ data: m }) => {
        const g = groups[m.id];
        g.runs.forEach((t, j) => {
          t.slots.forEach(({ r, control }, i) => {
            const res = results.get(r);
            (control ? res.control : res.values)[seeds.indexOf(g.seed)] = m.error ? NaN : m.values[j][i];
            if ([...res.values, ...res.control].every((v) => v !== null)) {
              show(r, core.claimVerdict(r.claim.lab, r.claim.index, Uint32Array.from(seeds), Float64Array.from(res.values), Float64Array.from(res.control)), 'live');
              decided.add(r);
              return;
            }
            // The seeds in so far, as they land; the verdict once they settle it.
            const sofar = (v) => v.map((x) => (x === null ? '…' : short(x))).join(', ');
            r.cells.values.textContent = sofar(res.values);
            r.cells.controlMedian.textContent = `… (${sofar(res.control)})`;
            if (decided.has(r)) return;
            const known = (v) => Float64Array.from(v.filter((x) => x !== null));
            const d = core.claimDecided(r.claim.lab, r.claim.index, seeds.length, known(res.values), known(res.control));
            if (d) {
              showDecided(r, d, res.values.filter((x) => x !== null).length, seeds.length);
              decided.add(r);
            }
          });
        });
        finished += g.runs.length;
        progress.value = finished;
        tell();
        if (finished === byRun.size) halt(`done: ${chosen.length} claims on seeds 1–${n}`);
        else give(w);
      };
      w.onerror = (e) => halt(`stopped: ${e.message}`);
      give(w);
      return w;
    });
  });
  stop.addEventListener('click', () => halt('stopped'));
  return { el, halt };
}

export function mountScoreboard(app, core) {
  const root = document.createElement('section');
  root.className = 'lab claims';
  root.dataset.lab = 'claims';
  const h1 = document.createElement('h1');
  h1.textContent = 'Claims over seeds: the ten papers, reproduced here or not';
  const intro = document.createElement('p');
  intro.className = 'summary';
  intro.textContent =
    'Every paper claim the labs test, as a number over seeds with a control on which it must not hold. The verdict is on the median over the seeds; the interval is a bootstrap 90 % interval of that median. Until you run them, the numbers are those recorded by `make claims` (docs/claims.md).';
  const panel = claimsPanel(core, core.claims());
  root.append(h1, intro, panel.el);
  app.replaceChildren(root);
  return { update() {}, destroy: () => panel.halt() };
}

const verdictText = (holds, controlHolds) => (holds ? (controlHolds ? 'holds, but so does the control' : 'holds') : 'does not hold here');

/**
 * Shows a verdict that the seeds in so far settle (`d` from `claimDecided`),
 * before the rest finish: the median and interval fill in with them.
 */
function showDecided(row, d, k, n) {
  const { cells, tr } = row;
  cells.verdict.textContent = `${verdictText(d.holds, d.control_holds)} (decided on ${k} of ${n} seeds: no result of the other seeds can change it)`;
  cells.verdict.dataset.holds = String(d.holds);
  tr.dataset.state = 'decided';
}

/** Fills a row from a result (`continuum claims --json`'s shape); `source` is 'recorded' or 'live'. */
function show(row, r, source) {
  const { cells, tr } = row;
  cells.median.textContent = `${short(r.median)} [${short(r.interval[0])}, ${short(r.interval[1])}]`;
  cells.median.dataset.value = String(r.median);
  cells.values.textContent = r.values.map(short).join(', ');
  cells.values.dataset.value = JSON.stringify(r.values);
  cells.controlMedian.textContent = `${short(r.control.median)} (${r.control.values.map(short).join(', ')})`;
  cells.controlMedian.dataset.value = String(r.control.median);
  cells.verdict.textContent = `${verdictText(r.holds, r.control.holds)} (${r.holds_on} of ${r.seeds.length} seeds)`;
  if (r.why) {
    const why = document.createElement('p');
    why.className = 'hint why';
    why.textContent = r.why;
    cells.verdict.append(why);
  }
  cells.verdict.dataset.holds = String(r.holds);
  tr.dataset.state = source;
}
