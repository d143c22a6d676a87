// Starts Swagger UI on the OpenAPI document; served locally with the swagger-ui-bundle package.
window.addEventListener("load", function () {
  var node = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: node.dataset.spec, dom_id: "#swagger-ui", deepLinking: true });
});
