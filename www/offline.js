// Offline after the first visit: registers the service worker the build
// writes (dist/sw.js, from www/sw-template.js). Called once the page has
// started, so the first visit's downloads never wait on it; skipped by the
// dev server (no sw.js there) and where the browser has no service workers
// (then the site simply needs the network, as before).

export async function keepOffline() {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return 'unsupported';
  try {
    await navigator.serviceWorker.register('./sw.js');
    return 'registered';
  } catch (e) {
    console.warn(`offline copy unavailable: ${e?.message ?? e}`);
    return 'failed';
  }
}
