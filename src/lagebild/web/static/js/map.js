/* The map page: draws /api/map with Leaflet. Every word and colour comes from the page's JSON
   config (#map-config), so the script holds no language of its own. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var words = config.labels;
  var lang = config.lang;
  var dir = document.documentElement.dir || "ltr";
  var number = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 });
  var day = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" });
  var colorBy = config.color;
  var places = null;

  var map = L.map("map", { attributionControl: Boolean(config.tiles), zoomSnap: 0.5 });
  map.setView([20, 0], 2);
  if (config.tiles) {
    map.attributionControl.setPrefix(false);
    L.tileLayer(config.tiles, { maxZoom: 18 }).addTo(map);
  }

  function fill(p) {
    if (colorBy !== "coverage") return config.accessColours[p.access] || config.accessColours.unknown;
    if (p.coverage === null || p.coverage === undefined) return config.noFigureColour;
    var i = 0;
    while (i < config.coverageBreaks.length && p.coverage >= config.coverageBreaks[i]) i++;
    return config.coverageColours[i];
  }

  function style(feature) {
    var p = feature.properties;
    return {
      color: p.cut_off ? config.cutOffStroke : "#44505c",
      weight: p.cut_off ? 3 : 1,
      opacity: 1,
      fillColor: fill(p),
      fillOpacity: 0.8
    };
  }

  function line(list, term, value) {
    var dt = document.createElement("dt");
    var dd = document.createElement("dd");
    dt.textContent = term;
    dd.textContent = value;
    list.append(dt, dd);
  }

  function tip(p) {
    var box = document.createElement("div");
    box.className = "map-tip";
    box.dir = dir;
    var name = document.createElement("strong");
    name.textContent = lang === "ar" && p.name_ar ? p.name_ar : p.name;
    box.append(name);
    var list = document.createElement("dl");
    line(list, words.access, words[p.access] || words.unknown);
    if (p.besieged_by) line(list, words.besieged_by, p.besieged_by);
    var none = "–";
    var pin = p.people_in_need;
    line(list, words.people_in_need, pin === null ? words.no_figure : number.format(pin));
    line(list, words.reached, number.format(p.reached || 0));
    line(list, words.coverage, p.coverage === null ? none : percent.format(p.coverage));
    var last = p.last_delivery ? day.format(new Date(p.last_delivery)) : words.never;
    line(list, words.last_delivery, last);
    var days = p.days_without_aid;
    line(list, words.days_without_aid, days === null ? none : number.format(days));
    box.append(list);
    if (p.cut_off) {
      var cut = document.createElement("p");
      cut.className = "cut";
      cut.textContent = words.cut_off;
      box.append(cut);
    }
    return box;
  }

  function place(feature, layer) {
    var p = feature.properties;
    layer.bindTooltip(tip(p), { direction: "auto", sticky: true });
    layer.on("click", function () {
      window.location.assign("/places/" + encodeURIComponent(p.pcode));
    });
    layer.on("add", function () {
      var element = layer.getElement && layer.getElement();
      if (!element) return;
      element.setAttribute("data-pcode", p.pcode);
      element.setAttribute("aria-label", (lang === "ar" && p.name_ar) || p.name);
      element.classList.add("map-place");
      if (p.cut_off) element.classList.add("map-cut-off");
    });
  }

  function dot(feature, latlng) {
    return L.circleMarker(latlng, { radius: feature.properties.cut_off ? 8 : 6 });
  }

  function json(url) {
    return fetch(url, { headers: { Accept: "application/geo+json" } }).then(function (response) {
      if (!response.ok) throw new Error(url + ": " + response.status);
      return response.json();
    });
  }

  Promise.all([json(config.outline), json(config.data)]).then(function (found) {
    var outline = L.geoJSON(found[0], {
      interactive: false,
      style: { color: "#8d99a6", weight: 1, fillColor: "#ffffff", fillOpacity: 1 }
    }).addTo(map);
    var data = found[1];
    // The most urgent places (first in rank order) are drawn last, on top.
    data.features = data.features.slice().reverse();
    places = L.geoJSON(data, { style: style, pointToLayer: dot, onEachFeature: place }).addTo(map);
    var bounds = places.getBounds().isValid() ? places.getBounds() : outline.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 12 });
    document.getElementById("map").setAttribute("data-ready", String(data.features.length));
  }).catch(function (error) {
    var note = document.createElement("p");
    note.className = "problem";
    note.textContent = words.failed;
    document.getElementById("map").after(note);
    if (window.console) window.console.error(error);
  });

  var form = document.getElementById("map-controls");
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () { form.submit(); });
  });
  form.querySelectorAll('input[name="color"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      colorBy = radio.value;
      document.getElementById("legend-access").hidden = colorBy !== "access";
      document.getElementById("legend-coverage").hidden = colorBy !== "coverage";
      if (places) places.setStyle(style);
      var url = new URL(window.location.href);
      url.searchParams.set("color", colorBy);
      window.history.replaceState(null, "", url);
    });
  });
})();
