"""The OpenAPI schema's generator: drf-spectacular's, once the views are described."""

from typing import Any

from django.urls import get_resolver
from drf_spectacular.generators import SchemaGenerator as SpectacularGenerator

from core.schema import describe_views


class SchemaGenerator(SpectacularGenerator):
    """drf-spectacular's generator, applying the descriptions of core.schema.extend_schema."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The URL conf imports every view, and each view records its description as it is.
        get_resolver(self.urlconf).url_patterns  # noqa: B018  (imports the URL conf)
        describe_views()
