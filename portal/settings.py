"""Settings for the Cities of Making portal, read from environment variables.

Every variable is listed in README.md. With DJANGO_DEBUG off (the default) the
secrets and hosts have no defaults: a missing one stops the process at start-up.
A value this module does not understand is an error, never a silent default.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

# GDAL must never open VRT files (a VRT can point at any file on the server), nor
# any driver that reaches the network or runs other programs. Set before GeoDjango
# and pyogrio first register GDAL's drivers; cities/gis_io also checks each file's
# format itself before GDAL sees it.
GDAL_SKIPPED_DRIVERS = (
    "VRT", "OGR_VRT", "GDALG", "WMS", "WMTS", "WFS", "WCS", "OAPIF", "OGCAPI", "CSW", "HTTP",
    "EEDA", "Elasticsearch", "NGW", "PLSCENES", "AmigoCloud", "Carto", "GPSBabel", "ADBC",
    "DAAS", "STACIT", "STACTA",
)  # fmt: skip
os.environ["GDAL_SKIP"] = " ".join(
    sorted({*os.environ.get("GDAL_SKIP", "").split(), *GDAL_SKIPPED_DRIVERS}),
)
# GDAL must not go online on a file's behalf (a legacy GeoJSON "crs" link makes it fetch
# the href): its HTTP goes to a closed local port, and fails at once.
os.environ["GDAL_HTTP_PROXY"] = "127.0.0.1:9"
os.environ["GDAL_HTTP_TIMEOUT"] = "1"
os.environ["CPL_VSIL_CURL_ALLOWED_EXTENSIONS"] = ".portal-never-matches"

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A boolean variable; anything but the usual spellings is an error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from exc


def env_required(name: str, dev_default: str) -> str:
    """A value that must be set in production; development gets a local default."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(f"{name} must be set when DJANGO_DEBUG is off.")


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_required("DJANGO_SECRET_KEY", "insecure-development-key-do-not-use-in-production")


def env_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


ALLOWED_HOSTS = env_list(env_required("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]"))
# Links in emails sent by the worker, which has no request to take the host from.
PORTAL_BASE_URL = env_required("PORTAL_BASE_URL", "http://localhost:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list(os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", ""))

# --- Applications ----------------------------------------------------------

INSTALLED_APPS = [
    # modeltranslation patches the admin, so it comes before it.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "django.forms",  # the built-in widget templates, for TemplatesSetting below
    "rest_framework",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "csp",
    "reversion",
    "allauth",
    "allauth.account",
    "formtools",
    # Our apps: cities is the spatial base; toolkit and stakeholders build on it.
    "cities",
    "toolkit",
    "stakeholders",
]

# Form widgets render through the project's template dirs too (the workspace map pin).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.middleware.APILanguageMiddleware",
    "portal.problems.ApiProblemMiddleware",
    "portal.middleware.RejectNulBytesMiddleware",
    "portal.middleware.InvalidFormStatusMiddleware",
    "portal.middleware.RateLimitHeadersMiddleware",
    "portal.middleware.PublicReadCorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
AUTH_USER_MODEL = "stakeholders.User"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# --- Accounts (django-allauth) ---------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Cities of Making] "
ACCOUNT_FORMS = {"login": "stakeholders.forms.PortalLoginForm"}
ACCOUNT_ADAPTER = "stakeholders.adapter.PortalAccountAdapter"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Brute force: failed sign-ins are limited per address and per account (the
# account is locked for five minutes after five failures); counted in the cache.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "portal.context_processors.site",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------

DATABASES = {
    "default": env.db_url_config(
        # Development: the local server's Unix socket, as the current system user.
        env_required("DATABASE_URL", "postgis:///portal"),
    ),
}
if DATABASES["default"]["ENGINE"] != "django.contrib.gis.db.backends.postgis":
    raise ImproperlyConfigured(
        "DATABASE_URL must be a postgis:// URL: PostGIS is the only database."
    )
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DJANGO_CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A database that does not answer fails a request in seconds (a 503), not a hang.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
)
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("DJANGO_TEST_DATABASE", "test_portal")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_required("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_database(url: str, number: int) -> str:
    """The same Redis server as `url`, database `number`."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{number}"))


CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Its own Redis database by default, so clearing the cache never drops queued tasks.
        "LOCATION": env.str("CACHE_URL", default=redis_database(REDIS_URL, 1)),
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal"),
        "TIMEOUT": 300,
    },
}

# --- Internationalisation ------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Brussels"
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)

# --- Static and uploaded files --------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Uploads not checked yet (a registration's photos between its steps): never served.
PRIVATE_UPLOAD_ROOT = Path(
    env.str("DJANGO_PRIVATE_UPLOAD_ROOT", default=str(BASE_DIR / "private-uploads"))
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names need collectstatic first; development and tests use finders.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security ------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Debian 12 ships GDAL 3.6, which cannot block file and network access from a
# spatial reference (gis.W001). The portal builds spatial references only from
# integer EPSG codes, never from text a user supplies; lift this on GDAL >= 3.9.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", not DEBUG)
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    # The proxy terminates TLS and says so in this header; trust it only when told to.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health check is polled over plain HTTP by the container runtime.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# A base map is optional: tiles come from a third party, so it is opt-out and
# its host is the only outside origin the pages may load from.
MAP_BASEMAP_URL = env.str(
    "MAP_BASEMAP_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
).strip()
MAP_BASEMAP_ATTRIBUTION = env.str(
    "MAP_BASEMAP_ATTRIBUTION",
    default="&copy; <a href='https://www.openstreetmap.org/copyright'>OpenStreetMap</a>"
    " contributors",
)


def _origin(url: str) -> str | None:
    if not url:
        return None
    scheme, _sep, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}".replace("{s}", "*")


_basemap_origin = _origin(MAP_BASEMAP_URL)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([_basemap_origin] if _basemap_origin else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- GIS imports (cities/gis_io) ---------------------------------------------------

IMPORT_MAX_UPLOAD_MB = env_int("IMPORT_MAX_UPLOAD_MB", 200)
# A zip may hold at most this many members, this much once unpacked, and no member
# may unpack to more than this many times its packed size (zip bombs).
IMPORT_MAX_ZIP_ENTRIES = env_int("IMPORT_MAX_ZIP_ENTRIES", 50)
IMPORT_MAX_UNZIPPED_MB = env_int("IMPORT_MAX_UNZIPPED_MB", 1000)
IMPORT_MAX_COMPRESSION_RATIO = env_int("IMPORT_MAX_COMPRESSION_RATIO", 100)
# File exports each client may start a minute (they read whole layers).
EXPORT_RATE_PER_MINUTE = env_int("EXPORT_RATE_PER_MINUTE", 10)
# One feature may have at most this many vertices (a real district has a few thousand).
IMPORT_MAX_VERTICES = env_int("IMPORT_MAX_VERTICES", 100_000)

# --- Map analyses (cities/analyses) --------------------------------------------------

# An analysis's statements may take this long in all (seconds), then it fails saying so.
ANALYSIS_TIME_LIMIT = env_int("ANALYSIS_TIME_LIMIT", 10 * 60)
# Analyses one person may have queued or running at once.
ANALYSIS_MAX_RUNNING_PER_USER = env_int("ANALYSIS_MAX_RUNNING_PER_USER", 2)
# Results with more features than this are drawn from vector tiles, smaller ones as GeoJSON.
ANALYSIS_GEOJSON_MAX_FEATURES = env_int("ANALYSIS_GEOJSON_MAX_FEATURES", 5000)

# --- REST API --------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticatedOrReadOnly",
        "portal.api_auth.TokenScopes",
    ],
    # Partner tokens first: an unauthenticated request is then told to bring one
    # (401 with `WWW-Authenticate: Bearer`), not refused outright (403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api_auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "portal.throttling.AnonThrottle",
        "portal.throttling.UserThrottle",
        "portal.throttling.TokenThrottle",
    ],
    # Clients are told apart by REMOTE_ADDR unless proxies are declared: a forged
    # X-Forwarded-For must not buy a fresh rate limit.
    "NUM_PROXIES": env_int("DJANGO_NUM_PROXIES", 0),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/min"),
        "user": env.str("API_THROTTLE_USER", default="600/min"),
    },
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    # Refusals are RFC 9457 problem details (portal/problems.py).
    "EXCEPTION_HANDLER": "portal.problems.problem_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cities of Making API",
    # The getting-started guide shown at the top of /api/docs/.
    "DESCRIPTION": (BASE_DIR / "portal" / "api_guide.md").read_text(encoding="utf-8"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Reading needs no credentials; partner tokens are the one scheme partners use.
    "AUTHENTICATION_WHITELIST": ["portal.api_auth.BearerTokenAuthentication"],
    # Origins and destinations of material flows share one list of activities.
    "ENUM_NAME_OVERRIDES": {"ActivityEnum": "cities.models.Activity"},
    # Every operation's problem-details answers (400, 401, 403, 404, 429, ...).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.problems.document_problems",
        "portal.api_schema.document_vocabularies",
    ],
}

# --- Celery ----------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# A worker takes one message at a time and acknowledges it when done, so a task
# whose worker dies is delivered again (our tasks are idempotent).
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_SOFT_TIME_LIMIT must be below CELERY_TASK_TIME_LIMIT.")
# Redis re-delivers an unacknowledged message after the visibility timeout; it
# must outlast the longest task or a running task would be started twice.
# A Redis that does not answer is given up on in a second (see portal.celery.publish).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT,
    "socket_connect_timeout": 1,
}
CELERY_TASK_DEFAULT_QUEUE = "default"
# Heavy map analyses and data imports each have a queue, so neither starves the other.
CELERY_TASK_QUEUES = tuple(Queue(name) for name in ("default", "analyses", "imports"))
CELERY_TASK_CREATE_MISSING_QUEUES = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    # Tiles drawn again on the day a partner's embargo ends (cities/visibility.py).
    "embargoes-ended": {
        "task": "cities.tasks.embargoes_ended",
        "schedule": crontab(minute=7),
        "options": {"expires": 3000},
    },
    "jobs-fail-abandoned": {
        "task": "cities.tasks.jobs_fail_abandoned",
        "schedule": crontab(minute="*/5"),
        # After an outage, do not run a pile of stale sweeps.
        "options": {"expires": 240},
    },
    # Emails whose task a broker outage lost at commit.
    "workspaces-notify-unsent": {
        "task": "stakeholders.tasks.notify_unsent_events",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 600},
    },
    # What waits for the moderators, each morning when something does.
    "workspaces-moderation-digest": {
        "task": "stakeholders.tasks.email_moderation_digest",
        "schedule": crontab(hour=7, minute=30),
        "options": {"expires": 12 * 3600},
    },
    "registrations-purge-abandoned": {
        "task": "stakeholders.tasks.purge_abandoned_registrations",
        "schedule": crontab(hour=3, minute=40),
        "options": {"expires": 12 * 3600},
    },
    # Makers whose listing went a year without confirmation get one email.
    "workspaces-remind-unconfirmed": {
        "task": "stakeholders.tasks.remind_unconfirmed_workspaces",
        "schedule": crontab(hour=6, minute=15),
        "options": {"expires": 12 * 3600},
    },
}

# --- Logging: everything to stdout, one line per record ---------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "celery": {"level": LOG_LEVEL},
    },
}

# --- Email -------------------------------------------------------------------------

EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@citiesofmaking.invalid")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
