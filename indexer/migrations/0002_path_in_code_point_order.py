from django.db import migrations

INDEX = "file_index_path_c_idx"


def create_codepoint_index(apps, schema_editor):
    # SQLite already compares text by code point; PostgreSQL needs the "C" collation, which
    # SQLite does not know, so this index cannot be declared on the model.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'CREATE INDEX {INDEX} ON file_index ((file_path COLLATE "C"))')


def drop_codepoint_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("indexer", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_codepoint_index, drop_codepoint_index),
    ]
