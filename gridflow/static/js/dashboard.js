// The dashboard's map: GridFlow's division (or grid) layer, each area one level down shaded by its
// cases overdue now (data-shade: {code: count}); the page's table gives the same numbers.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.querySelector("[data-dashboard-map]");
    if (!el || !window.GridflowMap) return;
    var shade = JSON.parse(el.dataset.shade || "{}");
    var top = Object.keys(shade).reduce(function (m, k) { return Math.max(m, shade[k]); }, 0);
    window.GridflowMap.create(el, {
      style: function (layerName, feature) {
        var code = (feature.properties || {}).code;
        if (!(code in shade)) return null;
        var step = top ? Math.ceil((4 * shade[code]) / top) : 0;
        return { className: "map-shade map-shade--" + step, weight: 1, fill: true, fillOpacity: 0.6 };
      },
    });
  });
})();
