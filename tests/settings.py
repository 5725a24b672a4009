"""The settings the test suite runs with: the project's own, with a fast password hasher.

Django's PBKDF2 takes about 0.3 s a hash by design; the suite makes well over a thousand
users. Production keeps Django's default hashers (``tests/test_settings.py`` checks it).
"""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
