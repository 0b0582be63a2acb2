// The field app's login page: nobody is logged in here, so nothing the app kept may stay on the phone
// (a logout, or a session that ended: revoked, a new password, expired).  Personal data first: the
// queue (parties, photos, positions), then the app's data, then the service worker's caches.
(function () {
  "use strict";
  ["gridflow-field-queue", "gridflow-field-data"].forEach(function (name) {
    try { indexedDB.deleteDatabase(name); } catch (e) { /* no IndexedDB: nothing kept */ }
  });
  var steps = [];
  if (window.caches) {
    steps.push(caches.keys().then(function (names) { return Promise.all(names.map(function (n) { return caches.delete(n); })); }));
  }
  if (navigator.serviceWorker) {  // the next login registers it again
    steps.push(navigator.serviceWorker.getRegistrations().then(function (regs) {
      return Promise.all(regs.map(function (r) { return r.unregister(); }));
    }));
  }
  Promise.all(steps).catch(function () { return null; }).then(function () {
    document.documentElement.dataset.purged = "yes";
  });
})();
