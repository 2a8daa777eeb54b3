"""WSGI entry point: `gunicorn wsgi:app`."""

from foiatrack import create_app

app = create_app()
