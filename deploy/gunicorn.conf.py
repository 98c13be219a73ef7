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
