"""The API schema and its docs pages, drf-spectacular's views made on their first request."""

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt


def spectacular_view(name: str, **initkwargs: str) -> Callable[..., HttpResponse]:
    """Return a view that serves drf_spectacular.views.`name`, imported on first request."""

    # As DRF's views are: the schema and docs are read with GET, and CSRF is for forms.
    @csrf_exempt
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _made(name, tuple(initkwargs.items()))(request, *args, **kwargs)

    return view


@functools.cache
def _made(name: str, initkwargs: tuple[tuple[str, str], ...]) -> Callable[..., HttpResponse]:
    # Imported here, not at startup: the views pull in django.test and jinja2, 4.7 MiB in
    # every serving process, for pages few requests ask for.
    from drf_spectacular import views

    return getattr(views, name).as_view(**dict(initkwargs))
