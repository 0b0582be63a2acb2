// The field app's login page: nobody is logged in here, so nothing the app kept may stay on the phone
// (a logout, or a session that ended: revoked, a new password, expired).  Personal data first: the
// queue (parties, photos, positions), then the app's data, then the service worker's caches.
(function () {
  "use strict";
  ["gridflow-field-queue", "gridflow-field-data"].forEach(function (name) {
    try { indexedDB.deleteDatabase(name); } catch (e) { /* no IndexedDB: nothing kept */ }
  });
  if (window.caches) {
    caches.keys().then(function (names) { names.forEach(function (n) { caches.delete(n); }); });
  }
  document.documentElement.dataset.purged = "yes";
})();
