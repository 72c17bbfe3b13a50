from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Connects the sign-in, sign-out, failure and lockout receivers (the security log).
        from accounts import signals  # noqa: F401
