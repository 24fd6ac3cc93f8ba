"""Builders for tests: every row goes through the services, as in production."""

import datetime
import itertools

from django.contrib.auth import get_user_model
from stdnum.cn import ric

from jiceng.core import services as core_services
from jiceng.life import services as life_services  # noqa: F401  (used by fixtures)
from jiceng.orgs import services as org_services
from jiceng.people import services as people_services

_seq = itertools.count(1)


def id_number(birth=datetime.date(1985, 3, 14), gender="M", region="330523"):
    """A valid, unique ID-card number for `birth` and `gender`."""
    n = next(_seq) % 500
    body = f"{region}{birth:%Y%m%d}{n * 2 + (1 if gender == 'M' else 0):03d}"
    return body + ric.calc_check_digit(body + "0")


def org(parent, name, kind, sector="other", **fields):
    return org_services.create_org(None, parent=parent, name=name, kind=kind, sector=sector, **fields)


def member(branch, name, status="full", birth=datetime.date(1985, 3, 14), gender="M", since=datetime.date(2015, 7, 1),
           **fields):
    return people_services.register_member(
        None, org=branch, status=status, since=since, name=name, id_number=id_number(birth, gender), **fields
    )


def user(username, role=None, node=None, password="correct-horse-battery"):
    u = get_user_model().objects.create_user(username=username, password=password)
    if role:
        core_services.grant_role(None, u, node, role)
    return u
