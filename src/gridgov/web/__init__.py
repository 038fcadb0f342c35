"""Server-rendered pages: one layout, Jinja2 templates, vendored assets (no CDN)."""
