// docs/claims.md from the JSON `continuum claims --json` printed: the
// table, and when (which commit, date and time) each lab's rows were recorded.
// Usage: node tools/claims-md.mjs FILE WHEN
import { readFileSync } from 'node:fs';

const [file, when] = process.argv.slice(2);
const { claims } = JSON.parse(readFileSync(file, 'utf8'));
const short = (v) => (v === null || Number.isNaN(v) ? '—' : v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4) ? v.toExponential(2) : v.toFixed(3));
const cmp = ({ op, value }) => ({ above: `median > ${value}`, below: `median < ${value}`, below_control: 'below the control', above_control: 'above the control' })[op];
const esc = (s) => String(s).replaceAll('|', '\\|');
const lines = [
  '# Claims over seeds',
  '',
  `Recorded by \`make claims\` (\`continuum claims --seeds ${claims[0]?.seeds[0]}-${claims[0]?.seeds.at(-1)} --json\`, full scale, release build, two jobs on a two-core machine): ${when}.`,
  'Each claim runs on every seed (the link\'s `seed` knob), and so does its control, a link on which the claim must not hold.',
  'The verdict is on the median over seeds; the interval is a percentile-bootstrap 90 % interval of that median (with five seeds it is close to the range: read it as the spread).',
  '"Holds on" counts the seeds whose own value passes (against that seed\'s control, for comparisons with the control).',
  'The scoreboard at `#lab=claims` shows these numbers until a visitor runs the claims in the page.',
  '',
  '| lab | claim | paper\'s figure | statistic | median [90 % interval] | holds | control | control median | control holds |',
  '|---|---|---|---|---|---|---|---|---|',
  ...claims.map((c) =>
    `| ${c.lab} | ${esc(c.claim)} | ${esc(c.paper_value)} | ${esc(c.statistic)} (${cmp(c.comparison)}) | ${short(c.median)} [${short(c.interval[0])}, ${short(c.interval[1])}] | ${c.holds ? '**yes**' : '**no**'} (on ${c.holds_on} of ${c.seeds.length}) | \`${c.control.link}\` | ${short(c.control.median)} | ${c.control.holds ? 'yes' : 'no'} |`,
  ),
  '',
  '## What does not hold here, and why',
  '',
  ...claims.filter((c) => c.why).map((c) => `- **${c.lab}: ${esc(c.claim)}.** ${c.why}`),
  ...(claims.some((c) => c.why) ? [] : ['Every claim holds, and no control does.']),
  '',
  '## Per seed',
  '',
  '| lab | claim | seeds | values | control values |',
  '|---|---|---|---|---|',
  ...claims.map((c) => `| ${c.lab} | ${esc(c.claim)} | ${c.seeds.join(', ')} | ${c.values.map(short).join(', ')} | ${c.control.values.map(short).join(', ')} |`),
  '',
];
console.log(lines.join('\n'));
