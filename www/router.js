// The hash router. The URL hash holds the whole state; Rust (parseLink)
// validates it and returns the canonical form, which replaces the hash so a
// copied link is always complete and clean.

import { core } from './core.js';
import { showNotices } from './banner.js';
import { HOME, isHome } from './ui/home.js';
import { isClaims } from './ui/scoreboard.js';
import { isLesson } from './ui/lesson.js';

/** A link the page has just parsed itself (`hashSetter`): the next route takes it as is. */
let expected = null;

/** Routes the coming hash change with `report` (a parsed link) rather than parsing it again. */
export function expectLink(report) {
  expected = report;
}

/**
 * Starts routing: calls `render(report)` now and on every hash change. The
 * front page is `{lab: 'home'}` (no hash, or `#lab=home`), the claims
 * scoreboard `{lab: 'claims'}` (`#lab=claims`), a shared lesson
 * `{lab: 'lesson', hash}` (`#lesson=…`, which opens its first step); any other hash
 * is a lab link, and one that names knobs but no lab is the first lab's.
 */
export function startRouter(render) {
  const route = () => {
    if (isHome(location.hash)) {
      if (location.hash && location.hash !== HOME) history.replaceState(null, '', HOME);
      showNotices([]);
      render({ lab: 'home' });
      return;
    }
    if (isLesson(location.hash)) {
      showNotices([]);
      render({ lab: 'lesson', hash: location.hash });
      return;
    }
    if (isClaims(location.hash)) {
      showNotices([]);
      render({ lab: 'claims' });
      return;
    }
    const report = expected?.link === location.hash ? expected : core.parseLink(location.hash);
    expected = null;
    if (location.hash !== report.link) {
      history.replaceState(null, '', report.link);
    }
    showNotices(report.notices);
    render(report);
  };
  addEventListener('hashchange', route);
  route();
}
