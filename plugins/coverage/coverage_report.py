"""Reading coverage reports: Cobertura XML and LCOV tracefiles.

Pure Python with no kiln dependency, so it is tested by a plain CPython
(``python3 -m unittest`` in plugins/coverage/tests). Inside the component
xml.etree.ElementTree runs on CPython's built-in pyexpat.

Reports are merged per source file and line: a line is covered when any
report hit it, so unit and integration reports of the same code add up.
"""

import glob
import json
import math
import os
import re
import xml.etree.ElementTree as ET

COBERTURA = "cobertura"
LCOV = "lcov"

_CONDITION = re.compile(r"\((\d+)\s*/\s*(\d+)\)")


class ReportError(Exception):
    """A report that cannot be read; the message names the file."""


class FileCoverage:
    """One source file: hits per line, and (covered, total) branches per line."""

    def __init__(self, path):
        self.path = path
        self.lines = {}
        self.branches = {}

    def add_line(self, number, hits):
        self.lines[number] = self.lines.get(number, 0) + max(0, hits)

    def add_branches(self, number, covered, total):
        old_covered, old_total = self.branches.get(number, (0, 0))
        self.branches[number] = (max(old_covered, covered), max(old_total, total))

    def merge(self, other):
        for number, hits in other.lines.items():
            self.add_line(number, hits)
        for number, (covered, total) in other.branches.items():
            self.add_branches(number, covered, total)

    @property
    def lines_total(self):
        return len(self.lines)

    @property
    def lines_covered(self):
        return sum(1 for hits in self.lines.values() if hits > 0)

    @property
    def branches_total(self):
        return sum(total for _, total in self.branches.values())

    @property
    def branches_covered(self):
        return sum(min(covered, total) for covered, total in self.branches.values())


def _normalize(path):
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def sniff(path):
    """``cobertura``, ``lcov`` or ``None`` from the first bytes of the file."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise ReportError(f"{path}: {e.strerror or e}") from None
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        # The root element: skip the XML declaration, comments and doctype.
        body = re.sub(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", "", text, flags=re.S).lstrip()
        return COBERTURA if re.match(r"<coverage[\s>/]", body) else None
    for line in text.splitlines()[:20]:
        if re.match(r"(TN|SF|DA|FN|FNDA|BRDA|LF|LH):", line):
            return LCOV
    return None


def parse_cobertura(path):
    """Files of a Cobertura XML report (coverage.py, gcovr, cargo-llvm-cov,
    JaCoCo converters...). Only class-level ``<lines>`` count: the per-method
    lines repeat them."""
    files = {}
    depth_in_method = 0
    try:
        for event, elem in ET.iterparse(path, events=("start", "end")):
            tag = elem.tag
            if event == "start":
                if tag == "method":
                    depth_in_method += 1
                continue
            if tag == "method":
                depth_in_method -= 1
            elif tag == "line" and depth_in_method == 0:
                elem.set("kiln-class-line", "1")
            elif tag == "class":
                name = elem.get("filename") or elem.get("name") or "?"
                cov = files.setdefault(_normalize(name), FileCoverage(_normalize(name)))
                for line in elem.iter("line"):
                    if line.get("kiln-class-line") != "1":
                        continue
                    try:
                        number = int(line.get("number", ""))
                        hits = int(float(line.get("hits", "0")))
                    except ValueError:
                        continue
                    cov.add_line(number, hits)
                    if line.get("branch", "false").lower() == "true":
                        m = _CONDITION.search(line.get("condition-coverage", ""))
                        if m:
                            cov.add_branches(number, int(m.group(1)), int(m.group(2)))
                elem.clear()
            elif tag == "package":
                elem.clear()
    except ET.ParseError as e:
        raise ReportError(f"{path}: not well-formed XML: {e}") from None
    except OSError as e:
        raise ReportError(f"{path}: {e.strerror or e}") from None
    return files


def parse_lcov(path):
    """Files of an LCOV tracefile (``lcov``, ``genhtml`` input, c8/nyc,
    cargo-llvm-cov ``--lcov``, ``go tool cover`` converters...)."""
    files = {}
    current = None
    totals = None  # LF/LH of a record that has no DA lines
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for raw in f:
                line = raw.strip()
                if line.startswith("SF:"):
                    name = _normalize(line[3:])
                    current = files.setdefault(name, FileCoverage(name))
                    totals = [0, 0]
                elif current is None:
                    continue
                elif line.startswith("DA:"):
                    fields = line[3:].split(",")
                    try:
                        current.add_line(int(fields[0]), int(float(fields[1])))
                    except (ValueError, IndexError):
                        pass
                elif line.startswith("BRDA:"):
                    fields = line[5:].split(",")
                    if len(fields) >= 4:
                        try:
                            number = int(fields[0])
                        except ValueError:
                            continue
                        taken = fields[3].strip()
                        hit = 1 if taken not in ("-", "0", "") else 0
                        covered, total = current.branches.get(number, (0, 0))
                        current.branches[number] = (covered + hit, total + 1)
                elif line.startswith("LF:") or line.startswith("LH:"):
                    try:
                        totals[0 if line[1] == "F" else 1] = int(line[3:])
                    except ValueError:
                        pass
                elif line == "end_of_record":
                    if not current.lines and totals[0]:
                        # Summary-only record: synthesize lines from LF/LH.
                        for n in range(1, totals[0] + 1):
                            current.add_line(-n, 1 if n <= totals[1] else 0)
                    current = None
    except OSError as e:
        raise ReportError(f"{path}: {e.strerror or e}") from None
    return files


def parse(path, fmt=None):
    """(format, files) of one report; the format is sniffed when not given."""
    fmt = fmt or sniff(path)
    if fmt == COBERTURA:
        return fmt, parse_cobertura(path)
    if fmt == LCOV:
        return fmt, parse_lcov(path)
    raise ReportError(f"{path}: neither Cobertura XML nor an LCOV tracefile")


def merge(into, files):
    for name, cov in files.items():
        into.setdefault(name, FileCoverage(name)).merge(cov)
    return into


def find_reports(roots, pattern=None):
    """Report files under ``roots``. With ``pattern`` (a file or glob,
    relative to each root or absolute) every match is returned; without it,
    every ``*.xml`` that is Cobertura and every ``*.info``/``lcov*`` file."""
    found = []
    if pattern:
        patterns = [pattern] if os.path.isabs(pattern) else [
            os.path.join(root, pattern) for root in roots]
        for pat in patterns:
            for match in sorted(glob.glob(pat, recursive=True)):
                if os.path.isfile(match) and match not in found:
                    found.append(match)
        return found
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                lower = name.lower()
                if lower.endswith(".xml"):
                    if sniff(full) == COBERTURA:
                        found.append(full)
                elif lower.endswith(".info") or lower.startswith("lcov"):
                    if sniff(full) == LCOV:
                        found.append(full)
    return found


def percent(covered, total):
    """Coverage in percent, or ``None`` when there is nothing to cover."""
    return None if total == 0 else 100.0 * covered / total


def show_percent(value):
    """Rounded down to two decimals, so that 79.996% never shows as 80.00%."""
    if value is None:
        return "n/a"
    return f"{math.floor(value * 100) / 100:.2f}%"


def _metric(covered, total):
    p = percent(covered, total)
    return {"covered": covered, "total": total,
            "percent": None if p is None else math.floor(p * 100) / 100}


def summarize(files, reports=()):
    """The JSON-ready summary of merged files."""
    rows = []
    lines_c = lines_t = br_c = br_t = 0
    for name in sorted(files):
        cov = files[name]
        lc, lt, bc, bt = cov.lines_covered, cov.lines_total, cov.branches_covered, cov.branches_total
        lines_c += lc
        lines_t += lt
        br_c += bc
        br_t += bt
        rows.append({
            "path": name,
            "line": _metric(lc, lt),
            "branch": _metric(bc, bt) if bt else None,
        })
    return {
        "reports": list(reports),
        "files": len(rows),
        "line": _metric(lines_c, lines_t),
        "branch": _metric(br_c, br_t) if br_t else None,
        "per_file": rows,
    }


def lowest(summary, count):
    """The ``count`` files with the lowest line coverage below 100%."""
    rows = [r for r in summary["per_file"]
            if r["line"]["total"] and r["line"]["covered"] < r["line"]["total"]]
    rows.sort(key=lambda r: (r["line"]["covered"] / r["line"]["total"], r["path"]))
    return rows[:count]


def to_json(summary):
    return json.dumps(summary, indent=2) + "\n"
