import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cadres", "0001_initial"),
        ("orgs", "0004_updated_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="election",
            name="held",
            field=models.BooleanField(default=False, verbose_name="已举行"),
        ),
        migrations.AddField(
            model_name="election",
            name="result",
            field=models.TextField(blank=True, verbose_name="选举结果"),
        ),
        migrations.CreateModel(
            name="Naming",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveSmallIntegerField(verbose_name="年度")),
                ("named_on", models.DateField(verbose_name="认定日期")),
                ("reason", models.TextField(verbose_name="认定原因")),
                ("named_by", models.CharField(max_length=200, verbose_name="认定单位")),
                ("closed_on", models.DateField(blank=True, null=True, verbose_name="整顿销号日期")),
                ("village", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="namings",
                                              to="orgs.organization", verbose_name="村")),
            ],
            options={
                "verbose_name": "软弱涣散村",
                "verbose_name_plural": "软弱涣散村",
                "ordering": ["-year", "village__path"],
                "constraints": [models.UniqueConstraint(condition=models.Q(("closed_on__isnull", True)),
                                                        fields=("village", "year"), name="cadres_naming_open_once")],
            },
        ),
        migrations.CreateModel(
            name="Pairing",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("county_leader", "县级领导包联"), ("township_leader", "乡镇领导包村"),
                                                   ("first_secretary", "第一书记"), ("agency", "结对帮扶单位")],
                                          max_length=20, verbose_name="包联类型")),
                ("name", models.CharField(max_length=200, verbose_name="姓名职务或单位")),
                ("start", models.DateField(verbose_name="开始日期")),
                ("naming", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="pairings",
                                             to="cadres.naming", verbose_name="软弱涣散村")),
                ("org", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                          related_name="+", to="orgs.organization", verbose_name="帮扶单位（组织）")),
                ("station", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                              related_name="pairings", to="cadres.station", verbose_name="驻村记录")),
            ],
            options={
                "verbose_name": "四个一包联",
                "verbose_name_plural": "四个一包联",
                "ordering": ["naming", "kind"],
                "constraints": [models.UniqueConstraint(fields=("naming", "kind"), name="cadres_pairing_once")],
            },
        ),
    ]
