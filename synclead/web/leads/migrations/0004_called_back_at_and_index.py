from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0003_repeat_callers"),
    ]

    operations = [
        migrations.AddField(
            model_name="lead",
            name="called_back_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["organization", "-created_at"], name="lead_org_created_idx"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["-created_at", "-id"], name="lead_created_idx"),
        ),
    ]
