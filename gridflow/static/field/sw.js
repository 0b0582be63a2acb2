// The field app's service worker (served from /m/sw.js: its scope is /m/).  It keeps the app shell
// (the page and its files), the categories and the map layers of my grids for use without signal:
// network first, the kept copy when the network fails.  API calls other than the categories are never
// cached (the app queues reports and events in IndexedDB itself).  Logging out deletes every cache.
"use strict";
var CACHE = "gridflow-field-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function keepable(url, request) {
  if (request.method !== "GET" || url.origin !== self.location.origin) return false;
  if (url.pathname === "/m/" || url.pathname === "/m") return true;
  if (url.pathname.indexOf("/static/") === 0) return true;
  if (url.pathname.indexOf("/geo/") === 0) return true;
  return url.pathname === "/api/v1/categories";
}

function keepShell(answer) {
  // Only the app shell is kept of /m/ (never the login form: nobody's data, and it would hide the app).
  var shell = new URL(answer.url).pathname.indexOf("/m") !== 0 || answer.headers.get("X-Field-Page") === "app";
  return answer.ok && !answer.redirected && shell;
}

function fromNetwork(request, key) {
  return fetch(request).then(function (answer) {
    if (keepShell(answer)) {
      var copy = answer.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(key, copy); });
    }
    return answer;
  });
}

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (!keepable(url, event.request)) return;
  var key = url.pathname === "/m" ? "/m/" : (url.pathname === "/m/" ? "/m/" : event.request);
  if (url.pathname.indexOf("/static/") === 0) {  // files: the kept copy at once, refreshed behind it
    event.respondWith(caches.match(key).then(function (hit) {
      var fresh = fromNetwork(event.request, key);
      if (!hit) return fresh;
      fresh.catch(function () { return null; });
      return hit;
    }));
    return;
  }
  event.respondWith(fromNetwork(event.request, key).catch(function () {
    return caches.match(key).then(function (hit) {
      return hit || new Response(JSON.stringify({ error: { code: "offline", message: "no signal" } }),
        { status: 503, headers: { "Content-Type": "application/json" } });
    });
  }));
});

self.addEventListener("message", function (event) {
  var keep = (event.data && event.data.keep) || [];
  caches.open(CACHE).then(function (cache) {
    keep.forEach(function (path) {
      if (typeof path !== "string" || path.charAt(0) !== "/") return;
      fetch(path, { credentials: "same-origin" }).then(function (a) {
        if (keepShell(a)) cache.put(path.indexOf("/m") === 0 ? "/m/" : path, a);
      });
    });
  });
});
