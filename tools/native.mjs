// The page benches' reference, measured in the same run: the same work done
// by the native CLI (`continuum`, release build) just before the page does
// it. The machine's speed moves from hour to hour by a third or more, so a
// page's time alone cannot tell a slow page from a slow hour; its ratio to
// the native time of the same work, measured minutes apart, can.

import { spawnSync } from 'node:child_process';

let built = false;

/** Seconds `continuum ...args` takes (release build, built once if needed); throws if it fails. */
export function nativeSeconds(args) {
  if (!built) {
    const b = spawnSync('cargo', ['build', '--release', '--quiet', '--bin', 'continuum'], { stdio: 'inherit' });
    if (b.status !== 0) throw new Error('cargo build --release --bin continuum failed');
    built = true;
  }
  const start = process.hrtime.bigint();
  const r = spawnSync('target/release/continuum', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`continuum ${args.join(' ')} failed: ${r.stderr.trim().split('\n').pop()}`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}
