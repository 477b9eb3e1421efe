"""gunicorn settings for a web node (`gunicorn -c gunicorn.conf.py ddasum.wsgi:application`).

Every value can be changed from the environment (GUNICORN_*). A node keeps nothing of its own
(sessions and cache in Redis, files in the object store), so more nodes behind a load balancer
are just more of these; point the balancer's health check at /readyz.
"""
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Processes: the usual 2 × cores + 1, at most 8 (each holds a database connection per thread).
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8))
# Threads per process: requests waiting on PostgreSQL or the object store (streaming a document)
# do not hold a whole process.
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
# A request may take this long (a large CSV import, a document streamed from the store) before the
# process is killed and replaced; PDFs and bundles are built by workers, not here.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Each process is replaced after this many requests (± jitter, so they do not all restart at
# once): whatever memory WeasyPrint, Pillow or pikepdf kept is given back.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# The TLS proxy in front sets X-Forwarded-*; trust it from any address (the node is not public).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "*")
accesslog = "-"
errorlog = "-"
# The access log names the request id (X-Request-ID, ddasum.log) so it joins the app's lines.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
