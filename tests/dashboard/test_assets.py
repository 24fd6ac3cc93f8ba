"""`jiceng assets`: ECharts from the npm tarball, checked against the pinned integrity, into a
static directory; pages fall back to tables without it. Tarballs are built here (no network)."""

import io
import tarfile

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from jiceng.dashboard import assets


def tarball(files):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return out.getvalue()


@pytest.fixture
def static_root(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    return tmp_path / "static" / "vendor" / "echarts"


def test_a_tarball_that_fails_the_integrity_check_writes_nothing(static_root, tmp_path):
    bad = tmp_path / "echarts.tgz"
    bad.write_bytes(tarball({"package/dist/echarts.min.js": b"alert(1)", "package/LICENSE": b"x",
                             "package/NOTICE": b"y"}))
    with pytest.raises(CommandError, match="校验失败"):
        call_command("assets", source=str(bad))
    assert not static_root.exists()
    assert assets.echarts_static_path() is None


def test_the_pinned_tarball_is_unpacked_once(static_root, tmp_path, monkeypatch, capsys):
    data = tarball({"package/dist/echarts.min.js": b"var echarts = {};", "package/LICENSE": b"Apache-2.0",
                    "package/NOTICE": b"Apache ECharts", "package/README.md": b"not copied"})
    monkeypatch.setattr(assets, "ECHARTS_INTEGRITY", assets.integrity(data))  # this tarball stands for the real one
    source = tmp_path / "echarts.tgz"
    source.write_bytes(data)
    call_command("assets", source=str(source))
    assert (static_root / "echarts.min.js").read_bytes() == b"var echarts = {};"
    assert (static_root / "LICENSE").read_bytes() == b"Apache-2.0"
    assert sorted(p.name for p in static_root.iterdir()) == ["INTEGRITY", "LICENSE", "NOTICE", "echarts.min.js"]
    call_command("assets")  # already there: no download attempted
    assert "already" in capsys.readouterr().out
    assert assets.echarts_static_path() == "vendor/echarts/echarts.min.js"


def test_offline_says_what_to_do(static_root):
    with pytest.raises(assets.AssetError, match="离线环境"):
        assets.fetch("http://127.0.0.1:9/echarts.tgz", timeout=2)


@pytest.mark.django_db
def test_pages_without_echarts_show_tables_and_say_so(static_root, tree):
    client = Client()
    client.force_login(tree.users["county"])
    body = client.get(reverse("dashboard:node", args=[tree.street.pk])).content.decode()
    assert "图表组件（ECharts）未安装" in body and "echarts.min.js" not in body
    assert '<table class="cells">' in body  # every figure still there, with its link
    screen = client.get(reverse("dashboard:screen", args=[tree.street.pk])).content.decode()
    assert "未安装" in screen and "echarts.min.js" not in screen
