from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="data-managers")


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="data-managers").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0005_private_photos"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
