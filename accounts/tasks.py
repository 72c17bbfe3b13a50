"""Account work done by the background worker, never in a web request."""

import io
import json
import zipfile

from django.contrib.auth import forms as auth_forms
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from accounts import personal_data
from accounts.models import DataExport, SecurityEvent, User

RESET_SUBJECT_TEMPLATE = "accounts/email/password_reset_subject.txt"
RESET_BODY_TEMPLATE = "accounts/email/password_reset.txt"
CHANGE_SUBJECT_TEMPLATE = "accounts/email/account_changed_subject.txt"
CHANGE_BODY_TEMPLATE = "accounts/email/account_changed.txt"
SECURITY_LOG_IN_EXPORT = 1000


@task()
def send_password_reset(*, email: str, domain: str, use_https: bool) -> None:
    """Email a reset link to the active account with this address, if there is one.

    The web request only queues this, for any address, so a reset for a real account and
    one for an unknown address take the same time: the response does not tell them apart.
    """
    form = auth_forms.PasswordResetForm(data={"email": email})
    if form.is_valid():
        form.save(
            domain_override=domain,
            use_https=use_https,
            subject_template_name=RESET_SUBJECT_TEMPLATE,
            email_template_name=RESET_BODY_TEMPLATE,
        )


@task()
def send_account_change_notice(
    *, to: str, account: str, change: str, new_email: str, when: str, domain: str, use_https: bool
) -> None:
    """Tell the person that their email address or password changed, in case it was not them.

    A change of address is sent to the old address, which a thief cannot read.
    """
    context = {
        "change": change,
        "account": account,
        "new_email": new_email,
        "when": when,
        "domain": domain,
        "protocol": "https" if use_https else "http",
    }
    subject = "".join(render_to_string(CHANGE_SUBJECT_TEMPLATE, context).splitlines())
    send_mail(subject, render_to_string(CHANGE_BODY_TEMPLATE, context), None, [to])


@task()
def build_data_export(*, export_id: str) -> None:
    """Build the person's data ZIP: account.json plus every registered app's files."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.PENDING:
        return  # deleted with its account meanwhile, or already built
    try:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("account.json", json.dumps(_account_data(export.user), indent=2, ensure_ascii=False))
            for provider in personal_data.providers():
                for name, content in provider.export(export.user).items():
                    archive.writestr(name, content)
    except Exception:
        export.status = DataExport.Status.FAILED
        export.save(update_fields=["status"])
        raise
    export.content = buffer.getvalue()
    export.size = len(export.content)
    export.status = DataExport.Status.READY
    export.save(update_fields=["content", "size", "status"])
    # The privacy notice promises the file is deleted when it expires, not when someone
    # next asks for one: the worker runs this at the expiry time.
    delete_data_export.using(run_after=export.expires_at).enqueue(export_id=str(export.pk))


@task()
def delete_data_export(*, export_id: str) -> None:
    DataExport.objects.filter(pk=export_id).delete()


def _account_data(user: User) -> dict[str, object]:
    events = SecurityEvent.objects.filter(user=user).order_by("-created_at")[:SECURITY_LOG_IN_EXPORT]
    return {
        "format": "hiat-account-export/1",
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "name": user.display_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "security_log": [
            {
                "when": event.created_at.isoformat(),
                "what": event.get_kind_display(),
                "ip_address": event.ip_address,
                "browser": event.user_agent,
            }
            for event in events
        ],
    }
