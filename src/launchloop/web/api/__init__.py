"""JSON API routers, one module per area; ``web/app.py`` includes them all."""
