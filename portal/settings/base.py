"""Base settings for the Xinyu (心育) portal.

Only this module and ``production.py`` read the environment. Every variable is listed
in README.md.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from search.es_settings import INDEX_SETTINGS as SEARCH_INDEX_SETTINGS

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("XINYU_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "portal",
    "accounts",
    "schools",
    "resources",
    "courses",
    "screening",
    "duty",
    "oversight",
    "search",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.table_block",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.sitemaps",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous visitors' pages from the page cache: after the security headers (a cached
    # page gets them too), before sessions, CSRF and authentication (it needs none).
    "portal.cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.StaffIdleTimeoutMiddleware",
    "accounts.middleware.DeviceCookieMiddleware",
    "portal.middleware.PersonalDataNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
    "schools.audit.AdminGateDenialMiddleware",
    "portal.middleware.UploadNotSavedMiddleware",
    # Last: its 503 passes through all the others (headers, no-store).
    "portal.middleware.RequestDeadlineMiddleware",
]
# Measuring only (bench/province.py): every response says how many SQL queries it ran
# (X-Query-Count, X-Query-Time-Ms). Off unless XINYU_QUERY_COUNT_HEADER=1; never in production.
XINYU_QUERY_COUNT_HEADER = env_bool("XINYU_QUERY_COUNT_HEADER")
if XINYU_QUERY_COUNT_HEADER:
    MIDDLEWARE = ["portal.middleware.QueryCountHeaderMiddleware", *MIDDLEWARE]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# Default: an embedded SQLite file under var/. Set DATABASE_URL for PostgreSQL.
SQLITE_PATH = VAR_DIR / "xinyu.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    # Connections kept between requests, as on PostgreSQL: opening one per request (the
    # PRAGMAs, Django's SQL functions registered anew) was most of a small request's cost
    # (bench/http_bench.py: /healthz 6×, the admin login 2×). Nothing opens a connection
    # while gunicorn preloads the app, so no worker inherits one across the fork.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # Take the write lock at BEGIN: under concurrent writers the default
            # deferred mode fails with "database is locked"; IMMEDIATE waits instead.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
            ),
        }
    )

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT on the application's connections (R-26, issue 20). The portal's statements are
    # short lookups and grouped counts that finish in well under a second; PostgreSQL's JIT
    # decides by estimated cost alone and, at province size, spent ~20 s of a 23.7 s
    # coverage query compiling its filter. Set XINYU_PG_JIT=1 to leave the server's choice.
    if not env_bool("XINYU_PG_JIT"):
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()

# From this many schools in a page's scope, the heaviest bureau figures (coverage, training
# hours and targets) are read from their kept computation (oversight/snapshots.py).
XINYU_FIGURE_SNAPSHOT_MIN_SCHOOLS = int(os.environ.get("XINYU_FIGURE_SNAPSHOT_MIN_SCHOOLS", "200"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes' lockout plus the per-address limit (accounts/backends.py).
    "accounts.backends.LoginGuardBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:me"
LOGOUT_REDIRECT_URL = "/"
# A forgotten-password link works for one hour (and once: it dies with the password).
PASSWORD_RESET_TIMEOUT = 3600
# Private pages and collections (teachers-only files) send visitors to the portal's login.
WAGTAIL_FRONTEND_LOGIN_URL = LOGIN_URL

# Lock a username+IP pair out after 5 failed logins, for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_VERBOSE = False
# The address the lockout counts: the connection's, or the client's as reported by trusted
# reverse proxies (XINYU_PROXY_COUNT below). One function for axes and the access log.
AXES_CLIENT_IP_CALLABLE = "schools.audit.client_ip"
# Password spraying (a few guesses at many usernames): above this many failed logins from one
# address across all usernames within AXES_COOLOFF_TIME, that address may sign in only from
# browsers that have signed in as the same user before (a signed device cookie, kept
# XINYU_DEVICE_COOKIE_DAYS); other logins are refused without checking the password.
XINYU_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("XINYU_LOGIN_ADDRESS_FAILURE_LIMIT", "30"))
XINYU_DEVICE_COOKIE_NAME = "xinyu_device"
XINYU_DEVICE_COOKIE_DAYS = int(os.environ.get("XINYU_DEVICE_COOKIE_DAYS", "180"))


def env_days(name, default, *, minimum, why):
    raw = os.environ.get(name, str(default)).strip() or str(default)
    if not raw.isdigit() or int(raw) < minimum:
        raise ImproperlyConfigured(f"{name} must be a number of days, at least {minimum} ({why}).")
    return int(raw)


# --- Retention (manage.py retention) ---------------------------------------------------
# Access-log and login records are kept at least six months (网络安全法 art. 21: six calendar
# months are at most 184 days), then pruned. Students who left (在读 unticked, 离校日期 set)
# are deleted with their screening records this many days after leaving.
ACCESS_LOG_RETENTION_MIN_DAYS = 184
XINYU_ACCESS_LOG_RETENTION_DAYS = env_days(
    "XINYU_ACCESS_LOG_RETENTION_DAYS",
    184,
    minimum=ACCESS_LOG_RETENTION_MIN_DAYS,
    why="logs are kept at least six months",
)
STUDENT_RETENTION_MIN_DAYS = 30
XINYU_STUDENT_RETENTION_DAYS = env_days(
    "XINYU_STUDENT_RETENTION_DAYS",
    3 * 365,
    minimum=STUDENT_RETENTION_MIN_DAYS,
    why="a student's records outlive a mistaken 离校 by at least a month",
)
# Files of background exports (portal.exports) are deleted this many days after they were
# asked for; the job stays listed as expired.
XINYU_EXPORT_RETENTION_DAYS = env_days(
    "XINYU_EXPORT_RETENTION_DAYS", 7, minimum=1, why="an export is downloaded after it is built"
)

# Staff (anyone who can open the back office) are logged out after 30 idle minutes.
STAFF_SESSION_IDLE_SECONDS = 30 * 60
SESSION_COOKIE_AGE = 14 * 24 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文")]

# --- Static and media -----------------------------------------------------------------
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_URL = "/static/"
# MEDIA_ROOT holds only image renditions, served at MEDIA_URL. Every other upload
# (documents, original images, training evidence, report attachments) is private: it lives
# under PRIVATE_MEDIA_ROOT, which no route serves, and is read only by permission-checked
# views (portal/storage.py).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
PRIVATE_MEDIA_ROOT = Path(os.environ.get("XINYU_PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "portal.storage.PrivateStorage"},
    "renditions": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Cache ----------------------------------------------------------------------------
# "default" for small things (the menu); "pages" for the anonymous full-page cache
# (portal/cache.py). With REDIS_URL both are shared by every worker; without it each worker
# keeps its own and learns of a purge through a stamp file under var/.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "xinyu",
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "xinyu-pages",
        },
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "xinyu",
            # Anonymous search results and pages and the once-a-day search counts live here:
            # at Django's default of 300 entries, a few hundred searches evict one another.
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "xinyu-pages",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        },
    }
XINYU_PAGE_CACHE = {
    "ENABLED": env_bool("XINYU_PAGE_CACHE", True),
    "ALIAS": "pages",
    # Seconds a cached page lives at most without a purge (download counts, dates).
    "TIMEOUT": int(os.environ.get("XINYU_PAGE_CACHE_SECONDS", "600")),
    "STAMP_FILE": None if REDIS_URL else VAR_DIR / "page-cache.stamp",
}

# Anonymous visitors' search results (search/cache.py); off only to measure cold searches.
XINYU_SEARCH_CACHE = env_bool("XINYU_SEARCH_CACHE", True)

# Notice-board posters (resources/posters/): the Chinese font file for the PNG picture on
# the page. Empty: look for one installed on the machine; none found → an SVG picture.
POSTER_PREVIEW_FONT = os.environ.get("XINYU_POSTER_FONT", "")

# --- Request deadline -------------------------------------------------------------------
# A request still running after this many seconds is stopped with the portal's own 503 page
# (portal.middleware.RequestDeadlineMiddleware) before gunicorn's --timeout kills the worker.
# Keep it a few seconds under --timeout (make run: TIMEOUT=60 → 50). 0 switches it off.
XINYU_REQUEST_DEADLINE = float(os.environ.get("XINYU_REQUEST_DEADLINE", "50"))

# --- Background tasks -----------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if env_bool("XINYU_IMMEDIATE_TASKS"):
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- E-mail ---------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "xinyu@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- Security headers -----------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HTTPS-only behaviour is switched on where the site is served over HTTPS.
XINYU_HTTPS = env_bool("XINYU_HTTPS")
SESSION_COOKIE_SECURE = XINYU_HTTPS
CSRF_COOKIE_SECURE = XINYU_HTTPS
SECURE_SSL_REDIRECT = XINYU_HTTPS and env_bool("XINYU_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("XINYU_HSTS_SECONDS", "31536000")) if XINYU_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = XINYU_HTTPS
# Preload (the browsers' built-in HTTPS-only list) follows HTTPS unless switched off.
SECURE_HSTS_PRELOAD = XINYU_HTTPS and env_bool("XINYU_HSTS_PRELOAD", True)
if env_bool("XINYU_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def env_proxy_count(name):
    raw = os.environ.get(name, "0").strip() or "0"
    if not raw.isdigit():
        raise ImproperlyConfigured(
            f"{name} must be the number of reverse proxies in front of the portal (0, 1, 2…), "
            f"not {raw!r}."
        )
    return int(raw)


# How many reverse proxies (that each append to X-Forwarded-For) stand in front of the
# portal: nginx alone is 1; a load balancer in front of nginx makes 2. 0 (the default): the
# connection's address is the client's, and X-Forwarded-For is ignored.
XINYU_PROXY_COUNT = env_proxy_count("XINYU_PROXY_COUNT")

# Content-Security-Policy. Our own pages need no inline script or style; the Wagtail
# admin still carries some inline script, so it gets a policy of its own.
CSP_PUBLIC = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; media-src 'self'; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
CSP_ADMIN = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; frame-src 'self'; frame-ancestors 'self'; "
    "base-uri 'self'; form-action 'self'"
)
CSP_ADMIN_PREFIXES = ("/admin/",)
# Back-office URLs of student and incident records: a signed-in user whom Wagtail's admin
# gate turns away from one of these still leaves a denial line (schools.audit).
RECORDS_ADMIN_PREFIXES = ("/admin/screening/", "/admin/schools/students/", "/admin/duty/incidents/")
# URL names under those prefixes whose ``pk`` is a student's id (the line names the student).
RECORDS_ADMIN_STUDENT_VIEWS = ("schools_student:",)

# --- Wagtail --------------------------------------------------------------------------
WAGTAIL_SITE_NAME = os.environ.get("XINYU_SITE_NAME", "心育平台")
WAGTAILADMIN_BASE_URL = os.environ.get("XINYU_BASE_URL", "http://127.0.0.1:8000")
WAGTAILDOCS_DOCUMENT_MODEL = "resources.XinyuDocument"
WAGTAILIMAGES_IMAGE_MODEL = "resources.XinyuImage"
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILIMAGES_RENDITION_STORAGE = "renditions"
WAGTAILDOCS_EXTENSIONS = [
    "csv",
    "docx",
    "doc",
    "pdf",
    "pptx",
    "ppt",
    "xlsx",
    "xls",
    "txt",
    "zip",
    "mp4",
]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 50 * 1024 * 1024
# Admin uploads go through the portal's checks (allow-list, size, content sniffing).
WAGTAILDOCS_DOCUMENT_FORM_BASE = "resources.forms.XinyuDocumentForm"
WAGTAILIMAGES_IMAGE_FORM_BASE = "resources.forms.XinyuImageForm"
# Nothing uploaded is ever shown inline: every document is sent as an attachment.
WAGTAILDOCS_INLINE_CONTENT_TYPES = []
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_USAGE_COUNT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILADMIN_COMMENTS_ENABLED = False
WAGTAILEMBEDS_FINDERS = []
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
if ELASTICSEARCH_URL:
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch8",
            "URLS": [ELASTICSEARCH_URL],
            "INDEX_PREFIX": os.environ.get("ELASTICSEARCH_INDEX_PREFIX", "xinyu_"),
            "TIMEOUT": 10,
            "INDEX_SETTINGS": SEARCH_INDEX_SETTINGS,
        }
    }

# --- Logging: never log request bodies or student data ---------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

XINYU_DEMO_PASSWORD = "xinyu-demo"
