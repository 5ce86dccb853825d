"""gunicorn settings: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

The access log names each request with its query string and referer, where page links carry
their launch token (`?lt=`): this logger writes them with the token replaced by `[redacted]`.
"""

from gunicorn.glogging import Logger

from lti_tool.log_redact import redact

accesslog = "-"


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}


logger_class = RedactingLogger


def child_exit(server, worker):
    # /metrics in multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by deploy/systemd): a dead
    # worker's live gauges must not be summed any more (its counters stay counted).
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
