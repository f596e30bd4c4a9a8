// City page map: the city's districts from the SQL-built GeoJSON endpoint.
(function () {
  "use strict";
  var el = document.getElementById("city-map");
  if (!el || typeof L === "undefined") { return; }

  var map = L.map(el, { scrollWheelZoom: false, zoomSnap: 0.25, zoomControl: false });
  L.control.zoom({
    zoomInTitle: el.dataset.labelZoomIn || "Zoom in",
    zoomOutTitle: el.dataset.labelZoomOut || "Zoom out"
  }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  if (el.dataset.basemapUrl) {
    L.tileLayer(el.dataset.basemapUrl, {
      maxZoom: 19,
      attribution: el.dataset.basemapAttribution || ""
    }).addTo(map);
  }
  map.on("focus", function () { map.scrollWheelZoom.enable(); });
  map.on("blur", function () { map.scrollWheelZoom.disable(); });

  var base = { color: "#0b2a4a", weight: 1.5, fillColor: "#1a4f8b", fillOpacity: 0.18 };
  var hover = { weight: 3, fillOpacity: 0.38 };
  var areaLabel = el.dataset.labelArea || "Area";
  var numberFormat = new Intl.NumberFormat(document.documentElement.lang, { maximumFractionDigits: 1 });

  fetch(el.dataset.geojsonUrl, { headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(function (collection) {
      var layer = L.geoJSON(collection, {
        style: function () { return base; },
        onEachFeature: function (feature, shape) {
          var p = feature.properties;
          var popup = document.createElement("div");
          var title = document.createElement("strong");
          title.textContent = p.name;
          popup.appendChild(title);
          if (p.area_km2 !== null) {
            popup.appendChild(document.createElement("br"));
            popup.appendChild(document.createTextNode(areaLabel + ": " + numberFormat.format(p.area_km2) + " km²"));
          }
          shape.bindPopup(popup);
          // Leaflet treats a string as HTML: hand it an element with plain text.
          var label = document.createElement("span");
          label.textContent = p.name;
          shape.bindTooltip(label, { sticky: true });
          shape.on("mouseover", function () { shape.setStyle(hover); });
          shape.on("mouseout", function () { layer.resetStyle(shape); });
          shape.on("popupopen", function () { shape.closeTooltip(); });
        }
      }).addTo(map);
      // The shapes are for pointers; keyboard and screen-reader users get the
      // table below (linked from "Skip the map"), not 30 unnamed tab stops.
      layer.eachLayer(function (shape) {
        var node = shape.getElement();
        if (node) { node.setAttribute("tabindex", "-1"); node.setAttribute("aria-hidden", "true"); }
      });
      el.dataset.featureCount = String(collection.features.length);
      if (collection.features.length) { map.fitBounds(layer.getBounds(), { padding: [12, 12] }); }
      el.classList.add("is-loaded");
    })
    .catch(function (error) {
      el.classList.add("has-error");
      el.setAttribute("aria-busy", "false");
      var note = document.createElement("p");
      note.className = "map-error";
      note.textContent = (el.dataset.labelError || "The map could not be loaded.") + " (" + error.message + ")";
      el.parentNode.insertBefore(note, el.nextSibling);
    });
})();
