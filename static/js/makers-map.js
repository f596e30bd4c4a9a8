// The maker directory's map: markers for the filtered workspaces, grouped by the server on a
// grid that follows the zoom (GET map.geojson?bbox&zoom&filters), so 50,000 stay smooth.
(function () {
  "use strict";
  var el = document.getElementById("makers-map");
  if (!el || typeof L === "undefined") { return; }
  var map = L.map(el, { scrollWheelZoom: false });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  if (el.dataset.basemap) {
    L.tileLayer(el.dataset.basemap, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
  }
  // The cities' districts give the bearings where no base map is configured.
  JSON.parse(el.dataset.context || "[]").forEach(function (url) {
    fetch(url).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (data) { L.geoJSON(data, { interactive: false, style: { color: "#1d4f91", weight: 1, fillOpacity: 0.04 } }).addTo(map).bringToBack(); }
    }).catch(function () {});
  });
  var layer = L.layerGroup().addTo(map);
  var status = document.getElementById("makers-map-status");
  var controller = null;
  var labels = JSON.parse(el.dataset.labels || "{}");
  var refocus = false;  // a cluster opened from the keyboard: keep the focus in the map

  function marker(feature) {
    var c = feature.geometry.coordinates;
    var p = feature.properties;
    var latlng = L.latLng(c[1], c[0]);
    if (p.count > 1) {
      var size = Math.min(56, 26 + Math.round(Math.log(p.count) * 6));
      var label = (labels.cluster || "%n").replace("%n", p.count);
      var html = document.createElement("span");
      var number = document.createElement("span");
      number.setAttribute("aria-hidden", "true");
      number.textContent = String(p.count);
      var spoken = document.createElement("span");
      spoken.className = "visually-hidden";
      spoken.textContent = label;
      html.appendChild(number);
      html.appendChild(spoken);
      var icon = L.divIcon({ className: "cluster-marker", html: html, iconSize: [size, size] });
      var m = L.marker(latlng, { icon: icon, keyboard: true, title: label });
      var zoomIn = function () { refocus = true; map.setView(latlng, Math.min(map.getZoom() + 2, 18)); };
      m.on("click", zoomIn);
      m.on("keypress", function (e) {
        var key = e.originalEvent && e.originalEvent.key;
        if (key === "Enter" || key === " ") { e.originalEvent.preventDefault(); zoomIn(); }
      });
      return m;
    }
    // Stale listings: another colour and a dashed ring, not colour alone.
    var dot = L.circleMarker(latlng, {
      radius: 8, weight: 2, color: p.stale ? "#6b4f0e" : "#fff", fillOpacity: 1,
      dashArray: p.stale ? "3 2" : null,
      fillColor: p.stale ? "#c9a34a" : "#0b6e4f"
    });
    var link = document.createElement("a");
    link.href = el.dataset.profileBase + p.slug + "/";
    link.textContent = p.name;
    var box = document.createElement("div");
    box.appendChild(link);
    if (p.stale) {
      var note = document.createElement("p");
      note.className = "muted";
      note.textContent = labels.stale || "";
      box.appendChild(note);
    }
    dot.bindPopup(box);
    return dot;
  }

  function load() {
    if (controller) { controller.abort(); }
    controller = new AbortController();
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); });
    var url = el.dataset.endpoint + (el.dataset.endpoint.indexOf("?") < 0 ? "?" : "&") +
      "bbox=" + bbox.join(",") + "&zoom=" + map.getZoom();
    fetch(url, { signal: controller.signal }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    }).then(function (data) {
      layer.clearLayers();
      var total = 0;
      data.features.forEach(function (f) { total += f.properties.count; marker(f).addTo(layer); });
      el.dataset.markers = String(data.features.length);
      if (refocus) { refocus = false; el.focus(); }
      el.dataset.workspaces = String(total);
      if (status) { status.textContent = (labels.shown || "%n").replace("%n", total); }
    }).catch(function (err) {
      if (err.name !== "AbortError" && status) { status.textContent = labels.error || ""; }
    });
  }

  var view = JSON.parse(el.dataset.view || "null");
  if (view && view.bounds) { map.fitBounds(view.bounds, { padding: [20, 20], maxZoom: 14 }); }
  else if (view && view.centre) { map.setView(view.centre, view.zoom || 12); }
  else { map.setView([51.5, 2.5], 6); }
  if (view && view.near) {
    L.circle(view.near, { radius: view.km * 1000, color: "#1d4f91", weight: 2, fill: false, interactive: false }).addTo(map);
  }
  map.on("moveend", load);
  load();

  var nearButton = document.getElementById("near-map-centre");
  if (nearButton) {
    nearButton.hidden = false;
    nearButton.addEventListener("click", function () {
      var c = map.getCenter();
      var input = document.getElementById("id_near");
      input.value = c.lat.toFixed(5) + "," + c.lng.toFixed(5);
      input.form.requestSubmit();
    });
  }
})();
