/*
 * registry-map.js: draws the partnership map from the JSON that registry/map/builder.py embeds, and
 * applies the filter form without a reload. Plain browser JavaScript, no build step.
 *
 * The builder creates the (empty) Leaflet layers with folium, so the layer control lists them, and
 * emits the data once as compact tables in <script type="application/json" id="registry-map-data">;
 * this file fills the layers from those tables. Filter meaning is documented in registry/map/filters.py
 * and must stay identical here.
 *
 * Hooks for browser tests (window.registryMap): visibleMarkers(), visibleLines(), visibleHromadas(),
 * visibleUnpartnered(), visiblePartnerships(), totals, filters(), setFilters({...}), markerData(),
 * lineData(), showMarker(code) and the promise `ready` (outlines loaded); <html data-registry-map="ready">
 * is set when the layers are drawn. Performance marks "registry-map:interactive" (layers and filters
 * work) and "registry-map:complete" (outlines drawn) time the page from navigation start. Marker and
 * line elements carry data-code, data-kind, data-status, data-start-year and data-region attributes.
 *
 * The pure functions (parsing, filtering, popups) live in registry-map-core.js, loaded before this file.
 */
(function (root) {
  "use strict";

  const core = root.RegistryMapCore;
  const displayName = core.displayName;
  const emptyFilters = core.emptyFilters;
  const normaliseFilters = core.normaliseFilters;
  const parseQuery = core.parseQuery;
  const toQuery = core.toQuery;
  const prepare = core.prepare;
  const visible = core.visible;
  const municipalityPopup = core.popups.municipality;
  const partnershipPopup = core.popups.partnership;
  const hromadaPopup = core.popups.hromada;
  const unpartneredPopup = core.popups.unpartnered;

  function lineStyle(p, colorBy, colors) {
    const color = colorBy === "period" ? colors.periods[p.period] : colors.kinds[p.kind];
    return { color: color || "#5f6368", weight: 2.5, opacity: 0.85, dashArray: p.status === "active" ? null : "6 5" };
  }

  function setData(el, values) {
    if (!el) return;
    Object.keys(values).forEach(function (k) {
      if (values[k] !== null && values[k] !== undefined) el.setAttribute("data-" + k, String(values[k]));
    });
  }

  function outlineStyle(key, hasTiles) {
    return function (feature) {
      if (key === "country") {
        const focus = feature.properties && feature.properties.role === "focus";
        return {
          color: "#6f6f6f", weight: 1.2, fill: !hasTiles, fillOpacity: 1,
          fillColor: focus ? "#fbfaf6" : "#ecebe6",
        };
      }
      return { color: "#9a9a9a", weight: 0.7, fill: false };
    };
  }

  function fetchOutlines(outlines) {
    return outlines.map(function (o) {
      return fetch(o.url).then(function (r) {
        if (!r.ok) throw new Error(o.url + ": HTTP " + r.status);
        return r.json();
      });
    });
  }

  function drawOutlines(L, map, group, outlines, requests, hasTiles) {
    const pane = map.createPane("rm-outlines");
    pane.style.zIndex = "250"; // above tiles (200), below lines and markers (400, 600)
    pane.style.pointerEvents = "none";
    const renderer = L.canvas({ pane: "rm-outlines", padding: 0.2 });
    // Add in the listed order once all arrived: countries are filled and must lie under the others.
    return Promise.allSettled(requests).then(function (results) {
      results.forEach(function (result, i) {
        const o = outlines[i];
        if (result.status !== "fulfilled") {
          console.warn("registry-map: outline not loaded:", result.reason);
          return;
        }
        group.addLayer(L.geoJSON(result.value, {
          pane: "rm-outlines", renderer: renderer, interactive: false,
          style: outlineStyle(o.key, hasTiles), attribution: o.attribution,
        }));
      });
    });
  }

  // Fit Germany and Ukraine into the part of the map the panel leaves free (left of it on a wide
  // screen, above it on a phone, where it sits at the bottom).
  function fitView(map, bounds) {
    const panel = document.getElementById("rm-panel");
    const box = panel ? panel.getBoundingClientRect() : null;
    const size = map.getSize();
    const options = { paddingTopLeft: [10, 10], paddingBottomRight: [10, 10] };
    if (box && box.width > 0 && box.width < size.x / 2) options.paddingTopLeft = [box.right + 10, 10];
    else if (box && box.height > 0 && box.top > size.y / 3) options.paddingBottomRight = [10, size.y - box.top + 10];
    map.fitBounds(bounds, options);
  }

  function mark(name) {
    if (window.performance && performance.mark) performance.mark(name);
  }

  function init(dataElementId) {
    const L = window.L;
    const data = JSON.parse(document.getElementById(dataElementId).textContent);
    const map = window[data.layers.map];
    const layer = function (key) { return data.layers[key] ? window[data.layers[key]] : null; };
    const cluster = layer("markers");
    const linesGroup = layer("lines");
    const warGroup = layer("war");
    const unpartneredGroup = layer("unpartnered");
    const ctx = {
      lang: data.lang, locale: data.lang === "de" ? "de-DE" : "en-GB", ui: data.ui, regions: data.regions,
      kinds: data.labels.kinds, statuses: data.labels.statuses, war: data.labels.war,
    };
    const vocab = { kinds: Object.keys(data.labels.kinds), statuses: Object.keys(data.labels.statuses) };
    const model = prepare(data);
    let state = parseQuery(window.location.search, data.filters, vocab);
    const outlinesGroup = layer("outlines");
    // downloads start now (the page also preloads them) and run while the layers are built
    const outlineRequests = outlinesGroup ? fetchOutlines(data.outlines) : [];

    if (!data.tiles) map.getContainer().classList.add("rm-no-tiles");
    L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
    if (data.attribution && map.attributionControl) map.attributionControl.addAttribution(data.attribution);

    const markers = model.markers.map(function (m) {
      const name = displayName(m, ctx.lang);
      const marker = L.marker([m.lat, m.lon], {
        icon: L.divIcon({ className: "rm-marker rm-marker-" + m.country.toLowerCase(), iconSize: [14, 14] }),
        title: name, keyboard: true, riseOnHover: true,
      });
      marker.bindPopup(function () { return municipalityPopup(m, ctx); }, { maxWidth: 340, maxHeight: 360 });
      marker.on("add", function () {
        const el = marker.getElement();
        if (el) el.setAttribute("aria-label", name);
        setData(el, {
          code: m.code, country: m.country, region: m.region,
          kind: m.partnerships.map(function (p) { return p.kind; }).join(" "),
          status: m.partnerships.map(function (p) { return p.status; }).join(" "),
        });
      });
      m.marker = marker;
      return marker;
    });

    model.lines.forEach(function (p) {
      const line = L.polyline([[p.de.lat, p.de.lon], [p.ua.lat, p.ua.lon]],
        Object.assign({ className: "rm-line" }, lineStyle(p, state.color, data.colors)));
      line.bindPopup(function () { return partnershipPopup(p, ctx); }, { maxWidth: 360, maxHeight: 380 });
      line.on("add", function () {
        setData(line.getElement(), {
          id: p.id, code: p.de_code + " " + p.ua_code, kind: p.kind, status: p.status, "start-year": p.start_year,
          region: p.de_region + " " + p.ua_region,
        });
      });
      line.on("mouseover", function () { line.setStyle({ weight: 5 }); });
      line.on("mouseout", function () { line.setStyle({ weight: 2.5 }); });
      p.line = line;
    });

    map.createPane("rm-hromadas");
    map.getPane("rm-hromadas").style.zIndex = "350"; // under the partnership lines
    const dots = L.canvas({ pane: "rm-hromadas", padding: 0.3 });
    function hromadaDot(h) {
      if (!h.dot) {
        h.dot = L.circleMarker([h.lat, h.lon], {
          pane: "rm-hromadas", renderer: dots, radius: 4, weight: 0.8, color: "#3b3b3b",
          fillColor: data.colors.war[h.war_status] || data.colors.war_unknown, fillOpacity: 0.9,
        }).bindPopup(function () { return hromadaPopup(h, ctx); }, { maxWidth: 300 });
      }
      return h.dot;
    }
    function unpartneredDot(u) {
      if (!u.dot) {
        // radius grows with the square root of need, so the circle's area is proportional to it
        const radius = 3 + 9 * Math.sqrt(u.need === null ? 0 : u.need);
        u.dot = L.circleMarker([u.lat, u.lon], {
          pane: "rm-hromadas", renderer: dots, radius: radius, weight: 1, color: "#5a0b2b",
          fillColor: data.colors.unpartnered, fillOpacity: 0.55,
        }).bindPopup(function () { return unpartneredPopup(u, ctx); }, { maxWidth: 300 });
      }
      return u.dot;
    }
    // The two hromada layers start switched off: their ~2,700 circles are made and filled only when a
    // layer is switched on, which keeps them out of the page's load time.
    const lazyLayers = [
      { group: warGroup, items: function () { return shown.hromadas; }, dot: hromadaDot },
      { group: unpartneredGroup, items: function () { return shown.unpartnered; }, dot: unpartneredDot },
    ].filter(function (l) { return l.group !== null; });
    function fill(l) {
      l.group.clearLayers();
      l.items().forEach(function (item) { l.group.addLayer(l.dot(item)); });
      l.dirty = false;
    }
    lazyLayers.forEach(function (l) {
      l.dirty = true;
      l.group.on("add", function () { if (l.dirty) fill(l); });
    });
    // the legend explains the hromada layers only while they are shown
    [[warGroup, "rm-legend-war"], [unpartneredGroup, "rm-legend-unpartnered"]].forEach(function (pair) {
      const el = document.getElementById(pair[1]);
      if (!pair[0] || !el) return;
      el.hidden = !map.hasLayer(pair[0]);
      pair[0].on("add", function () { el.hidden = false; });
      pair[0].on("remove", function () { el.hidden = true; });
    });

    let shown = visible(model, state);
    const form = document.getElementById("rm-filters");
    const count = document.getElementById("rm-count");

    function apply() {
      shown = visible(model, state);
      cluster.clearLayers();
      cluster.addLayers(shown.markers.map(function (m) { return m.marker; }));
      linesGroup.clearLayers();
      shown.lines.forEach(function (p) {
        p.line.setStyle(lineStyle(p, state.color, data.colors));
        linesGroup.addLayer(p.line);
      });
      lazyLayers.forEach(function (l) {
        if (map.hasLayer(l.group)) fill(l);
        else l.dirty = true;
      });
      const byKind = document.getElementById("rm-legend-kind");
      const byPeriod = document.getElementById("rm-legend-period");
      if (byKind) byKind.hidden = state.color !== "kind";
      if (byPeriod) byPeriod.hidden = state.color !== "period";
      if (count) {
        count.textContent = data.ui.count.replace("{lines}", String(shown.partnerships.length))
          .replace("{markers}", String(shown.markers.length));
      }
      const query = toQuery(state, window.location.search);
      if (query !== window.location.search && window.history && window.history.replaceState) {
        window.history.replaceState(null, "", window.location.pathname + query + window.location.hash);
      }
    }

    function readForm() {
      const fd = new FormData(form);
      return normaliseFilters({
        land: fd.get("land"), oblast: fd.get("oblast"), kind: fd.getAll("kind"), status: fd.getAll("status"),
        year_from: fd.get("year_from"), year_to: fd.get("year_to"), color: fd.get("color"),
      }, vocab);
    }

    function writeForm(f) {
      if (!form) return;
      form.elements.namedItem("land").value = f.land || "";
      form.elements.namedItem("oblast").value = f.oblast || "";
      form.querySelectorAll("input[name=kind]").forEach(function (i) { i.checked = f.kind.indexOf(i.value) >= 0; });
      form.querySelectorAll("input[name=status]").forEach(function (i) { i.checked = f.status.indexOf(i.value) >= 0; });
      form.elements.namedItem("year_from").value = f.year_from === null ? "" : String(f.year_from);
      form.elements.namedItem("year_to").value = f.year_to === null ? "" : String(f.year_to);
      form.querySelectorAll("input[name=color]").forEach(function (i) { i.checked = i.value === f.color; });
    }

    if (form) {
      writeForm(state); // the address bar may say more than the server-rendered form
      let timer = null;
      form.addEventListener("change", function () { state = readForm(); apply(); });
      form.addEventListener("input", function (e) {
        if (e.target && e.target.type !== "number") return;
        clearTimeout(timer);
        timer = setTimeout(function () { state = readForm(); apply(); }, 300);
      });
      form.addEventListener("submit", function (e) { e.preventDefault(); state = readForm(); apply(); });
      const reset = document.getElementById("rm-reset");
      if (reset) {
        reset.addEventListener("click", function (e) {
          e.preventDefault();
          state = emptyFilters();
          writeForm(state);
          apply();
        });
      }
    }
    if (window.matchMedia && window.matchMedia("(max-width: 640px)").matches) {
      document.querySelectorAll("#rm-panel details").forEach(function (d) { d.open = false; });
    }

    apply();
    fitView(map, data.bounds);
    const ready = (outlinesGroup
      ? drawOutlines(L, map, outlinesGroup, data.outlines, outlineRequests, data.tiles)
      : Promise.resolve()
    ).then(function () { mark("registry-map:complete"); });
    const on = function (group) { return group !== null && map.hasLayer(group); };
    const api = {
      map: map,
      model: model,
      ready: ready,
      totals: {
        partnerships: model.partnerships.length, lines: model.lines.length, markers: model.markers.length,
        hromadas: model.hromadas.length, unpartnered: model.unpartnered.length,
      },
      filters: function () { return JSON.parse(JSON.stringify(state)); },
      setFilters: function (f) {
        state = normaliseFilters(Object.assign({}, state, f), vocab);
        writeForm(state);
        apply();
        return api.filters();
      },
      visiblePartnerships: function () { return shown.partnerships.length; },
      visibleMarkers: function () { return on(cluster) ? cluster.getLayers().length : 0; },
      visibleLines: function () { return on(linesGroup) ? linesGroup.getLayers().length : 0; },
      visibleHromadas: function () { return on(warGroup) ? warGroup.getLayers().length : 0; },
      visibleUnpartnered: function () {
        return on(unpartneredGroup) ? unpartneredGroup.getLayers().length : 0;
      },
      markerData: function () {
        return shown.markers.map(function (m) {
          return { code: m.code, country: m.country, region: m.region, name: displayName(m, ctx.lang) };
        });
      },
      lineData: function () {
        return shown.lines.map(function (p) {
          return {
            id: p.id, de_code: p.de_code, ua_code: p.ua_code, kind: p.kind, status: p.status,
            start_year: p.start_year, de_region: p.de_region, ua_region: p.ua_region,
          };
        });
      },
      // Zoom until the marker is out of its cluster; resolves with its element (to click in tests).
      showMarker: function (code) {
        const m = model.byCode[code];
        if (!m || !m.marker || !cluster.hasLayer(m.marker)) return Promise.reject(new Error("no marker " + code));
        return new Promise(function (resolve, reject) {
          let settled = false;
          const finish = function () {
            const element = m.marker.getElement();
            if (!settled && element) { settled = true; resolve(element); }
          };
          cluster.zoomToShowLayer(m.marker, finish);
          // At a fractional zoom (zoomSnap 0.25) markercluster may wait for a moveend that never comes:
          // then jump past the clustering zoom without animation.
          setTimeout(function () {
            if (settled) return;
            map.setView(m.marker.getLatLng(), Math.max(map.getZoom(), 10), { animate: false });
            setTimeout(function () {
              finish();
              if (!settled) reject(new Error("marker " + code + " could not be shown"));
            }, 300);
          }, 1500);
        });
      },
    };
    window.registryMap = api;
    document.documentElement.setAttribute("data-registry-map", "ready");
    mark("registry-map:interactive");
    return api;
  }

  root.RegistryMap = { init: init };
})(self);
