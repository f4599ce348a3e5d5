// Starts Swagger UI on /docs from the assets filmstack ships (nothing is loaded from elsewhere).
// The OpenAPI URL comes from the page, so the server's root path is respected.

const root = document.getElementById("swagger-ui");
window.ui = window.SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  // The public validator badge would send the spec's URL to an outside service.
  validatorUrl: null,
  presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
});
