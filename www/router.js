// The hash router. The URL hash holds the whole state; Rust (parseLink)
// validates it and returns the canonical form, which replaces the hash so a
// copied link is always complete and clean.

import { parseLink } from './pkg/continuum.js';
import { showNotices } from './banner.js';

/** Starts routing: calls `render(report)` now and on every hash change. */
export function startRouter(render) {
  const route = () => {
    const report = parseLink(location.hash);
    if (location.hash !== report.link) {
      history.replaceState(null, '', report.link);
    }
    showNotices(report.notices);
    render(report);
  };
  addEventListener('hashchange', route);
  route();
}
