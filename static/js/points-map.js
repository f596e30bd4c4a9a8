// A small map of case-study locations (#mini-map or #cases-map), from #case-points.
(function () {
  "use strict";
  var el = document.getElementById("mini-map") || document.getElementById("cases-map");
  var data = document.getElementById("case-points");
  if (!el || !data || typeof L === "undefined") { return; }
  var points = JSON.parse(data.textContent);
  var map = L.map(el, { scrollWheelZoom: false, zoomControl: true });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  if (el.dataset.basemap) { L.tileLayer(el.dataset.basemap, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map); }
  // Districts of the city, for bearings where no base map is configured.
  if (!el.dataset.basemap && el.dataset.districts) {
    fetch(el.dataset.districts).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (data) { L.geoJSON(data, { interactive: false, style: { color: "#1d4f91", weight: 1, fillOpacity: 0.04 } }).addTo(map).bringToBack(); }
    }).catch(function () {});
  }
  var group = L.featureGroup().addTo(map);
  points.forEach(function (p) {
    var link = document.createElement("a");
    link.href = p.url || "#";
    link.textContent = p.title;
    L.circleMarker([p.lat, p.lon], { radius: 8, color: "#0b2a4a", weight: 2, fillColor: "#ffbf47", fillOpacity: 1 })
      .bindPopup(link).addTo(group);
  });
  if (points.length === 1) { map.setView([points[0].lat, points[0].lon], 13); }
  else if (points.length) { map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 13 }); }
  el.dataset.pointCount = String(points.length);
})();
