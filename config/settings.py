"""Robotkontor settings, read from the environment (django-environ).

Development defaults are safe for a laptop; production behaviour is switched on with
``DJANGO_ENV=production``, which also makes the secrets and hosts mandatory. See
docs/operations.md for every variable.
"""

from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.broker import broker_url_for
from config.keys import development_key

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

ENVIRONMENT = env.str("DJANGO_ENV", default="development")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")

# Keys that encrypt the credentials vault at rest: comma-separated Fernet keys, newest first
# (`manage.py rotate_credential_keys` re-encrypts with the newest; see platform/README.md).
# Production requires them; development derives one stable key from SECRET_KEY.
if PRODUCTION:
    CREDENTIAL_KEYS = env.list("CREDENTIAL_KEYS")
else:
    CREDENTIAL_KEYS = env.list("CREDENTIAL_KEYS", default=[development_key(SECRET_KEY)])

# Organisations live on <slug>.<BASE_DOMAIN>; the office console on the bare BASE_DOMAIN.
BASE_DOMAIN = env.str("BASE_DOMAIN", default="localhost")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[BASE_DOMAIN, f".{BASE_DOMAIN}"])
SITE_URL_SCHEME = env.str("SITE_URL_SCHEME", default="https" if PRODUCTION else "http")
SITE_PORT = env.str("SITE_PORT", default="" if PRODUCTION else "8000")

# --- Applications -------------------------------------------------------------------------

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "axes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "catalog",
    "intake",
    "orders",
    "governance",
    "robots",
    "robots.monitoring",
    "billing",
    "insight",
    "members",
    "demo",
]
# Apps whose tables live in every member's schema: the data the member controls (GDPR).
TENANT_APPS = [
    "robots.workitems",
    "robots.runlogs",
    "robots.credentials",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Organisation"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New member schemas are cloned from this migrated template instead of migrated from scratch.
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
TENANT_LOOKUP_CACHE_SECONDS = env.int("TENANT_LOOKUP_CACHE_SECONDS", default=300)
DEFAULT_NOT_FOUND_TENANT_VIEW = "tenants.views.unknown_host"

AUTH_USER_MODEL = "tenants.User"

MIDDLEWARE = [
    "config.health.HealthCheckMiddleware",
    "core.middleware.BadInputMiddleware",
    "tenants.middleware.CachedTenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Every rendered response: Cache-Control: no-store (personal data; docs/security.md).
    "core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Static files from the collected STATIC_ROOT; in development runserver serves them.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

# One form-rendering layer (Det Fælles Designsystem): core/renderers.py and templates/django/forms/.
FORM_RENDERER = "core.renderers.DesignSystemRenderer"

ROOT_URLCONF = "config.urls_member"
PUBLIC_SCHEMA_URLCONF = "config.urls_office"
WSGI_APPLICATION = "config.wsgi.application"

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
                "tenants.context_processors.site",
            ],
        },
    }
]

# --- Database ------------------------------------------------------------------------------

if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from config.embedded_postgres import database_url

    DATABASES = {"default": environ.Env.db_url_config(database_url(BASE_DIR))}
# A Unix-socket URL (``postgresql://u@/db?host=/run/dir``) arrives as OPTIONS["host"].
if not DATABASES["default"].get("HOST") and "host" in DATABASES["default"].get("OPTIONS", {}):
    DATABASES["default"]["HOST"] = DATABASES["default"]["OPTIONS"].pop("host")
DATABASES["default"]["ENGINE"] = "config.database"
# The search path is set when a tenant is selected (once per request or schema_context), not
# before every query; config.database skips even that when the path stays the same.
TENANT_LIMIT_SET_CALLS = True
# Session-mode pooling only: transaction pooling would leak search_path between tenants.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://robotkontor")}

# --- Celery --------------------------------------------------------------------------------


CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or broker_url_for(DATABASES["default"])
# Several installations (or test runs) can share one broker with their own queue names.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="robotkontor")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Copenhagen"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "enqueue-scheduled-jobs": {
        "task": "robots.tasks.enqueue_scheduled_jobs",
        "schedule": 30.0,
    },
    "enqueue-queue-triggered-jobs": {
        "task": "robots.tasks.enqueue_queue_triggered_jobs",
        "schedule": 30.0,
    },
    "expire-job-leases": {
        "task": "robots.tasks.expire_job_leases",
        "schedule": 15.0,
    },
    "abandon-stuck-work-items": {
        "task": "robots.tasks.abandon_stuck_items_everywhere",
        "schedule": 300.0,
    },
    "book-usage-so-far": {
        "task": "billing.tasks.book_usage_so_far",
        "schedule": 300.0,
    },
    "read-waiting-uploads": {
        "task": "robots.tasks.read_waiting_uploads_everywhere",
        "schedule": 120.0,
    },
    "detect-problems": {
        "task": "robots.monitoring.tasks.detect_problems",
        "schedule": 60.0,
    },
    "erase-expired-work-item-payloads": {
        "task": "robots.tasks.apply_retention_everywhere",
        "schedule": 3600.0,
    },
    "refresh-value-rollups": {
        "task": "insight.tasks.refresh_rollups",
        "schedule": 900.0,
    },
    "apply-due-leavings": {
        "task": "members.lifecycle.tasks.apply_due_leavings",
        "schedule": 3600.0,
    },
}
# Work items: a payload is at most this large (JSON); uploaded files at most this large.
WORK_ITEM_PAYLOAD_MAX_BYTES = env.int("WORK_ITEM_PAYLOAD_MAX_BYTES", default=64 * 1024)
WORK_ITEM_UPLOAD_MAX_BYTES = env.int("WORK_ITEM_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# A file a robot attaches to a work item (Robocorp compatibility).
WORK_ITEM_FILE_MAX_BYTES = env.int("WORK_ITEM_FILE_MAX_BYTES", default=20 * 1024 * 1024)
# The files a robot writes to its output folder, kept as the run's artifacts: each at most
# ROBOTS_ARTIFACT_MAX_BYTES, a run's at most ROBOTS_ARTIFACTS_MAX_FILES files and
# ROBOTS_ARTIFACTS_MAX_BYTES in all (the runner skips the rest and says so in the log).
ROBOTS_ARTIFACT_MAX_BYTES = env.int("ROBOTS_ARTIFACT_MAX_BYTES", default=20 * 1024 * 1024)
ROBOTS_ARTIFACTS_MAX_FILES = env.int("ROBOTS_ARTIFACTS_MAX_FILES", default=50)
ROBOTS_ARTIFACTS_MAX_BYTES = env.int("ROBOTS_ARTIFACTS_MAX_BYTES", default=100 * 1024 * 1024)

# --- Execution -----------------------------------------------------------------------------

# A claimed job's lease; runners renew it with every heartbeat (every ~lease/3 seconds).
ROBOTS_LEASE_SECONDS = env.int("ROBOTS_LEASE_SECONDS", default=90)
# A runner silent this long raises an alert (its jobs are handled by lease expiry).
ROBOTS_RUNNER_SILENCE_MINUTES = env.int("ROBOTS_RUNNER_SILENCE_MINUTES", default=5)
# A scheduled firing without a job this long after it raises a "missed schedule" alert.
ROBOTS_MISSED_SCHEDULE_GRACE_MINUTES = env.int("ROBOTS_MISSED_SCHEDULE_GRACE_MINUTES", default=10)
# Unfinished work items due within this many hours (or overdue) raise a "deadline" alert.
ROBOTS_DEADLINE_WARNING_HOURS = env.int("ROBOTS_DEADLINE_WARNING_HOURS", default=24)

# --- Value and cost insight -------------------------------------------------------------

# What a saved hour is worth to a member (DKK) unless the member has its own rate: a
# caseworker's cost, the same default as the intake pipeline's business case.
INSIGHT_HOURLY_RATE = Decimal(env.str("INSIGHT_HOURLY_RATE", default="450"))
# Hours a full-time employee works a year: 1,924 h = 37 h × 52 weeks, the Danish state's
# full-time norm (the same as the intake business case). Saved hours ÷ this = FTE.
INSIGHT_HOURS_PER_FTE = Decimal(env.str("INSIGHT_HOURS_PER_FTE", default="1924"))

# --- Stripe (optional: card payment for members who choose it) ----------------------------

# Empty key: nothing is pushed to Stripe. Empty webhook secret: the webhook answers 404.
STRIPE_API_KEY = env.str("STRIPE_API_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)

# --- Authentication ------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_ADAPTER = "tenants.adapters.AccountAdapter"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
# Failed logins are throttled by allauth per client address (password spraying over many
# accounts from one address) and per account (guessing one account's password from many
# addresses); django-axes (below) locks an account on one address. Counts live in the cache:
# a shared one (Redis, CACHE_URL) in production, so every web worker counts the same.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMITS", default="30/15m/ip,10/15m/key"),
}
SOCIALACCOUNT_ADAPTER = "tenants.adapters.SocialAccountAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Robotkontor"

# The client's address: behind this many reverse proxies (each appends to X-Forwarded-For)
# the client is the TRUSTED_PROXY_COUNT-th entry from the right; 0 ignores the header (a
# client could write anything in it). tenants.adapters.client_ip decides it for the login
# lockout and the rate limits alike. Production runs behind one TLS-terminating proxy.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if PRODUCTION else 0)
AXES_CLIENT_IP_CALLABLE = "tenants.adapters.client_ip"

# Brute-force lockout (django-axes): lock the account on one address after repeated failures
# (an attacker elsewhere cannot lock a person out; see docs/security.md).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "tenants.adapters.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = True

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Internationalisation ------------------------------------------------------------------

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Dansk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True
# Never group digits implicitly: identifiers, counts in URLs, form values and data attributes
# print as plain digits (a Danish "47.200" is not an id the server can read back). Figures for
# people are grouped explicitly (intcomma, floatformat "g", billing's kr and number filters).
USE_THOUSAND_SEPARATOR = False

# --- Static files --------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_root"
STATICFILES_DIRS = [BASE_DIR / "static"]
# dkfds, htmx and Chart.js come from npm (package-lock.json); collectstatic picks them up.
STATICFILES_DIRS += [
    (f"vendor/{name}", BASE_DIR / "node_modules" / package / "dist")
    for name, package in [("dkfds", "dkfds"), ("htmx", "htmx.org"), ("chartjs", "chart.js")]
    if (BASE_DIR / "node_modules" / package / "dist").exists()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".robotkontor" / "media")
# Members' data exports (zip archives), never served as media: downloaded through a view that
# checks who asks (docs/members.md). Web and workers must share this folder.
MEMBER_EXPORT_ROOT = env.path(
    "MEMBER_EXPORT_ROOT", default=BASE_DIR / ".robotkontor" / "member-exports"
)
# Days after its leave date a member may be erased without its export having been downloaded.
MEMBER_ERASURE_GRACE_DAYS = env.int("MEMBER_ERASURE_GRACE_DAYS", default=30)

# --- E-mail --------------------------------------------------------------------------------

# Development prints e-mails to the console. Production must send them: printed e-mails
# would put invitation and password-reset links in the log, so it refuses to start without
# an SMTP EMAIL_URL (smtp://, smtps://, smtp+tls://).
if PRODUCTION:
    EMAIL_CONFIG = env.email_url("EMAIL_URL")
    if EMAIL_CONFIG.get("EMAIL_BACKEND") != "django.core.mail.backends.smtp.EmailBackend":
        raise ImproperlyConfigured(
            "EMAIL_URL must name an SMTP server in production (smtp://, smtps:// or "
            "smtp+tls://): other e-mail backends print or drop invitation and reset links."
        )
else:
    EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Robotkontor <noreply@robotkontor.dk>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- API -----------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON refusing NUL characters and deep nesting, forms refusing NUL characters. A body
    # (not a file) over Django's DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB, is a 413 on the API.
    "DEFAULT_PARSER_CLASSES": [
        "core.jsondata.JSONParser",
        "core.parsers.FormParser",
        "core.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Robotkontor API",
    "DESCRIPTION": "API of the shared robot office: organisations, people, catalog, "
    "execution and billing.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files from the drf-spectacular-sidecar package, served as our own static
    # files: no CDN, which the CSP forbids and a closed municipal network may not reach.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The error body and the errors every operation can answer (config/api.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.document_errors",
    ],
    # Several models have a "status"; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "RobotVersionStatusEnum": "catalog.models.RobotVersion.Status",
        "IdeaStatusEnum": "intake.models.Idea.Status",
        "OrderStatusEnum": "orders.models.Order.Status",
        "DeploymentStatusEnum": "robots.models.Deployment.Status",
        "JobStatusEnum": "robots.models.Job.Status",
        "WorkItemStatusEnum": "robots.workitems.models.WorkItem.Status",
        "AlertStateEnum": "robots.monitoring.models.Alert.State",
        "AlertKindEnum": "robots.monitoring.models.Alert.Kind",
        "PeriodStatusEnum": "billing.models.Period.Status",
        "InvoiceKindEnum": "billing.models.Invoice.Kind",
        "InvoiceLineKindEnum": "billing.models.InvoiceLine.Kind",
        "UsageEntryKindEnum": "billing.models.UsageEntry.Kind",
        "DistributionKeyEnum": "billing.models.KeyKind",
        "OrganisationKindEnum": "tenants.models.Organisation.Kind",
    },
}

# --- Security ------------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env.list(
        "CSRF_TRUSTED_ORIGINS", default=[f"https://{BASE_DOMAIN}", f"https://*.{BASE_DOMAIN}"]
    )
else:
    CSRF_TRUSTED_ORIGINS = env.list(
        "CSRF_TRUSTED_ORIGINS",
        default=[f"http://{BASE_DOMAIN}:{SITE_PORT}", f"http://*.{BASE_DOMAIN}:{SITE_PORT}"],
    )

# --- Logging -------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Secrets handed to jobs, and password/token patterns, never reach a log line.
    "filters": {"redact_secrets": {"()": "robots.credentials.redaction.RedactSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers (console when DEBUG, mail_admins) write unfiltered: Django's
        # records go to the root handler above instead, secrets masked.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},  # it reports CSS parsing at INFO on import
        "axes": {"level": "WARNING"},
        # runserver's request lines, through the same filter (links with secrets masked).
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
AXES_VERBOSE = False
