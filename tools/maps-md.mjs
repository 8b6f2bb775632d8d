// docs/maps.json and docs/maps.md from what `continuum map --json` printed.
// A new map replaces the recorded one of the same lab and name (so `LAB=noise
// make maps` re-records one lab's, MAP=text the maps whose name has it); each
// map keeps the date it was recorded. Usage: node tools/maps-md.mjs NEW RECORDED WHEN SECONDS > docs/maps.md
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const [fresh, file, when, howLong] = process.argv.slice(2);
const { maps: added } = JSON.parse(readFileSync(fresh, 'utf8'));
const old = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).maps ?? [] : [];
const key = (m) => `${m.lab}\n${m.map}`;
const replaced = new Set(added.map(key));
const stamp = `${when}, in ${howLong}`;
const maps = [...old.filter((m) => !replaced.has(key(m))), ...added.map((m) => ({ ...m, recorded: stamp }))];
writeFileSync(file, `${JSON.stringify({ maps }, null, 1)}\n`);

const short = (v) => (v === null || !Number.isFinite(v) ? '—' : v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4) ? v.toExponential(1) : v.toFixed(Math.abs(v) >= 10 ? 1 : 3));
const sign = { above: ' ▲', below: ' ▼', across: '', level: '' };
const esc = (s) => String(s).replaceAll('|', '\\|');
const lines = [
  '# Maps over seeds',
  '',
  'Recorded by `make maps` (`continuum map --json`, full scale, release build). Each cell is the map\'s base link with its row\'s and column\'s settings, run on every seed;',
  'it shows the median over the seeds and a percentile-bootstrap 90 % interval of that median. For a difference, ▲: the whole interval is above 0; ▼: below 0; no mark: it crosses 0 (levels, such as an accuracy, have no mark).',
  'Each lab page draws its maps from docs/maps.json.',
  '',
];
for (const m of maps) {
  lines.push(`## ${m.lab}: ${esc(m.map)}`, '', `Base \`${m.base}\`, seeds ${m.seeds.join(', ')}; recorded ${m.recorded}.`, '');
  for (const [i, { measure }] of m.cells[0].measures.entries()) {
    lines.push(`**${esc(measure)}**`, '', `| ${esc(m.rows[0])} ${m.columns[0] ? `\\ ${esc(m.columns[0])}` : ''} | ${m.columns[1].map(esc).join(' | ')} |`, `|---|${m.columns[1].map(() => '---|').join('')}`);
    for (const row of m.rows[1]) {
      const cells = m.cells.filter((c) => c.row === row).map((c) => c.measures[i]);
      lines.push(`| ${esc(row)} | ${cells.map((v) => `${short(v.median)} [${short(v.interval[0])}, ${short(v.interval[1])}]${sign[v.reading]}`).join(' | ')} |`);
    }
    lines.push('');
  }
}
console.log(lines.join('\n'));
