"""Who may find what: access rules by folder, read into a scope, and granted or revoked."""

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput
from core.memo import ExpiringMemo
from indexer.models import AccessRule
from indexer.validators import folder_path, validate_file_path

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True, slots=True)
class AccessScope:
    """The folders whose files a user may find: None for every folder, () for none."""

    prefixes: tuple[str, ...] | None

    @property
    def unrestricted(self) -> bool:
        return self.prefixes is None

    @property
    def key(self) -> str:
        """Name the scope for cache keys: equal scopes share cached answers, others never."""
        if self.prefixes is None:
            return "all"
        return hashlib.sha256("\0".join(self.prefixes).encode()).hexdigest()[:32]

    def allows(self, path: str) -> bool:
        """Tell whether the file at `path` is in the scope."""
        if self.prefixes is None:
            return True
        return any(is_within(path, folder) for folder in self.prefixes)


EVERYTHING = AccessScope(None)
NOTHING = AccessScope(())


def is_within(path: str, folder: str) -> bool:
    """Tell whether `path` is the folder or lies under it: /a/b is within /a, /ab is not."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def access_scope(user: User) -> AccessScope:
    """Read the user's scope from the rules naming them or their groups.

    Superusers see every folder, and staff too unless ACCESS_STAFF_SEES_ALL is off; a user
    whom no rule names gets SEARCH_DEFAULT_ACCESS.
    """
    if not user.is_authenticated:
        return NOTHING
    if getattr(user, "is_superuser", False) or (
        getattr(user, "is_staff", False) and settings.ACCESS_STAFF_SEES_ALL
    ):
        return EVERYTHING
    paths = AccessRule.objects.filter(_naming(user)).values_list("path", flat=True)
    prefixes = outermost(set(paths))
    if not prefixes and settings.SEARCH_DEFAULT_ACCESS == "all":
        return EVERYTHING
    return AccessScope(prefixes)


class ScopeMemo:
    """Each user's scope, read at most every INDEX_CHECK_INTERVAL seconds per process.

    A grant or a revocation made elsewhere applies within that interval, as a new index
    generation does; one made in this process applies at once (see `forget`).
    """

    def __init__(self) -> None:
        self._known: ExpiringMemo[AccessScope] = ExpiringMemo(lambda: settings.INDEX_CHECK_INTERVAL)

    def of(self, user: User) -> AccessScope:
        if user.pk is None:
            return access_scope(user)
        return self._known.get(user.pk, lambda: access_scope(user))

    def forget(self, **_signal_arguments: object) -> None:
        """Drop every remembered scope (a signal receiver: rules or memberships changed)."""
        self._known.clear()


scopes = ScopeMemo()


def access_grant(
    *, path: str, user: AbstractBaseUser | None = None, group: Group | None = None
) -> bool:
    """Let a user or a group find the files under the folder `path`; say whether it is new."""
    _, created = AccessRule.objects.get_or_create(path=_folder(path), **_holder(user, group))
    return created


def access_revoke(
    *, path: str, user: AbstractBaseUser | None = None, group: Group | None = None
) -> bool:
    """Take away a user's or a group's rule for the folder `path`; say whether there was one."""
    deleted, _ = AccessRule.objects.filter(path=_folder(path), **_holder(user, group)).delete()
    return bool(deleted)


def access_rules(
    *, user: AbstractBaseUser | None = None, group: Group | None = None
) -> list[AccessRule]:
    """Return every rule, or those that apply to the user (theirs and their groups') or to
    the group, by folder."""
    rules = AccessRule.objects.select_related("user", "group").order_by("path", "pk")
    if user is not None:
        rules = rules.filter(_naming(user))
    if group is not None:
        rules = rules.filter(group=group)
    return list(rules)


def outermost(folders: set[str]) -> tuple[str, ...]:
    """Drop the folders another one holds already (/a covers /a/b); sort the rest."""
    kept: list[str] = []
    for folder in sorted(folders):
        if not any(is_within(folder, outer) for outer in kept):
            kept.append(folder)
    return tuple(kept)


def _naming(user: AbstractBaseUser) -> Q:
    return Q(user_id=user.pk) | Q(group__in=Group.objects.filter(user__id=user.pk))


def _folder(path: str) -> str:
    try:
        folder = folder_path(path)
        validate_file_path(folder)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages)) from None
    return folder


def _holder(user: AbstractBaseUser | None, group: Group | None) -> dict[str, Any]:
    if (user is None) == (group is None):
        raise InvalidInput(_("Name a user or a group, not both."))
    return {"user": user, "group": group}
