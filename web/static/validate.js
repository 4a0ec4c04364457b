// The validator page: sends the pasted text or the chosen file to POST /validate (nothing is
// stored) and shows the report as a table in French, with the line where each resource appears.
(function () {
  "use strict";
  var form = document.getElementById("validate-form");
  var report = document.getElementById("report");
  var formatSelect = document.getElementById("v-format");
  var fileInput = document.getElementById("v-file");
  var textArea = document.getElementById("v-text");
  var byExtension = { ttl: "text/turtle", jsonld: "application/ld+json", json: "application/ld+json",
    nt: "application/n-triples", rdf: "application/rdf+xml", xml: "application/rdf+xml" };
  var SH = "http://www.w3.org/ns/shacl#";
  var components = {
    MinCount: "valeur manquante", MaxCount: "trop de valeurs", Datatype: "type de valeur incorrect",
    Class: "ressource liée du mauvais type ou inconnue", NodeKind: "forme de valeur incorrecte",
    Pattern: "format incorrect", In: "valeur hors de la liste permise", MinInclusive: "valeur trop petite",
    MaxInclusive: "valeur trop grande", MinExclusive: "valeur trop petite", MaxExclusive: "valeur trop grande",
    MinLength: "texte trop court", MaxLength: "texte trop long", Closed: "propriété non prévue",
    Node: "ressource liée non conforme", Or: "aucune des formes permises", HasValue: "valeur attendue absente",
    LanguageIn: "langue non permise", UniqueLang: "langue répétée"
  };

  fileInput.addEventListener("change", function () {
    var file = fileInput.files[0];
    if (!file) { return; }
    var extension = file.name.split(".").pop().toLowerCase();
    if (byExtension[extension]) { formatSelect.value = byExtension[extension]; }
  });

  function text(value) {
    if (value === undefined || value === null) { return ""; }
    if (Array.isArray(value)) { return value.map(text).join(", "); }
    if (typeof value === "object") {
      if (value["@value"] !== undefined) { return String(value["@value"]); }
      if (value.fr !== undefined) { return text(value.fr); }
      if (value.id !== undefined) { return value.name ? text(value.name) : value.id; }
      return Object.keys(value).map(function (k) { return text(value[k]); }).join(", ");
    }
    return String(value);
  }

  function asList(value) {
    if (value === undefined) { return []; }
    return Array.isArray(value) ? value : [value];
  }

  // Where a resource is named in the payload: the first line holding its IRI, its relative
  // form or its last segment.
  function lineOf(source, iri) {
    if (!iri || !source) { return ""; }
    var lines = source.split(/\r?\n/);
    var relative = iri.replace(window.location.origin + "/", "");
    var tail = iri.split(/[\/#]/).pop();
    var needles = [iri, relative];
    if (tail && tail.length > 2) { needles.push(tail); }
    for (var n = 0; n < needles.length; n++) {
      for (var i = 0; i < lines.length; i++) {
        if (lines[i].indexOf(needles[n]) !== -1) { return String(i + 1); }
      }
    }
    return "";
  }

  function message(result) {
    var messages = asList(result.resultMessage || result.message);
    var french = messages.filter(function (m) { return m && m["@language"] === "fr"; });
    if (french.length === 0 && messages.length && messages[0] && typeof messages[0] === "object" && messages[0].fr) {
      return text(messages[0].fr);
    }
    if (french.length) { return french.map(text).join(" "); }
    var component = text(result.sourceConstraintComponent).replace(SH, "").replace("sh:", "").replace("ConstraintComponent", "");
    return components[component] || component || text(messages);
  }

  function cell(row, content, className) {
    var td = document.createElement("td");
    td.textContent = content;
    if (className) { td.className = className; }
    row.appendChild(td);
  }

  function showProblem(title, detail) {
    report.innerHTML = "";
    var h = document.createElement("h2");
    h.textContent = "Résultat";
    var p = document.createElement("p");
    p.className = "refused";
    p.textContent = title;
    report.appendChild(h);
    report.appendChild(p);
    if (detail) {
      var d = document.createElement("p");
      d.textContent = detail;
      report.appendChild(d);
    }
  }

  function showReport(document_, source) {
    report.innerHTML = "";
    var h = document.createElement("h2");
    h.textContent = "Résultat";
    report.appendChild(h);
    var results = asList(document_.result);
    var conforms = document_.conforms === true || document_.conforms === "true";
    var summary = document.createElement("p");
    summary.className = conforms ? "conforms" : "refused";
    summary.textContent = conforms
      ? "Conforme : l'export peut être publié."
      : "Non conforme : " + results.length + (results.length > 1 ? " problèmes" : " problème") + " à corriger.";
    report.appendChild(summary);
    if (results.length === 0) { return; }
    var table = window.document.createElement("table");
    table.className = "report";
    var caption = window.document.createElement("caption");
    caption.textContent = "Rapport de validation";
    table.appendChild(caption);
    var head = table.createTHead().insertRow();
    ["Ressource", "Ligne", "Propriété", "Valeur", "Gravité", "Message"].forEach(function (title) {
      var th = window.document.createElement("th");
      th.scope = "col";
      th.textContent = title;
      head.appendChild(th);
    });
    var body = table.createTBody();
    results.forEach(function (result) {
      var row = body.insertRow();
      var focus = text(result.focusNode);
      cell(row, focus);
      cell(row, lineOf(source, focus));
      cell(row, text(result.resultPath).replace("https://w3id.org/tiers-lieux/ns#", "tl:"));
      cell(row, text(result.value));
      var severity = text(result.resultSeverity).replace(SH, "").replace("sh:", "");
      cell(row, { Violation: "erreur", Warning: "avertissement", Info: "information" }[severity] || severity);
      cell(row, message(result));
    });
    report.appendChild(table);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = fileInput.files[0];
    var read = file ? file.text() : Promise.resolve(textArea.value);
    read.then(function (source) {
      if (!source.trim()) {
        showProblem("Rien à valider : collez des données ou choisissez un fichier.");
        return;
      }
      var context = document.getElementById("v-store").checked ? "store" : "none";
      var shapes = document.getElementById("v-shapes").value;
      return fetch("/validate?context=" + context + "&shapes=" + encodeURIComponent(shapes), {
        method: "POST",
        headers: { "Content-Type": formatSelect.value, Accept: "application/ld+json" },
        body: source
      }).then(function (response) {
        return response.json().then(function (body) {
          if (response.ok) {
            showReport(body, source);
          } else {
            showProblem("Le fichier est refusé (" + response.status + ") : il n'a pas pu être lu.",
              body.detail || body.title || "");
          }
        });
      });
    }).catch(function (error) {
      showProblem("La validation n'a pas pu être faite.", error.message);
    });
  });
})();
