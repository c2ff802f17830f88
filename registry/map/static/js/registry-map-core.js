/*
 * registry-map-core.js: the pure part of the partnership map's client, no DOM and no Leaflet: reading
 * the data tables, query parameters and filters (their meaning is documented in
 * registry/map/filters.py and must stay identical), the overview lines between Länder and oblasts, the
 * curves the lines are drawn along, and the popups as escaped HTML strings.
 *
 * Loaded by the page before registry-map.js (window.RegistryMapCore), and by Node in the unit tests
 * (tests/unit/test_map_builder.py), so what the page computes is tested without a browser.
 */
(function (root, factory) {
  "use strict";
  const api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.RegistryMapCore = api;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const FILTER_KEYS = ["land", "oblast", "kind", "status", "year_from", "year_to", "focus", "color", "hromadas"];
  const CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/; // as _CODE in filters.py
  // From this zoom on (one Land or a few oblasts on screen) every partnership is drawn; below it, one
  // line per Land and oblast with the number of partnerships, unless a filter narrows the network to
  // one Land, one oblast or one municipality.
  const DETAIL_ZOOM = 7;
  const LOCALES = { de: "de-DE", en: "en-GB", uk: "uk-UA" };

  /* ---------- pure helpers ---------- */

  function table(t) {
    const fields = t.fields;
    return t.rows.map(function (row) {
      const o = {};
      for (let i = 0; i < fields.length; i++) o[fields[i]] = row[i];
      return o;
    });
  }

  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // Fill "{name}" placeholders of a catalogue message (registry/locale/<lang>/map.po).
  function format(message, params) {
    return String(message).replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(params, key) ? String(params[key]) : all;
    });
  }

  // The builder already drops other schemes; checked again because popups are built from strings.
  function safeHref(url) {
    if (typeof url !== "string" || url === "") return null;
    if (/^https?:\/\//i.test(url)) return url;
    if (/^[^:]*$/.test(url.split(/[/?#]/)[0])) return url; // relative: no scheme before the first /?#
    return null;
  }

  function period(year) {
    if (year === null || year === undefined) return "unknown";
    if (year < 2014) return "before_2014";
    if (year <= 2021) return "2014_2021";
    return "since_2022";
  }

  function toYear(value) {
    if (value === null || value === undefined || String(value).trim() === "") return null;
    const n = Number(value);
    return Number.isInteger(n) && n >= 1900 && n <= 2100 ? n : null; // as YEAR_MIN, YEAR_MAX in filters.py
  }

  function emptyFilters() {
    return {
      land: null, oblast: null, kind: [], status: [], year_from: null, year_to: null, focus: null,
      color: "kind", hromadas: null,
    };
  }

  function normaliseFilters(f, vocab) {
    const out = emptyFilters();
    if (!f) return out;
    out.land = f.land ? String(f.land) : null;
    out.oblast = f.oblast ? String(f.oblast) : null;
    const pick = function (values, allowed) {
      const list = Array.isArray(values) ? values : values ? [values] : [];
      return list.map(String).filter(function (v, i, all) {
        return (!allowed || allowed.indexOf(v) >= 0) && all.indexOf(v) === i;
      });
    };
    out.kind = pick(f.kind, vocab && vocab.kinds);
    out.status = pick(f.status, vocab && vocab.statuses);
    out.year_from = toYear(f.year_from);
    out.year_to = toYear(f.year_to);
    out.focus = f.focus && CODE.test(String(f.focus).trim()) ? String(f.focus).trim() : null;
    out.color = f.color === "period" ? "period" : "kind";
    out.hromadas = f.hromadas === "war" || f.hromadas === "need" ? f.hromadas : null;
    return out;
  }

  // Filters from the address bar override the builder's: keys present in `search` win.
  function parseQuery(search, base, vocab) {
    const params = new URLSearchParams(search || "");
    const f = Object.assign(emptyFilters(), base || {});
    ["land", "oblast", "year_from", "year_to", "focus", "color", "hromadas"].forEach(function (k) {
      if (params.has(k)) f[k] = params.get(k);
    });
    if (params.has("kind")) f.kind = params.getAll("kind");
    if (params.has("status")) f.status = params.getAll("status");
    return normaliseFilters(f, vocab);
  }

  // Returns "?..." with the filters, keeping every other parameter of `search` (lang, tiles, ...).
  function toQuery(f, search) {
    const params = new URLSearchParams(search || "");
    FILTER_KEYS.forEach(function (k) { params.delete(k); });
    if (f.land) params.append("land", f.land);
    if (f.oblast) params.append("oblast", f.oblast);
    f.kind.forEach(function (k) { params.append("kind", k); });
    f.status.forEach(function (s) { params.append("status", s); });
    if (f.year_from !== null) params.append("year_from", String(f.year_from));
    if (f.year_to !== null) params.append("year_to", String(f.year_to));
    if (f.focus) params.append("focus", f.focus);
    if (f.color !== "kind") params.append("color", f.color);
    if (f.hromadas) params.append("hromadas", f.hromadas);
    const text = params.toString();
    return text ? "?" + text : "";
  }

  // Whether two filter states select the same partnerships (colours and hromada colouring aside).
  function sameSelection(a, b) {
    const keys = ["land", "oblast", "kind", "status", "year_from", "year_to", "focus"];
    return keys.every(function (k) { return JSON.stringify(a[k]) === JSON.stringify(b[k]); });
  }

  function narrowed(f) {
    return Boolean(f.land || f.oblast || f.focus || f.kind.length || f.status.length ||
      f.year_from !== null || f.year_to !== null);
  }

  // Every partnership on its own line, or the overview lines between Länder and oblasts?
  function detailed(f, zoom) {
    return Boolean(f.land || f.oblast || f.focus) || zoom >= DETAIL_ZOOM;
  }

  function partnershipVisible(p, f) {
    if (f.land && p.de_region !== f.land) return false;
    if (f.oblast && p.ua_region !== f.oblast) return false;
    if (f.focus && p.de_code !== f.focus && p.ua_code !== f.focus) return false;
    if (f.kind.length && f.kind.indexOf(p.kind) < 0) return false;
    if (f.status.length && f.status.indexOf(p.status) < 0) return false;
    if (f.year_from !== null && (p.start_year === null || p.start_year < f.year_from)) return false;
    if (f.year_to !== null && (p.start_year === null || p.start_year > f.year_to)) return false;
    return true;
  }

  function hromadaVisible(h, f) {
    return !f.oblast || h.region === f.oblast;
  }

  function hasPoint(o) {
    return o !== null && o !== undefined && typeof o.lat === "number" && typeof o.lon === "number";
  }

  // Link the tables: partnerships get their two ends, municipalities their partnerships.
  function prepare(data) {
    const municipalities = table(data.municipalities);
    const byCode = {};
    municipalities.forEach(function (m) {
      m.partnerships = [];
      byCode[m.code] = m;
    });
    const focus = data.focus || null;
    if (focus && !byCode[focus.code]) {
      // a unit without partnerships: shown on its own, so the page can say where it is
      const unit = Object.assign({ region: null, population: null, war_status: null, partnerships: [] }, focus);
      municipalities.push(unit);
      byCode[unit.code] = unit;
    }
    const partnerships = table(data.partnerships);
    partnerships.forEach(function (p) {
      p.de = (p.de_code && byCode[p.de_code]) || null;
      p.ua = (p.ua_code && byCode[p.ua_code]) || null;
      p.period = period(p.start_year);
      if (p.de) p.de.partnerships.push(p);
      if (p.ua) p.ua.partnerships.push(p);
    });
    const unpartnered = table(data.unpartnered);
    const needOf = {};
    unpartnered.forEach(function (u) { needOf[u.code] = u; });
    return {
      municipalities: municipalities,
      byCode: byCode,
      partnerships: partnerships,
      focus: focus ? byCode[focus.code] : null,
      markers: municipalities.filter(function (m) {
        return (m.partnerships.length > 0 || (focus && m.code === focus.code)) && hasPoint(m);
      }),
      lines: partnerships.filter(function (p) { return hasPoint(p.de) && hasPoint(p.ua); }),
      hromadas: municipalities.filter(function (m) { return m.war_status !== null && m.war_status !== undefined; }),
      unpartnered: unpartnered,
      needOf: needOf,
      centres: data.centres || {},
    };
  }

  // What the filters leave on the map (ignoring which layers are switched on).
  function visible(model, f) {
    const partnerships = model.partnerships.filter(function (p) { return partnershipVisible(p, f); });
    const shown = {};
    partnerships.forEach(function (p) {
      if (p.de) shown[p.de.code] = true;
      if (p.ua) shown[p.ua.code] = true;
    });
    if (f.focus && model.focus) shown[model.focus.code] = true;
    return {
      partnerships: partnerships,
      markers: model.markers.filter(function (m) { return shown[m.code] === true; }),
      lines: model.lines.filter(function (p) { return partnershipVisible(p, f); }),
      hromadas: model.hromadas.filter(function (h) { return hromadaVisible(h, f); }),
      unpartnered: model.unpartnered.filter(function (u) { return hromadaVisible(u, f); }),
    };
  }

  // One overview line per (Land, oblast) pair with both centres known, largest first.
  function flows(partnerships, centres) {
    const byPair = {};
    partnerships.forEach(function (p) {
      const from = p.de_region && centres[p.de_region];
      const to = p.ua_region && centres[p.ua_region];
      if (!from || !to) return;
      const key = p.de_region + ">" + p.ua_region;
      if (!byPair[key]) {
        byPair[key] = { key: key, de: p.de_region, ua: p.ua_region, from: from, to: to, count: 0, kinds: {}, ids: [] };
      }
      const flow = byPair[key];
      flow.count += 1;
      flow.kinds[p.kind] = (flow.kinds[p.kind] || 0) + 1;
      flow.ids.push(p.id);
    });
    return Object.keys(byPair).map(function (k) { return byPair[k]; }).sort(function (a, b) {
      return b.count - a.count || (a.key < b.key ? -1 : 1);
    });
  }

  // Points along a quadratic curve from a to b ([lat, lon] each), bulging to the left of the direction
  // of travel by `bend` times the distance (north for the usual west-to-east line from Germany).
  // Computed in an equirectangular projection at the mean latitude, so the bulge looks the same
  // whichever way the line runs.
  function curve(a, b, bend, steps) {
    const n = steps || 24;
    const k = Math.cos(((a[0] + b[0]) / 2) * Math.PI / 180) || 1;
    const ax = a[1] * k, ay = a[0], bx = b[1] * k, by = b[0];
    const cx = (ax + bx) / 2 - (by - ay) * bend, cy = (ay + by) / 2 + (bx - ax) * bend;
    const points = [];
    for (let i = 0; i <= n; i++) {
      const t = i / n, u = 1 - t;
      const x = u * u * ax + 2 * u * t * cx + t * t * bx;
      const y = u * u * ay + 2 * u * t * cy + t * t * by;
      points.push([y, x / k]);
    }
    return points;
  }

  // Points along a cubic curve from a to b whose control points are pulled towards `hub` (by
  // `strength`, 0..1): the overview lines of every Land and oblast run together through the hub and
  // fan out at both ends (a simple edge bundling), instead of crossing everywhere in between.
  function bundle(a, b, hub, strength, steps) {
    const n = steps || 32;
    const c1 = [a[0] + (hub[0] - a[0]) * strength, a[1] + (hub[1] - a[1]) * strength];
    const c2 = [b[0] + (hub[0] - b[0]) * strength, b[1] + (hub[1] - b[1]) * strength];
    const points = [];
    for (let i = 0; i <= n; i++) {
      const t = i / n, u = 1 - t;
      const w = [u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t];
      points.push([
        w[0] * a[0] + w[1] * c1[0] + w[2] * c2[0] + w[3] * b[0],
        w[0] * a[1] + w[1] * c1[1] + w[2] * c2[1] + w[3] * b[1],
      ]);
    }
    return points;
  }

  function bounds(points) {
    if (!points.length) return null;
    let s = Infinity, w = Infinity, n = -Infinity, e = -Infinity;
    points.forEach(function (p) {
      s = Math.min(s, p[0]); n = Math.max(n, p[0]); w = Math.min(w, p[1]); e = Math.max(e, p[1]);
    });
    return [[s, w], [n, e]];
  }

  // The class (0-based) of a need in 0..1 among classes given in percent, e.g. [[0, 20], [20, 40], ...].
  function needClass(need, classes) {
    const value = need === null || need === undefined ? 0 : need * 100;
    for (let i = 0; i < classes.length; i++) if (value < classes[i][1]) return i;
    return classes.length - 1;
  }

  // How a hromada outline is coloured: {fill: colour or null, key: what the colour means}.
  function hromadaFill(h, need, mode, colors, classes) {
    if (mode === "war") {
      return { fill: (h && colors.war[h.war_status]) || colors.war_unknown, key: (h && h.war_status) || "unknown" };
    }
    if (mode === "need") {
      if (h && h.war_status === "occupied") return { fill: colors.occupied, key: "occupied" };
      if (need) return { fill: colors.need[needClass(need.need, classes)], key: "need" };
      return { fill: colors.partnered, key: "partnered" };
    }
    return { fill: null, key: null };
  }

  /* ---------- popups (HTML strings; every value escaped) ---------- */

  function displayName(m, lang) {
    if (!m) return "?";
    // German places keep their German name for every reader; Ukrainian ones are named in the reader's
    // language, in Cyrillic for Ukrainian readers.
    const own = lang === "de" ? m.name_de : lang === "uk" ? (m.country === "UA" ? m.name_uk : m.name_de) : m.name_en;
    return own || m.name || m.name_en || m.name_de || m.code;
  }

  function link(url, text) {
    const href = safeHref(url);
    return href ? '<a href="' + escapeHtml(href) + '">' + escapeHtml(text) + "</a>" : escapeHtml(text);
  }

  function namesHtml(m) {
    const rows = [["DE", "de", m.name_de], ["EN", "en", m.name_en], ["UK", "uk", m.name_uk]];
    return '<dl class="rm-names">' + rows.filter(function (r) { return r[2]; }).map(function (r) {
      return "<dt>" + r[0] + '</dt><dd lang="' + r[1] + '">' + escapeHtml(r[2]) + "</dd>";
    }).join("") + "</dl>";
  }

  function formatNumber(n, ctx) {
    return n === null || n === undefined ? ctx.ui.unknown : new Intl.NumberFormat(LOCALES[ctx.lang] || "en-GB").format(n);
  }

  // ISO date as the reader writes it: 25.07.2023 (de, uk), 25 Jul 2023 (en), as registry.locale.date.
  function formatDate(iso, ctx) {
    if (!iso) return ctx.ui.unknown;
    const parts = String(iso).split("-").map(Number);
    if (parts.length !== 3 || parts.some(isNaN)) return String(iso);
    const date = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]));
    const options = ctx.lang === "en"
      ? { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }
      : { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC" };
    return new Intl.DateTimeFormat(LOCALES[ctx.lang] || "en-GB", options).format(date);
  }

  function percentOf(share) {
    return share === null || share === undefined ? null : Math.round(share * 100);
  }

  function factsHtml(m, ctx) {
    const parts = [];
    const region = m.region && ctx.regions[m.country] && ctx.regions[m.country][m.region];
    if (region) parts.push(escapeHtml(region));
    const label = m.population_date ? format(ctx.ui.population_as_of, { date: formatDate(m.population_date, ctx) }) : ctx.ui.population;
    parts.push(escapeHtml(label) + ": " + escapeHtml(formatNumber(m.population, ctx)));
    return '<p class="rm-facts">' + parts.join(" · ") + "</p>";
  }

  function sourcesHtml(sources, ctx) {
    if (!sources || !sources.length) return "";
    return '<p class="rm-sources"><span>' + escapeHtml(ctx.ui.sources) + ":</span></p><ol class=\"rm-sources\">" +
      sources.map(function (s) { return "<li>" + link(s.url, s.citation) + "</li>"; }).join("") + "</ol>";
  }

  function termsHtml(p, ctx) {
    const start = p.start_year === null ? ctx.ui.unknown : String(p.start_year);
    return escapeHtml(ctx.kinds[p.kind] || p.kind) + " · " + escapeHtml(ctx.statuses[p.status] || p.status) +
      " · " + escapeHtml(ctx.ui.start) + ": " + escapeHtml(start);
  }

  function municipalityPopup(m, ctx) {
    const items = m.partnerships.map(function (p) {
      const other = m.country === "DE" ? p.ua : p.de;
      const otherName = other ? displayName(other, ctx.lang) : (m.country === "DE" ? p.ua_code : p.de_code) || ctx.ui.unknown;
      const uk = other && other.name_uk && other.country === "UA" && ctx.lang !== "uk" ? ' <span lang="uk">(' + escapeHtml(other.name_uk) + ")</span>" : "";
      return "<li>" + link(other && other.url, otherName) + uk + '<br><span class="rm-terms">' + termsHtml(p, ctx) +
        "</span>" + sourcesHtml(p.sources, ctx) + (safeHref(p.url) ? "<p>" + link(p.url, ctx.ui.partnership_record) + "</p>" : "") +
        "</li>";
    }).join("");
    return '<div class="rm-popup"><h3>' + escapeHtml(displayName(m, ctx.lang)) + "</h3>" + namesHtml(m) +
      factsHtml(m, ctx) + (items ? "<h4>" + escapeHtml(ctx.ui.partnerships) + " (" + m.partnerships.length +
      ')</h4><ul class="rm-partners">' + items + "</ul>" : "<p>" + escapeHtml(ctx.ui.focus_none) + "</p>") +
      (safeHref(m.url) ? '<p class="rm-record">' + link(m.url, ctx.ui.record) + "</p>" : "") + "</div>";
  }

  function sideHtml(m, code, ctx) {
    if (!m) return "<p>" + escapeHtml(code || ctx.ui.unknown) + "</p>";
    return "<h4>" + link(m.url, displayName(m, ctx.lang)) + "</h4>" + namesHtml(m) + factsHtml(m, ctx);
  }

  function partnershipPopup(p, ctx) {
    const side = function (m) { return m ? displayName(m, ctx.lang) : ctx.ui.unknown; };
    return '<div class="rm-popup"><h3>' + escapeHtml(side(p.de)) + " – " + escapeHtml(side(p.ua)) + '</h3><p class="rm-terms">' + termsHtml(p, ctx) + "</p>" +
      sideHtml(p.de, p.de_code, ctx) + sideHtml(p.ua, p.ua_code, ctx) + sourcesHtml(p.sources, ctx) +
      (safeHref(p.url) ? '<p class="rm-record">' + link(p.url, ctx.ui.partnership_record) + "</p>" : "") + "</div>";
  }

  function idpHtml(h, ctx) {
    if (h.idp === null || h.idp === undefined) return "";
    const label = format(ctx.ui.idp, { date: formatDate(h.idp_date, ctx) });
    const note = h.idp < 0 ? ctx.ui.idp_negative + " " : "";
    return "<p>" + escapeHtml(label) + ": <strong>" + escapeHtml(formatNumber(h.idp, ctx)) + "</strong></p>" +
      '<p class="rm-explain">' + escapeHtml(note + ctx.ui.idp_note) + "</p>";
  }

  function needHtml(u, ctx) {
    if (!u) return "";
    const need = percentOf(u.need);
    const value = need === null ? ctx.ui.unknown : format(ctx.ui.need_value, { need: need });
    let html = "<p>" + escapeHtml(ctx.ui.need) + ": <strong>" + escapeHtml(value) + "</strong> (" + escapeHtml(ctx.ui.no_partner) + ")</p>";
    if (u.reconstruction !== null && u.reconstruction !== undefined) {
      html += '<p class="rm-explain">' + escapeHtml(format(ctx.ui.need_explained, {
        reconstruction: percentOf(u.reconstruction), idp: percentOf(u.idp_need),
      })) + "</p>";
    }
    return html;
  }

  // A hromada of the colouring: its war status, displaced people and (without a German partner) need.
  function hromadaPopup(h, need, ctx) {
    const name = displayName(h, ctx.lang);
    const status = h.war_status ? ctx.war[h.war_status] || h.war_status : ctx.ui.unknown;
    const statusLabel = h.war_status_date ? format(ctx.ui.war_status_as_of, { date: formatDate(h.war_status_date, ctx) }) : ctx.ui.war_status;
    const german = h.partnerships.filter(function (p) { return p.status !== "ended" && p.de_code; }).length;
    return '<div class="rm-popup"><h3>' + escapeHtml(name) + "</h3>" + namesHtml(h) + factsHtml(h, ctx) +
      "<p>" + escapeHtml(statusLabel) + ": <strong>" + escapeHtml(status) + "</strong></p>" +
      idpHtml(h, ctx) +
      (german ? "<p>" + escapeHtml(format(ctx.ui.german_partners, { n: german })) + "</p>" : needHtml(need, ctx)) +
      (safeHref(h.url) ? '<p class="rm-record">' + link(h.url, ctx.ui.record) + "</p>" : "") + "</div>";
  }

  function flowPopup(flow, ctx) {
    const land = (ctx.regions.DE && ctx.regions.DE[flow.de]) || flow.de;
    const oblast = (ctx.regions.UA && ctx.regions.UA[flow.ua]) || flow.ua;
    const kinds = Object.keys(flow.kinds).sort().map(function (k) {
      return "<li>" + escapeHtml(ctx.kinds[k] || k) + ": " + flow.kinds[k] + "</li>";
    }).join("");
    return '<div class="rm-popup"><h3>' + escapeHtml(land) + " → " + escapeHtml(oblast) + "</h3><p>" +
      escapeHtml(format(ctx.ui.flow_count, { n: flow.count })) + '</p><ul class="rm-partners">' + kinds + "</ul>" +
      '<p><a href="#" class="rm-flow-show" data-land="' + escapeHtml(flow.de) + '" data-oblast="' + escapeHtml(flow.ua) + '">' +
      escapeHtml(ctx.ui.flow_show) + "</a></p></div>";
  }

  return {
    FILTER_KEYS: FILTER_KEYS,
    DETAIL_ZOOM: DETAIL_ZOOM,
    table: table,
    escapeHtml: escapeHtml,
    format: format,
    safeHref: safeHref,
    period: period,
    emptyFilters: emptyFilters,
    normaliseFilters: normaliseFilters,
    parseQuery: parseQuery,
    toQuery: toQuery,
    sameSelection: sameSelection,
    narrowed: narrowed,
    detailed: detailed,
    partnershipVisible: partnershipVisible,
    prepare: prepare,
    visible: visible,
    flows: flows,
    curve: curve,
    bundle: bundle,
    bounds: bounds,
    hasPoint: hasPoint,
    needClass: needClass,
    hromadaFill: hromadaFill,
    displayName: displayName,
    formatDate: formatDate,
    popups: {
      municipality: municipalityPopup,
      partnership: partnershipPopup,
      hromada: hromadaPopup,
      flow: flowPopup,
    },
  };
});
