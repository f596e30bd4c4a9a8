"""gunicorn settings for `make run` and the container: bind, workers, logs to stdout."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 60
accesslog = "-"
errorlog = "-"
reload = os.environ.get("DJANGO_DEBUG", "").lower() in {"1", "true", "yes", "on"}
