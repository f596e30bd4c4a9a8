// The features of an OGC API items page (#ogc-features) on a small map (#ogc-map).
(function () {
  "use strict";
  var el = document.getElementById("ogc-map");
  var data = document.getElementById("ogc-features");
  if (!el || !data || typeof L === "undefined") { return; }
  var features = JSON.parse(data.textContent);
  var map = L.map(el, { scrollWheelZoom: false });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  if (el.dataset.basemap) { L.tileLayer(el.dataset.basemap, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map); }
  var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
    style: { color: "#0b2a4a", weight: 1.5, fillColor: "#ffbf47", fillOpacity: 0.5 },
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, { radius: 6, color: "#0b2a4a", weight: 2, fillColor: "#ffbf47", fillOpacity: 1 });
    },
    onEachFeature: function (f, l) { l.bindPopup(String((f.properties && f.properties.name) || f.id)); }
  }).addTo(map);
  if (features.length) { map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: 14 }); }
  else { map.setView([51, 3], 6); }
  el.dataset.featureCount = String(features.length);
})();
