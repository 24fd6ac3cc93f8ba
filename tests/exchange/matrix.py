"""Import jobs of one county for the access matrix (made once, before any snapshot)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from jiceng.exchange import jobs
from jiceng.exchange.models import ImportJob


def objects(side):
    job = ImportJob.objects.filter(org=side.community).first() or jobs.upload(
        None, side.community, "members",
        SimpleUploadedFile("花名册.csv", "姓名,身份证号码,人员类别,所在支部\n".encode()))
    return {"job": job.pk}


def snapshot(orgs):
    return [list(ImportJob.objects.filter(org__in=orgs).values_list("id", "status", "skip_invalid", "counts"))]
