"""Passwords are stored with Argon2id; older PBKDF2 hashes are upgraded when their owner signs in."""

from django.contrib.auth.hashers import identify_hasher, make_password
from django.test import override_settings
from django.urls import reverse

from accounts.hashers import HiatArgon2PasswordHasher
from accounts.models import User
from tests.conftest import PASSWORD

PRODUCTION_HASHERS = [
    "accounts.hashers.HiatArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def test_production_settings_hash_with_argon2_first_and_keep_pbkdf2():
    from hiat_site import settings as production

    assert production.PASSWORD_HASHERS == PRODUCTION_HASHERS


def test_argon2_parameters_are_at_least_owasps_minimum():
    hasher = HiatArgon2PasswordHasher()
    params = hasher.params()
    assert params.memory_cost >= 19_456 and params.time_cost >= 2 and params.parallelism >= 1
    assert params.type.name == "ID"


@override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS)
def test_a_pbkdf2_hash_is_upgraded_to_argon2_on_sign_in(client, db):
    user = User.objects.create_user("old@example.org", None, display_name="Old Hash")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save()
    assert user.password.startswith("pbkdf2_sha256$")

    response = client.post(reverse("login"), {"username": "old@example.org", "password": PASSWORD})
    assert response.status_code == 302

    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert "m=19456,t=2,p=1" in user.password
    assert isinstance(identify_hasher(user.password), HiatArgon2PasswordHasher)
    assert user.check_password(PASSWORD)


@override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS)
def test_new_accounts_get_an_argon2_hash(client, db):
    client.post(
        reverse("signup"),
        {"display_name": "Ola", "email": "ola@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert User.objects.get().password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_password_equal_to_the_display_name_is_refused_at_sign_up(client, db):
    name = "Marigold Featherstone"
    response = client.post(
        reverse("signup"),
        {"display_name": name, "email": "m@example.org", "password1": name, "password2": name},
    )
    assert response.status_code == 200
    assert "The password is too similar to the name." in response.content.decode()
    assert not User.objects.exists()
