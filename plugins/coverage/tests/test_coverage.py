"""Unit tests of the coverage plugin, run by a plain CPython (no component):

    python3 -m unittest discover -s plugins/coverage/tests -v

kiln_sdk falls back to printing log lines when the WIT bindings are absent,
so the plugin's run() is exercised as well as the parsers.
"""

import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN = os.path.dirname(HERE)
sys.path[:0] = [PLUGIN, os.path.join(PLUGIN, "..", "..", "sdk", "python")]

import app  # noqa: E402
import coverage_report as cr  # noqa: E402
import kiln_sdk as kiln  # noqa: E402

DATA = os.path.join(PLUGIN, "testdata")


def write(dir, name, text):
    path = os.path.join(dir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class Parsers(unittest.TestCase):
    def test_cobertura_counts_class_lines_once_and_branches(self):
        fmt, files = cr.parse(os.path.join(DATA, "cobertura.xml"))
        self.assertEqual(fmt, cr.COBERTURA)
        s = cr.summarize(files)
        self.assertEqual(s["line"], {"covered": 17, "total": 20, "percent": 85.0})
        self.assertEqual(s["branch"], {"covered": 3, "total": 6, "percent": 50.0})
        self.assertEqual([r["path"] for r in cr.lowest(s, 5)],
                         ["kiln_demo/util.py", "kiln_demo/core.py"])

    def test_lcov(self):
        fmt, files = cr.parse(os.path.join(DATA, "lcov.info"))
        self.assertEqual(fmt, cr.LCOV)
        s = cr.summarize(files)
        self.assertEqual(s["line"]["covered"], 8)
        self.assertEqual(s["line"]["total"], 15)
        self.assertEqual(s["branch"], {"covered": 2, "total": 4, "percent": 50.0})
        self.assertEqual(cr.lowest(s, 1)[0]["path"], "src/main.rs")

    def test_merge_unions_lines(self):
        with tempfile.TemporaryDirectory() as d:
            a = write(d, "a.info", "SF:./x.c\nDA:1,1\nDA:2,0\nend_of_record\n")
            b = write(d, "b.info", "SF:x.c\nDA:1,0\nDA:2,3\nend_of_record\n")
            files = {}
            for p in (a, b):
                cr.merge(files, cr.parse(p)[1])
            self.assertEqual(cr.summarize(files)["line"]["covered"], 2)

    def test_non_coverage_xml_is_skipped_and_broken_xml_named(self):
        self.assertIsNone(cr.sniff(os.path.join(DATA, "junit.xml")))
        self.assertEqual(cr.find_reports([DATA]),
                         [os.path.join(DATA, "cobertura.xml"), os.path.join(DATA, "lcov.info")])
        with tempfile.TemporaryDirectory() as d:
            bad = write(d, "c.xml", "<coverage><packages>")
            with self.assertRaisesRegex(cr.ReportError, "c.xml: not well-formed"):
                cr.parse(bad)

    def test_percent_is_rounded_down(self):
        self.assertEqual(cr.show_percent(100 * 7999 / 10000 + 0.0099), "79.99%")
        self.assertEqual(cr.show_percent(None), "n/a")


def context(params=(), input_dir=DATA, outputs=()):
    return kiln.Context(action="check", params=list(params),
                        inputs=[kiln.Input("cov", "sha256:0", input_dir)] if input_dir else [],
                        outputs=outputs)


class Plugin(unittest.TestCase):
    def test_describe(self):
        info = app.Coverage().describe()
        self.assertEqual(info.name, "coverage")
        self.assertEqual([p.name for p in info.params], ["path", "min", "min-branch", "worst"])

    def test_pass_writes_summary(self):
        with tempfile.TemporaryDirectory() as out:
            ctx = context([("path", "cobertura.xml"), ("min", "80")],
                          outputs=[kiln.Output("report", out)])
            text = app.Coverage().run(ctx)
            self.assertEqual(text, "line 85.00%, branch 50.00% (min 80%)")
            with open(os.path.join(out, "coverage.json")) as f:
                summary = json.load(f)
            self.assertTrue(summary["passed"])
            self.assertEqual(summary["line"]["percent"], 85.0)

    def test_below_min_fails_with_message(self):
        ctx = context([("path", "cobertura.xml"), ("min", "90%")])
        with self.assertRaises(kiln.Error) as caught:
            app.Coverage().run(ctx)
        self.assertEqual(str(caught.exception), "line coverage 85.00% is below the minimum 90%")

    def test_default_search_merges_both_reports(self):
        text = app.Coverage().run(context())
        self.assertTrue(text.startswith("line 71.42%"), text)  # 25 of 35 lines

    def test_bad_params_and_missing_reports(self):
        for params, message in [
            ([("min", "lots")], "parameter `min` = 'lots'"),
            ([("min", "120")], "between 0 and 100"),
            ([("path", "nope/*.xml")], "no file matches `nope/*.xml`"),
            ([("path", "cobertura.xml"), ("min-branch", "60")], "branch coverage 50.00%"),
        ]:
            with self.assertRaisesRegex(kiln.Error, message.replace("*", r"\*")):
                app.Coverage().run(context(params))
        with tempfile.TemporaryDirectory() as empty:
            with self.assertRaisesRegex(kiln.Error, "no coverage report"):
                app.Coverage().run(context(input_dir=empty))


class Sdk(unittest.TestCase):
    def test_params(self):
        ctx = kiln.Context(params=[("l", '["a", "b,c", 3]'), ("b", "Yes"), ("n", "x"), ("c", "a, b")])
        self.assertEqual(ctx.list("l"), ["a", "b,c", "3"])
        self.assertEqual(ctx.list("c"), ["a", "b"])
        self.assertEqual(ctx.list("missing"), [])
        self.assertTrue(ctx.bool("b"))
        self.assertFalse(ctx.bool("missing"))
        with self.assertRaisesRegex(kiln.Error, "parameter `n` = 'x': expected an integer"):
            ctx.int("n")
        with self.assertRaisesRegex(kiln.Error, "parameter `zz` is required"):
            ctx.require("zz")

    def test_failure_messages(self):
        self.assertEqual(kiln.failure_message(kiln.Error("plain")), "plain")
        self.assertEqual(kiln.failure_message(KeyError("k")), "KeyError: 'k'")
        self.assertEqual(kiln.failure_message(SystemExit(3)), "the plugin called sys.exit(3)")

    def test_export_turns_exceptions_into_err(self):
        class Broken(kiln.Plugin):
            def run(self, ctx):
                return {}["missing"]

        world = kiln.export(Broken)()
        # A kiln.Context has the fields of the WIT context record.
        with self.assertRaises(kiln.Err) as caught:
            world.run(kiln.Context(params=[]))
        self.assertEqual(caught.exception.value, "KeyError: 'missing'")
        self.assertEqual(kiln.export(app.Coverage)().run(
            context([("path", "lcov.info")])), "line 53.33%, branch 50.00%")


if __name__ == "__main__":
    unittest.main()
