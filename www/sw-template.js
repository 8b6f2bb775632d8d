// The service worker (the build fills in VERSION and FILES; see
// vite.config.js). FILES is the whole built site. Installing caches all of it
// but the front page's stills: the pages, the wasm core, every lab's code and
// workers, so a classroom that loses its connection keeps every lab after one
// visit to any of them. The stills (about 140 KB gzipped, a seventh of the
// site) are decoration on the front page's cards: they are cached when first
// shown, not downloaded with every visit to one lab. Every same-origin GET is
// answered from the cache first; what the network gives is cached too. A new
// build has a new VERSION: it installs its own cache, takes over, and deletes
// the old one.

const VERSION = '__VERSION__';
const FILES = [/* __FILES__ */];
const CACHE = `continuum-${VERSION}`;
/** What installing caches: every built file but the stills. */
const PRECACHE = FILES.filter((f) => !f.endsWith('.jpg'));

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('continuum-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== location.origin) return;
  // `?embed` and the like do not change the file: match without the query.
  event.respondWith(
    caches.match(request, { ignoreSearch: true }).then(
      (hit) =>
        hit ??
        fetch(request).then((response) => {
          if (response.ok) {
            const copy = response.clone();
            event.waitUntil(caches.open(CACHE).then((cache) => cache.put(request, copy)));
          }
          return response;
        }),
    ),
  );
});
