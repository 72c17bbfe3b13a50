"""The "Trainers" group: membership, granted in the admin, is what makes someone a trainer."""

from django.db import migrations

TRAINERS_GROUP = "Trainers"


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name=TRAINERS_GROUP)


def remove_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=TRAINERS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("workshops", "0001_workshops_participants_and_join_codes"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
