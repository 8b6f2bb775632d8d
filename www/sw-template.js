// The service worker (the build fills in VERSION and FILES; see
// vite.config.js). It caches the whole built site when installed, then
// answers every same-origin GET from that cache first, so a classroom that
// loses its connection keeps the playground: every lab, the wasm core and
// the workers are local after the first visit. A new build has a new
// VERSION: it installs its own cache, takes over, and deletes the old one.

const VERSION = '__VERSION__';
const FILES = [/* __FILES__ */];
const CACHE = `continuum-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(FILES))
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
  event.respondWith(caches.match(request, { ignoreSearch: true }).then((hit) => hit ?? fetch(request)));
});
