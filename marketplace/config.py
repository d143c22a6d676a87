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

WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
WTF_I18N_ENABLED = False  # use WTForms' bundled zh messages (no Flask-Babel)

API_TITLE = "中试平台服务市场 API"
API_VERSION = "v1"
OPENAPI_VERSION = "3.0.3"
OPENAPI_URL_PREFIX = "/api/v1"
OPENAPI_JSON_PATH = "openapi.json"

PAGE_SIZE = 20

#: Zone (IANA name) of the marketplace's users: "today", deadlines and every time shown on a page.
#: Timestamps are stored in UTC whatever this says.
TIMEZONE = "Asia/Shanghai"

#: Common terms whose posting arrays each process preloads after start (0: none).
SEARCH_WARMUP_TERMS = 3000
