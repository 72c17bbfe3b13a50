"""Assessments, their answers and which sections are complete.

Progress is data: Answer rows and SectionCompletion rows, read by assessments.progress,
never worked out in templates.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from toolkit_content.models import Question, Section, ToolkitVersion

ANSWER_MAX_LENGTH = 20_000
# The most lines (blank ones included) one answer or project detail may have. A long real
# answer is 10 to 60 paragraphs with a blank line between each (20 to 120 lines), or a
# list of a few dozen items; 400 lines leaves room for the longest of them. Without a
# limit, text within the character limit could be 10,000 one-character lines: about 200
# printed pages for each answer. The report's page budget (assessments/report_size.py) is
# measured against the largest assessment within both limits.
ANSWER_MAX_LINES = 400
# The team's summary of findings, printed first in the report: three short answers a
# funding panel reads before anything else, so each is kept to a paragraph or two.
SUMMARY_MAX_LENGTH = 1_500
SUMMARY_MAX_LINES = 30


class Role(models.TextChoices):
    """A person's role on an assessment (what each may do: assessments.access.PERMISSIONS)."""

    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


class WorkType(models.TextChoices):
    EVALUATION = "evaluation", "Evaluation of an intervention or new service model"
    IMPLEMENTATION = "implementation", "Implementation project"
    EVIDENCE_REVIEW = "evidence_review", "Systematic evidence review"
    CAPACITY_BUILDING = "capacity_building", "Capacity-building activity (for example training)"
    APPLIED_RESEARCH = "applied_research", "Applied research"
    SERVICE_CHANGE = "service_change", "Service change"
    POLICY = "policy", "Policy or strategy"
    OTHER = "other", "Other"


class PublicAdvisers(models.TextChoices):
    YES = "yes", "Yes"
    PLANNED = "planned", "Not yet, but we plan to involve them"
    NO = "no", "No"


class Assessment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assessments")
    # PROTECT: a toolkit version with assessments on it can never be deleted from under them.
    toolkit_version = models.ForeignKey(ToolkitVersion, on_delete=models.PROTECT, related_name="assessments")

    title = models.CharField(max_length=200)
    organisation = models.CharField("organisation(s)", max_length=300)
    work_type = models.CharField("type of work", max_length=30, choices=WorkType.choices)
    work_type_other = models.CharField("other type of work", max_length=200, blank=True)
    description = models.TextField(blank=True)
    population_and_place = models.TextField("population and place", blank=True)
    lead_and_team = models.TextField("lead and team", blank=True)
    public_advisers = models.CharField(
        "public advisers involved", max_length=10, choices=PublicAdvisers.choices, blank=True
    )
    start_date = models.DateField(null=True, blank=True)
    review_date = models.DateField("planned review date", null=True, blank=True)

    # "Summarise your findings" (assessments.forms.SummaryForm): printed first in the report.
    summary_inequalities = models.TextField("main inequalities found", blank=True)
    summary_changes = models.TextField("what the work will change", blank=True)
    summary_uncertainties = models.TextField("what is still uncertain", blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every service that changes what the report shows; cached reports key on it.
    revision = models.PositiveIntegerField(default=1)
    # The random token of the "Start a new assessment" page that created it: the same page
    # submitted twice (a double click, a retried request) makes one assessment, not two.
    creation_token = models.UUIDField(null=True, blank=True, editable=False)
    # True while a settled render of this assessment is queued in the worker: the changes
    # made meanwhile wait for that one task (which reschedules itself until edits settle)
    # instead of each queuing their own (assessments/tasks.py, render_settled).
    settled_render_queued = models.BooleanField(default=False, editable=False)
    # Nobody may change it, whatever their role (assessments.access): set when a workshop it
    # was made in closes with participants' work made read-only.
    read_only = models.BooleanField(default=False)

    # The project details: asked on the "Project details" page and carried into a copy.
    DETAILS = (
        "title",
        "organisation",
        "work_type",
        "work_type_other",
        "description",
        "population_and_place",
        "lead_and_team",
        "public_advisers",
        "start_date",
        "review_date",
    )

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["owner", "-updated_at"])]
        constraints = [
            models.UniqueConstraint(fields=["owner", "creation_token"], name="one_assessment_per_creation_token")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def work_type_label(self) -> str:
        if self.work_type == WorkType.OTHER and self.work_type_other:
            return f"Other: {self.work_type_other}"
        return self.get_work_type_display()


# The summary of findings, in the order the page asks and the report prints them.
SUMMARY_FIELDS = ("summary_inequalities", "summary_changes", "summary_uncertainties")


class Answer(models.Model):
    """The current answer to one question. Only assessments.services writes it.

    `question` is a question of the assessment's own toolkit version, except for an answer
    kept when the assessment moved to a newer version that has no question it fits: it
    stays with the question as it was asked (published versions never change and cannot be
    deleted while answered), and is shown under "Answers to questions no longer in the
    toolkit" (assessments/version_move.py).

    `version` counts the saves that changed it (1 after the first). A save names the
    version it started from and is refused when that is no longer the stored one, so
    nobody's text is overwritten unseen; every change is kept in AnswerRevision.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField(blank=True)
    selected = models.JSONField(default=list, blank=True, help_text="Chosen values for choice questions.")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "question"], name="one_answer_per_question")]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.question.key}"


class AnswerRevision(models.Model):
    """One entry in an answer's history: who changed it, when, and to what.

    Entries are only ever added, except that one person's saves within a minute of the
    entry's start are folded into it (autosave would otherwise add one every few seconds).
    `version` is the answer's version after the last save folded in.
    """

    class Kind(models.TextChoices):
        EDIT = "edit", "Edited"
        RESTORE = "restore", "Restored an earlier version"
        # The assessment moved to a newer toolkit version (assessments/version_move.py):
        # the answer now answers that version's question with the same key ...
        MOVE = "move", "Carried over to a newer toolkit version"
        # ... or that version has no question it fits, so it stays with the question as asked.
        KEPT = "kept", "Kept when the assessment moved to a newer toolkit version"

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EDIT)
    # For a restore: the version whose text was brought back.
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    # For a move (or an answer kept by one): the toolkit version the assessment moved to.
    toolkit_version = models.ForeignKey(
        ToolkitVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)
    selected = models.JSONField(default=list, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    started_at = models.DateTimeField()
    saved_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["answer", "version"], name="one_revision_per_version")]

    def __str__(self) -> str:
        return f"{self.answer_id} v{self.version}"


class AnswerSaveReceipt(models.Model):
    """A save already applied, by the client id its sender gave it.

    A browser that lost the response to a save sends it again with the same client id; the
    receipt answers it with the version it made, and nothing is written twice.
    """

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="+")
    client_id = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["answer", "client_id"], name="one_receipt_per_client_id")]

    def __str__(self) -> str:
        return f"{self.answer_id} {self.client_id}"


class SectionCompletionQuerySet(models.QuerySet["SectionCompletion"]):
    def current(self) -> "SectionCompletionQuerySet":
        """Completions not since reopened: the sections that are complete now."""
        return self.filter(reopened_at__isnull=True)


class SectionCompletion(models.Model):
    """A time a section was marked complete, until it was reopened (if it has been).

    Rows are never deleted: reopening a section fills in `reopened_at`, and completing it
    again adds a new row, so the record of who completed and reopened it when is kept.
    A section is complete while it has a row that has not been reopened.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="completions")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(auto_now_add=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SectionCompletionQuerySet.as_manager()

    class Meta:
        ordering = ["completed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "section"],
                condition=models.Q(reopened_at__isnull=True),
                name="one_open_completion_per_section",
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} section {self.section_id} completed"


class Membership(models.Model):
    """Someone on an assessment's team besides its owner (the owner is Assessment.owner)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=[(Role.EDITOR, Role.EDITOR.label), (Role.VIEWER, Role.VIEWER.label)])
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # In the person's "Your assessments". Off for a trainer's read-only access to the
    # assessments made in their workshop: they follow those on the workshop's dashboard, and
    # a room of 200 would otherwise bury their own work.
    listed = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "user"], name="one_membership_per_person"),
            models.CheckConstraint(condition=models.Q(role__in=["editor", "viewer"]), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} on {self.assessment_id}"


class Invitation(models.Model):
    """An invitation to join an assessment's team, for an address with no account yet.

    The emailed link carries a random token; only its SHA-256 is stored, so a copy of the
    database cannot be used to join teams. It works once, until it expires or is revoked.
    Signing up with the invited address accepts it too.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=10, choices=[(Role.EDITOR, Role.EDITOR.label), (Role.VIEWER, Role.VIEWER.label)])
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return f"{self.email} invited to {self.assessment_id}"

    @property
    def is_open(self) -> bool:
        """Not yet used, withdrawn or expired: the link still works."""
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class ReportRender(models.Model):
    """One file made from an assessment's report: a PDF or a Word copy of one revision.

    Made only by the worker (assessments/tasks.py). There is one row per assessment, kind,
    revision, layout version and day (the file carries the date it was made): the unique
    constraint is what makes any number of clicks on one revision queue one render. The
    file is kept here, in PostgreSQL, so every app host serves what any worker made
    (docs/adr/0012-report-rendering-in-the-worker.md).
    """

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word document"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        TOO_LONG = "too_long", "Too long"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="renders")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    revision = models.PositiveIntegerField()
    layout_version = models.CharField(max_length=20)
    made_on = models.DateField(help_text="The date the file carries on its cover and in its name.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    content = models.BinaryField(blank=True, default=b"", editable=False)
    size = models.PositiveIntegerField(default=0)
    # The PDF's pages; for a report refused by the page budget, the pages it would have had.
    pages = models.PositiveIntegerField(null=True, blank=True)
    # What refused it: "pages" (estimated or laid out), "cpu", "memory" or "time".
    refused_by = models.CharField(max_length=10, blank=True)
    pages_estimated = models.BooleanField(default=False)
    # The background task that will make it, so one that was lost can be replaced.
    task_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    cpu_seconds = models.FloatField(null=True, blank=True)
    peak_memory_mb = models.PositiveIntegerField(null=True, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "kind", "revision", "layout_version", "made_on"], name="one_render_per_revision"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.assessment_id} revision {self.revision} ({self.status})"
