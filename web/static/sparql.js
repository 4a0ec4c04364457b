// The SPARQL editor (YASGUI) on our own endpoint, with the partner queries as ready examples and
// the ontology's prefixes declared. Nothing is requested from any other host: the LOV
// autocompletion of classes and properties is left out.
(function () {
  "use strict";
  var Yasgui = window.Yasgui;
  var configElement = document.getElementById("sparql-config");
  if (!Yasgui || !configElement) { return; }
  var config = JSON.parse(configElement.textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var prologue = Object.keys(config.prefixes).map(function (prefix) {
    return "PREFIX " + prefix + ": <" + config.prefixes[prefix] + ">";
  }).join("\n");
  function withPrefixes(query) { return prologue + "\n\n" + query; }

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasqe: { value: withPrefixes(config.examples[0].query), autocompleters: ["prefixes", "variables"] },
    yasr: { defaultPlugin: "table", prefixes: config.prefixes }
  });
  window.lieuxCommunsYasgui = yasgui;

  var select = document.getElementById("example");
  document.getElementById("load-example").addEventListener("click", function () {
    var example = config.examples[Number(select.value)];
    var tab = yasgui.getTab();
    tab.setQuery(withPrefixes(example.query));
    tab.query();
  });
})();
