"""What /api/files/ accepts and returns."""

from rest_framework import serializers

from core.serializers import PlainOutputSerializer
from indexer.extract import Status


class ExtractionSerializer(PlainOutputSerializer):
    status = serializers.ChoiceField(choices=[*Status])
    extractor = serializers.CharField(help_text="The extractor and its version, e.g. pdf/1.")
    detail = serializers.CharField(help_text="Why extraction failed, was skipped or cut short.")


class FileSerializer(PlainOutputSerializer):
    """What names an indexed file, wherever one is shown."""

    id = serializers.IntegerField()
    file_path = serializers.CharField()
    content_type = serializers.CharField()
    file_size = serializers.IntegerField()
    last_modified = serializers.DateTimeField()


class FileDetailSerializer(FileSerializer):
    content_hash = serializers.CharField(help_text="SHA-256 of the file's bytes.")
    extraction = ExtractionSerializer()
    duplicates = serializers.ListField(
        child=serializers.CharField(),
        help_text="Paths of the other files with the same content that you may see.",
    )


class TextPageSerializer(PlainOutputSerializer):
    text = serializers.CharField(help_text="This page of the extracted text.")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    characters = serializers.IntegerField(help_text="Characters of extracted text in all.")


class TextPageQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(default=1, min_value=1, max_value=10**6)
