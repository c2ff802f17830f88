/*
 * registry-map.js: draws the partnership map from the JSON that registry/map/builder.py embeds, and
 * applies the filter form and the layer switches without a reload. Plain browser JavaScript, no build
 * step, no inline event handlers (the page works under a Content-Security-Policy).
 *
 * The builder creates the (empty) Leaflet layers with folium and emits the data once as compact tables
 * in <script type="application/json" id="registry-map-data">; this file fills the layers from them:
 * - at the overview zooms, one curved line per Land and oblast, as wide as it has partnerships, with
 *   their number; zoomed in (core.DETAIL_ZOOM) or filtered to a Land, an oblast or one municipality
 *   (?focus=CODE), one curved line per partnership, highlighted under the pointer;
 * - hromada outlines coloured by war status or by German partner and need (?hromadas=war|need), fetched
 *   only when first switched on;
 * - a changed filter zooms the map to what it leaves.
 * Filter meaning is documented in registry/map/filters.py and must stay identical here.
 *
 * Hooks for browser tests (window.registryMap): visibleMarkers(), visibleDots(), visibleLines(), visibleFlows(),
 * visibleHromadas(), visibleUnpartnered(), visiblePartnerships(), detailed(), totals, filters(),
 * setFilters({...}), markerData(), lineData(), flowData(), focusCode(), viewBounds(), showMarker(code),
 * openHromada(code) and
 * the promises `ready` (outlines loaded) and hromadasReady() (hromada outlines drawn);
 * <html data-registry-map="ready"> is set when the layers are drawn. Performance marks
 * "registry-map:interactive" (layers and filters work) and "registry-map:complete" (outlines drawn) time
 * the page from navigation start. Marker and line elements carry data-code, data-kind, data-status,
 * data-start-year and data-region attributes.
 *
 * The pure functions (parsing, filtering, flows, curves, popups) live in registry-map-core.js.
 */
(function (root) {
  "use strict";

  const core = root.RegistryMapCore;
  const displayName = core.displayName;
  const format = core.format;
  const popups = core.popups;
  const LINE_BEND = 0.12;
  // The overview lines run together over southern Poland, between the two countries, and fan out.
  const FLOW_HUB = [50.6, 19.5];
  const FLOW_BUNDLING = 0.75;
  const FIT_MAX_ZOOM = 9;
  // Overview lines with at least this many partnerships carry their number; the others show it on hover
  // (all numbers at once would pile up halfway between the two countries).
  const FLOW_LABEL_MIN = 3;
  const FOCUS_LABEL_MAX = 25;

  function lineStyle(p, colorBy, colors) {
    const color = colorBy === "period" ? colors.periods[p.period] : colors.kinds[p.kind];
    return { color: color || "#5f6368", weight: 2.5, opacity: 0.85, dashArray: p.status === "active" ? null : "6 5" };
  }

  function flowWeight(count) {
    return 1.5 + 1.8 * Math.sqrt(count);
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

  function fetchJson(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(url + ": HTTP " + r.status);
      return r.json();
    });
  }

  function drawOutlines(L, map, group, outlines, requests, hasTiles) {
    const pane = map.createPane("rm-outlines");
    pane.style.zIndex = "250"; // above tiles (200), below hromadas, lines and markers
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

  // The part of the map the panel leaves free: left of it on a wide screen, above it on a phone.
  function padding(map) {
    const panel = document.getElementById("rm-panel");
    const box = panel ? panel.getBoundingClientRect() : null;
    const size = map.getSize();
    const edge = size.x < 640 ? 8 : 40; // a phone has no width to spare
    const options = { paddingTopLeft: [edge, edge], paddingBottomRight: [edge, edge] };
    if (box && box.width > 0 && box.width < size.x / 2) options.paddingTopLeft = [box.right + edge, edge];
    else if (box && box.height > 0 && box.top > size.y / 3) options.paddingBottomRight = [edge, size.y - box.top + edge];
    return options;
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
    const flowsGroup = layer("flows");
    const hromadaGroup = layer("hromadas");
    const outlinesGroup = layer("outlines");
    const ctx = {
      lang: data.lang, ui: data.ui, regions: data.regions,
      kinds: data.labels.kinds, statuses: data.labels.statuses, war: data.labels.war,
    };
    const vocab = { kinds: Object.keys(data.labels.kinds), statuses: Object.keys(data.labels.statuses) };
    const model = core.prepare(data);
    let state = core.parseQuery(window.location.search, data.filters, vocab);
    if (state.focus && model.focus && state.focus !== model.focus.code) state.focus = model.focus.code;
    // downloads start now (the page also preloads them) and run while the layers are built
    const outlineRequests = outlinesGroup ? data.outlines.map(function (o) { return fetchJson(o.url); }) : [];

    if (!data.tiles) map.getContainer().classList.add("rm-no-tiles");
    L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
    if (data.attribution && map.attributionControl) map.attributionControl.addAttribution(data.attribution);

    /* ----- markers ----- */
    model.markers.forEach(function (m) {
      const name = displayName(m, ctx.lang);
      const isFocus = model.focus !== null && m === model.focus;
      const marker = L.marker([m.lat, m.lon], {
        icon: L.divIcon({
          className: "rm-marker rm-marker-" + m.country.toLowerCase() + (isFocus ? " rm-focus-marker" : ""),
          iconSize: isFocus ? [22, 22] : [14, 14],
        }),
        title: name, keyboard: true, riseOnHover: true, zIndexOffset: isFocus ? 1000 : 0,
      });
      marker.bindPopup(function () { return popups.municipality(m, ctx); }, { maxWidth: 340, maxHeight: 360 });
      marker.on("add", function () {
        const el = marker.getElement();
        if (el) el.setAttribute("aria-label", name);
        setData(el, {
          code: m.code, country: m.country, region: m.region, focus: isFocus ? "true" : null,
          kind: m.partnerships.map(function (p) { return p.kind; }).join(" "),
          status: m.partnerships.map(function (p) { return p.status; }).join(" "),
        });
      });
      m.marker = marker;
    });

    // At the overview zooms the places are small dots under the overview lines (no clusters, whose
    // numbers would read like the lines' numbers); zoomed in or filtered, the markers above.
    const dotRenderer = L.canvas({ padding: 0.2 });
    const dotsGroup = L.layerGroup();
    model.markers.forEach(function (m) {
      m.dot = L.circleMarker([m.lat, m.lon], {
        renderer: dotRenderer, interactive: false, radius: 2.5, weight: 1,
        color: m.country === "DE" ? "#2b2b2b" : "#0057b7", fillColor: m.country === "DE" ? "#2b2b2b" : "#ffd500",
        fillOpacity: 1,
      });
    });

    /* ----- one curved line per partnership ----- */
    function highlight(line, base) {
      line.on("mouseover", function () {
        line.setStyle({ weight: base().weight + 3, opacity: 1 });
        line.bringToFront();
      });
      line.on("mouseout", function () { line.setStyle(base()); });
    }
    model.lines.forEach(function (p) {
      const line = L.polyline(core.curve([p.de.lat, p.de.lon], [p.ua.lat, p.ua.lon], LINE_BEND),
        Object.assign({ className: "rm-line" }, lineStyle(p, state.color, data.colors)));
      line.bindPopup(function () { return popups.partnership(p, ctx); }, { maxWidth: 360, maxHeight: 380 });
      line.bindTooltip(function () {
        return core.escapeHtml(displayName(p.de, ctx.lang) + " – " + displayName(p.ua, ctx.lang));
      }, { sticky: true });
      line.on("add", function () {
        setData(line.getElement(), {
          id: p.id, code: p.de_code + " " + p.ua_code, kind: p.kind, status: p.status, "start-year": p.start_year,
          region: p.de_region + " " + p.ua_region,
        });
      });
      highlight(line, function () { return lineStyle(p, state.color, data.colors); });
      p.line = line;
    });

    /* ----- overview lines, one per Land and oblast ----- */
    let currentFlows = [];
    function drawFlows(partnerships) {
      flowsGroup.clearLayers();
      currentFlows = core.flows(partnerships, model.centres);
      currentFlows.forEach(function (flow) {
        const points = core.bundle(flow.from, flow.to, FLOW_HUB, FLOW_BUNDLING);
        const base = function () {
          return { color: "#0b3d6e", weight: flowWeight(flow.count), opacity: flow.count > 1 ? 0.5 : 0.3 };
        };
        const line = L.polyline(points, Object.assign({ className: "rm-flow", lineCap: "round" }, base()));
        line.bindPopup(function () { return popups.flow(flow, ctx); }, { maxWidth: 300 });
        line.on("add", function () { setData(line.getElement(), { flow: flow.key, count: flow.count }); });
        highlight(line, base);
        line.bindTooltip(function () {
          const land = (ctx.regions.DE && ctx.regions.DE[flow.de]) || flow.de;
          const oblast = (ctx.regions.UA && ctx.regions.UA[flow.ua]) || flow.ua;
          return core.escapeHtml(land + " → " + oblast + ": " + flow.count);
        }, { sticky: true });
        flowsGroup.addLayer(line);
        if (flow.count < FLOW_LABEL_MIN) return;
        // near the oblast, where the bundle has fanned out again
        const label = L.marker(points[Math.floor(points.length * 0.86)], {
          icon: L.divIcon({ className: "rm-flow-label", html: String(flow.count), iconSize: [24, 18] }),
          keyboard: false, interactive: true,
        });
        label.bindPopup(function () { return popups.flow(flow, ctx); }, { maxWidth: 300 });
        flowsGroup.addLayer(label);
      });
    }
    map.on("popupopen", function (e) {
      const el = e.popup.getElement();
      const show = el && el.querySelector(".rm-flow-show");
      if (!show) return;
      show.addEventListener("click", function (event) {
        event.preventDefault();
        map.closePopup();
        changeFilters(Object.assign({}, state, { land: show.dataset.land, oblast: show.dataset.oblast }));
      });
    });

    /* ----- hromada outlines, coloured by war status or by German partner and need ----- */
    map.createPane("rm-hromadas");
    map.getPane("rm-hromadas").style.zIndex = "350"; // under the lines (400) and markers (600)
    let hromadaLayer = null;
    let hromadaRequest = null;
    let shownHromadas = {};
    function hromadaStyle(feature) {
      const h = model.byCode[feature.id];
      if (!shownHromadas[feature.id]) return { stroke: false, fill: false };
      const fill = core.hromadaFill(h, model.needOf[feature.id], state.hromadas, data.colors, data.need_classes);
      return { color: "#5a5a5a", weight: 0.5, opacity: 0.8, fillColor: fill.fill || "#ffffff", fillOpacity: fill.fill ? 0.75 : 0 };
    }
    function drawHromadas() {
      if (!state.hromadas) {
        if (map.hasLayer(hromadaGroup)) map.removeLayer(hromadaGroup);
        return Promise.resolve();
      }
      if (!hromadaRequest) {
        hromadaRequest = fetchJson(data.hromada_outlines.url).then(function (geojson) {
          hromadaLayer = L.geoJSON(geojson, {
            pane: "rm-hromadas", renderer: L.canvas({ pane: "rm-hromadas", padding: 0.3 }), style: hromadaStyle,
            attribution: data.hromada_outlines.attribution,
          });
          hromadaLayer.eachLayer(function (l) {
            const code = l.feature.id;
            l.bindPopup(function () {
              const h = model.byCode[code] || { code: code, name: code, partnerships: [], country: "UA" };
              return popups.hromada(h, model.needOf[code], ctx);
            }, { maxWidth: 340, maxHeight: 380 });
            l.on("mouseover", function () { if (shownHromadas[code]) l.setStyle({ weight: 2.5, color: "#1a1a1a" }); });
            l.on("mouseout", function () { hromadaLayer.resetStyle(l); });
          });
          hromadaGroup.addLayer(hromadaLayer);
        }).catch(function (error) { console.warn("registry-map: hromada outlines not loaded:", error); });
      }
      return hromadaRequest.then(function () {
        if (!state.hromadas) return;
        if (hromadaLayer) hromadaLayer.setStyle(hromadaStyle);
        if (!map.hasLayer(hromadaGroup)) map.addLayer(hromadaGroup);
      });
    }

    /* ----- panel: filters, layers, legend ----- */
    const form = document.getElementById("rm-filters");
    const count = document.getElementById("rm-count");
    const modeText = document.getElementById("rm-mode");
    const markersSwitch = document.getElementById("rm-layer-markers");
    const linesSwitch = document.getElementById("rm-layer-lines");
    const show = { markers: true, lines: true };
    let shown = core.visible(model, state);
    let isDetailed = true;

    function placeLines() {
      isDetailed = core.detailed(state, map.getZoom()) || Object.keys(model.centres).length === 0;
      const wanted = [
        [linesGroup, show.lines && isDetailed], [flowsGroup, show.lines && !isDetailed],
        [cluster, show.markers && isDetailed], [dotsGroup, show.markers && !isDetailed],
      ];
      wanted.forEach(function (pair) {
        if (pair[1] !== map.hasLayer(pair[0])) (pair[1] ? map.addLayer(pair[0]) : map.removeLayer(pair[0]));
      });
      if (modeText) modeText.textContent = isDetailed ? ctx.ui.mode_lines : ctx.ui.mode_flows;
      // the legend explains the lines on the map: overview lines, or partnerships by kind or start
      [["rm-legend-flows", !isDetailed], ["rm-legend-dashed", isDetailed],
       ["rm-legend-kind", isDetailed && state.color === "kind"],
       ["rm-legend-period", isDetailed && state.color === "period"]].forEach(function (pair) {
        const el = document.getElementById(pair[0]);
        if (el) el.hidden = !pair[1];
      });
    }

    function writeFocus() {
      const box = document.getElementById("rm-focus");
      const text = document.getElementById("rm-focus-text");
      if (!box || !text) return;
      box.hidden = !state.focus;
      if (!state.focus) return;
      if (!model.focus) {
        text.textContent = format(ctx.ui.focus_unknown, { code: state.focus });
        return;
      }
      const n = model.focus.partnerships.length;
      text.textContent = format(ctx.ui.focus, { name: displayName(model.focus, ctx.lang) }) + " · " +
        (n ? format(ctx.ui.focus_partners, { n: shown.partnerships.length }) : ctx.ui.focus_none);
    }

    function apply() {
      shown = core.visible(model, state);
      cluster.clearLayers();
      cluster.addLayers(shown.markers.map(function (m) { return m.marker; }));
      dotsGroup.clearLayers();
      shown.markers.forEach(function (m) { dotsGroup.addLayer(m.dot); });
      // one municipality and its partners: their names stay on the map
      model.markers.forEach(function (m) {
        const named = Boolean(state.focus) && shown.markers.length <= FOCUS_LABEL_MAX && shown.markers.indexOf(m) >= 0;
        if (named && !m.marker.getTooltip()) {
          m.marker.bindTooltip(core.escapeHtml(displayName(m, ctx.lang)), { permanent: true, direction: "right", offset: [10, 0], className: "rm-name" });
        } else if (!named && m.marker.getTooltip()) {
          m.marker.unbindTooltip();
        }
      });
      linesGroup.clearLayers();
      shown.lines.forEach(function (p) {
        p.line.setStyle(lineStyle(p, state.color, data.colors));
        linesGroup.addLayer(p.line);
      });
      drawFlows(shown.partnerships);
      placeLines();
      shownHromadas = {};
      shown.hromadas.forEach(function (h) { shownHromadas[h.code] = true; });
      drawHromadas();
      [["rm-legend-war", state.hromadas === "war"], ["rm-legend-need", state.hromadas === "need"]].forEach(function (pair) {
        const el = document.getElementById(pair[0]);
        if (el) el.hidden = !pair[1];
      });
      if (count) {
        count.textContent = format(ctx.ui.count, { lines: shown.partnerships.length, markers: shown.markers.length });
      }
      writeFocus();
      const query = core.toQuery(state, window.location.search);
      if (query !== window.location.search && window.history && window.history.replaceState) {
        window.history.replaceState(null, "", window.location.pathname + query + window.location.hash);
      }
    }

    // Zoom to what the filters leave: every visible place, the focused one included; the whole network
    // when nothing narrows it. Leaflet ignores a new view while a zoom animation runs (a second filter
    // chosen during the first one's zoom): then zoom once it has ended, to what is selected by then.
    let zoomWaiting = false;
    function zoomToResult() {
      if (map._animatingZoom) {
        if (!zoomWaiting) {
          zoomWaiting = true;
          map.once("zoomend", function () { zoomWaiting = false; zoomToResult(); });
        }
        return;
      }
      // an oblast with its hromadas coloured: the oblast itself, where the colours are
      const places = state.oblast && state.hromadas && shown.hromadas.length ? shown.hromadas : shown.markers;
      const points = places.filter(core.hasPoint).map(function (m) { return [m.lat, m.lon]; });
      const box = core.narrowed(state) ? core.bounds(points) : null;
      const options = padding(map);
      if (!box) {
        map.fitBounds(data.bounds, options);
        return;
      }
      options.maxZoom = FIT_MAX_ZOOM;
      if (box[0][0] === box[1][0] && box[0][1] === box[1][1]) map.setView(box[0], FIT_MAX_ZOOM);
      else map.fitBounds(box, options);
    }

    function changeFilters(next) {
      // the view follows what is selected; with an oblast, also whether its hromadas are coloured
      const moved = !core.sameSelection(state, next) || Boolean(next.oblast && next.hromadas !== state.hromadas);
      state = next;
      writeForm(state);
      apply();
      if (moved) zoomToResult();
    }

    function readForm() {
      const fd = new FormData(form);
      return core.normaliseFilters({
        land: fd.get("land"), oblast: fd.get("oblast"), kind: fd.getAll("kind"), status: fd.getAll("status"),
        year_from: fd.get("year_from"), year_to: fd.get("year_to"), focus: state.focus, color: fd.get("color"),
        hromadas: fd.get("hromadas"),
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
      document.querySelectorAll("input[name=hromadas]").forEach(function (i) { i.checked = i.value === (f.hromadas || ""); });
    }

    if (form) {
      writeForm(state); // the address bar may say more than the server-rendered form
      let timer = null;
      form.addEventListener("change", function () { changeFilters(readForm()); });
      // the colouring radios sit in the layers box, tied to the form by form="rm-filters"
      document.querySelectorAll("input[name=hromadas]").forEach(function (i) {
        i.addEventListener("change", function () { changeFilters(readForm()); });
      });
      form.addEventListener("input", function (e) {
        if (e.target && e.target.type !== "number") return;
        clearTimeout(timer);
        timer = setTimeout(function () { changeFilters(readForm()); }, 300);
      });
      form.addEventListener("submit", function (e) { e.preventDefault(); changeFilters(readForm()); });
      const reset = document.getElementById("rm-reset");
      if (reset) {
        reset.addEventListener("click", function (e) {
          e.preventDefault();
          changeFilters(core.emptyFilters());
        });
      }
      const clear = document.getElementById("rm-focus-clear");
      if (clear) {
        clear.addEventListener("click", function (e) {
          e.preventDefault();
          changeFilters(Object.assign({}, state, { focus: null }));
        });
      }
    }
    [[markersSwitch, "markers"], [linesSwitch, "lines"]].forEach(function (pair) {
      if (!pair[0]) return;
      pair[0].addEventListener("change", function () { show[pair[1]] = pair[0].checked; placeLines(); });
    });
    // the overview lines' numbers would pile up on a whole-continent view (a phone's first view)
    function labelsByZoom() { map.getContainer().classList.toggle("rm-zoom-far", map.getZoom() < 5); }
    map.on("zoomend", placeLines);
    map.on("zoomend", labelsByZoom);
    labelsByZoom();
    // On a phone the boxes start folded: the map comes first, and the layer switches do not cover it.
    if (window.matchMedia && window.matchMedia("(max-width: 640px)").matches) {
      document.querySelectorAll("#rm-panel details").forEach(function (d) { d.open = false; });
    }

    apply();
    zoomToResult();
    if (state.focus && model.focus && model.focus.marker && !model.focus.partnerships.length) {
      model.focus.marker.openPopup();
    }
    const ready = (outlinesGroup
      ? drawOutlines(L, map, outlinesGroup, data.outlines, outlineRequests, data.tiles)
      : Promise.resolve()
    ).then(function () { mark("registry-map:complete"); });
    const on = function (group) { return group !== null && map.hasLayer(group); };
    const countShown = function (test) {
      if (!hromadaLayer || !on(hromadaGroup)) return 0;
      let n = 0;
      hromadaLayer.eachLayer(function (l) { if (shownHromadas[l.feature.id] && test(l.feature.id)) n += 1; });
      return n;
    };
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
        changeFilters(core.normaliseFilters(Object.assign({}, state, f), vocab));
        return api.filters();
      },
      detailed: function () { return isDetailed; },
      focusCode: function () { return model.focus ? model.focus.code : null; },
      visiblePartnerships: function () { return shown.partnerships.length; },
      visibleMarkers: function () { return on(cluster) ? cluster.getLayers().length : 0; },
      visibleDots: function () { return on(dotsGroup) ? dotsGroup.getLayers().length : 0; },
      visibleLines: function () { return on(linesGroup) ? linesGroup.getLayers().length : 0; },
      visibleFlows: function () { return on(flowsGroup) ? currentFlows.length : 0; },
      hromadasReady: function () { return drawHromadas(); },
      // Open the popup of one hromada's outline (as a click on it does); resolves with its text.
      openHromada: function (code) {
        return drawHromadas().then(function () {
          let found = null;
          if (hromadaLayer) hromadaLayer.eachLayer(function (l) { if (l.feature.id === code) found = l; });
          if (!found) throw new Error("no outline for " + code);
          found.openPopup();
          return found.getPopup().getElement().textContent;
        });
      },
      visibleHromadas: function () { return countShown(function () { return true; }); },
      visibleUnpartnered: function () {
        return state.hromadas === "need" ? countShown(function (code) { return Boolean(model.needOf[code]); }) : 0;
      },
      viewBounds: function () {
        const b = map.getBounds();
        return [[b.getSouth(), b.getWest()], [b.getNorth(), b.getEast()]];
      },
      markerData: function () {
        return shown.markers.map(function (m) {
          return { code: m.code, country: m.country, region: m.region, name: displayName(m, ctx.lang), lat: m.lat, lon: m.lon };
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
      flowData: function () {
        return currentFlows.map(function (f) { return { de: f.de, ua: f.ua, count: f.count }; });
      },
      // Zoom until the marker is out of its cluster; resolves with its element (to click in tests).
      showMarker: function (code) {
        const m = model.byCode[code];
        if (!m || !m.marker || !cluster.hasLayer(m.marker)) return Promise.reject(new Error("no marker " + code));
        // Leaflet ignores setView while a zoom animation runs (the first fit may still be animating)
        const idle = map._animatingZoom ? new Promise(function (done) { map.once("zoomend", done); })
          : Promise.resolve();
        return idle.then(function () {
          // markers are drawn from the zoom where every partnership is (overview: dots only)
          if (!isDetailed) {
            map.setView(m.marker.getLatLng(), core.DETAIL_ZOOM, { animate: false });
            placeLines();  // setView fires no zoomend when only the mode, not the zoom, differed
          }
          if (!map.hasLayer(cluster)) throw new Error("markers are not shown at zoom " + map.getZoom());
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
