from django.db import migrations

from stakeholders.vocabularies import vocabularies_sync


def forwards(apps, schema_editor):
    vocabularies_sync(apps)


def backwards(apps, schema_editor):
    apps.get_model("stakeholders", "Machine").objects.all().delete()
    apps.get_model("stakeholders", "Process").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0002_organisations_workspaces"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
