// Starts Swagger UI on the OpenAPI document; served locally with the swagger-ui-bundle package.
window.addEventListener("load", function () {
  var node = document.getElementById("swagger-ui");
  // No syntax colouring of payloads: its palette is below WCAG AA contrast on its dark background.
  window.SwaggerUIBundle({ url: node.dataset.spec, dom_id: "#swagger-ui", deepLinking: true, syntaxHighlight: false });
});
