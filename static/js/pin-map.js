// The workspace form's map: click (or drag the pin) to set the latitude and longitude boxes;
// typing in the boxes moves the pin. Choosing a city recentres the map on it.
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }
  document.querySelectorAll("[data-pin-map]").forEach(function (box) {
    var el = box.querySelector(".map");
    var lat = box.querySelector("[data-pin-lat]");
    var lon = box.querySelector("[data-pin-lon]");
    var cities = JSON.parse(box.dataset.cities || "{}");
    var citySelect = document.getElementById("id_about-city") || document.getElementById("id_city");
    var status = box.querySelector("[data-pin-status]");
    var centreButton = box.querySelector("[data-pin-centre]");
    var map = L.map(el, { scrollWheelZoom: false });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    if (box.dataset.basemap) {
      L.tileLayer(box.dataset.basemap, { maxZoom: 19, attribution: box.dataset.attribution || "" }).addTo(map);
    }
    var marker = null;
    var drawn = {};
    // Without a base map (none is configured offline), the districts give the bearings.
    function drawDistricts(id) {
      var city = cities[id];
      if (!city || !city.districts || drawn[id]) { return; }
      drawn[id] = true;
      fetch(city.districts).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (data) { L.geoJSON(data, { interactive: false, style: { color: "#1d4f91", weight: 1, fillOpacity: 0.04 } }).addTo(map); }
      }).catch(function () {});
    }

    function current() {
      var y = parseFloat((lat.value || "").replace(",", "."));
      var x = parseFloat((lon.value || "").replace(",", "."));
      return isFinite(x) && isFinite(y) ? L.latLng(y, x) : null;
    }
    function place(latlng, write) {
      if (!marker) {
        // Not focusable: the map's own keys and the button below place it from a keyboard.
        marker = L.marker(latlng, { draggable: true, keyboard: false }).addTo(map);
        marker.on("dragend", function () { place(marker.getLatLng(), true); });
      } else {
        marker.setLatLng(latlng);
      }
      if (write) {
        lat.value = latlng.lat.toFixed(6);
        lon.value = latlng.lng.toFixed(6);
        lat.dispatchEvent(new Event("change", { bubbles: true }));
        if (status) {
          status.textContent = (box.dataset.placed || "") + " " + lat.value + ", " + lon.value;
        }
      }
      box.dataset.pinned = "1";
    }
    function centreOnCity() {
      var id = (citySelect && citySelect.value) || box.dataset.city || "";
      var city = cities[id];
      if (city) { map.setView(city.centre, 12); drawDistricts(id); return true; }
      return false;
    }

    var start = current();
    if (start) {
      place(start, false);
      map.setView(start, 15);
      drawDistricts((citySelect && citySelect.value) || box.dataset.city || "");
    } else if (!centreOnCity()) {
      var first = Object.keys(cities)[0];
      map.setView(first ? cities[first].centre : [50.85, 4.35], first ? 11 : 5);
    }
    map.on("click", function (e) { place(e.latlng, true); });
    if (centreButton) {
      centreButton.hidden = false;
      centreButton.addEventListener("click", function () { place(map.getCenter(), true); });
    }
    [lat, lon].forEach(function (input) {
      input.addEventListener("input", function () {
        var p = current();
        if (p) { place(p, false); map.panTo(p); }
      });
    });
    if (citySelect) { citySelect.addEventListener("change", function () { if (!marker) { centreOnCity(); } else { drawDistricts(citySelect.value); } }); }
  });
})();
