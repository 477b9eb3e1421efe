"""Ddasum settings: every value comes from the environment.

Nothing set gives the embedded default (SQLite under var/, Celery eager, local-memory
cache, mail written to files, DEBUG on). DJANGO_ENV=production demands its secrets and
turns on the secure settings, so `manage.py check --deploy` has nothing to report.
"""
from datetime import timedelta
from pathlib import Path

import environ
import sentry_sdk
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DJANGO_ENV = env("DJANGO_ENV", default="local")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    _required = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL")
    _missing = [name for name in _required if not env.str(name, default="")]
    if _missing:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production needs these environment variables: " + ", ".join(_missing)
        )

DEBUG = env.bool("DEBUG", default=not PRODUCTION) and not PRODUCTION
SECRET_KEY = env("SECRET_KEY", default="local-dev-only-insecure-key-ddasum-0123456789-abcdefghij")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # django.contrib.admin, with a second factor for the operator's site (ddasum.admin_site).
    "ddasum.apps.OperatorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "ddasum",
    "accounts",
    "notifications",
    "vendors",
    "catalog",
    "campaigns",
    "orders",
    "procurement",
    "reviews",
    "mypage",
    "workbench",
]

MIDDLEWARE = [
    "ddasum.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (settings below) and the other headers browsers act on.
    "csp.middleware.CSPMiddleware",
    "ddasum.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ddasum.middleware.LanguageCookieMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed its second factor (ddasum.otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # gunicorn serves the collected static files itself; runserver does it in local mode.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "ddasum.urls"
WSGI_APPLICATION = "ddasum.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "csp.context_processors.nonce",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ddasum.context_processors.site",
                "catalog.context_processors.categories",
                "orders.context_processors.cart",
                # The bell's count and the partner admin link: one query for both and the cart's count.
                "orders.context_processors.header",
            ],
        },
    },
]

# --- data -------------------------------------------------------------------------
if not env.str("DATABASE_URL", default=""):
    # The embedded default keeps its SQLite file, mail and uploads under var/.
    VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads (the dev server, the browser tests' live server) write at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CACHES["pages"] = {**CACHES["default"], "KEY_PREFIX": "pages"}
    # Sessions are read from Redis and kept in the database (a cache flush signs nobody out).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ddasum"}}
    CACHES["pages"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ddasum-pages",
                       "OPTIONS": {"MAX_ENTRIES": 2000}}
# Whole storefront pages for anonymous visitors (ddasum.page_cache): how long at most; 0 turns it off.
# Entries also end at the next campaign or coupon start or end and at midnight.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=300)

# --- Celery -----------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task killed mid-way comes back: acknowledged only once it has run (acks late), handed back to
# the broker when its pool process dies (SIGKILL, out of memory), and redelivered by Redis when
# the whole worker died without a word (the visibility timeout below).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A lost broker connection cancels the running tasks instead of running them to an ack that can
# no longer be sent (their messages are redelivered anyway).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Seoul"
# One queue per deployment (several on one Redis may name theirs).
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
# Seconds a task may run, by kind: (soft, hard). The soft limit raises inside the task (it fails;
# the outbox sweeper sends it again later); the hard one kills its pool process. Notices and
# other short tasks get the defaults.
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 120
TASK_TIME_LIMITS = {
    # documents: one PDF (or a few) each
    "orders.order_documents_task": (300, 360),
    "orders.settlement_pdf_task": (300, 360),
    "procurement.quote_pdf_task": (300, 360),
    "procurement.po_pdf_task": (300, 360),
    "procurement.delivery_note_pdf_task": (300, 360),
    "catalog.product_image_thumbnails_task": (120, 180),
    # bundles: every document of a quote, merged into one PDF and a ZIP
    "procurement.bundle_build_task": (600, 720),
    # periodic jobs over many rows
    "orders.settlements_monthly_task": (1500, 1800),
    "orders.settlements_built_task": (900, 1080),
    "orders.orders_expire_due_task": (600, 720),
    "orders.vendor_orders_auto_complete_task": (600, 720),
    "vendors.vendor_certifications_check_task": (600, 720),
    # each attempt waits WEBHOOK_TIMEOUT_SECONDS at most; the sweep makes up to 25
    "vendors.webhook_deliver_task": (60, 90),
    "vendors.webhook_deliveries_due_task": (300, 360),
    "procurement.quotes_remind_unanswered_task": (600, 720),
    "procurement.needs_close_due_task": (300, 360),
    "campaigns.campaign_mails_send_task": (300, 360),
    "campaigns.campaign_mail_batch_task": (1500, 1800),
    "ddasum.outbox_sweep_task": (120, 150),
    "ddasum.documents_orphans_sweep_task": (1500, 1800),
}
# Queues by kind, so a burst of PDFs never delays a password-reset mail: "<default>.documents"
# and "<default>.messages" beside the default queue (ddasum.celery.task_route). Run one worker per
# kind (README): `celery -A ddasum worker -Q celery.documents`, `-Q celery,celery.messages`.
_DOCUMENT_TASKS = (
    "orders.order_documents_task", "orders.settlement_pdf_task", "procurement.quote_pdf_task",
    "procurement.po_pdf_task", "procurement.delivery_note_pdf_task", "procurement.bundle_build_task",
    "catalog.product_image_thumbnails_task", "ddasum.documents_orphans_sweep_task",
)
_MESSAGE_TASKS = (
    "accounts.email_send_task", "campaigns.campaign_mail_batch_task", "campaigns.item_event_notify_task",
    "catalog.product_reviewed_notify_task", "catalog.variant_low_stock_notify_task",
    "orders.claim_event_notify_task", "orders.claim_refunded_notify_task",
    "orders.guest_access_mail_task", "orders.order_expired_notify_task", "orders.order_paid_notify_task",
    "orders.order_placed_notify_task",
    "orders.settlement_paid_notify_task", "orders.vendor_order_cancelled_notify_task",
    "orders.vendor_order_event_notify_task", "orders.vendor_order_note_notify_task",
    "orders.vendor_order_tracking_notify_task", "procurement.agency_confirm_mail_task",
    "procurement.membership_decided_notify_task", "procurement.need_posted_notify_task",
    "procurement.po_event_notify_task", "procurement.po_issued_notify_task", "procurement.po_notice_task",
    "procurement.proposal_notify_task", "procurement.quote_answered_notify_task",
    "procurement.quote_declined_notify_task", "procurement.quote_message_notify_task",
    "procurement.quote_request_cancelled_notify_task", "procurement.quote_request_notify_task",
    "procurement.record_decided_notify_task",
    "vendors.vendor_renewal_decided_notify_task", "vendors.vendor_renewal_requested_notify_task",
    "vendors.vendor_status_notify_task", "vendors.vendor_warning_notify_task",
    "reviews.question_answered_notify_task", "reviews.review_reply_notify_task",
    "orders.order_virtual_account_due_notify_task", "orders.exchange_event_notify_task",
    "notifications.notify_task", "notifications.delivery_send_task",
)
TASK_QUEUE_KINDS = {**dict.fromkeys(_DOCUMENT_TASKS, "documents"), **dict.fromkeys(_MESSAGE_TASKS, "messages")}
CELERY_TASK_ROUTES = ("ddasum.celery.task_route",)
CELERY_TASK_ANNOTATIONS = {
    name: {"soft_time_limit": soft, "time_limit": hard} for name, (soft, hard) in TASK_TIME_LIMITS.items()
}
# Redis hands an unacknowledged message to another worker after this many seconds: longer than
# the longest task may run (a running task is never given to a second worker), short enough that
# the work of a worker that died comes back the same hour.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int(
        "CELERY_VISIBILITY_TIMEOUT", default=max(hard for _soft, hard in TASK_TIME_LIMITS.values()) + 600
    ),
    # How often a worker looks for messages whose worker died (seconds).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_SECONDS", default=60),
    "unacked_restore_throttle": 1,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Each periodic job works from the database: a run on any later day does what earlier runs missed.
CELERY_BEAT_SCHEDULE = {
    "vendors-webhook-deliveries-due": {
        "task": "vendors.webhook_deliveries_due_task",
        "schedule": crontab(minute="*"),
    },
    "vendors-certification-check": {
        "task": "vendors.vendor_certifications_check_task",
        "schedule": crontab(hour=6, minute=0),
    },
    "vendors-performance-refresh": {
        "task": "vendors.vendor_performance_refresh_task",
        "schedule": crontab(hour=3, minute=40),
    },
    "mypage-retention-purge": {
        "task": "mypage.retention_purge_task",
        "schedule": crontab(hour=4, minute=30),
    },
    "orders-expire-unpaid": {
        "task": "orders.orders_expire_due_task",
        "schedule": crontab(minute="*/15"),
    },
    # Business days only (the service skips the others); a missed day is done by the next run.
    "orders-late-shipments": {
        "task": "orders.late_shipments_escalate_task",
        "schedule": crontab(hour=9, minute=40),
    },
    # Twice, so a morning the beat missed still gets its digest; once per vendor, member and day.
    "workbench-vendor-digests": {
        "task": "workbench.vendor_digests_send_task",
        "schedule": crontab(hour="8,12", minute=10),
    },
    "orders-claim-refunds-sweep": {
        "task": "orders.claim_refunds_sweep_task",
        "schedule": crontab(minute="*/10"),
    },
    "orders-auto-complete": {
        "task": "orders.vendor_orders_auto_complete_task",
        "schedule": crontab(hour=4, minute=30),
    },
    # Daily (the name is kept for the database scheduler's row): every ended month with completed,
    # unsettled vendor orders is settled, so a missed 1st is made up the next day.
    "orders-monthly-settlements": {
        "task": "orders.settlements_monthly_task",
        "schedule": crontab(hour=5, minute=0),
    },
    "campaigns-mails": {
        "task": "campaigns.campaign_mails_send_task",
        "schedule": crontab(minute=5),
    },
    "procurement-remind-unanswered": {
        "task": "procurement.quotes_remind_unanswered_task",
        "schedule": crontab(hour=9, minute=0),
    },
    "procurement-needs-close-due": {
        "task": "procurement.needs_close_due_task",
        "schedule": crontab(hour=0, minute=10),
    },
    "orders-virtual-accounts-due-remind": {
        "task": "orders.virtual_accounts_due_remind_task",
        "schedule": crontab(minute=20),
    },
    "notifications-deliveries-due": {
        "task": "notifications.deliveries_due_task",
        "schedule": crontab(minute="*/5"),
    },
    "ddasum-outbox-sweep": {
        "task": "ddasum.outbox_sweep_task",
        "schedule": crontab(minute="*"),
    },
    "orders-popularity": {
        "task": "orders.products_popularity_refresh_task",
        "schedule": crontab(minute=20),
    },
    "catalog-restock-notices": {
        "task": "catalog.restock_notices_send_task",
        "schedule": crontab(minute="*/10"),
    },
    # Hourly: the 네이버 쇼핑 feed is written again from what is on sale now.
    "campaigns-naver-feed": {
        "task": "campaigns.naver_feed_generate_task",
        "schedule": crontab(minute=40),
    },
    "campaigns-wish-notices": {
        "task": "campaigns.wish_campaign_notices_send_task",
        "schedule": crontab(minute="15,45"),
    },
    "reviews-reminders": {
        "task": "reviews.review_reminders_send_task",
        "schedule": crontab(hour=10, minute=0),
    },
    "reviews-questions-remind-vendors": {
        "task": "reviews.questions_remind_vendors_task",
        "schedule": crontab(hour=9, minute=30),
    },
    # Daily: every day since the last reconciled one is compared with the PG's transactions.
    "orders-payments-reconcile-daily": {
        "task": "orders.payments_reconcile_daily_task",
        "schedule": crontab(hour=5, minute=30),
    },
    "ddasum-documents-orphans-sweep": {
        "task": "ddasum.documents_orphans_sweep_task",
        "schedule": crontab(hour=3, minute=30),
    },
    "orders-carts-abandoned-purge": {
        "task": "orders.carts_abandoned_purge_task",
        "schedule": crontab(hour=3, minute=50),
    },
}
# The outbox (ddasum.jobs): a task committed but not done is sent again after this many seconds
# (or its own hard time limit and a minute, if longer), at most this many times; done rows are
# kept this many days for the operator.
OUTBOX_RETRY_AFTER_SECONDS = env.int("OUTBOX_RETRY_AFTER_SECONDS", default=600)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=5)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=14)

# --- accounts and login -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Our login form posts the email in the field "username" (Django's AuthenticationForm).
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.security.login_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Two-factor authentication (ddasum.otp): TOTP apps show this name next to the account.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="따숨몰")
# Failed codes slow the next try down (seconds × 2^failures), per device.
OTP_TOTP_THROTTLE_FACTOR = 1

# --- i18n ---------------------------------------------------------------------------
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("한국어")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

# --- files --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Business registration certificates, bank books and seals: never under MEDIA_URL.
PRIVATE_MEDIA_ROOT = env("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))
# Object storage (S3-compatible: AWS, SeaweedFS, MinIO, NCP …) when S3_BUCKET is set; otherwise the
# local folders above. Public media and private files are separate buckets, or separate prefixes
# of one bucket (S3_PRIVATE_BUCKET unset). Private objects are never publicly readable: the store
# refuses them without our keys, and the site streams them through the views that check the reader.
S3_BUCKET = env("S3_BUCKET", default="")
S3_PRIVATE_BUCKET = env("S3_PRIVATE_BUCKET", default="") or S3_BUCKET
S3_ENDPOINT_URL = env("S3_ENDPOINT_URL", default="")
S3_MEDIA_PREFIX = env("S3_MEDIA_PREFIX", default="media")
S3_PRIVATE_PREFIX = env("S3_PRIVATE_PREFIX", default="private")
OBJECT_STORAGE = bool(S3_BUCKET)


def s3_options(*, bucket: str, location: str) -> dict:
    """django-storages' S3Storage options for one bucket and prefix, from the environment."""
    return {
        "bucket_name": bucket,
        "location": location,
        "endpoint_url": S3_ENDPOINT_URL or None,
        "access_key": env("S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": env("S3_SECRET_ACCESS_KEY", default="") or None,
        "region_name": env("S3_REGION", default="us-east-1"),
        "addressing_style": env("S3_ADDRESSING_STYLE", default="path"),
        "signature_version": "s3v4",
        "default_acl": None,  # the bucket's own (private) policy; never public-read
        "querystring_auth": True,
        "querystring_expire": 300,
        "file_overwrite": False,  # as on disk: a taken name gets a suffix
    }


if OBJECT_STORAGE:
    _default_storage = {
        "BACKEND": "ddasum.storage.PublicS3Storage",
        # S3_MEDIA_DOMAIN: a CDN or public bucket host serving the media prefix; without it the
        # web nodes stream /media/ from the store.
        "OPTIONS": {**s3_options(bucket=S3_BUCKET, location=S3_MEDIA_PREFIX),
                    "custom_domain": env("S3_MEDIA_DOMAIN", default="") or None},
    }
    _private_storage = {
        "BACKEND": "ddasum.storage.PrivateS3Storage",
        "OPTIONS": s3_options(bucket=S3_PRIVATE_BUCKET, location=S3_PRIVATE_PREFIX),
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    _private_storage = {
        "BACKEND": "ddasum.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    }
STORAGES = {
    "default": _default_storage,
    "private": _private_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Generated documents (ddasum.documents): the private-storage folders they are written under, and
# the fields that point to them. A file there that no row points to, older than the grace period
# (longer than any task runs, so a file being written is never taken), is removed by the sweep.
GENERATED_DOCUMENTS = {
    "documents/": ("orders.Document.file",),
    "procurement/quotes/": ("procurement.QuoteVersion.pdf",),
    "procurement/bundles/": ("procurement.QuoteBundle.pdf", "procurement.QuoteBundle.zip"),
    "procurement/po/": ("procurement.PurchaseOrder.pdf", "procurement.PurchaseOrder.delivery_note_pdf"),
}
DOCUMENT_ORPHAN_GRACE_SECONDS = env.int("DOCUMENT_ORPHAN_GRACE_SECONDS", default=24 * 60 * 60)
# `manage.py backup` makes its dated folders here (README: Backup and restore).
BACKUP_DIR = env("BACKUP_DIR", default=str(VAR_DIR / "backups"))
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
# The web process serves public media (logos, product photos) unless a proxy does.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)

# --- mail ---------------------------------------------------------------------------
if env.str("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email.get("EMAIL_HOST", "")
    EMAIL_PORT = _email.get("EMAIL_PORT", 25)
    EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="따숨몰 <no-reply@ddasum.kr>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# --- rate limits ----------------------------------------------------------------------
# How many proxies (load balancer, nginx) stand in front of gunicorn and append to
# X-Forwarded-For; 0 trusts only REMOTE_ADDR.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# Pages (ddasum.ratelimit): scope → {what it is counted by: "count/period"}. The API's are DRF
# throttles (REST_FRAMEWORK below). A limit over answers 429 with Retry-After.
RATE_LIMITS = {
    "signup": {"client_ip": env("RATE_SIGNUP_IP", default="10/h")},
    "password_reset": {
        "client_ip": env("RATE_PASSWORD_RESET_IP", default="20/h"),
        "posted_email": env("RATE_PASSWORD_RESET_EMAIL", default="3/h"),
    },
    "quote_message": {
        "user_key": env("RATE_QUOTE_MESSAGE_USER", default="30/10m"),
        "client_ip": env("RATE_QUOTE_MESSAGE_IP", default="60/10m"),
    },
    "order_lookup": {
        "client_ip": env("RATE_ORDER_LOOKUP_IP", default="30/15m"),
        "posted_email": env("RATE_ORDER_LOOKUP_EMAIL", default="20/15m"),
    },
}

# --- API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 24,
    "EXCEPTION_HANDLER": "ddasum.api.exception_handler",
    # 429 with Retry-After and a Korean detail over these rates (counted in the default cache).
    "DEFAULT_THROTTLE_CLASSES": [
        "ddasum.api.AnonThrottle",
        "ddasum.api.UserThrottle",
        "ddasum.api.ScopedThrottle",
        "vendors.api_keys.ApiKeyThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_RATE_ANON", default="120/min"),
        "user": env("API_RATE_USER", default="600/min"),
        "token": env("API_RATE_TOKEN", default="20/min"),
        # Per vendor API key (vendors.api_keys).
        "api_key": env("API_RATE_KEY", default="300/min"),
    },
    # Proxies in front of the site: the client address is the one the nearest proxy saw.
    "NUM_PROXIES": NUM_PROXIES,
}
# Vendor API keys are stored as HMAC-SHA256(this, key); changing it voids every key.
API_KEY_HASH_SECRET = env("API_KEY_HASH_SECRET", default=f"api-keys:{SECRET_KEY}")
# Outgoing webhooks (vendors.webhooks): addresses on private, loopback or link-local networks are
# refused unless this is on (tests and local development only).
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False) and not PRODUCTION
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=60)
# The orders API's feed holds back rows changed this recently (orders.api.partner): longer than
# a transaction that changes a vendor order can take (a refund waits for the PG inside one).
ORDERS_API_CURSOR_SETTLE_SECONDS = env.int("ORDERS_API_CURSOR_SETTLE_SECONDS", default=60)
SPECTACULAR_SETTINGS = {
    "TITLE": "Ddasum API",
    "DESCRIPTION": "따숨몰 공개 상품 API, 입점기업용 상품·재고 API, 공공기관·입점기업용 공공구매(견적요청·견적서·서류 묶음) API",
    "VERSION": "1.0.0",
    # Swagger UI from the installed sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Product.kind and VendorSocialFact.kind would otherwise share an enum name.
    "ENUM_NAME_OVERRIDES": {
        "ProductKindEnum": "catalog.models.ProductKind",
        "SocialFactKindEnum": "vendors.models.SocialFactKind",
        "ProductStatusEnum": "catalog.models.ProductStatus",
        # procurement (its API shares field names with the catalog's).
        "AgencyKindEnum": "procurement.models.AgencyKind",
        "AgencyRegionEnum": "procurement.models.AGENCY_REGION_CHOICES",
        "RegionEnum": "vendors.models.Region",
        "QuoteRequestKindEnum": "procurement.models.RequestKind",
        "QuoteRequestStatusEnum": "procurement.models.RequestStatus",
        "QuoteStatusEnum": "procurement.models.QuoteStatus",
        "BundleStatusEnum": "procurement.models.BundleStatus",
    },
}

# --- the operator shown in the footer (전자상거래법: 사업자 정보 표시) ---------------------
OPERATOR_INFO = {
    "name": env("OPERATOR_NAME", default="따숨 사회적협동조합"),
    "representative": env("OPERATOR_REPRESENTATIVE", default="김다온"),
    "business_number": env("OPERATOR_BUSINESS_NUMBER", default="312-82-12344"),
    "mail_order_number": env("OPERATOR_MAIL_ORDER_NUMBER", default="2015-충남홍성-0042"),
    "address": env("OPERATOR_ADDRESS", default="충청남도 홍성군 홍북읍 충남대로 21, 2층"),
    "phone": env("OPERATOR_PHONE", default="041-631-0000"),
    "email": env("OPERATOR_EMAIL", default="help@ddasum.kr"),
    "privacy_officer": env("OPERATOR_PRIVACY_OFFICER", default="박서윤"),
    "privacy_email": env("OPERATOR_PRIVACY_EMAIL", default="privacy@ddasum.kr"),
    "hosting_provider": env("OPERATOR_HOSTING_PROVIDER", default="네이버클라우드(주)"),
    "escrow_provider": env("OPERATOR_ESCROW_PROVIDER", default="토스페이먼츠(주)"),
}
# The public 사업자정보 확인 page of the 공정거래위원회 for the operator's business number.
OPERATOR_INFO["business_info_url"] = env(
    "OPERATOR_BUSINESS_INFO_URL",
    default="https://www.ftc.go.kr/bizCommPop.do?wrkr_no=" + OPERATOR_INFO["business_number"].replace("-", ""),
)

# --- vendors ------------------------------------------------------------------------
# Days before a certification ends on which the vendor is reminded.
CERTIFICATION_REMINDER_DAYS = (30, 7)

# --- security -----------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- error pages and reports ------------------------------------------------------------
# Korean pages for 400/403/404/500 and JSON under /api/ (ddasum.errors, wired in ddasum.urls).
CSRF_FAILURE_VIEW = "ddasum.errors.csrf_failure"


def admins_parse(raw: str) -> list[tuple[str, str]]:
    """DJANGO_ADMINS="이름 <a@example.kr>, b@example.kr" → [("이름", "a@example.kr"), ("b@example.kr", …)]."""
    result = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        if "<" in item and item.endswith(">"):
            name, address = item[:-1].split("<", 1)
            result.append((name.strip() or address.strip(), address.strip()))
        else:
            result.append((item, item))
    return result


# Who is mailed a 500's traceback when Sentry is not configured (Django's AdminEmailHandler).
ADMINS = admins_parse(env("DJANGO_ADMINS", default=""))
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=DJANGO_ENV,
        release=env("SENTRY_RELEASE", default=None),
        send_default_pii=False,  # no user e-mails, IPs or cookies leave for Sentry
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# LOG_FORMAT=json: one JSON object per line (ddasum.log), so several nodes' logs can be joined;
# every line carries the request id (X-Request-ID), in the web process and in the tasks it sent.
LOG_FORMAT = env("LOG_FORMAT", default="text")
# A worker logs through the LOGGING above (JSON too) instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "ddasum.log.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "json": {"()": "ddasum.log.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                    "formatter": "json" if LOG_FORMAT == "json" else "text"},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"level": "INFO"},
        # A 500 mails ADMINS when Sentry is not there to report it (never in DEBUG).
        "django.request": {
            "handlers": ["mail_admins"] if ADMINS and not SENTRY_DSN else [],
            "level": "ERROR",
            "propagate": True,
        },
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},  # says "logger bridge initialized" on import
        # Eager tasks would log every call inside the web process.
        "celery.app.trace": {"level": "INFO" if REDIS_URL else "WARNING"},
    },
}

# --- catalog ------------------------------------------------------------------------
# Which submitted products wait for the operator: "first" (until a vendor has one approved
# product), "all", or "none".
CATALOG_REVIEW_POLICY = env("CATALOG_REVIEW_POLICY", default="first")

# --- messages (notifications app): e-mail, in-app, SMS and 카카오 알림톡 -------------------------
# SMS/알림톡 backend: the console backend logs them (embedded default); with Solapi keys set the
# messages go through Solapi (notifications.backends.solapi.SolapiBackend).
SOLAPI_API_URL = env("SOLAPI_API_URL", default="https://api.solapi.com")
SOLAPI_API_KEY = env("SOLAPI_API_KEY", default="")
SOLAPI_API_SECRET = env("SOLAPI_API_SECRET", default="")
SOLAPI_SENDER = env("SOLAPI_SENDER", default="0411234567")  # 발신번호, registered with Solapi
SOLAPI_PF_ID = env("SOLAPI_PF_ID", default="")  # the Kakao channel's pfId
# kind → Solapi templateId of the 알림톡 template registered for it (notifications/kinds.py has the texts).
SOLAPI_TEMPLATE_IDS = env.json("SOLAPI_TEMPLATE_IDS", default={})
SOLAPI_TIMEOUT_SECONDS = env.float("SOLAPI_TIMEOUT_SECONDS", default=10.0)
MESSAGE_TEXT_BACKEND = env(
    "MESSAGE_TEXT_BACKEND",
    default="notifications.backends.solapi.SolapiBackend" if SOLAPI_API_KEY
    else "notifications.backends.console.ConsoleBackend",
)
if MESSAGE_TEXT_BACKEND.endswith("SolapiBackend") and not (SOLAPI_API_KEY and SOLAPI_API_SECRET and SOLAPI_PF_ID):
    raise ImproperlyConfigured("SOLAPI_API_KEY, SOLAPI_API_SECRET and SOLAPI_PF_ID are required to send through Solapi")

# --- orders and payments ------------------------------------------------------------
# Days a bank-transfer (무통장입금) order waits for its deposit before it expires.
ORDER_DEPOSIT_DAYS = env.int("ORDER_DEPOSIT_DAYS", default=3)
# Days after delivery a vendor order is confirmed (구매 확정) automatically.
ORDER_AUTO_COMPLETE_DAYS = env.int("ORDER_AUTO_COMPLETE_DAYS", default=7)
# Abandoned carts: a visitor's cart is kept this many days after its last change, a 바로구매 cart this many hours.
CART_ANONYMOUS_KEEP_DAYS = env.int("CART_ANONYMOUS_KEEP_DAYS", default=30)
BUY_NOW_CART_KEEP_HOURS = env.int("BUY_NOW_CART_KEEP_HOURS", default=24)
# Vendor performance (vendors.performance): the windows computed nightly, the first one shown.
VENDOR_PERFORMANCE_WINDOWS = tuple(env.list("VENDOR_PERFORMANCE_WINDOWS", cast=int, default=[90]))
# Thresholds that raise an exit-rule suggestion to the operator (never an action): a rate below a
# minimum or above a maximum, counted only with at least `min_records` records behind it.
VENDOR_EXIT_THRESHOLDS = {
    "on_time_rate_min": env.float("VENDOR_EXIT_ON_TIME_RATE_MIN", default=80.0),
    "vendor_cancel_rate_max": env.float("VENDOR_EXIT_CANCEL_RATE_MAX", default=10.0),
    "return_rate_max": env.float("VENDOR_EXIT_RETURN_RATE_MAX", default=15.0),
    "question_answer_hours_max": env.float("VENDOR_EXIT_QUESTION_HOURS_MAX", default=72.0),
    "quote_answer_hours_max": env.float("VENDOR_EXIT_QUOTE_HOURS_MAX", default=120.0),
    "review_avg_min": env.float("VENDOR_EXIT_REVIEW_AVG_MIN", default=3.0),
    "min_records": env.int("VENDOR_EXIT_MIN_RECORDS", default=5),
}
# A product with chosen delivery dates: the first date a buyer may choose is this many days ahead.
DELIVERY_DATE_LEAD_DAYS = env.int("DELIVERY_DATE_LEAD_DAYS", default=2)
BANK_TRANSFER_ACCOUNT = {
    "bank": env("BANK_TRANSFER_BANK", default="농협은행"),
    "number": env("BANK_TRANSFER_NUMBER", default="301-0042-1234-51"),
    "holder": env("BANK_TRANSFER_HOLDER", default="따숨 사회적협동조합"),
}
# A Toss Payments-style card gateway: the browser returns with paymentKey/orderId/amount,
# the server confirms with POST {base}/v1/payments/confirm (Basic auth, Idempotency-Key).
# Local mode talks to the stand-in gateway the site itself serves in DEBUG (no network here).
PAYMENT_GATEWAY_URL = env(
    "PAYMENT_GATEWAY_URL",
    default=f"{SITE_URL}/orders/payments/dev-gateway" if DEBUG else "https://api.tosspayments.com",
)
PAYMENT_CLIENT_KEY = env("PAYMENT_CLIENT_KEY", default="test_ck_local")
PAYMENT_SECRET_KEY = env("PAYMENT_SECRET_KEY", default="test_sk_local")
PAYMENT_TIMEOUT_SECONDS = env.float("PAYMENT_TIMEOUT_SECONDS", default=10.0)
# The PG's payment-window SDK (Toss Payments standard window v2); the Content-Security-Policy must
# allow its host in script-src (and the window's hosts in frame-src). DEBUG serves a stand-in.
PAYMENT_SDK_URL = env(
    "PAYMENT_SDK_URL",
    default=f"{SITE_URL}/static/js/pg-sdk-standin.js" if DEBUG else "https://js.tosspayments.com/v2/standard",
)
# Hours a virtual account (가상계좌) waits for its deposit (the window's validHours).
PAYMENT_VIRTUAL_ACCOUNT_HOURS = env.int("PAYMENT_VIRTUAL_ACCOUNT_HOURS", default=72)

# --- procurement (quotes) -------------------------------------------------------------
# A buyer whose mail is on the verified agency's own domain, and that domain ends with one of
# these, joins the agency without waiting for the operator.
PROCUREMENT_OFFICIAL_DOMAINS = tuple(env.list("PROCUREMENT_OFFICIAL_DOMAINS", default=["go.kr"]))
# Days a quote request may stay unanswered before the vendor is reminded (once).
PROCUREMENT_REMIND_AFTER_DAYS = env.int("PROCUREMENT_REMIND_AFTER_DAYS", default=3)


# --- Content-Security-Policy (django-csp) ------------------------------------------------------
# Scripts and styles come from our own static files; an inline <script>/<style> block needs the
# request's nonce (`nonce="{{ request.csp_nonce }}"`), and style="…" attributes and on…= handlers
# are not allowed at all. The payment page alone also allows the PG's SDK (PAYMENT_SDK_URL) and
# its window (PAYMENT_WINDOW_ORIGINS), added per response by orders.views.payments so a changed
# setting is followed.
# The origins the PG's payment window loads frames from and talks to (Toss Payments: its own hosts).
PAYMENT_WINDOW_ORIGINS = env.list("PAYMENT_WINDOW_ORIGINS", default=["https://*.tosspayments.com"])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# Headers set by ddasum.middleware.SecurityHeadersMiddleware and Django's SecurityMiddleware.
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Vendors photograph products with the phone's camera from our own pages; nothing else is used.
PERMISSIONS_POLICY = {
    "camera": ["self"],
    "microphone": [],
    "geolocation": [],
    "payment": ["self", *PAYMENT_WINDOW_ORIGINS],
    "usb": [],
}
