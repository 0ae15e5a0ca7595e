/*
 * The service worker of the entry pages (served as /sw.js, scope /tally/).
 *
 * It keeps what the entry page needs on the device, so that a polling team whose connection
 * drops can reload the page and go on typing: the page itself (network first, the kept copy
 * when the network fails or hangs) and its scripts and styles (the kept copy at once, renewed
 * in the background). It never touches a POST: records and photos are sent by the page's
 * outbox (outbox.js), which keeps them in IndexedDB until the server has them.
 */
"use strict";

const STATIC = "tally-static-v1";
const PAGES = "tally-pages-v1";
const ASSETS = [
  "/static/app.css",
  "/static/tally.css",
  "/static/tally.js",
  "/static/outbox.js",
  "/static/favicon.svg",
];
// An entry page: /tally/<voting area>/<contest> (a record page is /tally/record/<id>).
const ENTRY_PAGE = /^\/tally\/(?!record\/)[^/]+\/[^/]+$/;
// A connection that hangs is treated as none after this long.
const PATIENCE_MS = 8000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(STATIC)
      .then((cache) => cache.addAll(ASSETS))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  const kept = [STATIC, PAGES];
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => !kept.includes(n)).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function withPatience(request) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no answer")), PATIENCE_MS);
    fetch(request).then(
      (response) => {
        clearTimeout(timer);
        resolve(response);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

const OFFLINE_PAGE = `<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Không có mạng</title><link rel="stylesheet" href="/static/app.css"></head>
<body><main><h1>Không có mạng</h1>
<p>Trang này chưa được lưu trên máy. Biên bản đã lưu trên máy vẫn được giữ và sẽ tự gửi khi có mạng.</p>
<p><a href="/">Về trang chủ</a></p></main></body></html>`;

function offlinePage() {
  return new Response(OFFLINE_PAGE, {
    status: 503,
    headers: { "Content-Type": "text/html; charset=utf-8" },
  });
}

// The page from the network, kept for later; the kept copy when the network fails.
async function entryPage(request) {
  const cache = await caches.open(PAGES);
  try {
    const response = await withPatience(request);
    if (response.ok && response.type === "basic" && !response.redirected) {
      await cache.put(request.url, response.clone());
    } else if (response.type === "opaqueredirect" || response.redirected) {
      // The record was sent: the page now leads to it, and the empty form is no longer needed.
      await cache.delete(request.url);
    }
    return response;
  } catch (error) {
    return (await cache.match(request.url, { ignoreVary: true })) || offlinePage();
  }
}

async function otherPage(request) {
  try {
    return await withPatience(request);
  } catch (error) {
    return offlinePage();
  }
}

// Scripts and styles: the kept copy at once, renewed in the background for the next visit.
async function asset(event) {
  const cache = await caches.open(STATIC);
  const kept = await cache.match(event.request, { ignoreVary: true });
  const fresh = fetch(event.request)
    .then((response) => {
      if (response.ok) return cache.put(event.request, response.clone()).then(() => response);
      return response;
    })
    .catch(() => null);
  if (kept) {
    event.waitUntil(fresh);
    return kept;
  }
  return (await fresh) || Response.error();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(ENTRY_PAGE.test(url.pathname) ? entryPage(request) : otherPage(request));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(asset(event));
  }
});
