// The live metrics vocabulary. Each lab's registry entry names its metrics
// by their path in the lab's report (`test_accuracy`, `rel_error.1000`,
// `clean_accuracy.noisy`; the Rust side is `core::lab::metric`). The page
// keeps each metric's current value under that name: in the element
// `[data-metric="name"]` (its `data-value` holds the number) and through
// `continuum.metric(name)`. Claims and lessons read a lab's numbers only
// this way, never a view's own display names.
//
// A view that already shows a metric in an element with that name keeps its
// own text there; the other metrics get a row in the page's "Live metrics"
// list, which this module draws.

const values = new Map();
/** The page now shown, its "Live metrics" list and its metrics' names. */
let page = null;

/** The number at a dot path of a report (`rel_error.1000`), or null. */
export function resolve(report, path) {
  let at = report;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object') return null;
    at = Array.isArray(at) ? at[Number(part)] : at[part];
  }
  return typeof at === 'number' && Number.isFinite(at) ? at : null;
}

/**
 * Starts a lab page's metrics: forgets the last page's values and fills
 * `list` (a `<dl>`) with a row for each of `names` that `root` does not
 * already show under that name.
 */
export function mountMetrics(root, list, names) {
  values.clear();
  page = { root, list, names, rows: new Map() };
  list.replaceChildren();
  for (const name of names) element(name);
}

/**
 * The element that shows metric `name`: the view's own, if it has one
 * (a view may draw its rows after mounting, as the noise lab does per
 * study; then the list's row is dropped), else the list's row.
 */
function element(name) {
  const own = [...page.root.querySelectorAll(`[data-metric="${CSS.escape(name)}"]`)].find((el) => !page.list.contains(el));
  const row = page.rows.get(name);
  if (own) {
    if (row) {
      row.dt.remove();
      row.dd.remove();
      page.rows.delete(name);
    }
    return { el: own, ours: false };
  }
  if (!row) {
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.dataset.metric = name;
    dd.textContent = '—';
    page.list.append(dt, dd);
    page.rows.set(name, { dt, dd });
    return { el: dd, ours: true };
  }
  return { el: row.dd, ours: true };
}

/** Looks again for the view's own elements (a view that drew its rows after mounting, as noise does per study). */
export function refreshMetrics() {
  for (const name of page?.names ?? []) element(name);
}

/** Sets metric `name` to the number `value` (null clears it). Names the lab does not list are ignored. */
export function setMetricValue(name, value) {
  if (!page?.names.includes(name)) return;
  const { el, ours } = element(name);
  if (value === null || value === undefined || !Number.isFinite(value)) {
    values.delete(name);
    delete el.dataset.value;
    if (ours) el.textContent = '—';
    return;
  }
  values.set(name, value);
  el.dataset.value = String(value);
  if (ours) el.textContent = Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

/**
 * Sets every metric the report has (a run's report, as `continuum run`
 * prints it). `final`: this is the run's report, not a part shown early
 * (a study's first numbers): its claims can be read now (`verdictShown`).
 */
export function publishReport(report, { final = true } = {}) {
  for (const name of page?.names ?? []) {
    const v = resolve(report, name);
    if (v !== null) setMetricValue(name, v);
  }
  if (final) verdictShown();
}

/**
 * Marks the lab page as showing its run's verdict: the report its claims
 * read is complete (`section.lab[data-verdict]`, with the milliseconds since
 * the page opened; `tools/bench-verdict.mjs` times it). Kept until a new run.
 */
export function verdictShown() {
  if (page && !page.root.dataset.verdict) page.root.dataset.verdict = String(Math.round(performance.now()));
}

/** Clears every metric (a new run). */
export function clearMetrics() {
  for (const name of page?.names ?? []) setMetricValue(name, null);
  if (page) delete page.root.dataset.verdict;
}

/** The current value of metric `name`, or null. */
export function metric(name) {
  return values.has(name) ? values.get(name) : null;
}

/** Every metric with a value now, as `{name: value}`. */
export function allMetrics() {
  return Object.fromEntries(values);
}
