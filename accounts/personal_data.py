"""Every app that keeps a person's data registers here, so accounts can copy or delete it all.

accounts imports no other app (docs: ARCHITECTURE arrows). Instead each app that stores
personal data registers a provider from its AppConfig.ready(); "Download all your data"
and "Delete your account" ask every registered provider in turn.
"""

from typing import Protocol

from accounts.models import User


class PersonalDataProvider(Protocol):
    def describe(self, user: User) -> list[str]:
        """One plain-English line per thing that deleting the account would delete."""
        ...

    def export(self, user: User) -> dict[str, bytes]:
        """Files for the person's data ZIP: path inside the ZIP -> content."""
        ...

    def delete(self, user: User) -> None:
        """Delete everything this app keeps about the person (called inside a transaction)."""
        ...


_providers: list[PersonalDataProvider] = []


def register(provider: PersonalDataProvider) -> None:
    """Add a provider once (ready() can run more than once in tests)."""
    if not any(type(existing) is type(provider) for existing in _providers):
        _providers.append(provider)


def providers() -> tuple[PersonalDataProvider, ...]:
    return tuple(_providers)
