"""A trainer's read-only access to the assessments made in their workshops leaves their
"Your assessments" list (assessments.Membership.listed)."""

from django.db import migrations


def unlist_trainer_access(apps, schema_editor):
    Membership = apps.get_model("assessments", "Membership")
    Participant = apps.get_model("workshops", "Participant")
    WorkshopGroup = apps.get_model("workshops", "WorkshopGroup")
    made_in_workshops = [
        *Participant.objects.filter(assessment__isnull=False).values_list("assessment_id", "workshop__trainer_id"),
        *WorkshopGroup.objects.filter(assessment__isnull=False).values_list("assessment_id", "workshop__trainer_id"),
    ]
    for assessment_id, trainer_id in set(made_in_workshops):
        Membership.objects.filter(assessment_id=assessment_id, user_id=trainer_id, role="viewer").update(listed=False)


def list_again(apps, schema_editor):
    apps.get_model("assessments", "Membership").objects.update(listed=True)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0010_membership_listed"),
        ("workshops", "0002_trainers_group"),
    ]

    operations = [migrations.RunPython(unlist_trainer_access, list_again)]
