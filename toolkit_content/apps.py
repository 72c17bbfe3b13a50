from django.apps import AppConfig


class ToolkitContentConfig(AppConfig):
    name = "toolkit_content"
    verbose_name = "Toolkit content"
