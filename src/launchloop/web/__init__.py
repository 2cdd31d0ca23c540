"""The HTTP server: JSON API (OpenAPI) and, later, the web app's pages."""
