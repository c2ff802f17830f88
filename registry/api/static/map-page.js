/* map-page.js: keep the language links of the map page's bar in step with the filters, which the
   map's script writes into the address bar without a reload (registry/map/static/js/registry-map.js). */
(function () {
  "use strict";
  document.querySelectorAll(".lang-switch a[hreflang]").forEach(function (link) {
    link.addEventListener("click", function () {
      var params = new URLSearchParams(window.location.search);
      params.set("lang", link.getAttribute("hreflang"));
      link.setAttribute("href", window.location.pathname + "?" + params.toString());
    });
  });
})();
