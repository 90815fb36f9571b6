"""The shared workspace: FastAPI app, server-rendered pages (Jinja2 + HTMX) and the REST API."""
