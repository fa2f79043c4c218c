"""A kiln plugin written in Python.

Build:  kiln plugin build . -o plugin.wasm
Try:    kiln plugin inspect plugin.wasm

Import every module you use at the top of a file: the component holds only
the modules imported at build time.
"""

import kiln_sdk as kiln
from kiln_sdk import log


class Hello(kiln.Plugin):
    def describe(self):
        return kiln.Info(
            "hello",
            "0.1.0",
            summary="Greets someone in the log",
            params=[
                kiln.Param("who", "Who to greet", default="world"),
                kiln.Param("times", "How many greetings", default="1"),
            ],
        )

    def run(self, ctx):
        who = ctx.param("who", "world")
        times = ctx.int("times", 1)
        if times < 1:
            raise kiln.Error("`times` must be at least 1")
        for _ in range(times):
            log.info(f"hello, {who}")
        # Write into each output artifact the pipeline expects.
        for output in ctx.outputs:
            (output.path / "greeting.txt").write_text(f"hello, {who}\n")
        return f"greeted {who} {times} time(s)"


WitWorld = kiln.export(Hello)
