"""The trainer's pages. Each starts with get_workshop_for() (or require_trainer() for the list
and "Create a workshop"), naming its action; anyone but the workshop's trainer gets a 404."""

import csv
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_http_methods, require_safe

from accounts.http import AuthenticatedRequest
from assessments.progress import question_in_version
from hiat_site.forms import creation_token_of
from toolkit_content.models import Question
from workshops import presenters, services
from workshops.access import WorkshopAction, get_workshop_for, require_trainer, workshops_visible_to
from workshops.forms import CloseForm, DeleteForm, WorkshopForm
from workshops.models import ReportsZip, Workshop
from workshops.qr import qr_svg
from workshops.tasks import reports_zip_request

# How often the dashboard's script asks whether anything changed (static/js/workshop-dashboard.js).
DASHBOARD_POLL_SECONDS = 3


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


@login_required
@require_safe
def workshop_list(request: AuthenticatedRequest) -> HttpResponse:
    require_trainer(request.user)
    workshops = list(workshops_visible_to(request.user).order_by("-starts_at", "-pk")[:200])
    return render(request, "workshops/list.html", {"workshops": workshops})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def workshop_new(request: AuthenticatedRequest) -> HttpResponse:
    require_trainer(request.user)
    form = WorkshopForm(request.POST if request.method == "POST" else None, trainer=request.user)
    token = creation_token_of(request)
    if request.method == "POST" and form.is_valid():
        workshop = services.workshop_create(
            trainer=request.user,
            details=form.workshop_details(),
            group_names=form.cleaned_data["group_names"],
            creation_token=token,
        )
        messages.success(request, f"Workshop “{workshop.name}” created. Show this page to the room so people can join.")
        return redirect("workshop_dashboard", workshop_id=workshop.pk)
    return render(request, "workshops/new.html", {"form": form, "creation_token": token or uuid.uuid4()})


def _progress_context(workshop: Workshop) -> dict[str, object]:
    return {"workshop": workshop, "dashboard": presenters.dashboard(workshop)}


@login_required
@require_safe
def workshop_dashboard(request: AuthenticatedRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_id, WorkshopAction.VIEW)
    join_url = request.build_absolute_uri(presenters.join_url_path(workshop))
    code = presenters.shown_code(workshop)
    context = _progress_context(workshop) | {
        "code": code,
        "join_url": join_url,
        "join_page_url": request.build_absolute_uri(reverse("join")),
        "qr": qr_svg(join_url, label=f"QR code for the link to join this workshop, with the code {code}"),
        "questions": presenters.question_links(workshop),
        "poll_seconds": DASHBOARD_POLL_SECONDS,
        "etag": presenters.dashboard_etag(workshop),
    }
    return render(request, "workshops/dashboard.html", context)


@login_required
@require_safe
def workshop_progress(request: AuthenticatedRequest, workshop_id: int) -> HttpResponse:
    """The dashboard's progress table alone, for its script: 304 while nothing has changed."""
    workshop = get_workshop_for(request.user, workshop_id, WorkshopAction.VIEW)
    etag = presenters.dashboard_etag(workshop)
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is None:
        response = render(request, "workshops/includes/progress.html", _progress_context(workshop))
    else:
        response = not_modified
    response["ETag"] = etag
    # Revalidate every time (never served stale), but let the browser keep it for the 304.
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _question(workshop: Workshop, key: str) -> Question:
    question = question_in_version(workshop.toolkit_version_id, key)
    if question is None:
        raise Http404("No such question.")
    return question


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def workshop_question(request: AuthenticatedRequest, workshop_id: int, question_key: str) -> HttpResponse:
    """Side by side: everyone's answer to one question, for the projector, once revealed."""
    action = WorkshopAction.MANAGE if request.method == "POST" else WorkshopAction.VIEW
    workshop = get_workshop_for(request.user, workshop_id, action)
    question = _question(workshop, question_key)
    if request.method == "POST":
        choice = request.POST.get("do", "")
        if choice in ("reveal", "hide"):
            services.answers_reveal(workshop=workshop, question_key=question.key, revealed=choice == "reveal")
        elif choice in ("names", "no_names"):
            services.names_show(workshop=workshop, show=choice == "names")
        else:
            messages.error(request, "Choose what to do: reveal or hide the answers, or show or hide names.")
        return redirect("workshop_question", workshop_id=workshop.pk, question_key=question.key)
    revealed = question.key in workshop.revealed
    context = {
        "workshop": workshop,
        "question": question,
        "revealed": revealed,
        "side_by_side": presenters.side_by_side(workshop, question, names=workshop.show_names) if revealed else None,
        "code": presenters.shown_code(workshop),
    }
    return render(request, "workshops/question.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_safe
def workshop_answers_csv(request: AuthenticatedRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_id, WorkshopAction.VIEW)
    writer = csv.writer(_Echo())
    # A byte-order mark first, so spreadsheet programs read the names and answers as UTF-8.
    body = "\ufeff" + "".join(writer.writerow(row) for row in presenters.csv_rows(workshop))
    response = HttpResponse(body.encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="workshop-{workshop.pk}-answers.csv"'
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_safe
def workshop_reports_zip(request: AuthenticatedRequest, workshop_id: int) -> HttpResponse:
    """The ZIP of every report, once the worker has put it together; until then, 303 to the page saying so."""
    workshop = get_workshop_for(request.user, workshop_id, WorkshopAction.VIEW)
    made = reports_zip_request(workshop)
    if made.status != ReportsZip.Status.READY:
        return _see_other(reverse("workshop_reports_preparing", args=[workshop.pk]))
    content = bytes(ReportsZip.objects.filter(pk=made.pk).values_list("content", flat=True).get())
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="workshop-{workshop.pk}-reports.zip"'
    patch_cache_control(response, private=True, no_store=True)
    return response


def _latest_zip(workshop: Workshop) -> ReportsZip | None:
    return ReportsZip.objects.defer("content").filter(workshop=workshop).order_by("-created_at").first()


@login_required
@require_safe
def workshop_reports_preparing(request: AuthenticatedRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_id, WorkshopAction.VIEW)
    made = _latest_zip(workshop)
    if made is None:
        return redirect("workshop_reports_zip", workshop_id=workshop.pk)
    if made.status == ReportsZip.Status.READY:
        return redirect("workshop_reports_zip", workshop_id=workshop.pk)
    context = {
        "workshop": workshop,
        "made": made,
        "download_url": reverse("workshop_reports_zip", args=[workshop.pk]),
        "status_url": reverse("workshop_reports_status", args=[workshop.pk]),
    }
    return render(request, "workshops/reports_preparing.html", context, status=503 if made.status == "failed" else 200)


@login_required
@require_safe
def workshop_reports_status(request: AuthenticatedRequest, workshop_id: int) -> JsonResponse:
    """Where the ZIP stands, for the preparing page's script (static/js/report-preparing.js)."""
    workshop = get_workshop_for(request.user, workshop_id, WorkshopAction.VIEW)
    made = _latest_zip(workshop)
    if made is None:
        return JsonResponse({"status": "failed", "waiting": False})
    progress = f"{made.done} of {made.total} reports ready." if made.total else ""
    status = {"waiting": "queued", "ready": "ready", "failed": "failed"}[made.status]
    return JsonResponse({"status": status, "waiting": status == "queued", "progress": progress})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def workshop_close(request: AuthenticatedRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_id, WorkshopAction.MANAGE)
    initial = {"read_only": "yes" if workshop.closed_read_only else "no"} if workshop.closed_at else {}
    form = CloseForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        read_only = form.cleaned_data["read_only"]
        services.workshop_close(workshop=workshop, read_only=read_only)
        made = "read-only" if read_only else "still editable"
        messages.success(request, f"The workshop is closed: nobody new can join. Participants' assessments are {made}.")
        return redirect("workshop_dashboard", workshop_id=workshop.pk)
    return render(request, "workshops/close.html", {"workshop": workshop, "form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def workshop_delete(request: AuthenticatedRequest, workshop_id: int) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_id, WorkshopAction.DELETE)
    plan = services.deletion_plan(workshop)
    form = DeleteForm(request.POST if request.method == "POST" else None, initial={"plan": plan.digest})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.workshop_delete(
                workshop=workshop, shown_digest=form.cleaned_data["plan"], site_url=_site_url(request)
            )
        except services.PlanChanged:
            messages.error(request, "Something changed since this page was shown. Check the list again.")
            return redirect("workshop_delete", workshop_id=workshop.pk)
        messages.success(request, f"The workshop “{workshop.name}” and its data have been deleted.")
        return redirect("workshop_list")
    if request.method == "POST":
        status = 400
    return render(request, "workshops/delete.html", {"workshop": workshop, "plan": plan, "form": form}, status=status)
