// The places map: markers from the GeoJSON of /places, clustered, filtered by network and type.
// Markers show even when tiles cannot load (blank background).
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || !window.L) { return; }
  var status = document.getElementById("map-status");
  // maxZoom on the map itself: the clusters need one even when there is no tile layer.
  var map = L.map(element, { maxZoom: 19 }).setView([46.6, 2.4], 5);
  var tiles = element.dataset.tiles;
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: element.dataset.attribution || "" }).addTo(map);
  }
  var cluster = L.markerClusterGroup();
  map.addLayer(cluster);
  var features = [];
  var networkSelect = document.getElementById("map-network");
  var typeSelect = document.getElementById("map-type");

  function fill(select, links) {
    var seen = {};
    links.forEach(function (link) { seen[link.id] = link.name; });
    Object.keys(seen).sort(function (a, b) { return seen[a].localeCompare(seen[b], "fr"); }).forEach(function (id) {
      var option = document.createElement("option");
      option.value = id;
      option.textContent = seen[id];
      select.appendChild(option);
    });
  }

  function has(links, id) {
    return !id || links.some(function (link) { return link.id === id; });
  }

  function show() {
    cluster.clearLayers();
    var network = networkSelect.value, type = typeSelect.value, shown = [];
    features.forEach(function (feature) {
      var p = feature.properties;
      if (!has(p.networks, network) || !has(p.placeTypes, type)) { return; }
      var c = feature.geometry.coordinates;
      var marker = L.marker([c[1], c[0]], { title: p.name });
      var link = document.createElement("a");
      link.href = new URL(p.url, window.location.href).pathname;
      link.textContent = p.name;
      var popup = document.createElement("div");
      popup.appendChild(link);
      if (p.locality) { popup.appendChild(document.createTextNode(" — " + p.locality)); }
      marker.bindPopup(popup);
      shown.push(marker);
    });
    cluster.addLayers(shown);
    element.dataset.markers = String(shown.length);
    status.textContent = shown.length + (shown.length > 1 ? " lieux sur la carte" : " lieu sur la carte");
    if (shown.length > 0) {
      map.fitBounds(cluster.getBounds(), { maxZoom: 12, padding: [20, 20] });
    }
  }

  fetch(element.dataset.geojson, { headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(function (collection) {
      features = collection.features;
      var networks = [], types = [];
      features.forEach(function (f) {
        networks = networks.concat(f.properties.networks);
        types = types.concat(f.properties.placeTypes);
      });
      fill(networkSelect, networks);
      fill(typeSelect, types);
      networkSelect.addEventListener("change", show);
      typeSelect.addEventListener("change", show);
      show();
    })
    .catch(function (error) {
      status.textContent = "Les lieux n'ont pas pu être chargés (" + error.message + ").";
      element.dataset.markers = "error";
    });
})();
