// Interactive API docs: swagger-ui over /api/v1/openapi.json, everything served by GridFlow itself.
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null, // no badge fetched from the internet
    persistAuthorization: true,
  });
})();
