"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

from gridflow import create_app

app = create_app()
