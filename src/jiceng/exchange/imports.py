"""A roster file, previewed or committed, streamed from disk in batches.

Preview reads every row, cleans it and judges it against the database (people.services'
plan), writing nothing. Commit reads the file again and hands the clean rows to the bulk
service, which writes all of them in one transaction: killed midway, it leaves nothing.
"""

import hashlib
import os
import re
import sqlite3
import tempfile
import zipfile
from itertools import islice

from django.utils import timezone

from jiceng.core import policy
from jiceng.core.errors import DomainError

from . import rosters, sheets

PROBLEMS_KEPT = 100_000  # a report beyond this says how many more (a file that bad is the wrong file)
DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"')  # a sheet's last row, when written
ROW_END = re.compile(rb"</(?:\w+:)?row>")


class Seen:
    """ID-card numbers already met in this file, with their rows: a scratch SQLite table on
    disk keyed by a salted 8-byte hash (never the number), so memory stays flat."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory()
        self.db = sqlite3.connect(os.path.join(self.dir.name, "seen.sqlite3"))
        self.db.execute("CREATE TABLE seen (k INTEGER PRIMARY KEY, row INTEGER)")
        self.salt = os.urandom(16)

    def _key(self, number):
        digest = hashlib.blake2b(number.encode(), digest_size=8, key=self.salt).digest()
        return int.from_bytes(digest, "big", signed=True)

    def check(self, number, row):
        """The row that had `number` first, or None (and remember it)."""
        key = self._key(number)
        first = self.db.execute("SELECT row FROM seen WHERE k = ?", (key,)).fetchone()
        if first:
            return first[0]
        self.db.execute("INSERT INTO seen VALUES (?, ?)", (key, row))
        return None

    def close(self):
        self.db.close()
        self.dir.cleanup()


def estimate_rows(path, kind):
    """Rows in the file, for the progress bar: the csv's lines; the sheet's dimension, or where
    the writer left it out (openpyxl's write-only mode, some systems' exports) the sheet's size
    over the size of its first rows."""
    if kind == "csv":
        with open(path, "rb") as fh:
            return sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
    with zipfile.ZipFile(path) as zf:
        sheet = sheets._first_sheet(zf)
        with zf.open(sheet) as stream:
            head = stream.read(1 << 16)
        m = DIMENSION.search(head)
        if m:
            return int(m.group(1))
        ends = [m.end() for m in ROW_END.finditer(head)]
        return round(zf.getinfo(sheet).file_size * len(ends) / ends[-1]) if ends else 0


def open_roster(actor, node, kind, path):
    """(roster, file kind, header row, mapping, headers, unmapped, rows): the file checked and
    its columns mapped, or a DomainError before anything is read further."""
    today = timezone.localdate()
    file_kind = sheets.sniff(path, policy.get("exchange.max_file_mb", on=today))
    roster = rosters.ROSTERS[kind](actor, node)
    number, mapping, headers, unmapped, rows = rosters.read_header(path, file_kind, roster.columns)
    rosters._missing(mapping, roster.required)
    return roster, file_kind, number, mapping, headers, unmapped, rows


def run(actor, node, kind, path, *, commit=False, skip_invalid=False, progress=None):
    """Preview (commit=False) or commit a roster; an Outcome. progress(done, total) is called
    as rows are read. Commit refuses a file with problems unless skip_invalid."""
    roster, file_kind, number, mapping, headers, unmapped, rows = open_roster(actor, node, kind, path)
    outcome = rosters.Outcome(kind, headers, unmapped, number)
    total = estimate_rows(path, file_kind) - number
    batch_rows = policy.get("exchange.batch_rows", on=timezone.localdate())
    seen, done = Seen(), [0]

    def report(n):
        done[0] += n
        if progress:
            progress(min(done[0], max(total, done[0])), max(total, done[0]))

    def clean_batches():
        problems = outcome.problems
        while True:
            batch, read = [], 0
            for n, cells in islice(rows, batch_rows):
                read += 1
                if not any(c is not None and c != "" for c in cells):
                    continue
                outcome.rows += 1
                data = roster.clean(n, cells, mapping, headers, problems)
                if data is None:
                    outcome.counts["skip"] += 1
                else:
                    batch.append(data)
            if not read:
                return
            yield read, batch

    def planned():
        for read, batch in clean_batches():
            if commit and hasattr(roster, "dedupe"):
                # the bulk service judges the rows itself (MemberRoster.commit)
                yield from roster.dedupe(batch, headers, outcome.problems, outcome, seen)
            else:
                yield from roster.plan(batch, headers, outcome.problems, outcome, seen)
            if commit and outcome.problems and not skip_invalid:
                raise _refused(outcome)
            if not commit:
                report(read)
            del outcome.problems[PROBLEMS_KEPT:]

    try:
        if not commit:
            for _ in planned():
                pass
        else:
            if skip_invalid and hasattr(roster, "refuse"):
                counts = roster.commit(planned(), report, lambda r, error: roster.refuse(
                    r, error, headers, outcome.problems, outcome))
            else:
                counts = roster.commit(planned(), report)
            outcome.counts.update({k: counts.get(k, 0) for k in ("create", "update", "unchanged")})
    finally:
        seen.close()
    outcome.problems.sort(key=lambda p: p.row)  # cleaning finds some in a batch before judging finds others
    return outcome


def _refused(outcome):
    first = outcome.problems[0]
    return DomainError("rows_invalid", f"有 {len(outcome.problems)} 处错误（第一处：第 {first.row} 行 {first.column}："
                                       f"{first.reason}），没有写入任何数据；请修改后重新导入，或选择跳过有错误的行", "file")

