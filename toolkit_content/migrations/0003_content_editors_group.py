"""The "Content editors" group: every permission on toolkit content, and nothing else.

Its members, made staff, edit, check and publish toolkit content in the admin; they have no
permission on assessments, answers or accounts, so the admin refuses those pages (403).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Content editors"


def create_group(apps, schema_editor):
    # Permissions are normally made after all migrations have run; make this app's now, so
    # that the group gets them on a fresh database too.
    app_config = apps.get_app_config("toolkit_content")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.set(Permission.objects.filter(content_type__app_label="toolkit_content"))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("toolkit_content", "0002_published_versions_frozen_and_publish_permission"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
