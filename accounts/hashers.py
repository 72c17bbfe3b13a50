"""Password hashing: Argon2id at OWASP's minimum cost, sized for a workshop's sign-in rush."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class HiatArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with 19 MiB of memory, 2 passes and 1 lane (OWASP's first recommended setting).

    Django's default (100 MiB, 8 lanes) is tuned for a big server. A workshop puts 200 people
    through the sign-in page within a minute on a 2-core machine: at 19 MiB each, even 50
    hashes in flight need under 1 GiB, and one lane keeps a hash on one core so the other
    core still serves pages. Raising any parameter later is safe: Django re-hashes a
    password with the new cost the next time its owner signs in (must_update).
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
