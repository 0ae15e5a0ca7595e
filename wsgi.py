"""The WSGI entry point: gunicorn wsgi:app."""

from election import create_app

app = create_app()
