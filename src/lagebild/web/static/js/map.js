/* The map page: draws /api/map with Leaflet. Every word and colour comes from the page's JSON
   config (#map-config), so the script holds no language of its own. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var words = config.labels;
  var lang = config.lang;
  var dir = document.documentElement.dir || "ltr";
  var number = new Intl.NumberFormat(config.locale || lang, { maximumFractionDigits: 0 });
  var decimal = new Intl.NumberFormat(config.locale || lang, { maximumFractionDigits: 1 });
  var percent = new Intl.NumberFormat(config.locale || lang, { style: "percent", maximumFractionDigits: 0 });
  var day = new Intl.DateTimeFormat(config.locale || lang, { dateStyle: "medium", timeZone: "UTC" });
  var colorBy = config.color;
  var places = null;

  var map = L.map("map", {
    attributionControl: Boolean(config.tiles || config.attribution), zoomSnap: 0.5
  });
  map.setView([20, 0], 2);
  if (map.attributionControl) {
    map.attributionControl.setPrefix(false);
    if (config.attribution) map.attributionControl.addAttribution(escaped(config.attribution));
  }
  if (config.tiles) L.tileLayer(config.tiles, { maxZoom: 18 }).addTo(map);
  map.createPane("labels").style.zIndex = 420;
  map.createPane("communities").style.zIndex = 430;
  map.getPane("labels").style.pointerEvents = "none";

  function escaped(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  // The class of a place for the chosen measure: the same rules as Measure.class_of in
  // web/mapview.py (breaks are lower bounds; no figure is "no data").
  function classOf(p, name) {
    var m = config.measures[name || colorBy];
    var value = p[m.key];
    if (m.categories.length) return m.categories.indexOf(value) >= 0 ? value : config.noData;
    if (value === null || value === undefined) {
      if (m.never && p.people_in_need !== null && p.people_in_need !== undefined) return "never";
      return config.noData;
    }
    var i = 0;
    while (i < m.breaks.length && value >= m.breaks[i]) i++;
    return String(i);
  }

  function fill(p) {
    return config.measures[colorBy].colours[classOf(p)];
  }

  function style(feature) {
    var p = feature.properties;
    return {
      color: p.cut_off ? config.cutOffStroke : "#44505c",
      weight: p.cut_off ? 3 : 1,
      opacity: 1,
      fillColor: fill(p),
      fillOpacity: 0.85,
      dashArray: classOf(p) === config.noData ? "4 3" : null
    };
  }

  function placeName(p) {
    return (lang === "ar" && p.name_ar) || p.name;
  }

  function placeUrl(pcode) {
    return "/places/" + encodeURIComponent(pcode) + (config.placeQuery ? "?" + config.placeQuery : "");
  }

  function describe(p) {
    var measure = config.measureNames[colorBy];
    return placeName(p) + ": " + measure + " " + config.classNames[colorBy][classOf(p)];
  }

  // Each place is a link: a click, or Enter on the focused shape, opens its page with the map's
  // date, window and sector; Tab reaches every place (tabindex 0) and shows its numbers.
  function reachable(layer, p) {
    var element = layer.getElement && layer.getElement();
    if (!element) return;
    element.setAttribute("data-pcode", p.pcode);
    element.setAttribute("data-class", classOf(p));
    element.setAttribute("tabindex", "0");
    element.setAttribute("role", "link");
    element.setAttribute("aria-label", describe(p));
    if (element.getAttribute("data-bound")) return;
    element.setAttribute("data-bound", "true");
    element.classList.add("map-place");
    if (p.cut_off) element.classList.add("map-cut-off");
    element.addEventListener("keydown", function (event) {
      if (event.key === "Enter") window.location.assign(placeUrl(p.pcode));
    });
    element.addEventListener("focus", function () { layer.openTooltip(); });
    element.addEventListener("blur", function () { layer.closeTooltip(); });
  }

  function line(list, term, value) {
    var dt = document.createElement("dt");
    var dd = document.createElement("dd");
    dt.textContent = term;
    dd.textContent = value;
    list.append(dt, dd);
  }

  // A place's access: its own (or its parent's) status; an area's also the most severe status
  // among its communities with how many have it ("Besieged (2 of 5 communities)").
  function accessText(p) {
    var own = p.access ? words[p.access] : null;
    var s = p.access_summary;
    if (!s || !s.status || (own && s.communities === 1 && p.access === s.status)) {
      return own || words.unknown;
    }
    var summary = words[s.status] + " " + (s.communities === 1 ? words.access_of_one : words.access_of)
      .replace("{count}", number.format(s.count))
      .replace("{total}", number.format(s.communities));
    return own ? own + "; " + summary : summary;
  }

  function tip(p) {
    var box = document.createElement("div");
    box.className = "map-tip";
    box.dir = dir;
    var name = document.createElement("strong");
    name.textContent = lang === "ar" && p.name_ar ? p.name_ar : p.name;
    box.append(name);
    var list = document.createElement("dl");
    line(list, words.access, accessText(p));
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
    if (p.data === "no_data") {
      var none_ = document.createElement("p");
      none_.className = "no-data";
      none_.textContent = words.no_data + ": " + (p.data_missing || []).map(function (k) {
        return words["missing_" + k] || k;
      }).join(", ");
      box.append(none_);
    }
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
    layer.on("click", function () { window.location.assign(placeUrl(p.pcode)); });
    layer.on("add", function () { reachable(layer, p); });
  }

  // The names of the areas, at their centres (not tab stops: the areas themselves are), shown
  // only where the area is wide enough on the screen for its name.
  var named = [];

  function labelled(group) {
    var labels = L.layerGroup();
    group.eachLayer(function (layer) {
      if (!layer.getCenter || layer instanceof L.CircleMarker) return;
      var span = document.createElement("span");
      span.textContent = placeName(layer.feature.properties);
      var marker = L.marker(layer.getCenter(), {
        icon: L.divIcon({ className: "map-label", html: span.outerHTML, iconSize: null }),
        interactive: false,
        keyboard: false,
        pane: "labels"
      }).addTo(labels);
      named.push({ layer: layer, marker: marker, length: span.textContent.length });
    });
    map.on("zoomend", fitLabels);
    return labels;
  }

  function fitLabels() {
    named.forEach(function (item) {
      var element = item.marker.getElement();
      if (!element) return;
      var bounds = item.layer.getBounds();
      var west = map.latLngToContainerPoint(bounds.getNorthWest());
      var east = map.latLngToContainerPoint(bounds.getSouthEast());
      var wide = east.x - west.x >= Math.max(36, item.length * 5);
      element.style.display = wide ? "" : "none";
    });
  }

  // The communities of the same date, window and sector, as points above the areas.
  function communities(data) {
    return L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, {
          pane: "communities",
          radius: 4,
          color: "#ffffff",
          weight: 1.5,
          fillColor: "#1d2733",
          fillOpacity: 1,
          className: "map-community"
        });
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        layer.bindTooltip(tip(p), { direction: "auto", sticky: true });
        layer.on("click", function () { window.location.assign(placeUrl(p.pcode)); });
        layer.on("add", function () {
          reachable(layer, p);
          var element = layer.getElement();
          if (element) {
            element.classList.remove("map-place");
            element.classList.add("map-community");
            element.setAttribute("aria-label", placeName(p));
          }
        });
      }
    });
  }

  function dot(feature, latlng) {
    return L.circleMarker(latlng, { radius: feature.properties.cut_off ? 8 : 6 });
  }

  // The switchable layers (Leaflet's layer control): the incidents of the period and each
  // place's damage on the date, fetched from /api/map/incidents and /api/map/damage the first
  // time they are switched on. Which are on is kept in the address (?layers=incidents,damage).
  var layers = {
    incidents: { url: config.incidents, group: L.layerGroup(), draw: incidentLayer },
    damage: { url: config.damage, group: L.layerGroup(), draw: damageLayer },
    presence: { url: config.presence, group: L.layerGroup(), draw: presenceLayer }
  };
  if (config.plan) layers.plan = { url: config.plan, group: L.layerGroup(), draw: planLayer };

  // The delivery plan (/api/map/plan, for analysts and admins): each place planned for a
  // circle, larger with more people in need, filled by the share of its need the plan covers
  // (the classes of Coverage); each warehouse a square; a line from a warehouse to each place
  // it sends trucks to, thicker with more trucks. Every shape is a tab stop showing its tooltip.
  function planLayer(data) {
    var most = 1;
    data.features.forEach(function (f) {
      if (f.properties.kind === "place") most = Math.max(most, f.properties.need || 0);
    });
    function focusable(layer, label, kind, pcode) {
      layer.on("add", function () {
        var element = layer.getElement && layer.getElement();
        if (!element) return;
        element.setAttribute("tabindex", "0");
        element.setAttribute("aria-label", label);
        element.setAttribute("data-plan", kind);
        if (pcode) {
          element.setAttribute("data-pcode", pcode);
          element.setAttribute("role", "link");
          element.addEventListener("keydown", function (event) {
            if (event.key === "Enter") window.location.assign(placeUrl(pcode));
          });
        }
        element.addEventListener("focus", function () { layer.openTooltip(); });
        element.addEventListener("blur", function () { layer.closeTooltip(); });
      });
    }
    var shapes = L.layerGroup();
    // Lines first, then places, then warehouses: the points stay on top of the lines.
    var order = { shipment: 0, place: 1, warehouse: 2 };
    data.features.slice().sort(function (a, b) {
      return order[a.properties.kind] - order[b.properties.kind];
    }).forEach(function (f) {
      var p = f.properties;
      var c = f.geometry.coordinates;
      var layer;
      if (p.kind === "shipment") {
        var where = placeName(p);
        var title = words.shipment.replace("{warehouse}", p.warehouse).replace("{place}", where);
        layer = L.polyline([[c[0][1], c[0][0]], [c[1][1], c[1][0]]], {
          pane: "plan", className: "map-shipment", color: config.planColours.shipment,
          opacity: 0.75, weight: 1.5 + Math.min(p.trucks, 40) / 6
        });
        layer.bindTooltip(tipBox(title, [
          [words.trucks, decimal.format(p.trucks)], [words.units, number.format(p.units)]
        ], []), { direction: "auto", sticky: true });
        focusable(layer, title + ": " + words.trucks + " " + decimal.format(p.trucks), "shipment", null);
      } else if (p.kind === "warehouse") {
        layer = L.marker([c[1], c[0]], {
          pane: "plan", keyboard: false,
          icon: L.divIcon({ className: "map-warehouse", iconSize: [14, 14],
            html: "<span></span>" })
        });
        layer.bindTooltip(tipBox(p.name, [
          [words.trucks_per_week, decimal.format(p.trucks_per_week)]
        ], []), { direction: "auto" });
        focusable(layer, words.warehouse + " " + p.name, "warehouse", null);
      } else {
        var share = p.share === null ? null : Math.min(p.share, 1);
        var klass = share === null ? config.noData : String(config.coverageBreaks.filter(function (b) {
          return share >= b;
        }).length);
        layer = L.circleMarker([c[1], c[0]], {
          pane: "plan", className: "map-plan-place",
          radius: 4 + 12 * Math.sqrt((p.need || 0) / most),
          color: "#1d2733", weight: 1, fillOpacity: 0.9,
          fillColor: share === null ? config.noFigureColour : config.coverageColours[Number(klass)]
        });
        var name = placeName(p);
        layer.bindTooltip(tipBox(name, [
          [words.access, p.access ? words[p.access] : words.unknown],
          [words.plan_need, number.format(p.need)],
          [words.plan_covered, number.format(p.covered)],
          [words.plan_share, share === null ? "–" : percent.format(p.share)]
        ], []), { direction: "auto", sticky: true });
        toPlace(layer, p.pcode);
        focusable(layer, name + ": " + words.plan_share + " " +
          (share === null ? "–" : percent.format(p.share)), "place", p.pcode);
      }
      layer.addTo(shapes);
    });
    return shapes;
  }

  // Who does what where (/api/map/presence): a circle per place of the map's level, its area
  // growing with the number of organisations that delivered there in the window.
  function presenceLayer(data) {
    return L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var n = feature.properties.organisations || 0;
        return L.circleMarker(latlng, {
          pane: "presence",
          className: "map-presence",
          radius: Math.min(5 + 3 * Math.sqrt(n), 20),
          color: "#ffffff",
          weight: 1,
          fillOpacity: 0.7,
          fillColor: config.presenceColour
        });
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        var title = lang === "ar" && p.name_ar ? p.name_ar : p.name;
        layer.bindTooltip(tipBox(title, [
          [words.organisations, count(p, "organisations")],
          [words.activities, count(p, "activities")],
          [words.reached, count(p, "reached")],
          [words.names, (p.names || []).join(", ")]
        ], []), { direction: "auto", sticky: true });
        toPlace(layer, p.pcode);
      }
    });
  }

  function name(text) {
    var span = document.createElement("span");
    span.textContent = text; // the control writes its names as HTML: give it escaped text
    return span.outerHTML;
  }

  function tipBox(title, rows, notes) {
    var box = document.createElement("div");
    box.className = "map-tip";
    box.dir = dir;
    var head = document.createElement("strong");
    head.textContent = title;
    box.append(head);
    var list = document.createElement("dl");
    rows.forEach(function (row) {
      if (row[1] !== null && row[1] !== undefined && row[1] !== "") line(list, row[0], row[1]);
    });
    box.append(list);
    notes.forEach(function (text) {
      var note = document.createElement("p");
      note.textContent = text;
      box.append(note);
    });
    return box;
  }

  function count(p, key) {
    if (p[key] !== null && p[key] !== undefined) return number.format(p[key]);
    return (p.suppressed || []).indexOf(key) >= 0 ? config.suppressed : "–";
  }

  function toPlace(layer, pcode) {
    if (!pcode) return;
    layer.on("click", function () { window.location.assign(placeUrl(pcode)); });
  }

  function incidentLayer(data) {
    var rounded = data.coordinates === "rounded";
    return L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var p = feature.properties;
        return L.circleMarker(latlng, {
          pane: "incidents",
          className: "map-incident" + (p.attack_on_aid ? " map-attack-on-aid" : ""),
          radius: Math.min(5 + 1.5 * Math.sqrt(p.fatalities || 0), 16),
          color: "#1d2733",
          weight: 1,
          fillOpacity: 0.9,
          fillColor: p.attack_on_aid ? config.aidColour : config.incidentColour
        });
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        var what = (config.eventTypes[p.event_type] || p.event_type || "") +
          (p.sub_event_type ? " (" + ((config.subEventTypes || {})[p.sub_event_type] ||
            p.sub_event_type) + ")" : "");
        var notes = [];
        if (p.attack_on_aid) notes.push(words.attack_on_aid);
        if (p.located === "place") notes.push(words.at_place);
        else if (rounded) notes.push(words.rounded);
        if (p.notes) notes.push(p.notes);
        layer.bindTooltip(tipBox(what, [
          [words.date, p.date ? day.format(new Date(p.date)) : null],
          [words.place, [p.location, p.place].filter(Boolean).join(" · ")],
          [words.fatalities, count(p, "fatalities")],
          [words.placed_by, config.placingNames[p.placed_by] || p.placed_by]
        ], notes), { direction: "auto", sticky: true });
        toPlace(layer, p.pcode);
      }
    });
  }

  function damageLayer(data) {
    return L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var p = feature.properties;
        return L.circleMarker(latlng, {
          pane: "damage",
          className: "map-damage",
          radius: Math.min(4 + Math.sqrt(p.destroyed || 0) / 8, 22),
          color: config.damageColour,
          weight: 1,
          fillOpacity: 0.55,
          fillColor: config.damageColour
        });
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        var title = (lang === "ar" && p.name_ar ? p.name_ar : p.name) + " · " +
          (config.unitNames[p.unit] || p.unit);
        layer.bindTooltip(tipBox(title, [
          [words.destroyed, number.format(p.destroyed)],
          [words.damage_total, number.format(p.total)],
          [words.share_destroyed, p.share_destroyed === null ? "–" : percent.format(p.share_destroyed)],
          [words.assessed, p.date ? day.format(new Date(p.date)) : null]
        ], []), { direction: "auto", sticky: true });
        toPlace(layer, p.pcode);
      }
    });
  }

  function switchable(placesLayer) {
    map.createPane("damage").style.zIndex = 440;
    map.createPane("incidents").style.zIndex = 450;
    map.createPane("presence").style.zIndex = 445;
    map.createPane("plan").style.zIndex = 455;
    var overlays = {};
    overlays[name(words.layer_places)] = placesLayer;
    overlays[name(words.layer_incidents)] = layers.incidents.group;
    overlays[name(words.layer_damage)] = layers.damage.group;
    overlays[name(words.layer_presence)] = layers.presence.group;
    if (layers.plan) overlays[name(words.layer_plan)] = layers.plan.group;
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);
    var element = document.getElementById("map");
    var wanted = (new URL(window.location.href).searchParams.get("layers") || "").split(",");

    function remember() {
      var on = Object.keys(layers).filter(function (key) {
        return map.hasLayer(layers[key].group);
      });
      var url = new URL(window.location.href);
      if (on.length) url.searchParams.set("layers", on.join(","));
      else url.searchParams.delete("layers");
      window.history.replaceState(null, "", url);
    }

    Object.keys(layers).forEach(function (key) {
      var layer = layers[key];
      layer.group.on("add", function () {
        if (!layer.loading) {
          layer.loading = json(layer.url).then(function (data) {
            layer.draw(data).addTo(layer.group);
            element.setAttribute("data-" + key, String(data.features.length));
            if (key === "plan") {
              // Opened from the page /plan: show where the plan sends its trucks.
              if (wanted.indexOf("plan") >= 0 && data.features.length) {
                map.fitBounds(L.geoJSON(data).getBounds(), { padding: [24, 24], maxZoom: 10 });
              }
              element.setAttribute("data-plan-lines", String(
                element.querySelectorAll(".leaflet-plan-pane path.map-shipment").length));
            }
          }).catch(function (error) {
            layer.loading = null;
            element.setAttribute("data-" + key + "-failed", "true");
            if (window.console) window.console.error(error);
          });
        }
      });
    });
    map.on("overlayadd overlayremove", remember);
    wanted.forEach(function (key) {
      if (layers[key]) map.addLayer(layers[key].group);
    });
    // Opened with the plan (from the page /plan): the plan alone, the places a click away.
    if (layers.plan && wanted.indexOf("plan") >= 0) map.removeLayer(placesLayer);
  }

  function json(url) {
    return fetch(url, { headers: { Accept: "application/geo+json" } }).then(function (response) {
      if (!response.ok) throw new Error(url + ": " + response.status);
      return response.json();
    });
  }

  var requests = [json(config.outline), json(config.data)];
  if (config.points) requests.push(json(config.points));
  Promise.all(requests).then(function (found) {
    var outline = L.geoJSON(found[0], {
      interactive: false,
      style: { color: "#8d99a6", weight: 1, fillColor: "#ffffff", fillOpacity: 1, className: "map-outline" }
    }).addTo(map);
    var data = found[1];
    // The most urgent places (first in rank order) are drawn last, on top.
    data.features = data.features.slice().reverse();
    places = L.geoJSON(data, { style: style, pointToLayer: dot, onEachFeature: place }).addTo(map);
    if (config.points) {
      labelled(places).addTo(map);
      var points = communities(found[2]).addTo(map);
      document.getElementById("map").setAttribute("data-communities", String(found[2].features.length));
      points.bringToFront();
    }
    switchable(places);
    // Every level opens on the whole country, its outline inside the frame (the places' own
    // extent only where the gazetteer has no outline), or on the area of the place chosen
    // (config.focus); at once, so that what is drawn is where it stays.
    var bounds = outline.getBounds().isValid() ? outline.getBounds() : places.getBounds();
    if (config.focus) bounds = L.latLngBounds(config.focus);
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 12, animate: false });
    fitLabels();
    document.getElementById("map").setAttribute("data-ready", String(data.features.length));
  }).catch(function (error) {
    var note = document.createElement("p");
    note.className = "problem";
    note.textContent = words.failed;
    document.getElementById("map").after(note);
    if (window.console) window.console.error(error);
  });

  // Print (the print stylesheet keeps the map, its title and legend) and a PNG of the view: the
  // map's SVG layers, the names, the legend and the attribution drawn on a canvas, offline.
  document.getElementById("map-print").addEventListener("click", function () { window.print(); });
  document.getElementById("map-png").addEventListener("click", function () {
    png().then(function (blob) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "lagebild-map.png";
      document.body.append(link);
      link.click();
      link.remove();
    });
  });

  function svgImage(svg) {
    var copy = svg.cloneNode(true);
    var box = svg.getBoundingClientRect();
    copy.setAttribute("xmlns", svg.namespaceURI);
    copy.setAttribute("width", box.width);
    copy.setAttribute("height", box.height);
    copy.style.transform = "";
    var text = new XMLSerializer().serializeToString(copy);
    return new Promise(function (resolve) {
      var image = new Image();
      image.onload = function () { resolve({ image: image, box: box }); };
      image.onerror = function () { resolve(null); };
      image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
    });
  }

  function png() {
    var element = document.getElementById("map");
    var frame = element.getBoundingClientRect();
    var legend = document.querySelector(".legend-classes:not([hidden])");
    var items = legend ? Array.prototype.slice.call(legend.querySelectorAll("li")) : [];
    var head = 36;
    var foot = 24 + 20 * items.length + 24;
    var svgs = Array.prototype.slice.call(element.querySelectorAll(".leaflet-pane svg"));
    return Promise.all(svgs.map(svgImage)).then(function (images) {
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(frame.width);
      canvas.height = Math.round(frame.height + head + foot);
      var c = canvas.getContext("2d");
      c.fillStyle = "#ffffff";
      c.fillRect(0, 0, canvas.width, canvas.height);
      c.direction = dir;
      c.textAlign = dir === "rtl" ? "right" : "left";
      var x = dir === "rtl" ? canvas.width - 12 : 12;
      c.fillStyle = "#1d2733";
      c.font = "bold 16px sans-serif";
      c.fillText(document.getElementById("map-title").textContent.trim(), x, 24);
      c.fillStyle = "#dfe7ee";
      c.fillRect(0, head, frame.width, frame.height);
      c.save();
      c.beginPath();
      c.rect(0, head, frame.width, frame.height);
      c.clip();
      images.forEach(function (found) {
        if (found) c.drawImage(found.image, found.box.left - frame.left, found.box.top - frame.top + head);
      });
      c.font = "bold 11px sans-serif";
      c.textAlign = "center";
      c.lineWidth = 3;
      c.strokeStyle = "#ffffff";
      c.fillStyle = "#1d2733";
      element.querySelectorAll(".map-label span").forEach(function (label) {
        var box = label.getBoundingClientRect();
        if (!box.width) return;
        var lx = box.left - frame.left + box.width / 2;
        var ly = box.top - frame.top + head + box.height / 2 + 4;
        c.strokeText(label.textContent, lx, ly);
        c.fillText(label.textContent, lx, ly);
      });
      c.restore();
      c.textAlign = dir === "rtl" ? "right" : "left";
      c.font = "13px sans-serif";
      var y = head + frame.height + 20;
      items.forEach(function (item) {
        var rect = item.querySelector("rect");
        c.fillStyle = rect ? rect.getAttribute("fill") : "#ffffff";
        var sx = dir === "rtl" ? canvas.width - 28 : 12;
        c.fillRect(sx, y - 11, 14, 14);
        c.strokeStyle = "#5b6673";
        c.strokeRect(sx, y - 11, 14, 14);
        c.fillStyle = "#1d2733";
        c.fillText(item.textContent.replace(/\s+/g, " ").trim(), dir === "rtl" ? sx - 8 : sx + 22, y);
        y += 20;
      });
      if (config.attribution) {
        c.font = "11px sans-serif";
        c.fillStyle = "#5b6673";
        c.fillText(config.attribution, x, y + 4);
      }
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/png"); });
    });
  }

  var form = document.getElementById("map-controls");
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () { form.submit(); });
  });
  form.querySelectorAll('input[name="color"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      colorBy = radio.value;
      Object.keys(config.measures).forEach(function (name) {
        document.getElementById("legend-" + name).hidden = colorBy !== name;
      });
      if (places) {
        places.setStyle(style);
        places.eachLayer(function (layer) { reachable(layer, layer.feature.properties); });
      }
      var url = new URL(window.location.href);
      url.searchParams.set("color", colorBy);
      window.history.replaceState(null, "", url);
    });
  });
})();
