"""Default settings. Override in instance/config.py or with MARKETPLACE_* environment variables."""

from datetime import timedelta

SECRET_KEY = None
SQLALCHEMY_DATABASE_URI = None  # default: sqlite in instance/
SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
SEARCH_INDEX_DIR = None  # default: instance/search-index
UPLOAD_DIR = None  # default: instance/uploads

MAX_CONTENT_LENGTH = 10 * 1024 * 1024  #: whole request, uploads included
UPLOAD_MAX_BYTES = 8 * 1024 * 1024  #: one attachment

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False  # set True behind HTTPS
PERMANENT_SESSION_LIFETIME = timedelta(hours=2)  #: idle lifetime, refreshed on each request
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)  #: absolute lifetime from login
REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
PREFERRED_URL_SCHEME = "http"
#: Where users reach the site: the base of links in mails written by jobs and commands (no request).
SITE_URL = "http://127.0.0.1:5000"
#: Days a mail's one-click unsubscribe link works (signed with SECRET_KEY; older links ask to sign in).
UNSUBSCRIBE_LINK_DAYS = 60
#: Hours before an event's start that its registrants are reminded (events.jobs, every 15 minutes).
EVENT_REMINDER_HOURS = 24
#: Seconds a subscription scan waits for another one to finish writing its deliveries.
SUBSCRIPTION_SCAN_LOCK_WAIT = 60.0
#: A demand whose first three matches' best fit (how much of the offering's title the need speaks of,
#: 0..1) is under this has no good match: the coverage dashboard counts it unmet and lists it for
#: administrators. On the demo's 168 needs the lowest fits are 0.09 and 0.12 (the two needs nothing
#: serves), then 0.19, 0.20 …; the median is 0.73.
COVERAGE_GOOD_FIT = 0.15
#: Open demands last matched longer ago than this are matched again by the nightly coverage job,
#: at most COVERAGE_REFRESH_LIMIT a night (the push matches new demands and offerings' neighbours anyway).
COVERAGE_REFRESH_DAYS = 7
COVERAGE_REFRESH_LIMIT = 5000
#: An unmet demand (no good match) enters the administrators' list after this many days.
COVERAGE_UNMET_DAYS = 7

LOGIN_FAILURES_PER_ACCOUNT = 5  #: within LOGIN_THROTTLE_WINDOW
LOGIN_FAILURES_PER_ADDRESS = 20
LOGIN_THROTTLE_WINDOW = timedelta(minutes=15)
PASSWORD_RESET_MAX_AGE = 3600  #: seconds

MAIL_SERVER = "localhost"
MAIL_PORT = 25
MAIL_USE_TLS = False
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_DEFAULT_SENDER = "noreply@zhongshi.example.cn"
#: In development and tests mail is captured and written to the log, never sent.
MAIL_SUPPRESS_SEND = True
#: A failed delivery is retried after this delay, doubled after each failure (at most an hour).
MAIL_RETRY_DELAY = timedelta(minutes=1)
#: After this many failed attempts a mail stays unsent with its last error, for an operator to look at.
MAIL_MAX_ATTEMPTS = 12
#: An unsent mail this far past its next attempt has lost its job; a periodic job queues it again.
MAIL_REQUEUE_AFTER = timedelta(minutes=5)

#: Background jobs (Huey). "sqlite": a queue file in instance/, no extra service (development);
#: "redis": a Redis server at JOBS_REDIS_URL (production). `flask jobs worker` runs the jobs.
JOBS_BACKEND = "sqlite"
JOBS_SQLITE_PATH = None  # default: instance/jobs.sqlite
JOBS_REDIS_URL = "redis://127.0.0.1:6379/0"
#: Run each job in the enqueuing process at once instead of queueing it (tests; no worker needed).
JOBS_IMMEDIATE = False
#: Threads of `flask jobs worker`.
JOBS_WORKERS = 2

WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
WTF_I18N_ENABLED = False  # use WTForms' bundled zh messages (no Flask-Babel)

API_TITLE = "中试平台服务市场 API"
API_VERSION = "v1"
OPENAPI_VERSION = "3.0.3"
OPENAPI_URL_PREFIX = "/api/v1"
OPENAPI_JSON_PATH = "openapi.json"

#: Seconds an import (`flask import-data`) waits for another one running at the same time to finish.
IMPORT_LOCK_WAIT = 600.0
#: An import that writes at least this many search documents (platforms, offerings, demands), and at
#: least a third of those the index holds, rebuilds the index once after its commit instead of
#: draining them (interchange.services.index_plan says why).
IMPORT_REBUILD_MIN_DOCUMENTS = 2000
#: Seconds the drain after a smaller import waits for the index writer lock (busy: the outbox keeps
#: the work for the next drain).
IMPORT_DRAIN_WAIT = 30.0

#: Megabytes of public pages rendered for anonymous visitors each process keeps (core/cache.py; 0: off).
PAGE_CACHE_MB = 64
PAGE_SIZE = 20  #: rows per page in the catalogue, search and demand lists
RANKING_PAGE_SIZE = (
    50  #: rows per page of the evaluation's rankings (public results, administrators' overview)
)
#: Experts each participant of an evaluation should have: the experts' page filters the platforms with
#: fewer, and its automatic assignment tops them up to this number.
EXPERTS_PER_PARTICIPANT = 3
#: Seconds a bulk assignment of experts waits for another one on the same campaign to commit.
EXPERT_ASSIGN_LOCK_WAIT = 10.0

#: After each commit, queue a drain of the search outbox (with JOBS_IMMEDIATE: run it in this process;
#: otherwise a `flask jobs worker` runs it on its host). Off: leave it to the next search,
#: `flask search drain`, the periodic drain or the host's drain loop.
SEARCH_SYNC_DRAIN = True
#: This application host's name among the search index replicas: each host keeps its own index
#: (SEARCH_INDEX_DIR) and its own cursor in the outbox (`flask search hosts`). Default (None): the
#: machine's host name and the real path of SEARCH_INDEX_DIR, so processes sharing an index folder are
#: one host. Set it when host names are not stable (containers); never give two folders one name.
SEARCH_HOST_ID = None
#: Seconds between the drains of this host's index by its `flask jobs worker` (0: no loop), so every
#: host follows changes written on the others even when it serves no search.
SEARCH_HOST_DRAIN_INTERVAL = 5.0
#: Seconds a request waits for the index writer lock before leaving the work in the outbox (not when a
#: rebuild holds it: the request goes on at once with the index as it is).
SEARCH_DRAIN_WAIT = 2.0
#: Changes a search applies to its host's index before answering, at most (in batches of 500): after a
#: large import the rest is the job worker's, and the search answers from the index as it is.
SEARCH_DRAIN_LIMIT = 500
#: A document the index cannot take is set aside (a dead letter) and retried by the periodic drain
#: after this delay, doubled after each failure (at most an hour), until it indexes.
SEARCH_RETRY_DELAY = timedelta(minutes=1)

#: Seconds an accept (or an automatically confirmed request) waits for another decision on the same
#: offering to commit before answering "busy" (capacity decisions of one offering take turns).
BOOKING_LOCK_WAIT = 10.0
#: A booking request the platform has not answered after this many days expires (a periodic job).
BOOKING_EXPIRE_DAYS = 3
#: Completed work the firm has not confirmed after this many days is confirmed automatically.
BOOKING_AUTO_CONFIRM_DAYS = 7
#: A request or inquiry waiting longer than this many hours is flagged overdue on dashboards (即到即受理).
RESPONSE_TARGET_HOURS = 24

#: Zone (IANA name) of the marketplace's users: "today", deadlines and every time shown on a page.
#: Timestamps are stored in UTC whatever this says.
TIMEZONE = "Asia/Shanghai"

#: Processes a rebuild writes with (`flask search rebuild --procs`), each one segment of consecutive
#: documents, and the fewest documents worth a process of their own (forking costs a few tenths of a second).
SEARCH_REBUILD_PROCS = 2
SEARCH_REBUILD_PART_MIN = 5000

#: Common terms whose posting arrays each process preloads after start (0: none).
SEARCH_WARMUP_TERMS = 3000
