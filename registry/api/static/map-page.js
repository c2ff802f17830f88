/* map-page.js: keep the language switch of the map page's bar in step with the filters, which the
   map's script writes into the address bar without a reload (registry/map/static/js/registry-map.js). */
(function () {
  "use strict";
  var link = document.getElementById("lang-switch");
  if (!link) return;
  link.addEventListener("click", function () {
    var params = new URLSearchParams(window.location.search);
    params.set("lang", link.getAttribute("hreflang"));
    link.setAttribute("href", window.location.pathname + "?" + params.toString());
  });
})();
