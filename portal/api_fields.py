"""Serializer fields the API shares."""

from rest_framework import serializers


class AbsoluteURLField(serializers.URLField):
    """A page's address, made absolute with the request's host (the schema says `uri`)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(value) if request is not None else str(value)
