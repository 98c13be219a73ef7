# gunicorn settings: `gunicorn -c deploy/gunicorn.conf.py "app:create_app()"`.
bind = "127.0.0.1:8000"
workers = 4
timeout = 60
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
# The access log writes the path without its query string (%(U)s, never %(r)s or %(q)s)
# and no Referer (%(f)s), which can hold one too: feed readers carry their personal feed
# token in ?token=, and a log is read by more people than the token's owner. The app's own
# request log also records the path only.
access_log_format = '%(h)s - %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s" %({x-request-id}i)s'


def post_worker_init(worker):
    """Once a worker has loaded the app, move everything it holds so far (modules, the
    app, the analysers: ~150 000 objects, all kept for the worker's life) out of the
    garbage collector's reach. Else every full collection walks them again: 120–150 ms in
    the middle of a request, about one district page in twelve at 10 000 cases (README,
    Measurements); after the freeze such a pass took 4–8 ms."""
    import gc

    from knowledge.web import warm_up

    # Compile the templates and open the index first, so that they are frozen with the
    # rest and no user's first request to this worker pays for them.
    worker.log.info("Warmed up: %d templates compiled", warm_up(worker.wsgi, worker.notify))
    gc.collect()
    gc.freeze()
    worker.log.info("Froze %d objects loaded at start", gc.get_freeze_count())
