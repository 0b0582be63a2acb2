"""Development entry point: `flask --app wsgi …` in the checkout.  An installed GridFlow runs as
`gunicorn 'gridflow:create_app()'` (this file is not installed)."""

from gridflow import create_app

app = create_app()
