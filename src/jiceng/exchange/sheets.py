"""Rosters as files: what a file is (read from its bytes), and its rows, streamed.

xlsx is read by scanning the sheet's XML with compiled byte regexes over 1 MB chunks of the
zip stream, not with openpyxl: openpyxl's read-only mode builds a cell object per value and
ignores merged cells, and it measured several times slower (bench/imports.py). The sheet XML
is machine-written in a fixed shape (ECMA-376 §18.3), which is what makes the scan safe.
Shared strings go to a temporary file with an offset array, so memory stays flat however many
distinct strings (ID and phone numbers) the file holds.
"""

import codecs
import csv
import html
import os
import re
import tempfile
import zipfile
from array import array
from datetime import datetime
from functools import lru_cache

from jiceng.core.errors import DomainError

ZIP, OLE2 = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CHUNK = 1 << 20
HEAD_ROWS = 10  # the header is looked for in this many first rows (under titles)

_P = rb"(?:[A-Za-z]\w*:)?"  # an optional namespace prefix (x:c) that some writers use
ROW = re.compile(rb"<" + _P + rb"row\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"row>)", re.S)
CELL = re.compile(rb"<" + _P + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"c>)", re.S)
REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
TYPE = re.compile(rb'\bt="(\w+)"')
ROW_NUMBER = re.compile(rb'\br="(\d+)"')
VALUE = re.compile(rb"<" + _P + rb"v>(.*?)</" + _P + rb"v>", re.S)
TEXT = re.compile(rb"<" + _P + rb"t(?:\s[^>]*)?>(.*?)</" + _P + rb"t>", re.S)
PHONETIC = re.compile(rb"<" + _P + rb"rPh\b.*?</" + _P + rb"rPh>", re.S)
SI = re.compile(rb"<" + _P + rb"si>(.*?)</" + _P + rb"si>|<" + _P + rb"si/>", re.S)
MERGE = re.compile(rb'<' + _P + rb'mergeCell\b[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
# A plain cell as Excel, WPS and openpyxl write it, in one match: column, type, and the value
# or inline text (no entity, no formula, no rich text). A row whose cells all have this shape
# takes the fast path (one findall a row); any other goes through CELL and _cell_value.
PLAIN_CELL = re.compile(rb'<c r="([A-Z]+)\d+"(?: s="\d+")?(?: t="(\w+)")?(?: s="\d+")?'
                        rb'(?:/>|>(?:<v>([^<&]*)</v>|<is><t>([^<&]*)</t></is>)</c>)')
SHEET_REL = re.compile(rb'<(?:\w+:)?sheet\b[^>]*\br:id="([^"]+)"')
REL = re.compile(rb'<Relationship\b([^>]*)/?>')


def sniff(path, max_mb):
    """"xlsx" or "csv"; a DomainError naming what the file is instead."""
    size = os.path.getsize(path)
    if size > max_mb * 1024 * 1024:
        raise DomainError("file_too_large", f"文件 {size / 1048576:.1f} MB，超过导入上限 {max_mb} MB，请拆分后分批导入",
                          "file")
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if head.startswith(ZIP):
        try:
            with zipfile.ZipFile(path) as zf:
                if "xl/workbook.xml" in zf.namelist():
                    return "xlsx"
        except zipfile.BadZipFile:
            raise DomainError("file_damaged", "文件已损坏，无法作为 Excel 工作簿打开", "file") from None
        raise DomainError("not_spreadsheet", "这是压缩包或 Word 等文件，不是 Excel 工作簿（.xlsx）", "file")
    if head.startswith(OLE2):  # a compound file: an encrypted xlsx or a legacy .xls
        if _has_stream(path, "EncryptionInfo"):
            raise DomainError("file_encrypted", "文件设有打开密码（已加密），请在 Excel 中取消密码（文件→信息→保护工作簿）后再导入",
                              "file")
        raise DomainError("legacy_xls", "这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再导入", "file")
    if not head or b"\0" in head or _encoding(head) is None:
        raise DomainError("not_spreadsheet", "文件不是 Excel 工作簿（.xlsx）或 CSV 表格，请检查是否选错了文件", "file")
    return "csv"


def _has_stream(path, name):
    """Whether a compound file's directory names a stream (names are UTF-16LE)."""
    needle, tail = name.encode("utf-16-le"), b""
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            if needle in tail + block:
                return True
            tail = block[-len(needle):]
    return False


def _encoding(head):
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            # a chunk may end inside a character: decode incrementally
            codecs.getincrementaldecoder(encoding)().decode(head)
            return encoding
        except UnicodeDecodeError:
            continue
    return None


def rows(path, kind):
    """(row number, [values]) for every row; see xlsx_rows and csv_rows."""
    return xlsx_rows(path) if kind == "xlsx" else csv_rows(path)


def csv_rows(path):
    with open(path, "rb") as fh:
        encoding = _encoding(fh.read(65536))
    with open(path, encoding=encoding, newline="") as fh:
        sample = fh.read(8192)
        fh.seek(0)
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
        yield from enumerate(csv.reader(fh, delimiter=delimiter), 1)


@lru_cache(maxsize=2048)
def column_index(letters):
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def column_letters(index):
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _text(raw):
    s = raw.decode()
    return html.unescape(s) if "&" in s else s


def _chunks(stream, end):
    """Pieces of an XML stream, each ending just after an `end` tag."""
    buf = b""
    while data := stream.read(CHUNK):
        buf += data
        cut = buf.rfind(end)
        if cut >= 0:
            cut = buf.index(b">", cut) + 1
            yield buf[:cut]
            buf = buf[cut:]
    if buf:
        yield buf


class SharedStrings:
    """The workbook's shared strings, kept in a temporary file and read back by index."""

    def __init__(self, zf, name):
        self.file, self.offsets = tempfile.TemporaryFile(), array("Q", [0])
        if name in zf.namelist():
            with zf.open(name) as stream:
                for piece in _chunks(stream, b"</si>"):
                    out = []
                    for m in SI.finditer(piece):
                        body = m.group(1) or b""
                        if b"<rPh" in body:
                            body = PHONETIC.sub(b"", body)
                        text = b"".join(TEXT.findall(body))
                        out.append(html.unescape(text.decode()).encode() if b"&" in text else text)
                        self.offsets.append(self.offsets[-1] + len(out[-1]))
                    self.file.write(b"".join(out))
        self.file.flush()
        self.get = lru_cache(maxsize=16384)(self._read)

    def _read(self, i):
        start = self.offsets[i]
        return os.pread(self.file.fileno(), self.offsets[i + 1] - start, start).decode()

    def close(self):
        self.file.close()


def _first_sheet(zf):
    workbook = zf.read("xl/workbook.xml")
    m = SHEET_REL.search(workbook)
    if m and "xl/_rels/workbook.xml.rels" in zf.namelist():
        for rel in REL.finditer(zf.read("xl/_rels/workbook.xml.rels")):
            attrs = rel.group(1)
            if b'Id="' + m.group(1) + b'"' in attrs:
                target = re.search(rb'Target="([^"]+)"', attrs).group(1).decode()
                return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return "xl/worksheets/sheet1.xml"


def _merges(zf, name):
    """Merged ranges (row1, col1, row2, col2), 1-based rows, sorted by first row."""
    out, tail = [], b""
    with zf.open(name) as stream:
        while block := stream.read(CHUNK):
            piece = tail + block
            if b"<mergeCell" in piece or b":mergeCell" in piece:
                cut = piece.rfind(b">") + 1
                out += [(int(r1), column_index(c1), int(r2), column_index(c2))
                        for c1, r1, c2, r2 in MERGE.findall(piece[:cut])]
                tail = piece[cut:]
            else:
                tail = piece[-200:]
    return sorted(set(out))


def _cell_value(attrs, body, shared):
    t = TYPE.search(attrs)
    t = t.group(1) if t else b"n"
    if t == b"inlineStr":
        return _text(b"".join(TEXT.findall(body)))
    v = VALUE.search(body)
    if v is None:
        return None
    raw = v.group(1)
    if t == b"s":
        return shared.get(int(raw))
    if t == b"n":
        return int(raw) if raw.isdigit() else float(raw)
    if t == b"d":
        return datetime.fromisoformat(raw.decode())
    return _text(raw)


def xlsx_rows(path):
    """Rows of the first sheet; a merged range's value is given to every cell it covers
    (a 所在支部 merged down ten rows applies to each of the ten)."""
    with zipfile.ZipFile(path) as zf:
        sheet = _first_sheet(zf)
        merges = _merges(zf, sheet)
        shared = SharedStrings(zf, "xl/sharedStrings.xml")
        try:
            yield from _sheet_rows(zf, sheet, shared, merges)
        finally:
            shared.close()


def _sheet_rows(zf, sheet, shared, merges):
    pending, active, number = 0, [], 0  # merged ranges started or about to
    with zf.open(sheet) as stream:
        for piece in _chunks(stream, b"row>"):
            for row in ROW.finditer(piece):
                attrs, body = row.group(1), row.group(2) or b""
                m = ROW_NUMBER.search(attrs)
                number = int(m.group(1)) if m else number + 1
                values = _plain_values(body, shared)
                if values is None:
                    values = _cell_values(body, shared)
                if merges:
                    while pending < len(merges) and merges[pending][0] <= number:
                        r1, c1, r2, c2 = merges[pending]
                        active.append([r1, c1, r2, c2, None])
                        pending += 1
                    active = [a for a in active if a[2] >= number]
                    for a in active:
                        if a[0] == number:
                            a[4] = values[a[1]] if a[1] < len(values) else None
                        if a[4] is None:
                            continue
                        if a[3] >= len(values):
                            values.extend([None] * (a[3] + 1 - len(values)))
                        for c in range(a[1], a[3] + 1):
                            if values[c] is None:
                                values[c] = a[4]
                yield number, values


def _cell_values(body, shared):
    """A row's values by column (None where empty), cell by cell."""
    values, col = [], -1
    for cell in CELL.finditer(body):
        cattrs = cell.group(1)
        ref = REF.search(cattrs)
        col = column_index(ref.group(1)) if ref else col + 1
        value = _cell_value(cattrs, cell.group(2) or b"", shared)
        if value is None or value == "":
            continue
        if col >= len(values):
            values.extend([None] * (col + 1 - len(values)))
        values[col] = value
    return values


def _plain_values(body, shared):
    """_cell_values of a row whose cells are all plain (PLAIN_CELL), or None."""
    found = PLAIN_CELL.findall(body)
    # every cell plain: no "<c" left over (no tag inside a cell starts so), none prefixed (x:c)
    if len(found) != body.count(b"<c") or b":c" in body:
        return None
    values = []
    for letters, t, raw, inline in found:
        if t == b"inlineStr":
            value = inline.decode()
        elif not raw:
            continue
        elif t == b"s":
            value = shared.get(int(raw))
        elif t in (b"", b"n"):
            value = int(raw) if raw.isdigit() else float(raw)
        elif t == b"str":
            value = raw.decode()
        else:
            return None
        if value == "":
            continue
        col, n = column_index(letters), len(values)
        if col == n:  # the usual case: cells in column order
            values.append(value)
        elif col > n:
            values.extend([None] * (col - n))
            values.append(value)
        else:
            values[col] = value
    return values


def open_rows(path, kind):
    """The rows, with the first HEAD_ROWS of them also returned for header detection."""
    it = iter(rows(path, kind))
    head = []
    for item in it:
        head.append(item)
        if len(head) >= HEAD_ROWS:
            break
    return head, it

