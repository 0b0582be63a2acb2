// Administration maps: a page's own GeoJSON (an uploaded file and its check, a coverage report) over
// GridFlow's layers.  The map element says where it is (map.js builds the map itself):
//   <div data-map data-overlay-url="/admin/…/map.geojson" data-overlay-label="…"
//        data-overlay-i18n='{"overlap": "…", "outside": "…", "gap": "…", "feature": "…", "area": "…", "m2": "m²"}'>
// Each feature's `role` picks its look (feature, area, overlap, outside, gap); the map is fitted to them.
// Colour is not the only signal: every finding's popup and tooltip names it, with its codes and m².
(function () {
  "use strict";

  var STYLES = {
    feature: { className: "map-upload", weight: 2, fillOpacity: 0.1 },
    area: { className: "map-area", weight: 3, fill: false },
    overlap: { className: "map-finding map-finding--overlap", weight: 2, fillOpacity: 0.55 },
    outside: { className: "map-finding map-finding--outside", weight: 2, fillOpacity: 0.55 },
    gap: { className: "map-finding map-finding--gap", weight: 2, fillOpacity: 0.45, dashArray: "4 3" },
  };

  function describe(p, i18n, lang) {
    var role = p.role || "feature";
    var parts = [i18n[role] || role];
    if (p.codes && p.codes.length) parts.push(p.codes.join(" / "));
    else if (p.code) parts.push(p.code + (p.name ? " " + p.name : ""));
    var text = parts.join(" ");
    if (typeof p.area_m2 === "number") {
      text += ": " + p.area_m2.toLocaleString(lang, { maximumFractionDigits: 1 }) + " " + (i18n.m2 || "m²");
    }
    return text;
  }

  function show(view, el) {
    var i18n = el.dataset.overlayI18n ? JSON.parse(el.dataset.overlayI18n) : {};
    var lang = document.documentElement.lang || "zh";
    view.say(view.i18n.loading || "…");
    fetch(el.dataset.overlayUrl, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.statusText || String(response.status));
        return response.json();
      })
      .then(function (collection) {
        collection.features.forEach(function (f) {
          f.properties = f.properties || {};
          f.properties.name = describe(f.properties, i18n, lang);
        });
        var layer = view.addOverlay(el.dataset.overlayLabel || "", collection, function (f) {
          return STYLES[(f.properties && f.properties.role) || "feature"] || STYLES.feature;
        });
        layer.eachLayer(function (l) {
          if (l.feature && l.feature.properties.role !== "feature" && l.bringToFront) l.bringToFront();
        });
        var bounds = layer.getBounds();
        if (bounds.isValid()) view.map.fitBounds(bounds.pad(0.1));
        view.say(collection.truncated ? (i18n.truncated || "") : "");
      })
      .catch(function (error) {
        view.say((view.i18n.failed || "The map could not be loaded") + ": " + error.message, true);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.GridflowMap) return;
    window.GridflowMap.views.forEach(function (view) {
      if (view.el.dataset.overlayUrl) show(view, view.el);
    });
  });
})();
