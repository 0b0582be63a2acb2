"""gunicorn configuration for GridFlow in production: `gunicorn -c deploy/gunicorn.conf.py` (the
systemd unit deploy/gridflow-web.service does this).  gunicorn listens on loopback only and is never
exposed directly: nginx (deploy/nginx.conf) stands in front of it.  Settings of GridFlow itself come
from the environment (GRIDFLOW_…, see the README); these are the web server's own."""

import multiprocessing
import os

wsgi_app = "gridflow:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each request is short and nginx buffers whole requests and responses, so a worker is
# never held by a slow client.  Two per core and one more: a request mostly waits for the database.
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = 60  # a worker stuck this long is replaced (nginx's proxy_read_timeout is the same)
graceful_timeout = 30
keepalive = 5  # nginx keeps connections to gunicorn open (upstream keepalive)
max_requests = 10_000  # workers are renewed now and then: slow leaks in any library stay bounded
max_requests_jitter = 1_000
# Requests nginx would not pass on anyway; the limits only matter if someone reaches gunicorn directly.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
forwarded_allow_ips = "127.0.0.1"
# GridFlow writes one line per request itself (gridflow.request: request id, user, status, duration);
# gunicorn's access log would repeat it without them.  Its error log goes to standard error (journal).
accesslog = None
errorlog = "-"
loglevel = "info"
# gunicorn ≥ 27 opens a control socket in the home directory, which the systemd unit keeps read-only;
# nothing here uses it.
control_socket_disable = True
