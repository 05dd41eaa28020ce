"""The conversations in the documentation are real, and stay real.

Each ``docs/examples/<name>.txt`` is a console script that starts from an empty
database (its own ``:now``, ``:admin`` and setup lines), and ``<name>.out`` is
exactly what ``minga console --script docs/examples/<name>.txt`` prints.

A markdown file in ``docs/`` embeds an example with a marker line, followed by a
fenced block::

    <!-- example: <name> -->                       the conversation: every shown line of
                                                   the script as "> <line>", then what it
                                                   printed
    <!-- example: <name>; minga <args> -->         what "minga <args> --db <its database>"
                                                   prints after the script has run

In a script, the lines from ``# hide-from-here`` up to ``# show`` set the scene:
they run, but neither they nor what they print appear in the docs. Any other line
starting with ``#`` is a comment.

After a wording change, ``MINGA_UPDATE_DOCS=1`` rewrites every ``.out`` file and
every embedded block from what minga prints now; review the diff before keeping it.

The README's short demo excerpt (a fenced block of console lines) is checked against
``bot/demo/terra.txt`` and what it prints.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from harness import ConsoleChat

from bot import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"
README = ROOT / "README.md"
DEMO = ROOT / "bot" / "demo" / "terra.txt"

HIDE, SHOW = "# hide-from-here", "# show"
UPDATE = os.environ.get("MINGA_UPDATE_DOCS") == "1"

_MARKER = re.compile(r"^<!--\s*example:\s*(?P<name>[\w-]+)\s*(?:;\s*minga\s+(?P<args>.*?))?\s*-->$")
_FENCE = re.compile(r"^```")


def example_names() -> list[str]:
    return sorted(path.stem for path in EXAMPLES.glob("*.txt"))


def markdown_files() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


# --- markdown ------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    path: Path
    marker_line: int  # 0-based index of the marker line
    start: int  # index of the first line inside the fence
    end: int  # index of the closing fence
    name: str
    args: str | None  # minga arguments, for a command's output; None for a transcript

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.marker_line + 1}"


def fenced_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(first line inside, closing fence) of every fenced block."""
    blocks, opened = [], None
    for index, line in enumerate(lines):
        if _FENCE.match(line.strip()):
            if opened is None:
                opened = index
            else:
                blocks.append((opened + 1, index))
                opened = None
    return blocks


def embedded(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for index, line in enumerate(lines):
        match = _MARKER.match(line.strip())
        if match is None:
            continue
        following = [b for b in fenced_blocks(lines) if b[0] > index]
        assert following, f"{path.name}:{index + 1}: a marker without a fenced block after it"
        start, end = following[0]
        between = lines[index + 1 : start - 1]
        assert not any(s.strip() for s in between), (
            f"{path.name}:{index + 1}: only blank lines may separate a marker from its block"
        )
        found.append(Block(path, index, start, end, match["name"], match["args"]))
    return found


def all_blocks() -> list[Block]:
    return [block for path in markdown_files() for block in embedded(path)]


# --- running an example --------------------------------------------------------------


@dataclass
class Run:
    output: str  # everything printed, as minga console --script prints it
    transcript: str  # what the docs show
    errors: str
    url: str


def run_script(path: Path, url: str) -> Run:
    chat = ConsoleChat(url)
    output: list[str] = []
    shown: list[str] = []
    hidden = False
    try:
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if line == HIDE:
                hidden = True
            elif line == SHOW:
                hidden = False
            printed = chat.say(raw)  # every line, so line numbers match --script
            output += printed
            if hidden:
                continue
            if line and not line.startswith("#"):
                shown.append(f"> {line}")
            shown += printed
        errors = chat.err.getvalue()
    finally:
        chat.close()
    text = "".join(f"{line}\n" for line in output)
    return Run(text, "".join(f"{line}\n" for line in shown), errors, url)


def run_minga(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


def expected_block(block: Block, run: Run) -> str:
    if block.args is None:
        return run.transcript
    args = block.args.split()
    code, out, err = run_minga(*args, "--db", run.url)
    assert code == 0, f"{block.where()}: minga {block.args} exited {code}: {err}"
    if out.lstrip().startswith("{") and "--json" not in args:
        # The same report with --json: one line, the same data.
        _, one_line, _ = run_minga(*args, "--json", "--db", run.url)
        assert one_line.count("\n") == 1, f"{block.where()}: --json printed more than one line"
        assert json.loads(one_line) == json.loads(out)
    return out


def replace_block(block: Block, text: str) -> None:
    lines = block.path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[block.start : block.end] = [text]
    block.path.write_text("".join(lines), encoding="utf-8")


# --- tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", example_names())
def test_example_prints_what_its_out_file_says(name: str, sqlite_url: str) -> None:
    script, out_file = EXAMPLES / f"{name}.txt", EXAMPLES / f"{name}.out"
    run = run_script(script, sqlite_url)
    assert run.errors == "", f"{script.name}: the console could not read some lines"
    if UPDATE:
        out_file.write_text(run.output, encoding="utf-8")
    assert out_file.exists(), f"{out_file.name} is missing (MINGA_UPDATE_DOCS=1 writes it)"
    assert run.output == out_file.read_text(encoding="utf-8")

    # Every place in the docs that shows this example shows exactly this.
    for block in reversed([b for b in all_blocks() if b.name == name]):
        # reversed: rewriting a later block never moves an earlier one in the same file
        expected = expected_block(block, run)
        lines = block.path.read_text(encoding="utf-8").splitlines(keepends=True)
        shown = "".join(lines[block.start : block.end])
        if UPDATE and shown != expected:
            replace_block(block, expected)
            continue
        assert shown == expected, f"{block.where()} differs from docs/examples/{name}"


def test_every_transcript_in_the_docs_comes_from_an_example() -> None:
    names = set(example_names())
    for path in markdown_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        starts = {block.start for block in embedded(path)}
        for start, end in fenced_blocks(lines):
            if any(line.startswith("> ") for line in lines[start:end]):
                assert start in starts, (
                    f"{path.name}:{start}: a conversation without <!-- example: <name> --> "
                    "above it; put it in docs/examples/"
                )
        for block in embedded(path):
            assert block.name in names, f"{block.where()}: no docs/examples/{block.name}.txt"


def test_every_example_is_shown_somewhere() -> None:
    shown = {block.name for block in all_blocks()}
    unused = [name for name in example_names() if name not in shown]
    assert not unused, f"examples no markdown file embeds: {unused}"
    orphans = [p.name for p in EXAMPLES.glob("*.out") if p.stem not in example_names()]
    assert not orphans, f".out files without a script: {orphans}"


def test_examples_follow_the_conventions() -> None:
    for name in example_names():
        lines = [line.strip() for line in (EXAMPLES / f"{name}.txt").read_text().splitlines()]
        markers = [line for line in lines if line in (HIDE, SHOW)]
        assert all(a != b for a, b in itertools.pairwise(markers)), (
            f"{name}.txt: {HIDE} and {SHOW} must alternate"
        )
        assert not markers or markers[-1] == SHOW, f"{name}.txt hides its end: nothing to show"
        first = next(line for line in lines if line and not line.startswith("#"))
        assert first.startswith(":now "), f"{name}.txt must start from its own :now"


_CONSOLE_LINE = re.compile(r"^(\S+@\S+: .*|\[(?:dm )?\S+\] .*)$")


def test_the_readme_demo_excerpt_is_what_the_demo_prints(sqlite_url: str) -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    excerpts = [
        lines[start:end]
        for start, end in fenced_blocks(lines)
        if lines[start - 1].strip() == "```"
        and end > start
        and all(_CONSOLE_LINE.match(line) for line in lines[start:end])
    ]
    assert excerpts, "README.md: the demo excerpt (a block of console lines) is gone"
    run = run_script(DEMO, sqlite_url)
    printed = set(run.output.splitlines())
    typed = {line.strip() for line in DEMO.read_text(encoding="utf-8").splitlines()}
    for excerpt in excerpts:
        for line in excerpt:
            where = printed if line.startswith("[") else typed
            assert line in where, f"README.md: the demo never prints or types: {line}"
