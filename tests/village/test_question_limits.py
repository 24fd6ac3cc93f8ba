"""Residents' questions on a disclosure are limited per address and per disclosure (policy):
over the limit the public page answers 429 in zh-Hans and stores nothing."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from jiceng.core import policy
from jiceng.village.models import Question

from .test_pages import published

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def ask(disclosure, address, text="何时开工？"):
    return Client(REMOTE_ADDR=address).post(reverse("village:ask", args=[disclosure.pk]),
                                            {"question": text, "phone": "13912345678"})


def test_one_address_over_its_limit_gets_429_and_nothing_stored(world):
    limits = policy.get("village.question_limits")
    _, disclosure = published(world)
    for i in range(limits["per_address"]):
        assert ask(disclosure, "203.0.113.5", f"问题{i}").status_code == 302
    over = ask(disclosure, "203.0.113.5", "多出的问题")
    body = over.content.decode()
    assert over.status_code == 429
    assert f"同一网络 {limits['seconds'] // 60} 分钟内最多提交 {limits['per_address']} 个问题" in body
    assert "村务公开栏" in body and "13912345678" not in body
    assert Question.objects.filter(disclosure=disclosure).count() == limits["per_address"]
    assert not Question.objects.filter(text="多出的问题").exists()
    assert ask(disclosure, "203.0.113.6").status_code == 302  # another address is counted alone


def test_one_disclosure_over_its_limit_gets_429(world):
    limits = policy.get("village.question_limits")
    _, disclosure = published(world)
    for i in range(limits["per_disclosure"]):
        assert ask(disclosure, f"198.51.100.{i}").status_code == 302
    over = ask(disclosure, "198.51.100.250")
    assert over.status_code == 429 and "该公开事项" in over.content.decode()
    assert Question.objects.filter(disclosure=disclosure).count() == limits["per_disclosure"]


def test_an_empty_question_is_not_counted(world):
    limits = policy.get("village.question_limits")
    _, disclosure = published(world)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(limits["per_address"] + 2):
        client.post(reverse("village:ask", args=[disclosure.pk]), {"question": ""})
    assert ask(disclosure, "203.0.113.7").status_code == 302
