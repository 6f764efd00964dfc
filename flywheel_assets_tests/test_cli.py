"""The command line: every option of every subcommand has a help string; --strict exists on run and demo."""

from __future__ import annotations

import argparse

import pytest

from flywheel_assets.cli import build_parser
from flywheel_assets.privacy.audit import build_parser as pii_parser


def _walk(parser: argparse.ArgumentParser, path: str = ""):
    """(command path, action) for every argument of the parser and its subcommands."""
    for a in parser._actions:  # argparse keeps no public list of actions
        if isinstance(a, argparse._SubParsersAction):
            for name, sub in a.choices.items():
                yield from _walk(sub, f"{path} {name}".strip())
        elif not isinstance(a, argparse._HelpAction):
            yield path, a


@pytest.mark.parametrize("parser,at_least", [(build_parser(), 25), (pii_parser(), 5)], ids=["flywheel", "flywheel pii"])
def test_every_option_has_help(parser, at_least):
    actions = list(_walk(parser))
    assert len(actions) >= at_least  # the walk reached the subcommands
    missing = [f"{cmd or '(top)'} {'/'.join(a.option_strings) or a.dest}" for cmd, a in actions
               if not (a.help and a.help.strip() and a.help != argparse.SUPPRESS)]
    assert not missing, f"options without help: {missing}"


def test_every_subcommand_has_help():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help for c in sub._choices_actions}
    assert set(helps) == set(sub.choices)
    assert all(h and h.strip() for h in helps.values()), helps


@pytest.mark.parametrize("cmd", ["run", "demo"])
def test_strict_flag(cmd, capsys):
    argv = [cmd, "--logs", "x"] if cmd == "run" else [cmd]
    assert build_parser().parse_args(argv).strict is False
    assert build_parser().parse_args([*argv, "--strict"]).strict is True
    with pytest.raises(SystemExit):
        build_parser().parse_args([cmd, "--help"])
    out = capsys.readouterr().out
    assert "--strict" in out and "WARN" in out
