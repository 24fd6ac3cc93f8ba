"""Front-end files fetched at install time rather than kept in the repository: ECharts, from
the npm registry's tarball, pinned by version and checked by its sha512 integrity string.
Never from a CDN at page time: deployments are offline, so the file is served locally (the
static directory below is gitignored) and pages fall back to tables when it is missing."""

import base64
import hashlib
import io
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

ECHARTS_VERSION = "5.6.0"
ECHARTS_URL = f"https://registry.npmjs.org/echarts/-/echarts-{ECHARTS_VERSION}.tgz"
ECHARTS_INTEGRITY = "sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA=="
# Tarball member -> file name under the vendor directory.
ECHARTS_FILES = {"package/dist/echarts.min.js": "echarts.min.js", "package/LICENSE": "LICENSE",
                 "package/NOTICE": "NOTICE"}
STAMP = "INTEGRITY"


class AssetError(Exception):
    pass


def echarts_dir():
    return Path(settings.BASE_DIR) / "static" / "vendor" / "echarts"


def echarts_static_path():
    """The path `{% static %}` takes, or None when `jiceng assets` has not been run."""
    return "vendor/echarts/echarts.min.js" if (echarts_dir() / "echarts.min.js").exists() else None


def installed():
    stamp = echarts_dir() / STAMP
    return stamp.exists() and stamp.read_text().strip() == ECHARTS_INTEGRITY \
        and all((echarts_dir() / name).exists() for name in ECHARTS_FILES.values())


def integrity(data):
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch(url=ECHARTS_URL, timeout=60):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise AssetError(f"无法下载 {url}（{exc}）。离线环境：在联网机器上下载该文件，再运行 "
                         f"`jiceng assets --from echarts-{ECHARTS_VERSION}.tgz`；未安装时仪表盘只显示表格。") from exc


def install(data):
    """Check the tarball against the pinned integrity and write the files; returns the directory."""
    got = integrity(data)
    if got != ECHARTS_INTEGRITY:
        raise AssetError(f"ECharts {ECHARTS_VERSION} 压缩包校验失败：应为 {ECHARTS_INTEGRITY}，实为 {got}；未写入任何文件")
    target = echarts_dir()
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member, name in ECHARTS_FILES.items():
            content = tar.extractfile(member).read()
            part = target / f".{name}.part"
            part.write_bytes(content)
            part.replace(target / name)  # whole files only, even if interrupted
    (target / STAMP).write_text(ECHARTS_INTEGRITY + "\n")
    return target
