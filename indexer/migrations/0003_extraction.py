from django.db import migrations, models

# What indexed files were read with before extractors had versions: text/1 decoded text files
# (UTF-8, else cp1254); anything else was found by name only. Recording that keeps the next
# plain reindex from reading every file again.
KNOWN_EXTRACTION = """
UPDATE file_content SET extractor = 'text/1';
UPDATE file_index SET
    extractor = CASE WHEN EXISTS (
        SELECT 1 FROM file_content c WHERE c.content_hash = file_index.content_hash
    ) THEN 'text/1' ELSE 'none/1' END,
    extraction_status = CASE
        WHEN file_size = 0 THEN 'empty'
        WHEN EXISTS (
            SELECT 1 FROM file_content c
            WHERE c.content_hash = file_index.content_hash AND c.truncated
        ) THEN 'truncated'
        WHEN EXISTS (
            SELECT 1 FROM file_content c WHERE c.content_hash = file_index.content_hash
        ) THEN 'ok'
        ELSE 'unsupported' END;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('indexer', '0002_path_in_code_point_order'),
    ]

    operations = [
        migrations.AddField(
            model_name='filecontent',
            name='extractor',
            field=models.CharField(blank=True, help_text='What made the text.', max_length=64),
        ),
        migrations.AddField(
            model_name='filecontent',
            name='locations',
            field=models.JSONField(blank=True, default=list, help_text='[offset, page, member] where each located part starts.'),
        ),
        migrations.AddField(
            model_name='fileindex',
            name='extraction_detail',
            field=models.CharField(blank=True, help_text='Why extraction failed or was skipped.', max_length=255),
        ),
        migrations.AddField(
            model_name='fileindex',
            name='extraction_status',
            field=models.CharField(blank=True, choices=[('ok', 'ok'), ('truncated', 'truncated'), ('failed', 'failed'), ('unsupported', 'unsupported'), ('empty', 'empty'), ('skipped', 'skipped')], max_length=16),
        ),
        migrations.AddField(
            model_name='fileindex',
            name='extractor',
            field=models.CharField(blank=True, editable=False, help_text="The extractor and version that read the file's text, e.g. text/1.", max_length=64),
        ),
        migrations.RunSQL(KNOWN_EXTRACTION, migrations.RunSQL.noop),
    ]
