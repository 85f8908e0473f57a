"""gunicorn settings the portal needs beyond the command line (`make web` passes this file).

With PROMETHEUS_MULTIPROC_DIR set, each worker process writes its metrics to that directory
and /metrics adds them up; when a worker exits its live figures are forgotten here. Empty the
directory before the web and Celery processes start (a tmpfs, or `rm -rf "$DIR"/*` first)."""


def child_exit(server, worker):
    from portal.metrics import mark_process_dead

    mark_process_dead(worker.pid)
