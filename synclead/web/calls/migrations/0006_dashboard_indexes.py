from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0005_call_is_test"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="call",
            index=models.Index(fields=["-started_at", "-id"], name="call_started_idx"),
        ),
        migrations.AddIndex(
            model_name="utterance",
            index=models.Index(fields=["call", "role"], name="utterance_call_role_idx"),
        ),
    ]
