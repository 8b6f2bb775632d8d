// The page of a lab that is not built yet: what it will show, and the knobs
// its links already carry (so links made today keep working when it lands).

export function renderComing(app, lab, report, knobs) {
  const section = document.createElement('section');
  section.className = 'lab coming';
  section.dataset.lab = lab.name;

  const h = document.createElement('h1');
  h.textContent = lab.title;
  const tag = document.createElement('span');
  tag.className = 'tag';
  tag.textContent = 'coming';
  h.append(' ', tag);

  const p = document.createElement('p');
  p.className = 'summary';
  p.textContent = lab.summary;

  const caption = document.createElement('p');
  caption.className = 'hint';
  caption.textContent = 'This lab is not built yet. Its share-link knobs already work: this is the configuration the current link describes.';

  const table = document.createElement('table');
  table.className = 'knobs';
  table.innerHTML = '<thead><tr><th scope="col">Knob</th><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Allowed</th></tr></thead>';
  const body = document.createElement('tbody');
  for (const knob of knobs) {
    const tr = document.createElement('tr');
    const value = report.config[knob.key];
    const cells = [knob.label, knob.key, Array.isArray(value) ? value.join(',') || '—' : String(value), allowed(knob)];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    tr.title = knob.help;
    tr.dataset.key = knob.key;
    tr.children[2].dataset.knob = knob.key;
    body.append(tr);
  }
  table.append(body);
  section.append(h, p, caption, table);
  app.replaceChildren(section);
}

function allowed(knob) {
  switch (knob.type) {
    case 'int':
    case 'float':
      return `${knob.min} … ${knob.max}`;
    case 'choice':
      return knob.choices.join(', ');
    case 'intlist':
      return `up to ${knob.max_len} epochs`;
    default:
      return '';
  }
}
