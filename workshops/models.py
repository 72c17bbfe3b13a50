"""Workshops: a trainer's session for a room of people, who join with a short code.

A workshop belongs to one trainer. Each person who joins has a Participant row; in
individual mode it points at their own assessment, in group mode at their group's, which
all the group's members edit. The assessments themselves are ordinary ones
(assessments.models.Assessment): workshops depends on assessments, never the other way.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from assessments.models import Assessment
from toolkit_content.models import ToolkitVersion

TRAINERS_GROUP = "Trainers"
CAPACITY_MAX = 500
GROUPS_MAX = 40


class Workshop(models.Model):
    class Mode(models.TextChoices):
        INDIVIDUAL = "individual", "Individual: everyone works on their own assessment"
        GROUPS = "groups", "Groups: each group works on one assessment together"

    trainer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshops")
    name = models.CharField(max_length=200)
    starts_at = models.DateTimeField("date and time")
    description = models.TextField(blank=True)
    # PROTECT: the workshop's assessments are on this version, which can never be deleted from under them.
    toolkit_version = models.ForeignKey(ToolkitVersion, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.INDIVIDUAL)
    # An assessment the trainer owns, copied for each participant or group as they start.
    case_study = models.ForeignKey(Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(CAPACITY_MAX)])
    # Stored without the separator it is shown with (workshops/codes.py).
    join_code = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Chosen at closing: participants' assessments became read-only (else they stay editable).
    closed_read_only = models.BooleanField(default=False)
    # Side by side: the question keys whose answers the trainer has revealed, and whether
    # the projector shows who wrote each answer.
    revealed = models.JSONField(default=list, blank=True)
    show_names = models.BooleanField(default=False)
    # The random token of the "Create a workshop" page: submitted twice, it makes one workshop.
    creation_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["trainer", "creation_token"], name="one_workshop_per_creation_token")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class WorkshopGroup(models.Model):
    """A group the trainer named; its assessment is made when its first member joins."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField()
    assessment = models.OneToOneField(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="workshop_group"
    )

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["workshop", "name"], name="one_group_name_per_workshop")]

    def __str__(self) -> str:
        return self.name


class Participant(models.Model):
    """Someone who joined a workshop, with the assessment they work on there."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations")
    group = models.ForeignKey(WorkshopGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="members")
    assessment = models.ForeignKey(Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The account was made by joining (no email or password given). Such accounts are
    # deleted with the workshop unless their owner has added an email and password since.
    guest = models.BooleanField(default=False)
    # A guest's way back in from the browser they joined on, after their session ends: the
    # SHA-256 of a random key kept in a cookie there (workshops/services.py, guest_return).
    browser_key_hash = models.CharField(max_length=64, blank=True, editable=False)
    joined_at = models.DateTimeField(default=timezone.now)
    # The token of the join page a guest submitted (hiat_site.forms.CREATION_TOKEN_INPUT):
    # the same page sent again while the first answer is still on its way (a double click
    # on a slow network) finds this place instead of making a second guest.
    creation_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user"], name="one_participation_per_person"),
            models.UniqueConstraint(fields=["workshop", "creation_token"], name="one_place_per_join_page"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.workshop_id}"


class JoinCodeFailure(models.Model):
    """A join code typed that matched no workshop: counted per address to slow down guessing.

    Rows older than the throttle window are deleted as new ones are written.
    """

    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["ip_address", "created_at"])]

    def __str__(self) -> str:
        return f"{self.ip_address} {self.created_at:%H:%M:%S}"


class ReportsZip(models.Model):
    """A ZIP of every workshop assessment's PDF report, put together by the worker."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for reports"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="reports_zips")
    # What the ZIP shows: the assessments and their revisions when it was asked for.
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.WAITING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    content = models.BinaryField(blank=True, default=b"", editable=False)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Reports ZIP {self.pk} ({self.status})"
