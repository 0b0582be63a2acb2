// GridFlow field app (/m/): my grids, report, my work, patrol, and the outbox of what waits to be sent.
// Everything the phone keeps lives in two IndexedDB databases (idb-keyval, from npm) and the service
// worker's caches; logging out or a revoked session clears them all, personal data first.
// Reports and events are queued with a client_id (UUID) and sent in order, exactly once: the server
// answers a repeated client_id with what it did the first time.
(function () {
  "use strict";
  var kv = window.idbKeyval;
  var root = document.getElementById("app");
  var W = JSON.parse(root.dataset.words);
  var CSRF = root.dataset.csrf;
  var HOME = root.dataset.home;
  var GRIDS = root.dataset.grids ? root.dataset.grids.split(" ") : [];
  var API = "/api/v1";
  var QUEUE_DB = "gridflow-field-queue", DATA_DB = "gridflow-field-data";
  var queueStore = kv.createStore(QUEUE_DB, "queue");
  var dataStore = kv.createStore(DATA_DB, "data");
  var MAX_PHOTOS = 9, MAX_SIDE = 1600, MAX_PHOTO_BYTES = 500 * 1000, ACCURACY_WARN_M = 50;
  var PATROL_EVERY_MS = 30 * 1000, PATROL_EVERY_M = 50;

  function $(id) { return document.getElementById(id); }
  function t(key, params) {
    var s = W[key] || key;
    Object.keys(params || {}).forEach(function (k) { s = s.split("{" + k + "}").join(String(params[k])); });
    return s;
  }
  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function metres(a, b) {  // short distances: equirectangular
    var k = Math.PI / 180, x = (b.lon - a.lon) * k * Math.cos((a.lat + b.lat) / 2 * k), y = (b.lat - a.lat) * k;
    return Math.sqrt(x * x + y * y) * 6371000;
  }
  function nowIso() { return new Date().toISOString(); }

  // ---- Clearing everything (logout, a revoked session) ------------------------------------------
  function purge() {
    // Personal data first: the queue (parties, photos, positions), then the rest, then the caches.
    var dbs = [QUEUE_DB, DATA_DB].map(function (name) {
      return new Promise(function (done) {
        var r = indexedDB.deleteDatabase(name);
        r.onsuccess = r.onerror = r.onblocked = function () { done(); };
      });
    });
    return Promise.all(dbs).then(function () {
      return window.caches ? caches.keys().then(function (names) {
        return Promise.all(names.map(function (n) { return caches.delete(n); }));
      }) : null;
    });
  }
  function sessionEnded() {
    return purge().then(function () { location.replace(HOME + "?ended=1"); });
  }

  // ---- Talking to GridFlow -----------------------------------------------------------------------
  var bearer = null;
  function Offline() { this.offline = true; }
  function Failure(status, body) {
    this.status = status;
    this.body = body || {};
    var e = this.body.error || {};
    this.code = e.code; this.field = e.field;
    this.message = e.message || ("HTTP " + status);
  }
  function getToken() {
    if (bearer && bearer.until > Date.now()) return Promise.resolve(bearer.token);
    return fetch(root.dataset.token, {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: { "X-CSRFToken": CSRF, "Accept": "application/json" }
    }).catch(function () { throw new Offline(); }).then(function (r) {
      if (r.status === 401 || r.status === 400 || r.type === "opaqueredirect") {
        sessionEnded();
        throw new Failure(401, { error: { message: t("sessionEnded") } });
      }
      if (!r.ok) throw new Failure(r.status);
      return r.json().then(function (b) {
        bearer = { token: b.token, until: Date.now() + (b.expires_in - 60) * 1000 };
        return b.token;
      });
    });
  }
  function api(method, path, body, retried) {
    return getToken().then(function (token) {
      var init = { method: method, headers: { "Authorization": "Bearer " + token, "Accept": "application/json" } };
      if (body instanceof FormData) init.body = body;
      else if (body !== undefined) { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
      return fetch(API + path, init).catch(function () { throw new Offline(); });
    }).then(function (r) {
      if (r.status === 401 && !retried) { bearer = null; return api(method, path, body, true); }
      return r.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!r.ok) throw new Failure(r.status, data);
        return { status: r.status, body: data };
      });
    });
  }
  function failureText(err) {
    if (err && err.offline) return t("noSignal");
    if (!(err instanceof Failure)) return String(err && err.message || err);
    var known = { too_large: "tooLarge", unsupported_file: "notAPicture", storage_unavailable: "storageDown" };
    var photo = err.code === "invalid" && /^file/.test(err.field || "");
    var lead = known[err.code] ? t(known[err.code]) + " " : (photo ? t("photoRefused") + " " : "");
    return lead + err.message + (err.field ? " (" + err.field + ")" : "");
  }

  // ---- The queue (IndexedDB): reports and events waiting to be sent, in order -------------------
  var seq = 0;
  function enqueue(item) {
    item.key = String(Date.now()).padStart(15, "0") + "-" + String(seq++).padStart(6, "0");
    item.status = "waiting";
    item.queuedAt = nowIso();
    return kv.set(item.key, item, queueStore).then(function () { renderOutbox(); sync(); return item; });
  }
  function queueItems() {
    return kv.entries(queueStore).then(function (rows) {
      return rows.map(function (r) { return r[1]; }).sort(function (a, b) { return a.key < b.key ? -1 : 1; });
    });
  }
  function save(item) { return kv.set(item.key, item, queueStore); }

  var syncing = null;
  function sync() {
    if (syncing) return syncing.then(function () { return null; });
    if (!navigator.onLine) { renderOutbox(); return Promise.resolve(); }
    syncing = queueItems().then(function (items) {
      var todo = items.filter(function (i) { return i.status === "waiting" || i.status === "sending"; });
      return todo.reduce(function (prev, item) {
        return prev.then(function (stop) {
          if (stop) return true;
          item.status = "sending";
          return send(item).then(function () {
            item.status = "sent"; item.sentAt = nowIso(); item.error = null;
            delete item.photos;  // the phone keeps no copy of what arrived
            return save(item).then(function () { return false; });
          }, function (err) {
            if (err && err.offline) { item.status = "waiting"; return save(item).then(function () { return true; }); }
            if (err instanceof Failure && err.status === 409 && item.type === "event" && err.body.error &&
                err.body.error.current_version !== undefined) {
              return api("GET", "/cases/" + item.caseId).then(function (fresh) {
                // The phone's own words say it (the state now, and the question): not the server's English.
                item.status = "stale"; item.fresh = summary(fresh.body); item.error = null;
                return save(item);
              }, function () { item.status = "failed"; item.error = failureText(err); return save(item); })
                .then(function () { return false; });
            }
            item.status = "failed"; item.error = failureText(err);
            return save(item).then(function () { return false; });
          }).then(function (stop) { renderOutbox(); return stop; });
        });
      }, Promise.resolve(false));
    }).catch(function () { return null; }).then(function () { syncing = null; renderOutbox(); });
    return syncing;
  }

  function summary(c) {
    return { id: c.id, number: c.number, state: c.state, level: c.level, version: c.version,
             category_name: c.category_name, allowed_events: c.allowed_events || [] };
  }

  function uploadPhotos(caseId, stage, photos, clientId) {
    var form = new FormData();
    form.append("stage", stage);
    form.append("client_id", clientId);
    photos.forEach(function (p, i) { form.append("file", p.blob, p.name || ("photo-" + (i + 1) + ".jpg")); });
    return api("POST", "/cases/" + caseId + "/attachments", form);
  }

  // Each step is idempotent (its own client_id) and its result kept before the next: a step repeated
  // after a lost answer is answered with what the first one did.
  function send(item) {
    if (item.type === "report") return sendReport(item);
    if (item.type === "event") return sendEvent(item);
    if (item.type === "patrol-start") return patrolStartSend(item);
    if (item.type === "patrol-positions") return patrolPositionsSend(item);
    if (item.type === "patrol-end") return patrolEndSend(item);
    return Promise.reject(new Error("unknown item"));
  }
  function sendReport(item) {
    var step = Promise.resolve();
    if (!item.caseId) {
      step = api("POST", "/cases", item.body).then(function (r) {
        item.caseId = r.body.id; item.number = r.body.number; item.version = r.body.version;
        item.created = r.status === 201;
        return save(item).then(function () { return remember(r.body); });
      });
    }
    return step.then(function () {
      if (!item.photos || !item.photos.length || item.photosDone) return null;
      return uploadPhotos(item.caseId, "report", item.photos, item.photoClientId).then(function () {
        item.photosDone = true; return save(item);
      });
    }).then(function () {
      if (!item.mergeInto || item.merged) return null;
      return api("POST", "/cases/" + item.caseId + "/events",
        { event: "merge", version: item.version, into: item.mergeInto, client_id: item.mergeClientId })
        .then(function () { item.merged = true; return save(item); });
    });
  }
  function sendEvent(item) {
    var step = Promise.resolve();
    if (item.photos && item.photos.length && !item.photosDone) {
      step = uploadPhotos(item.caseId, item.stage || "verification", item.photos, item.photoClientId)
        .then(function () { item.photosDone = true; return save(item); });
    }
    return step.then(function () { return api("POST", "/cases/" + item.caseId + "/events", item.body); })
      .then(function (r) { item.fresh = summary(r.body); });
  }

  // ---- Outbox --------------------------------------------------------------------------------
  function renderOutbox() {
    return queueItems().then(function (items) {
      var list = $("outbox-list"), waiting = 0, asking = 0;
      list.textContent = "";
      items.slice().reverse().forEach(function (item) {
        if (item.status === "waiting" || item.status === "sending") waiting++;
        if (item.status === "stale") asking++;
        if (item.type === "patrol-positions" && item.status === "sent") return;
        var li = el("li", "item item--" + item.status);
        li.dataset.status = item.status;
        li.appendChild(el("strong", null, item.label || item.type));
        li.appendChild(el("span", "item__state", t("status_" + item.status)));
        if (item.number) li.appendChild(el("span", "item__number", item.number));
        if (item.error) li.appendChild(el("p", "error", item.error));
        if (item.status === "stale" && item.fresh) {
          li.appendChild(el("p", null, t("staleAsk", { number: item.fresh.number, state: t("state_" + item.fresh.state) })));
          var again = el("button", "btn", t("sendAgain"));
          again.type = "button";
          again.addEventListener("click", function () {
            item.body.version = item.fresh.version; item.status = "waiting"; item.error = null;
            save(item).then(sync);
          });
          li.appendChild(again);
        }
        if (item.status === "failed" || item.status === "stale") {
          var drop = el("button", "btn btn--quiet", t("drop"));
          drop.type = "button";
          drop.addEventListener("click", function () { kv.del(item.key, queueStore).then(renderOutbox); });
          li.appendChild(drop);
        }
        list.appendChild(li);
      });
      $("outbox-count").textContent = waiting ? String(waiting) : "";
      $("outbox-status").textContent = waiting ? t("waitingCount", { n: waiting })
        : (asking ? t("askingCount", { n: asking }) : t("allSent"));
    });
  }

  // ---- Network state -------------------------------------------------------------------------
  function showNet() {
    var net = $("net");
    net.textContent = navigator.onLine ? t("online") : t("offline");
    net.className = "pill" + (navigator.onLine ? "" : " pill--off");
  }
  window.addEventListener("online", function () { showNet(); sync(); });
  window.addEventListener("offline", showNet);
  setInterval(function () { if (navigator.onLine) sync(); }, 15000);

  // ---- Tabs ----------------------------------------------------------------------------------
  var views = ["grids", "report", "work", "patrol", "outbox"];
  var shown = {};
  function show(name) {
    if (views.indexOf(name) < 0) name = "grids";
    views.forEach(function (v) { $(v).hidden = v !== name; });
    Array.prototype.forEach.call(document.querySelectorAll("[data-tab]"), function (a) {
      if (a.dataset.tab === name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
    if (!shown[name]) { shown[name] = true; (opened[name] || function () {})(); }
    if (name === "work") loadWork();
    if (name === "patrol") loadPatrolDay();
    if (name === "outbox") renderOutbox();
    var maps = { grids: gridMap, report: reportMap };
    var shownMap = maps[name] && maps[name].view;
    if (shownMap) {  // a map laid out while hidden has no size: measure again, then show my grids
      shownMap.map.invalidateSize();
      if (shownMap.mineBounds && !shownMap.fitted) { shownMap.fitted = true; shownMap.map.fitBounds(shownMap.mineBounds, { padding: [8, 8] }); }
    }
  }
  window.addEventListener("hashchange", function () { show(location.hash.slice(1)); });

  // ---- Cached reference data -----------------------------------------------------------------
  function cached(key, loader) {
    // Online: fresh from GridFlow (and kept); offline: what was kept.
    return loader().then(function (value) { return kv.set(key, value, dataStore).then(function () { return value; }); },
      function (err) { return kv.get(key, dataStore).then(function (v) { if (v === undefined) throw err; return v; }); });
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .catch(function () { throw new Offline(); })
      .then(function (r) { if (!r.ok) throw new Failure(r.status); return r.json(); });
  }
  function categories() {
    // The kept list at once (the form is usable without waiting for the network), refreshed behind it.
    var fresh = cached("categories", function () { return getJSON(API + "/categories"); });
    fresh.catch(function () { return null; });  // offline: the kept list serves
    return kv.get("categories", dataStore).then(function (kept) { return kept === undefined ? fresh : kept; })
      .then(function (b) { return Array.isArray(b) ? b : b.items; });
  }
  function bboxOf(collections) {
    var box = [180, 90, -180, -90];
    function walk(c) {
      if (typeof c[0] === "number") {
        box[0] = Math.min(box[0], c[0]); box[1] = Math.min(box[1], c[1]);
        box[2] = Math.max(box[2], c[0]); box[3] = Math.max(box[3], c[1]);
      } else c.forEach(walk);
    }
    collections.forEach(function (fc) { fc.features.forEach(function (f) { if (f.geometry) walk(f.geometry.coordinates); }); });
    return box;
  }
  function myGrids() {
    return cached("grids", function () {
      return Promise.all(GRIDS.map(function (code) { return getJSON("/geo/grids.geojson?code=" + encodeURIComponent(code)); }))
        .then(function (grids) {
          var box = bboxOf(grids), q = "?bbox=" + box.join(",") + "&zoom=17";
          return Promise.all([getJSON("/geo/entities.geojson" + q), getJSON("/geo/cases.geojson" + q)])
            .then(function (more) { return { grids: grids, bbox: box, entities: more[0], cases: more[1] }; });
        });
    });
  }

  // ---- My grids ------------------------------------------------------------------------------
  var mapWords = JSON.parse(root.dataset.mapI18n || "{}");
  var gridMap = {}, reportMap = {};
  // Leaflet and the map script (data-map-scripts, in order) are fetched when a map is first drawn:
  // not before the report form is usable (a phone on a slow line gets the form a third of a second
  // sooner); the service worker keeps them like the rest of the shell.
  var mapScripts = null;
  function mapLibrary() {
    if (!mapScripts) {
      mapScripts = (root.dataset.mapScripts || "").split(" ").filter(Boolean).reduce(function (chain, src) {
        return chain.then(function () {
          return new Promise(function (done, failed) {
            var script = document.createElement("script");
            script.src = src; script.onload = done; script.onerror = failed;
            document.head.appendChild(script);
          });
        });
      }, Promise.resolve());
      mapScripts.catch(function () { mapScripts = null; });  // asked again next time (signal back)
    }
    return mapScripts;
  }
  function baseMap(elId, layers) {
    return window.GridflowMap.create($(elId), { layers: layers, i18n: mapWords, layersCollapsed: true });
  }
  function drawMine(view, data) {
    var L = window.L;
    var inGrids = L.geoJSON(data.grids.reduce(function (all, fc) { return all.concat(fc.features); }, []),
      { style: function () { return { className: "map-focus", weight: 3, fill: false }; } }).addTo(view.map);
    if (inGrids.getBounds().isValid()) {
      view.mineBounds = inGrids.getBounds();
      view.map.fitBounds(view.mineBounds, { padding: [8, 8] });
    }
    return inGrids;
  }
  function showGrids() {
    gridMap.view = baseMap("grid-map", "grids entities cases");
    gridMap.view.on("select", function (p, layer) {
      var box = $("entity-detail");
      box.hidden = false; box.textContent = "";
      box.appendChild(el("h2", null, p.name || p.number || p.code || p.ref || ""));
      [["address", p.address], ["kind", p.kind && t("entity_" + p.kind)], ["state", p.state && t("state_" + p.state)]]
        .forEach(function (row) { if (row[1]) box.appendChild(el("p", null, row[1])); });
      if (layer === "entities" && p.ref) { showEntity(box, p.ref); recordVisit(p.ref, "details"); }
    });
    myGrids().then(function (data) {
      drawMine(gridMap.view, data);
      var counts = {};
      data.entities.features.forEach(function (f) {
        var k = f.properties.kind; if (k) counts[k] = (counts[k] || 0) + (f.properties.count || 1);
      });
      var open = data.cases.features.reduce(function (n, f) { return n + (f.properties.count || 1); }, 0);
      var dl = $("grid-counts"); dl.textContent = "";
      ["residence", "shop", "unit", "road"].forEach(function (k) {
        dl.appendChild(el("dt", null, t("entity_" + k))); dl.appendChild(el("dd", null, counts[k] || 0));
      });
      dl.appendChild(el("dt", null, t("openCases"))); dl.appendChild(el("dd", null, open));
      fillEntities(data.entities);
    }).catch(function (err) { $("grid-codes").textContent = failureText(err); });
  }
  var opened = {
    grids: function () {
      if (!GRIDS.length) return;
      mapLibrary().then(showGrids, function (err) { $("grid-codes").textContent = failureText(err); });
    },
    report: function () {
      setUpReport();
    }
  };
  // Every entity of my grids with its latest cases, kept for use without signal like the map (after the
  // report form is usable: nothing of it stands in the form's way).
  var KEEP_ENTITIES_AFTER_MS = 1500;
  function keepEntities() {
    if (!navigator.onLine || !GRIDS.length) return Promise.resolve();
    return Promise.all(GRIDS.map(function (code) {
      return api("GET", "/entities?grid=" + encodeURIComponent(code)).then(function (r) {
        return kv.setMany(r.body.items.map(function (e) { return ["entity:" + e.ref, e]; }), dataStore);
      });
    })).then(function () { root.dataset.entitiesKept = "yes"; }, function () { return null; });
  }
  // An entity's details and case history, from GridFlow (kept per entity for a look without signal).
  function showEntity(box, ref) {
    var history = el("div", "history"); history.textContent = t("loading");
    box.appendChild(history);
    cached("entity:" + ref, function () { return api("GET", "/entities/" + encodeURIComponent(ref)).then(function (r) { return r.body; }); })
      .then(function (e) {
        history.textContent = "";
        var facts = [e.address, e.households !== null ? t("households", { n: e.households }) : null,
          e.grids.map(function (g) { return g.name + " " + g.code; }).join(", ")].filter(Boolean);
        if (facts.length) history.appendChild(el("p", "hint", facts.join(" · ")));
        history.appendChild(el("h3", null, t("caseHistory", { n: e.cases_total })));
        var list = el("ul", "list");
        e.cases.forEach(function (c) {
          var li = el("li", "item");
          li.appendChild(el("strong", null, c.number));
          li.appendChild(el("span", null, c.category_name + " · " + t("state_" + c.state) + " · " + String(c.created_at).slice(0, 10)));
          list.appendChild(li);
        });
        if (!e.cases.length) list.appendChild(el("li", "hint", t("noCaseHistory")));
        history.appendChild(list);
        if (!navigator.onLine) history.appendChild(el("p", "hint", t("offlineWork")));
      }, function (err) {
        history.textContent = "";
        history.appendChild(el("p", "hint", err && err.offline ? t("entityOffline") : failureText(err)));
      });
  }

  // ---- Report --------------------------------------------------------------------------------
  var place = null;     // {lon, lat, accuracy_m?, how}
  var photos = [];      // [{blob, name}]
  var entities = {};    // label -> ref

  function fillEntities(collection) {
    var list = $("entity-list"); list.textContent = "";
    entities = {};
    collection.features.forEach(function (f) {
      var p = f.properties;
      if (!p.ref || p.count !== undefined) return;
      var label = (p.name || p.ref) + (p.address ? " · " + p.address : "");
      entities[label] = p.ref;
      var o = document.createElement("option"); o.value = label; list.appendChild(o);
    });
  }
  function fillCategories() {
    return Promise.all([categories(), kv.get("recent-categories", dataStore)]).then(function (r) {
      var all = r[0].filter(function (c) { return c.active !== false; }), recent = r[1] || [];
      var kind = document.querySelector("input[name=kind]:checked").value;
      var select = $("category"), lang = document.documentElement.lang;
      select.textContent = "";
      var name = function (c) { return lang === "en" ? c.name_en : c.name; };
      var mine = all.filter(function (c) { return c.kind === kind; });
      var recentOnes = recent.map(function (code) { return mine.filter(function (c) { return c.code === code; })[0]; })
        .filter(Boolean);
      function group(label, list) {
        if (!list.length) return;
        var g = document.createElement("optgroup"); g.label = label;
        list.forEach(function (c) { var o = document.createElement("option"); o.value = c.code; o.textContent = name(c); g.appendChild(o); });
        select.appendChild(g);
      }
      group(t("recent"), recentOnes);
      var duties = [];
      mine.forEach(function (c) { if (duties.indexOf(c.duty) < 0) duties.push(c.duty); });
      duties.forEach(function (d) {
        var list = mine.filter(function (c) { return c.duty === d; });
        group(lang === "en" ? t("duty_" + d) : list[0].duty_name, list);
      });
    });
  }
  function setPlace(p) {
    place = p;
    var status = $("gps-status");
    status.textContent = t("placeAt", { lat: p.lat.toFixed(5), lon: p.lon.toFixed(5) }) +
      (p.accuracy_m !== undefined ? " " + t("accuracy", { m: Math.round(p.accuracy_m) }) : "");
    status.className = "status" + (p.accuracy_m > ACCURACY_WARN_M ? " status--warn" : "");
    if (p.accuracy_m > ACCURACY_WARN_M) status.textContent += " " + t("accuracyWarn", { m: ACCURACY_WARN_M });
    markPlace(p);
    whoseGrid(p);
  }
  function markPlace(p) {
    if (!reportMap.view) return;
    if (reportMap.marker) reportMap.marker.setLatLng([p.lat, p.lon]);
    else reportMap.marker = window.L.circleMarker([p.lat, p.lon], { radius: 8, className: "map-marker" }).addTo(reportMap.view.map);
  }
  function whoseGrid(p) {
    var out = $("where-grid"); out.textContent = ""; out.className = "status";
    if (!navigator.onLine) return;
    api("GET", "/locate?lon=" + p.lon + "&lat=" + p.lat).then(function (r) {
      var g = r.body.grid, w = r.body.worker;
      if (!g) { out.textContent = t("outsideEvery"); out.className = "status status--warn"; return; }
      if (GRIDS.indexOf(g.code) >= 0) { out.textContent = t("inMyGrid", { grid: g.name + " " + g.code }); return; }
      out.textContent = t("notMyGrid", { grid: g.name + " " + g.code, worker: w ? w.name : t("nobody") });
      out.className = "status status--warn";
    }).catch(function () { return null; });
  }
  function position(options) {
    return new Promise(function (resolve, reject) {
      if (!navigator.geolocation) { reject(new Error(t("noGps"))); return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        resolve({ lon: pos.coords.longitude, lat: pos.coords.latitude, accuracy_m: pos.coords.accuracy });
      }, function (e) { reject(new Error(t("noGps") + " " + e.message)); },
      options || { enableHighAccuracy: true, timeout: 15000, maximumAge: 10000 });
    });
  }

  // Photos: made at most MAX_SIDE px and MAX_PHOTO_BYTES on the phone.  A file the phone cannot read as a
  // picture (or a PNG claiming a huge size) goes as it is: GridFlow judges it by its content and says why.
  function pngPixels(file) {
    return file.slice(0, 24).arrayBuffer().then(function (buf) {
      var b = new DataView(buf);
      if (buf.byteLength < 24 || b.getUint32(0) !== 0x89504e47) return 0;
      return b.getUint32(16) * b.getUint32(20);
    });
  }
  function encode(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }
  function shrink(file) {
    return pngPixels(file).then(function (pixels) {
      if (pixels > 40e6 || file.size > 40e6) return { blob: file, name: file.name, asIs: true };
      return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
        var side = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
        function attempt(scale, quality) {
          var canvas = document.createElement("canvas");
          canvas.width = Math.max(1, Math.round(bitmap.width * scale));
          canvas.height = Math.max(1, Math.round(bitmap.height * scale));
          canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
          return encode(canvas, quality).then(function (blob) {
            if (blob.size <= MAX_PHOTO_BYTES) return blob;
            return quality > 0.5 ? attempt(scale, quality - 0.15) : attempt(scale * 0.8, 0.8);
          });
        }
        return attempt(side, 0.85).then(function (blob) {
          bitmap.close();
          return { blob: blob, name: file.name.replace(/\.[^.]*$/, "") + ".jpg" };
        });
      }, function () { return { blob: file, name: file.name, asIs: true }; });
    });
  }
  function addPhotos(files, into, list) {
    var room = MAX_PHOTOS - into.length;
    var chosen = Array.prototype.slice.call(files, 0, Math.max(0, room));
    return chosen.reduce(function (p, f) {
      return p.then(function () { return shrink(f).then(function (ph) { into.push(ph); }); });
    }, Promise.resolve()).then(function () { if (list) drawPhotos(into, list); });
  }
  function drawPhotos(into, list) {
    list.textContent = "";
    into.forEach(function (ph, i) {
      var li = el("li", "thumb");
      if (!ph.asIs) {
        var img = el("img"); img.src = URL.createObjectURL(ph.blob); img.alt = t("photoN", { n: i + 1 });
        li.appendChild(img);
      } else li.appendChild(el("span", null, ph.name));
      li.appendChild(el("span", "thumb__size", Math.round(ph.blob.size / 1000) + " kB"));
      var rm = el("button", "btn btn--quiet", t("remove")); rm.type = "button";
      rm.setAttribute("aria-label", t("remove") + " " + t("photoN", { n: i + 1 }));
      rm.addEventListener("click", function () { into.splice(i, 1); drawPhotos(into, list); });
      li.appendChild(rm);
      list.appendChild(li);
    });
  }

  function partyRow() {
    var n = $("party-rows").children.length + 1, row = el("div", "party");
    [["name", t("partyName"), "text"], ["phone", t("partyPhone"), "tel"]].forEach(function (f) {
      var id = "party-" + n + "-" + f[0], label = el("label", null, f[1] + " " + n);
      label.htmlFor = id;
      var input = el("input"); input.id = id; input.type = f[2]; input.dataset.party = f[0];
      row.appendChild(label); row.appendChild(input);
    });
    var rid = "party-" + n + "-role", rl = el("label", null, t("partyRole") + " " + n); rl.htmlFor = rid;
    var role = el("select"); role.id = rid; role.dataset.party = "role";
    ["applicant", "respondent", "third_party"].forEach(function (r) {
      var o = el("option", null, t("role_" + r)); o.value = r; role.appendChild(o);
    });
    role.value = n === 1 ? "applicant" : "respondent";
    row.appendChild(rl); row.appendChild(role);
    $("party-rows").appendChild(row);
  }

  function setUpReport() {
    var form = $("report-form");
    // The form first (usable as soon as the categories are in), the map after it.
    fillCategories().then(function () {
      root.dataset.reportReady = "yes"; setTimeout(reportMapNow, 0); setTimeout(keepEntities, KEEP_ENTITIES_AFTER_MS);
    });
    Array.prototype.forEach.call(form.querySelectorAll("input[name=kind]"), function (r) {
      r.addEventListener("change", function () {
        var dispute = r.value === "dispute" && r.checked;
        if (r.checked) { $("parties").hidden = !dispute; fillCategories(); }
        if (dispute && !$("party-rows").children.length) { partyRow(); partyRow(); }
      });
    });
    $("add-party").addEventListener("click", partyRow);
    $("use-gps").addEventListener("click", function () {
      $("gps-status").textContent = t("locating");
      position().then(function (p) { p.how = "gps"; setPlace(p); }, function (e) { $("gps-status").textContent = e.message; });
    });
    $("entity").addEventListener("change", function () {
      var ref = entities[$("entity").value];
      if (ref) { place = { entity: ref, how: "entity" }; $("gps-status").textContent = t("placeEntity", { name: $("entity").value }); }
    });
    $("photos").addEventListener("change", function (e) {
      addPhotos(e.target.files, photos, $("photo-list")).then(function () { e.target.value = ""; });
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); checkThenSend(); });
    $("send-anyway").addEventListener("click", function () { queueReport(null); });
  }
  function reportMapNow() {
    mapLibrary().then(function () {
      reportMap.view = baseMap("report-map", "grids");
      if (place && place.lat !== undefined) markPlace(place);  // located before the map was there
      myGrids().then(function (data) {
        drawMine(reportMap.view, data); fillEntities(data.entities);
      }).catch(function () { return null; });
      reportMap.view.map.on("click", function (ev) {
        setPlace({ lon: ev.latlng.lng, lat: ev.latlng.lat, how: "map" });
      });
    }).catch(function () { return null; });  // no map without signal the first time: the form works
  }
  function reportBody() {
    var kind = document.querySelector("input[name=kind]:checked").value;
    var body = { kind: kind, category: $("category").value, description: $("description").value.trim(), client_id: uuid() };
    if (place && place.entity) body.entity = place.entity;
    else if (place) body.location = { lon: place.lon, lat: place.lat };
    if (kind === "dispute") {
      body.parties = Array.prototype.map.call($("party-rows").children, function (row) {
        var p = {};
        Array.prototype.forEach.call(row.querySelectorAll("[data-party]"), function (f) { if (f.value.trim()) p[f.dataset.party] = f.value.trim(); });
        return p;
      }).filter(function (p) { return p.name; });
    }
    return body;
  }
  function reportProblem(body) {
    if (!body.category) return t("needCategory");
    if (!body.description) return t("needDescription");
    if (!body.location && !body.entity) return t("needPlace");
    return null;
  }
  function checkThenSend() {
    var body = reportBody(), problem = reportProblem(body);
    $("report-error").textContent = problem || "";
    if (problem) return;
    if (!navigator.onLine || !body.location) { queueReport(null); return; }
    api("GET", "/cases/duplicates?category=" + encodeURIComponent(body.category) + "&lon=" + body.location.lon + "&lat=" + body.location.lat)
      .then(function (r) {
        var items = r.body.items;
        if (!items.length) { queueReport(null); return; }
        var list = $("duplicate-list"); list.textContent = "";
        items.forEach(function (d) {
          var li = el("li", "item");
          li.appendChild(el("strong", null, d.number));
          li.appendChild(el("span", null, t("state_" + d.state) + " · " + t("metresAway", { m: Math.round(d.distance_m) })));
          var same = el("button", "btn", t("itsTheSame")); same.type = "button";
          same.addEventListener("click", function () { queueReport(d); });
          li.appendChild(same);
          list.appendChild(li);
        });
        $("duplicates").hidden = false;
        $("duplicates").scrollIntoView();
      }, function () { queueReport(null); });
  }
  function queueReport(sameAs) {
    var body = reportBody(), problem = reportProblem(body);
    if (problem) { $("report-error").textContent = problem; return; }
    var item = {
      type: "report", body: body, photos: photos.slice(), photoClientId: uuid(),
      label: t("reportLabel", { kind: t("kind_" + body.kind), text: body.description.slice(0, 30) })
    };
    if (sameAs) { item.mergeInto = sameAs.id; item.mergeClientId = uuid(); item.label += " → " + sameAs.number; }
    kv.get("recent-categories", dataStore).then(function (recent) {
      recent = [body.category].concat((recent || []).filter(function (c) { return c !== body.category; })).slice(0, 5);
      return kv.set("recent-categories", recent, dataStore);
    });
    if (body.entity) recordVisit(body.entity, "report");
    enqueue(item).then(function () {
      $("report-form").reset(); photos = []; drawPhotos(photos, $("photo-list"));
      $("party-rows").textContent = ""; $("parties").hidden = true; $("duplicates").hidden = true;
      place = null; $("gps-status").textContent = ""; $("where-grid").textContent = "";
      fillCategories();
      $("report-error").textContent = "";
      var note = $("gps-status"); note.textContent = navigator.onLine ? t("queuedOnline") : t("queuedOffline");
    });
  }
  function remember(c) {
    return kv.get("mine", dataStore).then(function (mine) {
      mine = [c.id].concat((mine || []).filter(function (id) { return id !== c.id; })).slice(0, 20);
      return kv.set("mine", mine, dataStore);
    });
  }

  // ---- My work -------------------------------------------------------------------------------
  var acting = null;
  function workRow(c, buttons) {
    var li = el("li", "item");
    li.appendChild(el("strong", null, c.number));
    li.appendChild(el("span", null, (c.category_name || "") + " · " + t("state_" + c.state) + " · " + t("level_" + c.level)));
    if (c.description) li.appendChild(el("p", "item__text", c.description));
    buttons.forEach(function (event) {
      var b = el("button", "btn", t("event_" + event)); b.type = "button";
      b.addEventListener("click", function () { openAct(c, event); });
      li.appendChild(b);
    });
    return li;
  }
  function loadWork() {
    var status = $("work-status");
    status.textContent = navigator.onLine ? t("loading") : t("offlineWork");
    renderNotes();
    var lists = { file: $("work-file"), verify: $("work-verify"), follow: $("work-follow"), mine: $("work-mine") };
    return cached("work", function () {
      return Promise.all([api("GET", "/queue?per_page=100"), api("GET", "/follow-ups"),
        kv.get("mine", dataStore).then(function (ids) {
          return Promise.all((ids || []).slice(0, 10).map(function (id) {
            return api("GET", "/cases/" + id).then(function (r) { return r.body; }, function () { return null; });
          }));
        })]).then(function (r) { return { queue: r[0].body.items, followUps: r[1].body.items, mine: r[2].filter(Boolean) }; });
    }).then(function (w) {
      Object.keys(lists).forEach(function (k) { lists[k].textContent = ""; });
      w.queue.forEach(function (c) {
        var ev = c.allowed_events || [];
        if (ev.indexOf("file") >= 0 || ev.indexOf("reject") >= 0) lists.file.appendChild(workRow(c, ev.filter(function (e) { return e === "file" || e === "reject"; })));
        if (ev.indexOf("verify") >= 0 || ev.indexOf("rework") >= 0) lists.verify.appendChild(workRow(c, ev.filter(function (e) { return e === "verify" || e === "rework"; })));
      });
      (w.followUps || []).forEach(function (c) {
        var li = lists.follow.appendChild(workRow(c, ["follow_up"]));
        li.dataset.case = c.id;
        li.insertBefore(el("p", "item__due", t("due_" + c.purpose, { date: c.due_on })), li.querySelector("button"));
      });
      w.mine.forEach(function (c) { lists.mine.appendChild(workRow(c, [])); });
      Object.keys(lists).forEach(function (k) { if (!lists[k].children.length) lists[k].appendChild(el("li", "hint", t("nothing"))); });
      status.textContent = navigator.onLine ? "" : t("offlineWork");
    }).catch(function (err) { status.textContent = failureText(err); });
  }
  function renderNotes() {
    var box = $("work-notes");
    if (!navigator.onLine) return;
    api("GET", "/notifications").then(function (r) {
      box.textContent = "";
      var items = (r.body && r.body.items) || [];
      if (!items.length) box.appendChild(el("p", "hint", t("noNotes")));
      items.slice(0, 20).forEach(function (n) { box.appendChild(el("p", null, n.message || n.text || n.kind || "")); });
    }, function (err) {
      box.textContent = "";
      box.appendChild(el("p", "hint", err.status === 404 ? t("notesMissing") : failureText(err)));
    });
  }
  var actPhotos = [];
  function openAct(c, event) {
    acting = { c: c, event: event, position: null };
    actPhotos = [];
    $("act").hidden = false;
    $("act-title").textContent = t("event_" + event) + " · " + c.number;
    $("act-reason").value = "";
    $("act-error").textContent = "";
    $("act-reason-field").hidden = ["reject", "rework", "follow_up"].indexOf(event) < 0;
    $("act-reason-label").textContent = t(event === "follow_up" ? "visitNotes" : "reason");
    $("act-satisfied").hidden = event !== "follow_up";
    $("act-performed").hidden = !(event === "follow_up" && c.purpose === "performance");
    Array.prototype.forEach.call(document.querySelectorAll("#act-form input[type=radio][value='']"), function (r) { r.checked = true; });
    $("act-photo-field").hidden = event !== "verify";
    $("act-position").textContent = "";
    if (["verify", "rework", "follow_up"].indexOf(event) >= 0) {
      $("act-position").textContent = t("locating");
      position().then(function (p) {
        acting.position = p;
        $("act-position").textContent = t("placeAt", { lat: p.lat.toFixed(5), lon: p.lon.toFixed(5) }) + " " + t("accuracy", { m: Math.round(p.accuracy_m) });
      }, function (e) { $("act-position").textContent = e.message; });
    }
    $("act-title").focus();
  }
  function setUpAct() {
    $("work-refresh").addEventListener("click", loadWork);
    $("act-photos").addEventListener("change", function (e) { addPhotos(e.target.files, actPhotos, null); });
    $("act-cancel").addEventListener("click", function () { $("act").hidden = true; acting = null; });
    $("act-form").addEventListener("submit", function (e) {
      e.preventDefault();
      if (!acting) return;
      var a = acting, reason = $("act-reason").value.trim();
      var body = { event: a.event, version: a.c.version, client_id: uuid() };
      if (["reject", "rework"].indexOf(a.event) >= 0) { if (!reason) { $("act-error").textContent = t("needReason"); return; } body.reason = reason; }
      if (a.event === "follow_up") {
        if (!reason) { $("act-error").textContent = t("needVisitNotes"); return; }
        body.visit = { notes: reason };
        ["satisfied", "performed"].forEach(function (name) {  // yes, no, or left out (not asked, not known)
          var said = document.querySelector("#act-form input[name=" + name + "]:checked");
          if (said && said.value && !$("act-" + name).hidden) body.visit[name] = said.value === "yes";
        });
      }
      if (a.position) body.position = a.position;
      var go = actPhotos.length ? Promise.resolve() : Promise.resolve();
      go.then(function () {
        return enqueue({ type: "event", caseId: a.c.id, body: body, photos: actPhotos.slice(), stage: "verification",
          photoClientId: uuid(), number: a.c.number, label: t("event_" + a.event) + " · " + a.c.number });
      }).then(function () {
        $("act").hidden = true; acting = null;
        if (a.event === "follow_up") {  // recorded: off the list (the outbox shows it on its way)
          var row = document.querySelector("#work-follow li[data-case='" + a.c.id + "']");
          if (row) row.remove();
        }
      });
    });
  }

  // ---- Patrol --------------------------------------------------------------------------------
  var patrol = null;   // {local, startedAt, fixes: [], last}
  var watchId = null, flushTimer = null;
  function patrolIds() { return kv.get("patrol-ids", dataStore).then(function (m) { return m || {}; }); }
  function patrolStartSend(item) {
    return api("POST", "/patrols", { started_at: item.startedAt, client_id: item.clientId }).then(function (r) { return r.body.id; },
      function (err) {
        if (err instanceof Failure && err.status === 409 && err.body.error && err.body.error.patrol_id) return err.body.error.patrol_id;
        throw err;
      }).then(function (id) {
      return patrolIds().then(function (m) { m[item.local] = id; return kv.set("patrol-ids", m, dataStore); });
    });
  }
  function patrolId(item) {
    return patrolIds().then(function (m) {
      if (!m[item.local]) throw new Failure(409, { error: { message: t("patrolNotStarted") } });
      return m[item.local];
    });
  }
  function patrolPositionsSend(item) {
    return patrolId(item).then(function (id) {
      return api("POST", "/patrols/" + id + "/positions", { client_id: item.clientId, positions: item.positions, visits: item.visits || [] });
    });
  }
  function patrolEndSend(item) {
    return patrolId(item).then(function (id) { return api("POST", "/patrols/" + id + "/end", { ended_at: item.endedAt }); });
  }
  function showPatrol() {
    $("patrol-start").hidden = !!patrol;
    $("patrol-end").hidden = !patrol;
    $("patrol-status").textContent = patrol ? t("patrolOn", { n: patrol.count || 0 }) +
      (patrol.visitCount ? " " + t("patrolVisits", { n: patrol.visitCount }) : "") : t("patrolOff");
  }
  function flushFixes() {
    if (!patrol || (!patrol.fixes.length && !(patrol.visits || []).length)) return Promise.resolve();
    var fixes = patrol.fixes, visits = patrol.visits || [];
    patrol.fixes = []; patrol.visits = [];
    return kv.set("patrol", patrol, dataStore).then(function () {
      return enqueue({ type: "patrol-positions", local: patrol.local, clientId: uuid(), positions: fixes, visits: visits,
        label: t("patrolPositions", { n: fixes.length }) + (visits.length ? " · " + t("patrolVisits", { n: visits.length }) : "") });
    });
  }
  // An entity visited on patrol: its details opened on the map, or a case reported at it (the server
  // keeps the first visit of each entity per patrol; so does the phone, to send less).  The phone's
  // position then goes with it: the last fix if it is fresh, else one asked for now.
  var VISIT_FIX_FRESH_MS = 60 * 1000;
  function recordVisit(ref, how) {
    if (!patrol || !ref) return Promise.resolve();
    patrol.visited = patrol.visited || {};
    if (patrol.visited[ref]) return Promise.resolve();
    patrol.visited[ref] = true;
    var visit = { entity: ref, at: nowIso(), how: how };
    var last = patrol.last, fresh = last && Date.now() - Date.parse(last.at) < VISIT_FIX_FRESH_MS;
    var where = fresh ? Promise.resolve({ lon: last.lon, lat: last.lat, accuracy_m: last.accuracy_m })
      : position({ enableHighAccuracy: true, timeout: 5000, maximumAge: 30000 }).catch(function () { return null; });
    return where.then(function (p) {
      if (!patrol) return null;
      if (p) visit.position = { lon: p.lon, lat: p.lat, accuracy_m: p.accuracy_m };
      patrol.visits = (patrol.visits || []).concat([visit]);
      patrol.visitCount = (patrol.visitCount || 0) + 1;
      showPatrol();
      return kv.set("patrol", patrol, dataStore);
    });
  }
  function onFix(pos) {
    if (!patrol) return;
    var fix = { lon: pos.coords.longitude, lat: pos.coords.latitude, at: new Date(pos.timestamp || Date.now()).toISOString(), accuracy_m: pos.coords.accuracy };
    var last = patrol.last;
    if (last && Date.parse(fix.at) - Date.parse(last.at) < PATROL_EVERY_MS && metres(last, fix) < PATROL_EVERY_M) return;
    patrol.last = fix; patrol.fixes.push(fix); patrol.count = (patrol.count || 0) + 1;
    kv.set("patrol", patrol, dataStore);
    showPatrol();
  }
  function track() {
    if (navigator.geolocation && watchId === null) {
      watchId = navigator.geolocation.watchPosition(onFix, function () { return null; }, { enableHighAccuracy: true, maximumAge: 5000 });
    }
    // A fix every 30 s even when standing still (watchPosition reports moves only).
    flushTimer = setInterval(function () {
      position({ enableHighAccuracy: true, timeout: 10000, maximumAge: 0 }).then(function (p) {
        onFix({ coords: { longitude: p.lon, latitude: p.lat, accuracy: p.accuracy_m }, timestamp: Date.now() });
      }, function () { return null; }).then(flushFixes);
    }, PATROL_EVERY_MS);
  }
  function untrack() {
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    watchId = null; clearInterval(flushTimer);
  }
  // Today's log as GridFlow keeps it (what the supervisors see), kept for a look without signal.
  function distanceText(m) { return m >= 1000 ? t("km", { n: (m / 1000).toFixed(1) }) : t("metres", { n: Math.round(m) }); }
  function durationText(s) { return t("minutes", { n: Math.round(s / 60) }); }
  function clock(at) { return at ? String(at).slice(11, 16) : "…"; }
  function loadPatrolDay() {
    var status = $("patrol-day-status");
    return cached("patrol-day", function () { return api("GET", "/patrols").then(function (r) { return r.body; }); })
      .then(function (day) {
        status.textContent = navigator.onLine ? "" : t("offlineWork");
        var dl = $("patrol-day-totals"); dl.textContent = "";
        [["logDistance", distanceText(day.distance_m)], ["logDuration", durationText(day.duration_s)],
         ["logVisited", day.entities_visited], ["logReported", day.cases_reported]].forEach(function (row) {
          dl.appendChild(el("dt", null, t(row[0]))); dl.appendChild(el("dd", null, row[1]));
        });
        var list = $("patrol-day"); list.textContent = "";
        day.patrols.forEach(function (p) {
          var li = el("li", "item patrol-log");
          li.appendChild(el("strong", null, clock(p.started_at) + "–" + (p.ended_at ? clock(p.ended_at) : t("underWay"))));
          li.appendChild(el("span", null, distanceText(p.distance_m) + " · " + durationText(p.duration_s) + " · " +
            t("patrolVisits", { n: p.visits.length })));
          if (p.visits.length) {
            var ul = el("ul", "visits");
            p.visits.forEach(function (v) {
              var where = v.distance_m === null ? t("visitNoPosition")
                : t(v.near ? "visitNear" : "visitFar", { m: Math.round(v.distance_m) });
              ul.appendChild(el("li", "visit", clock(v.at) + " " + (v.name || v.entity) +
                (v.kind ? " (" + t("entity_" + v.kind) + ")" : "") + " · " + t("visitHow_" + (v.how || "given")) + " · " + where));
            });
            li.appendChild(ul);
          }
          list.appendChild(li);
        });
        if (!day.patrols.length) list.appendChild(el("li", "hint", t("nothing")));
      }).catch(function (err) { status.textContent = failureText(err); });
  }
  function setUpPatrol() {
    kv.get("patrol", dataStore).then(function (p) { patrol = p || null; if (patrol) track(); showPatrol(); });
    $("patrol-start").addEventListener("click", function () {
      patrol = { local: uuid(), startedAt: nowIso(), fixes: [], visits: [], visited: {}, count: 0 };
      kv.set("patrol", patrol, dataStore).then(function () {
        return enqueue({ type: "patrol-start", local: patrol.local, clientId: uuid(), startedAt: patrol.startedAt, label: t("patrolStart") });
      }).then(function () {
        track(); showPatrol();
        position().then(function (p) { onFix({ coords: { longitude: p.lon, latitude: p.lat, accuracy: p.accuracy_m }, timestamp: Date.now() }); }, function () { return null; });
      });
    });
    $("patrol-end").addEventListener("click", function () {
      untrack();
      flushFixes().then(function () {
        var local = patrol.local; patrol = null;
        return kv.del("patrol", dataStore).then(function () {
          return enqueue({ type: "patrol-end", local: local, endedAt: nowIso(), label: t("patrolEnd") });
        });
      }).then(function () { showPatrol(); return sync(); }).then(loadPatrolDay);
    });
  }

  // ---- Start ---------------------------------------------------------------------------------
  $("logout-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = e.target;
    purge().then(function () { form.submit(); });
  });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: HOME }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      // Keep this page (the shell) for offline use; the worker caches the files as they load.
      // Keep the shell and the files it loaded before the worker took over (the first load).
      var files = performance.getEntriesByType("resource").map(function (r) { return new URL(r.name); })
        .filter(function (u) { return u.origin === location.origin && u.pathname.indexOf("/static/") === 0; })
        .map(function (u) { return u.pathname; });
      if (reg.active) reg.active.postMessage({ keep: [HOME].concat(files) });
      root.dataset.offlineReady = "yes";
    }).catch(function () { return null; });
  }
  setUpAct();
  setUpPatrol();
  showNet();
  show(location.hash.slice(1) || "grids");
  if (!shown.report) { shown.report = true; setUpReport(); }
  renderOutbox().then(sync);
  // For scripts driving the app (bench/field.py, the browser tests): the queue as the forms use it.
  window.GridflowField = {
    sync: sync, queueItems: queueItems, purge: purge, uuid: uuid,
    queueReport: function (body, blobs) {
      return enqueue({ type: "report", body: body, photoClientId: uuid(), label: body.description,
        photos: (blobs || []).map(function (b, i) { return { blob: b, name: "photo-" + (i + 1) + ".jpg" }; }) });
    }
  };
})();
