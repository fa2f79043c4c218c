"""kiln's `coverage` plugin: check a coverage report from an input artifact.

Reads Cobertura XML (``coverage xml``, gcovr, cargo-llvm-cov --cobertura,
JaCoCo converters) and LCOV tracefiles (``*.info``), merges them per file,
logs line and branch coverage and the files with the lowest line coverage,
writes ``coverage.json`` into every output artifact the action expects and
fails the action when coverage is below ``min`` / ``min-branch``.

Reports are searched in the input artifacts (``/inputs/<name>``), or in
``/workspace`` when the action has no inputs.
"""

import os

import coverage_report as cr
import kiln_sdk as kiln
from kiln_sdk import log

VERSION = "0.1.0"
SUMMARY_FILE = "coverage.json"


def _min_percent(ctx, name):
    text = ctx.param(name, "").strip()
    if not text or text.lower() in ("none", "off"):
        return None
    try:
        value = float(text.rstrip("%").strip())
    except ValueError:
        raise kiln.Error(f"parameter `{name}` = {text!r}: expected a percentage such as 80") from None
    if not 0 <= value <= 100:
        raise kiln.Error(f"parameter `{name}` = {text!r}: must be between 0 and 100")
    return value


def _metric_text(metric, unit):
    return f"{cr.show_percent(cr.percent(metric['covered'], metric['total']))} " \
           f"({metric['covered']}/{metric['total']} {unit})"


class Coverage(kiln.Plugin):
    def describe(self):
        return kiln.Info(
            "coverage",
            VERSION,
            summary="Checks line and branch coverage from Cobertura XML or LCOV reports",
            params=[
                kiln.Param("path", "Report file or glob inside each input (or /workspace); "
                                   "default: every Cobertura *.xml and LCOV *.info"),
                kiln.Param("min", "Fail when line coverage is below this percentage"),
                kiln.Param("min-branch", "Fail when branch coverage is below this percentage"),
                kiln.Param("worst", "How many files with the lowest coverage to log",
                           default="5"),
            ],
        )

    def run(self, ctx):
        min_line = _min_percent(ctx, "min")
        min_branch = _min_percent(ctx, "min-branch")
        worst = ctx.int("worst", 5)
        pattern = ctx.param("path", "").strip() or None

        roots = [str(i.path) for i in ctx.inputs] or [str(ctx.workspace)]
        reports = cr.find_reports(roots, pattern)
        where = ", ".join(roots)
        if not reports:
            if pattern:
                raise kiln.Error(f"no file matches `{pattern}` in {where}")
            raise kiln.Error(f"no coverage report (Cobertura *.xml or LCOV *.info) in {where}; "
                             "set `path` to name it")

        files = {}
        for n, report in enumerate(reports):
            log.progress(n, len(reports), f"reading {report}")
            try:
                fmt, parsed = cr.parse(report)
            except cr.ReportError as e:
                raise kiln.Error(str(e)) from None
            log.info(f"{report}: {fmt}, {len(parsed)} file(s)")
            cr.merge(files, parsed)
        log.progress(len(reports), len(reports), "reports read")

        summary = cr.summarize(files, reports)
        line, branch = summary["line"], summary["branch"]
        if line["total"] == 0:
            raise kiln.Error(f"the coverage report(s) hold no line data: {', '.join(reports)}")

        log.info(f"line coverage: {_metric_text(line, 'lines')} in {summary['files']} file(s)")
        if branch:
            log.info(f"branch coverage: {_metric_text(branch, 'branches')}")
        low = cr.lowest(summary, max(0, worst))
        if low:
            log.info("lowest line coverage:")
            for row in low:
                log.info(f"  {cr.show_percent(cr.percent(row['line']['covered'], row['line']['total'])):>7}"
                         f"  {row['path']} ({row['line']['covered']}/{row['line']['total']})")
        elif worst:
            log.info("every file is fully covered")

        failures = []
        line_pct = cr.percent(line["covered"], line["total"])
        if min_line is not None and line_pct < min_line:
            failures.append(f"line coverage {cr.show_percent(line_pct)} is below the minimum {min_line:g}%")
        if min_branch is not None:
            branch_pct = cr.percent(branch["covered"], branch["total"]) if branch else None
            if branch_pct is None:
                failures.append(f"`min-branch` is {min_branch:g}% but the report(s) have no branch data")
            elif branch_pct < min_branch:
                failures.append(f"branch coverage {cr.show_percent(branch_pct)} "
                                f"is below the minimum {min_branch:g}%")

        summary["min"] = {"line": min_line, "branch": min_branch}
        summary["passed"] = not failures
        for output in ctx.outputs:
            path = os.path.join(str(output.path), SUMMARY_FILE)
            with open(path, "w", encoding="utf-8") as f:
                f.write(cr.to_json(summary))
            log.info(f"wrote {path}")

        if failures:
            # The host logs the err message itself.
            raise kiln.Error("; ".join(failures))

        text = f"line {cr.show_percent(line_pct)}"
        if branch:
            text += f", branch {cr.show_percent(cr.percent(branch['covered'], branch['total']))}"
        if min_line is not None:
            text += f" (min {min_line:g}%)"
        return text


WitWorld = kiln.export(Coverage)
