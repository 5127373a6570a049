import uuid

from django.db import migrations, models


def identify_installation(apps, schema_editor):
    apps.get_model("core", "Installation").objects.create(key=uuid.uuid4().hex)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='Installation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=32, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'db_table': 'installation',
            },
        ),
        migrations.RunPython(identify_installation, migrations.RunPython.noop),
    ]
