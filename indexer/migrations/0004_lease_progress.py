
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('indexer', '0003_extraction'),
    ]

    operations = [
        migrations.AddField(
            model_name='reindexlease',
            name='done',
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='reindexlease',
            name='host',
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name='reindexlease',
            name='phase',
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.AddField(
            model_name='reindexlease',
            name='phase_started_at',
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name='reindexlease',
            name='pid',
            field=models.IntegerField(null=True),
        ),
        migrations.AddField(
            model_name='reindexlease',
            name='total',
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddIndex(
            model_name='fileindex',
            index=models.Index(fields=['updated_at'], name='file_index_updated_idx'),
        ),
    ]
