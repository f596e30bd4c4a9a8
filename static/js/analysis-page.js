// An analysis's page: follows the run without reloading (polls its status), counts the
// time it has taken; once done, draws the result's layers with a legend and its chart.
(function () {
  "use strict";
  var lang = document.documentElement.lang || undefined;
  var fmt = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });

  // ---- The running job ----------------------------------------------------------
  var job = document.getElementById("job");
  if (job && job.classList.contains("job--running")) {
    var bar = job.querySelector("progress");
    var message = job.querySelector('[data-job="message"]');
    var percent = job.querySelector('[data-job="percent"]');
    var elapsed = job.querySelector('[data-job="elapsed"]');
    var started = Date.parse(job.dataset.started) || Date.now();
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
          if (!status) { setTimeout(poll, 3000); return; }
          bar.value = status.progress;
          bar.textContent = status.progress + "%";
          percent.textContent = status.progress + " %";
          if (status.message) { message.textContent = status.message; }
          if (status.status === "running" && job.dataset.status !== "running") {
            var title = document.getElementById("job-title");
            if (title && title.dataset.running) { title.textContent = title.dataset.running; }
          }
          job.dataset.status = status.status;
          job.dataset.progress = String(status.progress);
          if (status.finished) { window.location.reload(); return; }
          setTimeout(poll, 700);
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 500);
  }

  // ---- The result on the map --------------------------------------------------------
  var el = document.getElementById("analysis-map");
  var configEl = document.getElementById("analysis-map-config");
  if (el && configEl && typeof L !== "undefined") {
    var config = JSON.parse(configEl.textContent);
    var map = L.map(el, { scrollWheelZoom: false });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    if (config.basemap) { L.tileLayer(config.basemap, { maxZoom: 19, attribution: config.basemapAttribution || "" }).addTo(map); }
    var GRADES = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
    var gradeOf = function (breaks, value) {
      var i = 0;
      while (i < breaks.length && value > breaks[i]) { i += 1; }
      return GRADES[Math.min(i, GRADES.length - 1)];
    };
    var styleFor = function (layer, properties) {
      if (layer.breaks.length) {
        return { color: "#333", weight: 0.5, fillColor: gradeOf(layer.breaks, properties.value), fillOpacity: 0.75, fill: true };
      }
      if (layer.shape === "point") {
        return { radius: 5, color: "#fff", weight: 1, fillColor: layer.colour, fillOpacity: 0.95, fill: true };
      }
      return { color: layer.colour, weight: 1.5, fillColor: layer.colour, fillOpacity: 0.45, fill: true };
    };
    var describe = function (properties) {
      var table = document.createElement("table");
      table.className = "popup-table";
      Object.keys(properties).forEach(function (key) {
        var value = properties[key];
        if (value === null || value === undefined || key === "i" || key === "j") { return; }
        var row = table.insertRow();
        var th = document.createElement("th");
        th.scope = "row";
        th.textContent = key.replace(/_/g, " ");
        row.appendChild(th);
        row.insertCell().textContent = typeof value === "number" ? fmt.format(value) : (Array.isArray(value) ? value.join(", ") : String(value));
      });
      return table;
    };
    var bounds = L.latLngBounds([]);
    var overlays = {};
    var drawn = 0;
    var loads = config.layers.map(function (layer) {
      var shown;
      if (layer.tiles) {
        shown = L.vectorGrid.protobuf(layer.tiles, {
          rendererFactory: L.canvas.tile,
          interactive: true,
          vectorTileLayerStyles: { result: function (p) { return p.layer === layer.key ? styleFor(layer, p) : []; } }
        });
        shown.on("click", function (event) { L.popup().setLatLng(event.latlng).setContent(describe(event.layer.properties)).openOn(map); });
        shown.addTo(map);
        overlays[layer.label] = shown;
        return Promise.resolve();
      }
      shown = L.geoJSON(null, {
        style: function (feature) { return styleFor(layer, feature.properties); },
        pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, styleFor(layer, feature.properties)); },
        onEachFeature: function (feature, shape) { shape.bindPopup(describe(feature.properties)); }
      }).addTo(map);
      overlays[layer.label] = shown;
      return fetch(layer.url, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) {
          shown.addData(data);
          drawn += data.features.length;
          if (data.features.length) { bounds.extend(shown.getBounds()); }
        });
    });
    var districts = fetch(config.districts).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data) { return; }
      var outline = L.geoJSON(data, { interactive: false, style: { color: "#1d4f91", weight: 1, fill: false } }).addTo(map);
      outline.bringToBack();
      bounds.extend(outline.getBounds());
    }).catch(function () {});
    L.control.layers(null, overlays, { collapsed: window.matchMedia("(max-width: 48rem)").matches }).addTo(map);

    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = L.DomUtil.create("div", "map-legend");
      config.layers.forEach(function (layer) {
        var title = document.createElement("strong");
        title.textContent = layer.label;
        box.appendChild(title);
        var list = document.createElement("ul");
        var rows = layer.breaks.length ? GRADES.map(function (colour, i) {
          var low = i === 0 ? null : layer.breaks[i - 1];
          var high = i < layer.breaks.length ? layer.breaks[i] : null;
          var text = low === null ? "≤ " + fmt.format(high) : (high === null ? "> " + fmt.format(low) : fmt.format(low) + " – " + fmt.format(high));
          return [colour, text];
        }) : [[layer.colour, layer.label]];
        rows.forEach(function (row) {
          var item = document.createElement("li");
          var swatch = document.createElement("span");
          swatch.className = "legend-swatch" + (layer.shape === "point" ? " legend-swatch--point" : "");
          swatch.style.background = row[0];
          item.appendChild(swatch);
          item.appendChild(document.createTextNode(row[1]));
          list.appendChild(item);
        });
        box.appendChild(list);
      });
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    legend.addTo(map);

    Promise.all(loads.concat([districts])).then(function () {
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [15, 15], maxZoom: 16 }); } else { map.setView([50.85, 4.35], 11); }
      el.dataset.features = String(drawn);
      el.classList.add("is-loaded");
    }).catch(function () {
      el.dataset.error = "1";
      if (bounds.isValid()) { map.fitBounds(bounds); }
    });
  }

  // ---- The chart ------------------------------------------------------------------------
  var chartData = document.getElementById("analysis-chart-data");
  var canvas = document.getElementById("analysis-chart");
  if (chartData && canvas && typeof Chart !== "undefined") {
    var data = JSON.parse(chartData.textContent);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s) { return { label: s.label, data: s.values, backgroundColor: s.colour }; })
      },
      options: {
        maintainAspectRatio: false,
        indexAxis: data.labels.length > 8 ? "y" : "x",
        plugins: { legend: { position: "bottom" } },
        scales: { x: { ticks: { autoSkip: false } } }
      }
    });
  }
})();
