"""System checks that tell an operator about settings with surprising consequences."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.caches)
def check_shared_cache(app_configs, **kwargs) -> list[Warning]:
    if settings.REDIS_URL:
        return []
    return [
        Warning(
            "REDIS_URL is not set: caching and throttling are per process.",
            hint="Set REDIS_URL (redis://host:6379/0) so every worker shares one cache.",
            id="dizin.W001",
        )
    ]
