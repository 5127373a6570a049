"""Output serializers that render without DRF's field-by-field walk."""

from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from rest_framework import serializers


class PlainOutputSerializer(serializers.Serializer):
    """Render the declared fields' values as JSON-ready values, straight from the instance.

    For output made of plain values (numbers, strings, datetimes, enums, nested plain output
    serializers): DRF deep-copies every declared field for each serializer it makes and walks
    them one by one, about 30 µs a result, 3 ms for a page of 100. The declared fields still
    describe the output, for the OpenAPI schema. A field declared required=False is left out
    when a mapping instance lacks it.
    """

    def to_representation(self, instance: Any) -> dict[str, Any]:
        fields = self._declared_fields.items()
        if isinstance(instance, Mapping):
            return {
                name: _plain(field, instance.get(name))
                for name, field in fields
                if field.required or name in instance
            }
        read = instance.__getattribute__
        return {name: _plain(field, read(name)) for name, field in fields}


def _plain(field: serializers.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, serializers.ListSerializer) and field.child is not None:
        return [field.child.to_representation(item) for item in value]
    if isinstance(field, serializers.Serializer):
        return field.to_representation(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
