"""Settings, read from the environment.

DATABASE_URL   default: SQLite at ./var/jiceng.sqlite3 (the repository root when run from there)
SECRET_KEY     required when DEBUG is off
JICENG_FIELD_KEY  key for field encryption (SM4) and blind indexes; 64 hex chars
ALLOWED_HOSTS  comma-separated
DEBUG          1/0 (default 1: the embedded demo)
WECHAT_TOKEN   WeChat official account callback token; empty (default): /wechat/ answers 404
WECHAT_APP_ID  the account's AppID (encrypted mode)
WECHAT_AES_KEY EncodingAESKey, 43 characters (encrypted mode)
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("JICENG_VAR_DIR", Path.cwd() / "var")).resolve()


def _flag(name, default):
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("DEBUG", "1")

if DEBUG:
    SECRET_KEY = os.environ.get("SECRET_KEY", "jiceng-insecure-development-key-do-not-use-in-production")
elif os.environ.get("SECRET_KEY"):
    SECRET_KEY = os.environ["SECRET_KEY"]
else:
    raise ImproperlyConfigured("Set SECRET_KEY when DEBUG is off")

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]

# Field encryption key: in DEBUG a fixed development key keeps the demo reproducible;
# production must set its own.
DEVELOPMENT_FIELD_KEY = "6a696365-6e67-2d64-6576-2d6669656c64"  # not secret, development only
JICENG_FIELD_KEY = os.environ.get("JICENG_FIELD_KEY", DEVELOPMENT_FIELD_KEY if DEBUG else "")
if not DEBUG and JICENG_FIELD_KEY in ("", DEVELOPMENT_FIELD_KEY):
    raise ImproperlyConfigured("Set JICENG_FIELD_KEY to a secret of your own when DEBUG is off")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "jiceng.core",
    "jiceng.orgs",
    "jiceng.people",
    "jiceng.life",
    "jiceng.requests",
    "jiceng.development",
    "jiceng.transfers",
    "jiceng.dues",
    "jiceng.checkin",
    "jiceng.mobilization",
    "jiceng.village",
    "jiceng.economy",
    "jiceng.cadres",
    "jiceng.dashboard",
    "jiceng.reports",
    "jiceng.exchange",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "jiceng.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jiceng.urls"
WSGI_APPLICATION = "jiceng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiceng.core.context_processors.unread_notices",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jiceng.sqlite3'}"),
        # Kept open between requests, also on SQLite: a new SQLite connection reads the whole
        # schema and runs the PRAGMAs below before its first query (~5–30 ms a request).
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A fresh checkout has no var/: SQLite creates the file, not its directory.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN
        # so two writers queue instead of failing with "database is locked" mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("JICENG_TEST_SQLITE")}  # None: in memory
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: PostgreSQL compiles any plan whose estimated cost is high, as a subtree's
    # aggregates are (checks.counts_under at a province: 0.7 s compiling a 60 ms query).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Lockout (django-axes): 5 failures for a username from any address locks it for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False
# Locking by username alone is deliberate: it stops guessing spread over many addresses.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Idle timeout: every request renews the cookie, so 30 idle minutes end the session.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if not DEBUG:
    SECURE_SSL_REDIRECT = _flag("SECURE_SSL_REDIRECT", "1")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# In DEBUG (the demo) WhiteNoise serves straight from the apps; production runs collectstatic.
STATIC_ROOT = None if DEBUG else VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = VAR_DIR / "media"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "jiceng.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jiceng API",
    "DESCRIPTION": "基层党组织与社区治理 — organizations, people and governance records.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Membership statuses appear under several serializers' "status"; name the full set once
    # (otherwise drf_spectacular.W001 fails `check --deploy --fail-level WARNING`).
    "ENUM_NAME_OVERRIDES": {"MembershipStatusEnum": "jiceng.people.choices.STATUSES"},
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
JICENG_MESSAGE_BACKEND = os.environ.get("JICENG_MESSAGE_BACKEND", "jiceng.core.messaging.LoggingBackend")

# WeChat official account (/wechat/): the values set on mp.weixin.qq.com (基本配置 → 服务器配置).
WECHAT_TOKEN = os.environ.get("WECHAT_TOKEN", "")
WECHAT_APP_ID = os.environ.get("WECHAT_APP_ID", "")
WECHAT_AES_KEY = os.environ.get("WECHAT_AES_KEY", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Extra policy directory (regional overrides shipped by a deployment), read after the built-in one.
JICENG_POLICY_DIRS = [BASE_DIR / "policies"] + [
    Path(p) for p in os.environ.get("JICENG_POLICY_DIRS", "").split(os.pathsep) if p
]
