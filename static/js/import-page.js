// The import page: follows the running step without reloading (polls its status), counts
// the time it has taken, and draws the file's extent over the city.
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (job && job.classList.contains("job--running")) {
    var bar = job.querySelector("progress");
    var message = job.querySelector('[data-job="message"]');
    var rows = job.querySelector('[data-job="rows"]');
    var elapsed = job.querySelector('[data-job="elapsed"]');
    var started = Date.parse(job.dataset.started) || Date.now();
    var fmt = new Intl.NumberFormat(document.documentElement.lang || undefined);
    var tick = function () {
      var seconds = Math.max(0, Math.round((Date.now() - started) / 1000));
      elapsed.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    };
    tick();
    setInterval(tick, 1000);
    var poll = function () {
      fetch(job.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (status) {
          if (!status) { return; }
          bar.value = status.progress;
          bar.textContent = status.progress + "%";
          if (status.message) { message.textContent = status.message; }
          if (status.total) { rows.textContent = fmt.format(status.done || 0) + " / " + fmt.format(status.total); }
          job.dataset.status = status.status;
          if (status.finished) { window.location.reload(); return; }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 700);
  }

  var el = document.getElementById("extent-map");
  if (el && typeof L !== "undefined") {
    var map = L.map(el, { scrollWheelZoom: false });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    if (el.dataset.basemap) { L.tileLayer(el.dataset.basemap, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map); }
    var extent = L.geoJSON(JSON.parse(el.dataset.extent), { interactive: false, style: { color: "#b71c1c", weight: 2, dashArray: "6 4", fillOpacity: 0.08 } }).addTo(map);
    map.fitBounds(extent.getBounds(), { padding: [20, 20], maxZoom: 14 });
    if (el.dataset.districts) {
      fetch(el.dataset.districts).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (!data) { return; }
        var city = L.geoJSON(data, { interactive: false, style: { color: "#1d4f91", weight: 1, fillOpacity: 0.05 } }).addTo(map);
        city.bringToBack();
        map.fitBounds(city.getBounds().extend(extent.getBounds()), { padding: [20, 20], maxZoom: 14 });
      }).catch(function () {});
    }
    el.dataset.ready = "1";
  }
})();
