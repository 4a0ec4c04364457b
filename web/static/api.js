// The API reference, rendered by Swagger UI from /openapi.json (no outside validator).
(function () {
  "use strict";
  if (!window.SwaggerUIBundle) { return; }
  window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger", validatorUrl: null, deepLinking: true });
})();
