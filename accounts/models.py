"""People who use the service. Email is the login; see docs/adr/0002-custom-user-model.md."""

import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> "User":
        # Addresses are stored lower-cased (User.save), so "Alice@NHS.net " signs in as
        # alice@nhs.net. The match is exact on Python's lower-casing, the same the sign-in
        # throttle counts by: PostgreSQL's case-insensitive match would also take "alıce"
        # (dotless i) for "alice", a second spelling with a lockout count of its own.
        return self.get(email=(username or "").strip().lower())


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", unique=True, max_length=254)
    display_name = models.CharField("name", max_length=150)
    is_staff = models.BooleanField("staff status", default=False, help_text="Can sign in to the admin site.")
    is_active = models.BooleanField("active", default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Part of the session hash: a new value ends every session ("sign out everywhere").
    # Empty for accounts that never used it, so their sessions survive this field's arrival.
    session_salt = models.CharField(max_length=64, blank=True, default="", editable=False)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # One spelling of each address, whatever path created or changed the account (the
        # sign-up form, the admin, a command): sign-in and throttling rely on it.
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django checks each session against this hash of the password; adding the salt
        # lets "sign out everywhere" end every session without touching the password.
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        value = self.password + (f":{self.session_salt}" if self.session_salt else "")
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class SecurityEvent(models.Model):
    """One line of the security log: who signed in, failed, reset, changed or deleted what.

    Rows are written only by accounts.security_log.security_event_record, never store a
    password or a token, and are deleted after SECURITY_LOG_RETENTION_DAYS
    (manage.py purge_security_log).
    """

    class Kind(models.TextChoices):
        # The stored values are stable: log searches and retention rules depend on them.
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        LOCKED_OUT = "locked_out", "Locked out"
        RESET_REQUESTED = "reset_requested", "Password reset requested"
        RESET_COMPLETED = "reset_completed", "Password reset completed"
        SIGN_OUT = "sign_out", "Signed out"
        SIGN_OUT_EVERYWHERE = "sign_out_everywhere", "Signed out everywhere"
        NAME_CHANGED = "name_changed", "Name changed"
        EMAIL_CHANGED = "email_changed", "Email address changed"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        ACCOUNT_DELETED = "account_deleted", "Account deleted"
        # A superuser opened someone's assessment (or the list of them) in the admin, for support.
        ADMIN_VIEWED_ASSESSMENT = "admin_viewed_assessment", "Assessment viewed in the admin"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    # Kept when the account is deleted (SET_NULL): the email column keeps the audit trail.
    user = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    email = models.CharField("email as typed", max_length=254, blank=True)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "email", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.email} {self.created_at:%Y-%m-%d %H:%M}"


class DataExport(models.Model):
    """A ZIP of everything a person keeps here, built by the worker, kept for a day."""

    class Status(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    content = models.BinaryField(blank=True, default=b"", editable=False)
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"Data export {self.pk} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at
