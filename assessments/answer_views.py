"""Saving one answer as JSON: the contract autosave and other programs use.

POST /assessments/<uuid>/answers/<question_key>/ with
    {"value": "<text>" or ["choice", ...], "base_version": <int>, "client_id": "<unique per edit>"}
and the CSRF token in X-CSRFToken. Every answer is JSON, never a 500:
    200 {"version", "saved_at"} (also for a client id already applied)
    409 {"error": "conflict", "version", "value", "updated_by", "updated_at"}
    400 / 413 {"error": "<a message a person can read>"}
    401 signed out, 403 a viewer, 404 no role on the assessment (or no such assessment)
"""

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from assessments import presenters, progress, services
from assessments.access import Action, get_assessment_for
from assessments.answer_types import AnswerValue, rules_for
from assessments.models import ANSWER_MAX_LENGTH, Answer, Assessment
from toolkit_content.models import Question

# The longest valid body: an answer at the character limit, every character written as a
# JSON escape of a surrogate pair (12 bytes), plus room for the other members.
MAX_BODY_BYTES = ANSWER_MAX_LENGTH * 12 + 16_384
CLIENT_ID_MAX_LENGTH = 100
# A value over these limits is "too large" (413) rather than merely invalid (400).
_TOO_LARGE_CODES = frozenset({"max_length", "max_lines"})


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def _error(message: str, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _question(assessment: Assessment, key: str) -> Question:
    question = progress.question_by_key(assessment, key)
    if question is None:
        raise BadRequest("This assessment has no such question. Reload the page and try again.")
    return question


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise BadRequest("This answer is too long to save. Shorten it and try again.", 413)
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The save could not be read. Reload the page and try again.") from None
    if not isinstance(body, dict) or "value" not in body:
        raise BadRequest("The save had no answer in it. Reload the page and try again.")
    return body


def _base_version(body: dict[str, Any]) -> int:
    base = body.get("base_version")
    if isinstance(base, bool) or not isinstance(base, int) or base < 0:
        raise BadRequest("The save did not say which version it started from. Reload the page and try again.")
    return base


def _client_id(body: dict[str, Any]) -> str:
    client_id = body.get("client_id", "")
    if not isinstance(client_id, str) or len(client_id) > CLIENT_ID_MAX_LENGTH or not client_id.isprintable():
        raise BadRequest("The save had a client id that is not valid. Reload the page and try again.")
    return client_id


def _value(question: Question, raw: object) -> AnswerValue:
    try:
        return rules_for(question).validate_value(question, raw)
    except ValidationError as error:
        status = 413 if any(e.code in _TOO_LARGE_CODES for e in error.error_list) else 400
        raise BadRequest(error.messages[0], status) from None


def _conflict(conflict: services.Conflict) -> JsonResponse:
    newer = Answer(text=conflict.text, selected=conflict.selected)
    return JsonResponse(
        {
            "error": "conflict",
            "version": conflict.version,
            "value": rules_for(conflict.question).initial(newer),
            "updated_by": presenters.person_name(conflict.updated_by),
            "updated_at": conflict.updated_at.isoformat(),
        },
        status=409,
    )


@never_cache
@require_POST
def answer_save(request: HttpRequest, pk: str, question_key: str) -> JsonResponse:
    if not request.user.is_authenticated:
        # Not a redirect: the page keeps the text and offers to sign in again.
        return _error("You have been signed out. Sign in again to save your answer.", 401, sign_in_url=reverse("login"))
    try:
        assessment, _role = get_assessment_for(request.user, pk, Action.EDIT)
        question = _question(assessment, question_key)
        body = _body(request)
        base_version, client_id = _base_version(body), _client_id(body)
        value = _value(question, body["value"])
        saved = services.answer_save(
            assessment=assessment,
            question=question,
            value=value,
            base_version=base_version,
            user=request.user,
            client_id=client_id,
        )
    except Http404:
        return _error("There is no such assessment, or it has not been shared with you.", 404)
    except PermissionDenied:
        return _error("You can read this assessment but not change it. Ask its owner to make you an editor.", 403)
    except BadRequest as bad:
        return _error(bad.message, bad.status)
    except services.AnswerConflict as refused:
        return _conflict(refused.conflict)
    return JsonResponse({"version": saved.version, "saved_at": saved.saved_at.isoformat()})
