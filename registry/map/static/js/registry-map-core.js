/*
 * registry-map-core.js: the pure part of the partnership map's client, no DOM and no Leaflet: reading
 * the data tables, query parameters and filters (their meaning is documented in
 * registry/map/filters.py and must stay identical), and the popups as escaped HTML strings.
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

  const FILTER_KEYS = ["land", "oblast", "kind", "status", "year_from", "year_to", "color"];

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
    return { land: null, oblast: null, kind: [], status: [], year_from: null, year_to: null, color: "kind" };
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
    out.color = f.color === "period" ? "period" : "kind";
    return out;
  }

  // Filters from the address bar override the builder's: keys present in `search` win.
  function parseQuery(search, base, vocab) {
    const params = new URLSearchParams(search || "");
    const f = Object.assign(emptyFilters(), base || {});
    if (params.has("land")) f.land = params.get("land");
    if (params.has("oblast")) f.oblast = params.get("oblast");
    if (params.has("kind")) f.kind = params.getAll("kind");
    if (params.has("status")) f.status = params.getAll("status");
    if (params.has("year_from")) f.year_from = params.get("year_from");
    if (params.has("year_to")) f.year_to = params.get("year_to");
    if (params.has("color")) f.color = params.get("color");
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
    if (f.color !== "kind") params.append("color", f.color);
    const text = params.toString();
    return text ? "?" + text : "";
  }

  function partnershipVisible(p, f) {
    if (f.land && p.de_region !== f.land) return false;
    if (f.oblast && p.ua_region !== f.oblast) return false;
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
    const partnerships = table(data.partnerships);
    partnerships.forEach(function (p) {
      p.de = (p.de_code && byCode[p.de_code]) || null;
      p.ua = (p.ua_code && byCode[p.ua_code]) || null;
      p.period = period(p.start_year);
      if (p.de) p.de.partnerships.push(p);
      if (p.ua) p.ua.partnerships.push(p);
    });
    return {
      municipalities: municipalities,
      byCode: byCode,
      partnerships: partnerships,
      markers: municipalities.filter(function (m) { return m.partnerships.length > 0 && hasPoint(m); }),
      lines: partnerships.filter(function (p) { return hasPoint(p.de) && hasPoint(p.ua); }),
      hromadas: municipalities.filter(function (m) { return m.war_status !== null && hasPoint(m); }),
      unpartnered: table(data.unpartnered).filter(hasPoint),
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
    return {
      partnerships: partnerships,
      markers: model.markers.filter(function (m) { return shown[m.code] === true; }),
      lines: model.lines.filter(function (p) { return partnershipVisible(p, f); }),
      hromadas: model.hromadas.filter(function (h) { return hromadaVisible(h, f); }),
      unpartnered: model.unpartnered.filter(function (u) { return hromadaVisible(u, f); }),
    };
  }

  /* ---------- popups (HTML strings; every value escaped) ---------- */

  function displayName(m, lang) {
    if (!m) return "?";
    const own = lang === "de" ? m.name_de : m.name_en;
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
    return n === null || n === undefined ? ctx.ui.unknown : new Intl.NumberFormat(ctx.locale).format(n);
  }

  function factsHtml(m, ctx) {
    const parts = [];
    const region = m.region && ctx.regions[m.country] && ctx.regions[m.country][m.region];
    if (region) parts.push(escapeHtml(region));
    parts.push(escapeHtml(ctx.ui.population) + ": " + escapeHtml(formatNumber(m.population, ctx)));
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
      const uk = other && other.name_uk && other.country === "UA" ? ' <span lang="uk">(' + escapeHtml(other.name_uk) + ")</span>" : "";
      return "<li>" + link(other && other.url, otherName) + uk + '<br><span class="rm-terms">' + termsHtml(p, ctx) +
        "</span>" + sourcesHtml(p.sources, ctx) + (safeHref(p.url) ? "<p>" + link(p.url, ctx.ui.partnership_record) + "</p>" : "") +
        "</li>";
    }).join("");
    return '<div class="rm-popup"><h3>' + escapeHtml(displayName(m, ctx.lang)) + "</h3>" + namesHtml(m) +
      factsHtml(m, ctx) + (items ? "<h4>" + escapeHtml(ctx.ui.partnerships) + " (" + m.partnerships.length +
      ')</h4><ul class="rm-partners">' + items + "</ul>" : "") +
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

  function hromadaPopup(h, ctx) {
    const status = ctx.war[h.war_status] || h.war_status;
    return '<div class="rm-popup"><h3>' + escapeHtml(displayName(h, ctx.lang)) + "</h3>" + namesHtml(h) +
      factsHtml(h, ctx) + "<p>" + escapeHtml(ctx.ui.war_status) + ": " + escapeHtml(status) + "</p>" +
      (h.partnerships.length ? "<p>" + escapeHtml(ctx.ui.partnerships) + ": " + h.partnerships.length + "</p>" : "") +
      (safeHref(h.url) ? '<p class="rm-record">' + link(h.url, ctx.ui.record) + "</p>" : "") + "</div>";
  }

  function unpartneredPopup(u, ctx) {
    const need = u.need === null ? ctx.ui.unknown : Math.round(u.need * 100) + " %";
    const region = u.region && ctx.regions.UA && ctx.regions.UA[u.region];
    return '<div class="rm-popup"><h3>' + escapeHtml(u.name) + "</h3>" +
      (u.name_uk ? '<p lang="uk">' + escapeHtml(u.name_uk) + "</p>" : "") + '<p class="rm-facts">' +
      (region ? escapeHtml(region) + " · " : "") + escapeHtml(ctx.ui.population) + ": " +
      escapeHtml(formatNumber(u.population, ctx)) + "</p><p>" + escapeHtml(ctx.ui.need) + ": " + escapeHtml(need) +
      " (" + escapeHtml(ctx.ui.no_partner) + ")</p>" +
      (safeHref(u.url) ? '<p class="rm-record">' + link(u.url, ctx.ui.record) + "</p>" : "") + "</div>";
  }

  return {
    FILTER_KEYS: FILTER_KEYS,
    table: table,
    escapeHtml: escapeHtml,
    safeHref: safeHref,
    period: period,
    emptyFilters: emptyFilters,
    normaliseFilters: normaliseFilters,
    parseQuery: parseQuery,
    toQuery: toQuery,
    partnershipVisible: partnershipVisible,
    prepare: prepare,
    visible: visible,
    displayName: displayName,
    popups: {
      municipality: municipalityPopup,
      partnership: partnershipPopup,
      hromada: hromadaPopup,
      unpartnered: unpartneredPopup,
    },
  };
});
