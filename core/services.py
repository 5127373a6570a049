"""Writes that belong to no single app."""

import secrets

from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token


def demo_user_ensure(*, username: str) -> tuple[User, Token, str]:
    """Create (once) a local user with an API token; give it a new random password."""
    user, _created = User.objects.get_or_create(username=username)
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.save(update_fields=["password"])
    token, _ = Token.objects.get_or_create(user=user)
    return user, token, password
