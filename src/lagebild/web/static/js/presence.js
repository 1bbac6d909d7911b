/* The map of who does what where (/presence) and of an organisation's places: circles sized by
   the number of organisations (or activities), drawn with Leaflet over the country's outline.
   Words and colours come from the page's JSON config (#presence-config). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("presence-config").textContent);
  var words = config.labels;
  var number = new Intl.NumberFormat(config.locale || config.lang, { maximumFractionDigits: 0 });
  var size = config.size || "organisations";
  var map = L.map("presence-map", { attributionControl: false, zoomSnap: 0.5 });
  map.setView([35, 38], 6);

  function text(value) {
    return value === null || value === undefined ? words.suppressed : number.format(value);
  }

  function tip(p) {
    var box = document.createElement("div");
    box.className = "presence-tip";
    box.dir = "auto";
    var title = document.createElement("strong");
    title.textContent = (config.lang === "ar" && p.name_ar) ? p.name_ar : p.name;
    box.appendChild(title);
    ["organisations", "activities", "reached"].forEach(function (key) {
      if (!(key in p)) return;
      var line = document.createElement("div");
      line.textContent = words[key] + ": " + text(p[key]);
      box.appendChild(line);
    });
    if (p.names && p.names.length) {
      var who = document.createElement("div");
      who.textContent = p.names.join(", ");
      box.appendChild(who);
    }
    return box;
  }

  function json(url) {
    return fetch(url, { headers: { Accept: "application/geo+json" } }).then(function (r) {
      return r.ok ? r.json() : { type: "FeatureCollection", features: [] };
    });
  }

  Promise.all([json(config.outline), json(config.data)]).then(function (found) {
    var outline = L.geoJSON(found[0], {
      style: {
        color: "#7d8a97", weight: 1, fillColor: "#f4f6f8", fillOpacity: 1, className: "map-outline"
      },
      interactive: false
    }).addTo(map);
    var largest = 1;
    found[1].features.forEach(function (f) { largest = Math.max(largest, f.properties[size] || 0); });
    var points = L.geoJSON(found[1], {
      pointToLayer: function (feature, latlng) {
        var value = feature.properties[size] || 0;
        return L.circleMarker(latlng, {
          radius: 5 + 15 * Math.sqrt(value / largest),
          color: "#ffffff", weight: 1, fillColor: config.colour, fillOpacity: 0.75,
          className: "presence-circle"
        });
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(tip(feature.properties));
      }
    }).addTo(map);
    // As the map page does: the whole country, its outline inside the frame (the circles' own
    // extent only where the gazetteer has no outline); at once, so that what is drawn stays.
    var bounds = outline.getBounds().isValid() ? outline.getBounds() : points.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 9, animate: false });
  }).finally(function () {
    document.getElementById("presence-map").dataset.ready = "1";
  });
})();
