// City map: districts as a choropleth, manufacturing sites as vector tiles,
// industrial land by year and what was lost, context layers. The view and the
// active layers live in the address bar, so a view can be shared.
(function () {
  "use strict";
  var el = document.getElementById("city-map");
  var configNode = document.getElementById("map-config");
  if (!el || !configNode || typeof L === "undefined") { return; }
  var config = JSON.parse(configNode.textContent);
  var labels = JSON.parse(document.getElementById("map-labels").textContent);
  var form = document.getElementById("map-controls");
  var lang = document.documentElement.lang;
  var fmt = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });

  // ---- State kept in the URL ------------------------------------------------
  var params = new URLSearchParams(window.location.search);
  var state = {
    layers: (params.get("layers") || "districts,sites,land").split(",").filter(Boolean),
    ind: params.get("ind") || form.elements.ind.value,
    ind_year: params.get("ind_year") || form.elements.ind_year.value,
    ind_sector: params.get("ind_sector") || "total",
    sector: params.get("sector") || "",
    land: params.get("land") || String(config.zoneYears[config.zoneYears.length - 1] || ""),
    view: params.get("map") || ""
  };
  function setSelect(name, value) {
    var field = form.elements[name];
    if (!field) { return; }
    if (field.length !== undefined && field.tagName !== "SELECT") {
      Array.prototype.forEach.call(field, function (radio) { radio.checked = radio.value === value; });
    } else if (Array.prototype.some.call(field.options, function (o) { return o.value === value; })) {
      field.value = value;
    }
  }
  ["ind", "ind_year", "ind_sector", "sector", "land"].forEach(function (name) { setSelect(name, state[name]); });

  function writeUrl() {
    var center = map.getCenter();
    var out = new URLSearchParams();
    out.set("layers", state.layers.join(","));
    ["ind", "ind_year", "ind_sector", "sector", "land"].forEach(function (name) {
      if (state[name]) { out.set(name, state[name]); }
    });
    out.set("map", [map.getZoom(), center.lat.toFixed(5), center.lng.toFixed(5)].join("/"));
    window.history.replaceState(null, "", window.location.pathname + "?" + out.toString() + window.location.hash);
  }

  // ---- Map --------------------------------------------------------------------
  var map = L.map(el, { scrollWheelZoom: false, zoomSnap: 0.5, zoomControl: false, maxZoom: 18 });
  L.control.zoom({ zoomInTitle: labels.zoomIn, zoomOutTitle: labels.zoomOut }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  if (config.basemap) {
    L.tileLayer(config.basemap, { maxZoom: 19, attribution: config.basemapAttribution }).addTo(map);
  }
  map.on("focus", function () { map.scrollWheelZoom.enable(); });
  map.on("blur", function () { map.scrollWheelZoom.disable(); });
  map.createPane("land").style.zIndex = 450;
  map.createPane("sites").style.zIndex = 460;

  function getJSON(url) {
    // The API answers in the language asked for; the page's is the one to ask.
    return fetch(url, { headers: { Accept: "application/json", "Accept-Language": lang } }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status + " " + url); }
      return response.json();
    });
  }
  function hideFromKeyboard(layer) {
    // Shapes are for pointers; keyboard users have the tables below (see "Skip the map").
    layer.eachLayer(function (shape) {
      var node = shape.getElement && shape.getElement();
      if (node) { node.setAttribute("tabindex", "-1"); node.setAttribute("aria-hidden", "true"); }
    });
  }
  // Leaflet's layer list writes names as HTML: give it text only.
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function textNode(tag, text) { var n = document.createElement(tag); n.textContent = text; return n; }
  function popupTable(title, rows) {
    var box = document.createElement("div");
    box.appendChild(textNode("strong", title));
    var dl = document.createElement("dl");
    dl.className = "popup-facts";
    rows.forEach(function (row) {
      if (row[1] === null || row[1] === undefined || row[1] === "") { return; }
      dl.appendChild(textNode("dt", row[0]));
      dl.appendChild(textNode("dd", row[1]));
    });
    box.appendChild(dl);
    return box;
  }

  // ---- Districts: choropleth of an indicator ---------------------------------
  var BLUES = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
  var districtValues = {};
  var breaks = [];
  function classify(value) {
    if (value === undefined || value === null) { return "#f2f2f2"; }
    for (var i = 0; i < breaks.length; i++) { if (value <= breaks[i]) { return BLUES[i]; } }
    return BLUES[BLUES.length - 1];
  }
  var districts = L.geoJSON(null, {
    style: function (feature) {
      return { color: "#0b2a4a", weight: 1.2, fillColor: classify(districtValues[feature.properties.id]), fillOpacity: 0.55 };
    },
    onEachFeature: function (feature, shape) {
      var label = document.createElement("span");
      label.textContent = feature.properties.name;
      shape.bindTooltip(label, { sticky: true });
      shape.on("click", function () {
        var value = districtValues[feature.properties.id];
        shape.bindPopup(popupTable(feature.properties.name, [
          [currentIndicatorLabel(), value === undefined ? labels.noData : fmt.format(value)],
          [labels.area, fmt.format(feature.properties.area_km2) + " km²"]
        ])).openPopup();
      });
      shape.on("popupopen", function () { shape.closeTooltip(); });
    }
  });
  function currentIndicatorLabel() {
    var select = form.elements.ind;
    return select.options[select.selectedIndex].text + ", " + state.ind_year;
  }
  function loadChoropleth() {
    var url = config.indicatorApi + "?city=" + encodeURIComponent(config.city) +
      "&key=" + encodeURIComponent(state.ind) + "&year=" + encodeURIComponent(state.ind_year) +
      "&sector=" + encodeURIComponent(state.ind_sector) + "&district=all&limit=1000";
    return getJSON(url).then(function (body) {
      districtValues = {};
      var values = [];
      body.results.forEach(function (row) { districtValues[row.district_id] = row.value; values.push(row.value); });
      values.sort(function (a, b) { return a - b; });
      breaks = [1, 2, 3, 4].map(function (q) { return values.length ? values[Math.floor(q * values.length / 5)] : 0; });
      districts.setStyle(function (feature) {
        return { color: "#0b2a4a", weight: 1.2, fillColor: classify(districtValues[feature.properties.id]), fillOpacity: 0.55 };
      });
      renderLegend();
    });
  }

  // ---- Sites: vector tiles coloured by sector group ---------------------------
  var groupOf = {};
  config.sectorGroups.forEach(function (group) {
    group.codes.forEach(function (code) { groupOf[code] = group; });
  });
  function siteStyle(properties) {
    var group = groupOf[properties.sector];
    return { radius: 4, weight: 1, color: "#ffffff", fill: true, fillColor: group ? group.colour : "#555", fillOpacity: 0.9 };
  }
  var sites = null;
  var sitePopup = L.popup();
  var pendingSite = null;
  function makeSites() {
    var url = config.siteTiles + (state.sector ? "?sector=" + encodeURIComponent(state.sector) : "");
    var layer = L.vectorGrid.protobuf(url, {
      pane: "sites",
      rendererFactory: L.canvas.tile,
      interactive: true,
      maxNativeZoom: 18,
      vectorTileLayerStyles: { sites: siteStyle }
    });
    layer.on("click", function (event) {
      var id = event.layer.properties.id;
      // A click can reach the layer more than once (a site drawn in two tiles'
      // margins, events passed up through the tile): answer it once.
      if (pendingSite === id) { return; }
      pendingSite = id;
      getJSON(config.siteApi + id + "/").then(function (site) {
        var p = site.properties;
        pendingSite = null;
        sitePopup.setLatLng(event.latlng).setContent(popupTable(p.name, [
          [labels.sector, p.sector.code + " " + p.sector.name],
          [labels.employees, p.employees === null ? null : fmt.format(p.employees)],
          [labels.floorArea, p.floor_area_m2 === null ? null : fmt.format(p.floor_area_m2) + " m²"],
          [labels.opened, p.year_opened],
          [labels.synthetic, p.dataset.quality === "synthetic" ? "✓" : null]
        ])).openOn(map);
        el.dataset.lastPopup = "site-" + id;
      }).catch(function (error) { pendingSite = null; showError(error); });
    });
    return layer;
  }

  // ---- Industrial land and what was lost ---------------------------------------
  var CATEGORY_STYLE = { protected: "#5e35b1", partial: "#8e6bbf", unprotected: "#b39ddb" };
  var land = L.geoJSON(null, {
    pane: "land",
    style: function (feature) {
      return { color: "#311b92", weight: 2, fillColor: CATEGORY_STYLE[feature.properties.protection] || "#7e57c2", fillOpacity: 0.45 };
    },
    onEachFeature: function (feature, shape) {
      var p = feature.properties;
      shape.bindPopup(popupTable(p.name, [
        [labels.category, p.category + " – " + p.category_name],
        [labels.protection, labels.protectionNames[p.protection] || p.protection],
        [labels.hectares, fmt.format(p.area_ha)]
      ]));
    }
  });
  var lost = L.geoJSON(null, {
    pane: "land",
    style: function () { return { color: "#b71c1c", weight: 1.5, dashArray: "4 3", fillColor: "#e53935", fillOpacity: 0.6 }; },
    onEachFeature: function (feature, shape) {
      shape.bindPopup(popupTable(labels.lost.replace("%(year)s", feature.properties.since), [
        [labels.hectares, fmt.format(feature.properties.area_ha)]
      ]));
    }
  });
  function loadLand() {
    return getJSON(config.zones + "?year=" + encodeURIComponent(state.land)).then(function (collection) {
      land.clearLayers();
      land.addData(collection);
      hideFromKeyboard(land);
      el.dataset.landYear = state.land;
      el.dataset.landCount = String(collection.features.length);
    });
  }

  // ---- Context layers ---------------------------------------------------------------
  var contextLayers = {};
  Object.keys(config.context).forEach(function (slug) {
    var colour = config.context[slug].colour || "#ffbf47";
    contextLayers[slug] = L.geoJSON(null, {
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 6, color: "#000", weight: 2, fillColor: colour, fillOpacity: 1 });
      },
      onEachFeature: function (feature, shape) {
        var label = document.createElement("span");
        label.textContent = feature.properties.name;
        shape.bindTooltip(label);
        if (feature.properties.url) {
          var link = document.createElement("a");
          link.href = feature.properties.url;
          link.textContent = feature.properties.name;
          shape.bindPopup(link);
        }
      }
    });
  });

  // ---- Published analysis results: GeoJSON when small, vector tiles when large -------
  var analysisLayers = {};
  function analysisStyle(spec, properties) {
    if (spec.breaks.length) {
      var i = 0;
      while (i < spec.breaks.length && properties.value > spec.breaks[i]) { i += 1; }
      return { color: "#333", weight: 0.5, fill: true, fillColor: BLUES[Math.min(i, BLUES.length - 1)], fillOpacity: 0.7 };
    }
    if (spec.shape === "point") { return { radius: 5, color: "#fff", weight: 1, fill: true, fillColor: spec.colour, fillOpacity: 0.95 }; }
    return { color: spec.colour, weight: 1.5, fill: true, fillColor: spec.colour, fillOpacity: 0.45 };
  }
  function analysisPopup(spec) {
    var link = document.createElement("a");
    link.href = spec.page;
    link.textContent = spec.label;
    return link;
  }
  (config.analyses || []).forEach(function (spec) {
    if (spec.tiles) {
      var styles = {};
      styles.result = function (p) { return p.layer === spec.layer ? analysisStyle(spec, p) : []; };
      analysisLayers[spec.key] = L.vectorGrid.protobuf(spec.tiles, { rendererFactory: L.canvas.tile, interactive: true, vectorTileLayerStyles: styles });
      analysisLayers[spec.key].on("click", function (event) { L.popup().setLatLng(event.latlng).setContent(analysisPopup(spec)).openOn(map); });
    } else {
      analysisLayers[spec.key] = L.geoJSON(null, {
        style: function (feature) { return analysisStyle(spec, feature.properties); },
        pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, analysisStyle(spec, feature.properties)); },
        onEachFeature: function (feature, shape) { shape.bindPopup(analysisPopup(spec)); }
      });
    }
  });

  // ---- Layer control and legend --------------------------------------------------
  var overlays = {};
  overlays[escapeHtml(labels.districts)] = districts;
  overlays[escapeHtml(labels.land)] = land;
  overlays[escapeHtml(labels.lost.replace("%(year)s", config.zoneYears[0] || ""))] = lost;
  Object.keys(config.context).forEach(function (slug) { overlays[escapeHtml(config.context[slug].name)] = contextLayers[slug]; });
  var keyOf = new Map();
  keyOf.set(districts, "districts"); keyOf.set(land, "land"); keyOf.set(lost, "lost");
  Object.keys(contextLayers).forEach(function (slug) { keyOf.set(contextLayers[slug], slug); });
  (config.analyses || []).forEach(function (spec) {
    overlays[escapeHtml(spec.label)] = analysisLayers[spec.key];
    keyOf.set(analysisLayers[spec.key], spec.key);
  });

  sites = makeSites();
  overlays[escapeHtml(labels.sites)] = sites;
  keyOf.set(sites, "sites");
  var control = L.control.layers(null, overlays, { collapsed: window.matchMedia("(max-width: 48rem)").matches }).addTo(map);

  var legend = L.control({ position: "bottomleft" });
  var legendOpen = !window.matchMedia("(max-width: 48rem)").matches;
  legend.onAdd = function () {
    var box = L.DomUtil.create("details", "map-legend");
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    box.open = legendOpen;
    box.addEventListener("toggle", function () { legendOpen = box.open; });
    return box;
  };
  legend.addTo(map);
  function renderLegend() {
    var box = legend.getContainer();
    box.textContent = "";
    box.appendChild(textNode("summary", labels.legend));
    var div = document.createElement("div");
    box.appendChild(div);
    if (map.hasLayer(districts)) {
      div.appendChild(textNode("strong", currentIndicatorLabel()));
      var list = document.createElement("ul");
      var lower = 0;
      BLUES.forEach(function (colour, i) {
        var upper = breaks[i];
        var item = document.createElement("li");
        var swatch = textNode("span", "");
        swatch.className = "swatch";
        swatch.style.background = colour;
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(i < breaks.length ? "≤ " + fmt.format(upper) : "> " + fmt.format(lower)));
        lower = upper === undefined ? lower : upper;
        list.appendChild(item);
      });
      div.appendChild(list);
    }
    [[land, "#5e35b1", labels.land + " " + state.land], [lost, "#e53935", labels.lost.replace("%(year)s", config.zoneYears[0] || "")]].forEach(function (entry) {
      if (!map.hasLayer(entry[0])) { return; }
      var row = document.createElement("div");
      var swatch = textNode("span", "");
      swatch.className = "swatch";
      swatch.style.background = entry[1];
      row.className = "map-legend__row";
      row.appendChild(swatch);
      row.appendChild(document.createTextNode(entry[2]));
      div.appendChild(row);
    });
    Object.keys(contextLayers).forEach(function (slug) {
      if (!map.hasLayer(contextLayers[slug])) { return; }
      var row = document.createElement("div");
      var dot = textNode("span", "");
      dot.className = "swatch swatch--dot";
      dot.style.background = config.context[slug].colour || "#ffbf47";
      row.className = "map-legend__row";
      row.appendChild(dot);
      row.appendChild(document.createTextNode(config.context[slug].name));
      div.appendChild(row);
    });
    (config.analyses || []).forEach(function (spec) {
      if (!map.hasLayer(analysisLayers[spec.key])) { return; }
      var row = document.createElement("div");
      var swatch = textNode("span", "");
      swatch.className = "swatch" + (spec.shape === "point" ? " swatch--dot" : "");
      swatch.style.background = spec.breaks.length ? BLUES[BLUES.length - 1] : spec.colour;
      row.className = "map-legend__row";
      row.appendChild(swatch);
      row.appendChild(document.createTextNode(spec.label));
      div.appendChild(row);
    });
    if (map.hasLayer(sites)) {
      div.appendChild(textNode("strong", labels.legendSites));
      var groups = document.createElement("ul");
      config.sectorGroups.forEach(function (group) {
        var item = document.createElement("li");
        var dot = textNode("span", "");
        dot.className = "swatch swatch--dot";
        dot.style.background = group.colour;
        item.appendChild(dot);
        item.appendChild(document.createTextNode(group.label));
        groups.appendChild(item);
      });
      div.appendChild(groups);
    }
    box.hidden = !div.childNodes.length;
  }

  function showError(error) {
    el.classList.add("has-error");
    var note = document.getElementById("map-error") || document.createElement("p");
    note.id = "map-error";
    note.className = "map-error";
    note.setAttribute("role", "alert");
    note.textContent = labels.error + " (" + error.message + ")";
    el.parentNode.insertBefore(note, el.nextSibling);
  }

  // ---- Start: fit the view, load what is switched on ----------------------------------
  var districtsData = getJSON(config.districts);
  var loaders = {
    districts: function () {
      return districtsData.then(function (collection) {
        districts.addData(collection);
        hideFromKeyboard(districts);
        el.dataset.districtCount = String(collection.features.length);
        return loadChoropleth();
      });
    },
    land: loadLand,
    lost: function () {
      return getJSON(config.zonesLost).then(function (collection) {
        lost.clearLayers(); lost.addData(collection); hideFromKeyboard(lost);
        el.dataset.lostCount = String(collection.features.length);
      });
    }
  };
  Object.keys(config.context).forEach(function (slug) {
    loaders[slug] = function () {
      return getJSON(config.context[slug].url).then(function (collection) {
        contextLayers[slug].clearLayers(); contextLayers[slug].addData(collection);
        el.dataset[slug.replace(/-([a-z])/g, function (m, c) { return c.toUpperCase(); }) + "Count"] = String(collection.features.length);
      });
    };
  });
  (config.analyses || []).forEach(function (spec) {
    if (spec.tiles) { return; }
    loaders[spec.key] = function () {
      return getJSON(spec.url).then(function (collection) {
        analysisLayers[spec.key].clearLayers(); analysisLayers[spec.key].addData(collection);
        el.dataset.analysisCount = String(collection.features.length);
      });
    };
  });
  var loaded = {};
  function ensureLoaded(key) {
    if (!loaders[key] || loaded[key]) { return Promise.resolve(); }
    loaded[key] = true;
    return loaders[key]().catch(function (error) { loaded[key] = false; showError(error); });
  }

  map.on("overlayadd", function (event) {
    var key = keyOf.get(event.layer);
    if (state.layers.indexOf(key) === -1) { state.layers.push(key); }
    ensureLoaded(key).then(renderLegend);
    writeUrl();
  });
  map.on("overlayremove", function (event) {
    var key = keyOf.get(event.layer);
    state.layers = state.layers.filter(function (k) { return k !== key; });
    renderLegend();
    writeUrl();
  });
  map.on("moveend", writeUrl);

  form.addEventListener("change", function (event) {
    var name = event.target.name;
    state[name] = event.target.value;
    if (name === "sector") {
      var wasOn = map.hasLayer(sites);
      control.removeLayer(sites);
      if (wasOn) { map.removeLayer(sites); }
      keyOf.delete(sites);
      sites = makeSites();
      keyOf.set(sites, "sites");
      control.addOverlay(sites, escapeHtml(labels.sites));
      if (wasOn) { sites.addTo(map); }
      el.dataset.siteSector = state.sector;
    } else if (name === "land") {
      loaded.land = false;
      if (map.hasLayer(land)) { ensureLoaded("land").then(renderLegend); }
    } else {
      if (loaded.districts) { loadChoropleth().catch(showError); }
    }
    writeUrl();
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });

  districtsData.then(function (collection) {
    var bounds = L.geoJSON(collection).getBounds();
    var view = state.view.split("/");
    if (view.length === 3 && !isNaN(+view[0])) {
      map.setView([+view[1], +view[2]], +view[0]);
    } else {
      map.fitBounds(bounds, { padding: [10, 10] });
    }
    var byKey = { districts: districts, sites: sites, land: land, lost: lost };
    Object.keys(contextLayers).forEach(function (slug) { byKey[slug] = contextLayers[slug]; });
    Object.keys(analysisLayers).forEach(function (key) { byKey[key] = analysisLayers[key]; });
    var wanted = state.layers.slice();
    state.layers = [];
    wanted.forEach(function (key) { if (byKey[key]) { byKey[key].addTo(map); } });
    el.classList.add("is-loaded");
    writeUrl();
  }).catch(showError);
})();
