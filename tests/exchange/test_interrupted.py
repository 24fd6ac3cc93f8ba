"""A commit killed midway (kill -9 of the importing process) leaves the database as it was, and
the same file then imports. PostgreSQL: the importing process is a real `jiceng import`."""

import datetime
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from stdnum.cn import ric

from jiceng.core.models import AuditEvent
from jiceng.orgs import rollups
from jiceng.orgs.models import NodeCount, NodeCountChange
from jiceng.people.models import Membership, MembershipPeriod, Person

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = 12000
JICENG = Path(sys.executable).with_name("jiceng")


def big_csv(path, branch):
    lines = ["姓名,性别,公民身份号码,入党日期,转正日期,人员类别,所在支部"]
    for i in range(ROWS):
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=i // 400)
        body = f"330521{birth:%Y%m%d}{i % 400 * 2 + 1:03d}"
        lines.append(f"党员{i},男,{body + ric.calc_check_digit(body + '0')},2000-07-01,2001-07-01,正式党员,{branch}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def state():
    return (Person.objects.count(), Membership.objects.count(), MembershipPeriod.objects.count(),
            AuditEvent.objects.count(), sorted(NodeCount.objects.values_list("node_id", "key", "value")),
            sorted(NodeCountChange.objects.values_list("node_id", "day", "key", "delta")))


def command(path, org):
    env = {**os.environ, "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
        **{k: connection.settings_dict[k] or "" for k in ("USER", "HOST", "PORT", "NAME")})}
    return [str(JICENG), "import", str(path), "--org", str(org.pk), "--commit"], env


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="the importing process must reach the test database from outside: PostgreSQL")
def test_a_killed_import_leaves_nothing_and_runs_again(world, tmp_path):
    path = big_csv(tmp_path / "花名册.csv", world.a.branch.name)
    before = state()
    cmd, env = command(path, world.a.community)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen, deadline, killed_at = b"", time.monotonic() + 600, None
    while time.monotonic() < deadline and proc.poll() is None:
        ready, _, _ = select.select([proc.stderr], [], [], 1)
        if ready:
            seen += os.read(proc.stderr.fileno(), 4096)
        written = [int(p) for p in re.findall(r"写入 \[[# ]*\]\s*(\d+)%", seen.decode("utf-8", "ignore"))]
        if written and 20 <= written[-1] < 100:
            killed_at = written[-1]
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    assert killed_at, f"the import never reached the middle of its commit: {seen.decode('utf-8', 'ignore')[-500:]}"
    assert proc.returncode == -signal.SIGKILL
    # The server rolls the dead session's transaction back as soon as it sees the socket close.
    for _ in range(100):
        if state() == before:
            break
        time.sleep(0.2)
    assert state() == before
    done = subprocess.run(cmd + ["--no-progress"], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert f"已导入：{ROWS} 行；新增 {ROWS}" in done.stdout
    assert Person.objects.count() == before[0] + ROWS
    assert Membership.objects.filter(org=world.a.branch).count() == ROWS + 4
    assert rollups.mismatches() == []
