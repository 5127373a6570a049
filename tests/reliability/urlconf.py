"""Every route of the URL conf, walked recursively, with a concrete path to request."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

_CONVERTER = re.compile(r"<[^>]+>")
_NAMED_GROUP = re.compile(r"\(\?P<\w+>([^)]*)\)")


@dataclass(frozen=True)
class Route:
    pattern: str  # as written in the URL conf, joined with its parents'
    name: str  # namespaced URL name, "" for unnamed patterns
    path: str  # a concrete path that the pattern matches


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, "", ""))


def _walk(patterns: list, prefix: str, namespace: str) -> Iterator[Route]:
    for entry in patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, pattern, inner)
        elif isinstance(entry, URLPattern):
            yield Route(pattern, namespace + (entry.name or ""), "/" + _example(pattern))


def _example(pattern: str) -> str:
    """Fill a pattern's parameters with plausible values: "1", or a regex group's first choice."""
    path = _NAMED_GROUP.sub(lambda group: _first_choice(group[1]), pattern)
    path = _CONVERTER.sub(_converter_example, path)
    return path.replace("^", "").replace("$", "")


def _converter_example(parameter: re.Match) -> str:
    if parameter[0].startswith("<uuid:"):
        return "00000000-0000-4000-8000-000000000001"
    return "1"


def _first_choice(alternatives: str) -> str:
    choice = alternatives.split("|")[0]
    return choice if re.fullmatch(r"[\w-]+", choice) else "anything"
