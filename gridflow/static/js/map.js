// GridFlow maps: Leaflet over GridFlow's own GeoJSON (/geo/<layer>.geojson), no tiles unless the
// installation configured a tile server.  A file, not inline: the Content-Security-Policy refuses
// inline scripts, so a page describes its map with data- attributes and this script builds it.
//
//   <div class="map" data-map data-layers="grids cases" data-geo-url="/geo"
//        data-center="115.03,35.76" data-zoom="14"        (or data-focus-grids="410902001001001 …")
//        data-marker="115.01,35.85" data-marker-label="…"
//        data-tile-url="" data-tile-attribution=""
//        data-case-url="/cases/{id}" data-i18n='{"grids": "网格", …}' aria-label="…"></div>
//   <p data-map-status></p>   (optional, right after the map: loading and error messages)
//
// Layers: divisions, grids, entities, cases (all from the same services as the API's /api/v1/geo/…).
// Every layer reloads for the view when the map stops moving; wide views get counts per grid or
// community instead of single things.  Later pages use the same API from their own scripts:
//   var view = GridflowMap.create(element, {style: function (layerName, feature) { … }})
//     (or GridflowMap.views[0] for a map built on load; `style` may return Leaflet path options to
//     shade a layer's features, e.g. communities by their figures, or nothing for the default)
//   view.on("select", function (properties, layerName) { … });  view.refresh();  view.map (Leaflet)
//   view.addOverlay(label, geojson, styleFn) — a collection of the page's own (coverage gaps …)
(function () {
  "use strict";

  var LAYERS = ["divisions", "grids", "entities", "cases"];
  var KIND_COLOURS = { residence: "#1d5a96", shop: "#7a4f01", unit: "#4c2c92", road: "#505a5f" };

  function text(i18n, key, fallback) {
    return (i18n && i18n[key]) || fallback || key;
  }

  function lonLat(value) {
    if (!value) return null;
    var parts = value.split(",").map(Number);
    return parts.length === 2 && parts.every(isFinite) ? L.latLng(parts[1], parts[0]) : null;
  }

  function element(tag, className, content) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (content !== undefined && content !== null) el.textContent = String(content);
    return el;
  }

  // A popup's content: a title and a list of what is known (built from text nodes: nothing a
  // feature carries is ever read as HTML).
  function details(title, rows, link) {
    var box = element("div", "map-popup");
    box.appendChild(element("p", "map-popup__title", title));
    var list = element("dl", "map-popup__list");
    rows.forEach(function (row) {
      if (row[1] === null || row[1] === undefined || row[1] === "") return;
      list.appendChild(element("dt", null, row[0]));
      list.appendChild(element("dd", null, row[1]));
    });
    box.appendChild(list);
    if (link) {
      var a = element("a", "map-popup__link", link.text);
      a.href = link.href;
      box.appendChild(a);
    }
    return box;
  }

  function countIcon(label, className) {
    return L.divIcon({ className: "map-count " + className, html: element("span", null, label), iconSize: null });
  }

  function MapView(el, options) {
    options = options || {};
    var data = el.dataset;
    var self = this;
    this.el = el;
    this.i18n = options.i18n || (data.i18n ? JSON.parse(data.i18n) : {});
    this.base = options.geoUrl || data.geoUrl || "/geo";
    this.caseUrl = options.caseUrl || data.caseUrl || null;
    this.wanted = (options.layers || data.layers || "grids").split(/\s+/).filter(function (n) {
      return LAYERS.indexOf(n) >= 0;
    });
    this.status = el.nextElementSibling && el.nextElementSibling.hasAttribute("data-map-status")
      ? el.nextElementSibling : null;
    this.handlers = {};
    this.requests = {};
    this.styleHook = options.style || null;
    this.overlays = null;
    this.map = L.map(el, { zoomSnap: 1, minZoom: 5, maxZoom: 19, keyboard: true, zoomControl: false });
    L.control.zoom({ zoomInTitle: text(this.i18n, "zoom_in", "Zoom in"), zoomOutTitle: text(this.i18n, "zoom_out", "Zoom out") })
      .addTo(this.map);
    this.map.attributionControl.setPrefix(false);
    var tiles = options.tileUrl || data.tileUrl;
    if (tiles) {
      L.tileLayer(tiles, { attribution: data.tileAttribution || "", maxZoom: 19 }).addTo(this.map);
    }
    this.layers = {};
    var overlays = {};
    this.wanted.forEach(function (name) {
      var layer = L.geoJSON(null, {
        style: function (f) { return self.style(name, f); },
        pointToLayer: function (f, at) { return self.point(name, f, at); },
        onEachFeature: function (f, layer) { self.bind(name, f, layer); },
      });
      layer.addTo(self.map);
      self.layers[name] = layer;
      overlays[text(self.i18n, name)] = layer;
    });
    if (this.wanted.length > 1) {
      // `layersCollapsed`: one button that opens the list (a phone's map has no room for it open).
      var collapsed = Boolean(options.layersCollapsed);
      this.overlays = L.control.layers(null, overlays, { collapsed: collapsed }).addTo(this.map);
      var toggle = this.overlays.getContainer().querySelector(".leaflet-control-layers-toggle");
      if (toggle) {
        var layersName = text(this.i18n, "layers", "Map layers");
        toggle.title = layersName;
        toggle.setAttribute("aria-label", layersName);
      }
    }
    this.focus = L.geoJSON(null, { style: function () { return { className: "map-focus", weight: 3, fill: false }; } })
      .addTo(this.map);
    var marker = lonLat(data.marker);
    if (marker) {
      L.marker(marker, { title: data.markerLabel || "", alt: data.markerLabel || "", keyboard: true })
        .addTo(this.map).bindPopup(element("p", null, data.markerLabel || ""));
    }
    var timer = null;
    this.map.on("moveend", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.refresh(); }, 200);
    });
    this.map.on("overlayadd", function () { self.refresh(); });
    var grids = (data.focusGrids || "").split(/\s+/).filter(Boolean);
    if (grids.length) {
      this.fitGrids(grids, marker);
    } else {
      this.map.setView(lonLat(data.center) || marker || L.latLng(35.76, 115.03), Number(data.zoom) || 13);
    }
  }

  MapView.prototype.on = function (event, handler) {
    (this.handlers[event] = this.handlers[event] || []).push(handler);
    return this;
  };

  MapView.prototype.emit = function (event, properties, layerName) {
    (this.handlers[event] || []).forEach(function (h) { h(properties, layerName); });
  };

  MapView.prototype.say = function (message, isError) {
    if (!this.status) return;
    this.status.textContent = message || "";
    this.status.classList.toggle("map-status--error", Boolean(isError));
  };

  MapView.prototype.fetchJSON = function (url, name) {
    var self = this;
    if (this.requests[name]) this.requests[name].abort();
    var controller = new AbortController();
    this.requests[name] = controller;
    return fetch(url, {
      headers: { Accept: "application/geo+json, application/json" },
      credentials: "same-origin",
      signal: controller.signal,
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
      if (!json) throw new Error(text(self.i18n, "logged_out", "Please log in again"));
      return response.json().then(function (body) {
        if (!response.ok) throw new Error((body.error && body.error.message) || response.statusText);
        return body;
      });
    });
  };

  // Show the given grids (a worker's, a case's) and fit the map to them.
  MapView.prototype.fitGrids = function (codes, marker) {
    var self = this;
    Promise.all(codes.map(function (code) {
      return self.fetchJSON(self.base + "/grids.geojson?code=" + encodeURIComponent(code) + "&zoom=17", "focus-" + code);
    })).then(function (collections) {
      collections.forEach(function (c) { self.focus.addData(c); });
      var bounds = self.focus.getBounds();
      if (marker) bounds.extend(marker);
      self.map.fitBounds(bounds.pad(0.15));
    }).catch(function (error) {
      if (error.name !== "AbortError") self.say(error.message, true);
      self.map.setView(marker || L.latLng(35.76, 115.03), 15);
    });
  };

  MapView.prototype.refresh = function () {
    var self = this;
    var bbox = this.map.getBounds().toBBoxString();
    var zoom = this.map.getZoom();
    var pending = 0;
    this.wanted.forEach(function (name) {
      var layer = self.layers[name];
      if (!self.map.hasLayer(layer)) return;
      pending += 1;
      self.say(text(self.i18n, "loading", "Loading…"));
      var url = self.base + "/" + name + ".geojson?bbox=" + encodeURIComponent(bbox) + "&zoom=" + zoom;
      self.fetchJSON(url, name).then(function (collection) {
        layer.clearLayers();
        layer.detail = collection.detail;
        layer.addData(collection);
        // Areas lie under what is in them, whichever answered last, and points over lines: a tap on
        // a residence or a case reaches it, not the grid or the road drawn over it.
        if (name === "divisions" || name === "grids") layer.bringToBack();
        else layer.eachLayer(function (l) { if (l instanceof L.CircleMarker) l.bringToFront(); });  // points over roads
        pending -= 1;
        var notes = [];
        layer.minZoom = collection.min_zoom;
        self.wanted.forEach(function (n) {
          var l = self.layers[n];
          if (l.detail && l.detail !== "features" && self.map.hasLayer(l)) {
            notes.push(text(self.i18n, n) + ": " + text(self.i18n, l.detail));
          }
        });
        if (collection.truncated) notes.push(text(self.i18n, "truncated", "Zoom in to see everything"));
        if (!pending) self.say(notes.join(" · "));
      }).catch(function (error) {
        if (error.name === "AbortError") return;
        pending -= 1;
        self.say(text(self.i18n, "failed", "The map could not be loaded") + ": " + error.message, true);
      });
    });
  };

  // A page's own GeoJSON on the map (not one of GridFlow's layers): drawn, listed, clickable.
  MapView.prototype.addOverlay = function (label, geojson, style) {
    var self = this;
    var layer = L.geoJSON(geojson, {
      style: style,
      onEachFeature: function (f, l) { self.bind(label, f, l); },
    }).addTo(this.map);
    if (this.overlays) this.overlays.addOverlay(layer, label);
    return layer;
  };

  MapView.prototype.style = function (name, f) {
    var own = this.styleHook && this.styleHook(name, f);
    if (own) return own;
    var p = f.properties || {};
    if (name === "divisions") return { className: "map-division", weight: 2, fill: false };
    if (name === "grids") return { className: "map-grid", weight: 1, fillOpacity: 0.06 };
    if (name === "entities") {
      var colour = KIND_COLOURS[p.kind] || "#505a5f";
      return { color: colour, weight: p.kind === "road" ? 3 : 1, fillOpacity: 0.2 };
    }
    return {};
  };

  MapView.prototype.point = function (name, f, at) {
    var p = f.properties || {};
    var i18n = this.i18n;
    if (p.counts || p.count !== undefined) {  // counts per grid or community: the number is written
      var n = p.count !== undefined ? p.count : Object.keys(p.counts).reduce(function (s, k) { return s + p.counts[k]; }, 0);
      var late = p.overdue ? " map-count--overdue" : "";
      return L.marker(at, { icon: countIcon(String(n) + (p.overdue ? " (" + p.overdue + "!)" : ""), "map-count--" + name + late),
        title: p.name + ": " + n, keyboard: true });
    }
    if (name === "cases") {
      // Overdue cases are red *and* marked with "!" in their tooltip and popup (colour is not the only sign).
      return L.circleMarker(at, { radius: 7, className: "map-case" + (p.overdue ? " map-case--overdue" : ""), weight: 2,
        fillOpacity: 0.8 });
    }
    return L.circleMarker(at, { radius: 5, color: KIND_COLOURS[p.kind] || "#505a5f", weight: 1, fillOpacity: 0.7 });
  };

  MapView.prototype.describe = function (name, p) {
    var i18n = this.i18n;
    var t = function (k) { return text(i18n, k); };
    if (p.counts || p.count !== undefined) {
      var rows = [[t("code"), p.code]];
      if (p.counts) {
        Object.keys(p.counts).forEach(function (k) { rows.push([t(k), p.counts[k]]); });
        rows.push([t("households"), p.households]);
      } else {
        rows.push([t("open_cases"), p.count], [t("overdue"), p.overdue]);
      }
      return details(p.name, rows);
    }
    if (name === "divisions") return details(p.name, [[t("code"), p.code], [t("level"), t(p.level)]]);
    if (name === "grids") {
      var worker = p.worker ? p.worker.name + (p.worker.phone ? " · " + p.worker.phone : "") : t("no_worker");
      return details(p.name, [[t("code"), p.code], [t("community"), p.community && p.community.name],
        [t("worker"), worker]]);
    }
    if (name === "entities") {
      return details(p.name, [[t("kind"), t(p.kind)], [t("address"), p.address], [t("households"), p.households],
        [t("residents"), p.residents], [t("grid"), p.grid]]);
    }
    if (name === "cases") {
      var link = this.caseUrl ? { href: this.caseUrl.replace("{id}", p.id), text: t("open_case") } : null;
      return details(p.number + (p.overdue ? " !" : ""), [[t("category"), p.category_name], [t("state"), t(p.state)],
        [t("level"), t(p.level)], [t("overdue"), p.overdue ? t("yes") : null]], link);
    }
    return details(p.name || p.code || "", []);
  };

  MapView.prototype.bind = function (name, f, layer) {
    var self = this;
    var p = f.properties || {};
    layer.bindPopup(function () { return self.describe(name, p); });
    var label = p.number || p.name || p.code;
    if (label && layer.bindTooltip && name !== "divisions") layer.bindTooltip(String(label) + (p.overdue === true ? " !" : ""));
    layer.on("click", function () { self.emit("select", p, name); });
  };

  var GridflowMap = {
    views: [],
    create: function (el, options) {
      var view = new MapView(el, options);
      GridflowMap.views.push(view);
      return view;
    },
  };
  window.GridflowMap = GridflowMap;

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), function (el) {
      GridflowMap.create(el);
    });
  });
})();
