"""The command line itself: help that teaches, bare `lakestack`, colour rules, completion, progress lines."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys

import pytest

from lakestack.cli import build_parser, main
from lakestack.colour import Painter, colour_enabled
from lakestack.completion import completion_script
from lakestack.progress import ProgressLines
from tests.configs import EXAMPLE, example_data, write_config


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_every_subcommand_and_option_is_described():
    parser = build_parser()
    listed = {a.dest: a.help for a in next(
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction))._choices_actions}
    missing = []
    for name, sub in subcommands(parser).items():
        if not listed.get(name):
            missing.append(f"{name}: no one-line help in `lakestack --help`")
        if not sub.description:
            missing.append(f"{name}: no description")
        if not sub.epilog or f"lakestack {name}" not in sub.epilog:
            missing.append(f"{name}: no examples in the epilog")
        for action in sub._actions:
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}: no help")
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction) and not action.help:
            missing.append(f"lakestack {'/'.join(action.option_strings)}: no help")
    assert missing == []


def test_every_command_help_renders(capsys):
    for name in subcommands(build_parser()):
        with pytest.raises(SystemExit) as exit_:
            main([name, "--help"])
        assert exit_.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith(f"usage: lakestack {name}")
        assert "examples:" in out or "example:" in out


def test_bare_lakestack_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    out = capsys.readouterr().out
    assert out.startswith("usage: lakestack")
    for text in ("commands:", "validate", "show", "getting started", ".venv/bin/lakestack", "exit codes",
                 "NO_COLOR", "lakestack completion bash"):
        assert text in out


def test_help_flag_exits_0(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    assert "lakestack COMMAND --help" in capsys.readouterr().out


def test_multi_line_epilogs_keep_their_layout_and_descriptions_wrap(capsys):
    with pytest.raises(SystemExit):
        main(["show", "--help"])
    out = capsys.readouterr().out
    assert "\n  lakestack show --env prod                   # one environment\n" in out
    assert all(len(line) < 120 for line in out.split("examples:")[0].splitlines())


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert colour_enabled(FakeTerminal())
    assert not colour_enabled(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_enabled(FakeTerminal())
    monkeypatch.setenv("NO_COLOR", "")
    assert colour_enabled(FakeTerminal()), "an empty NO_COLOR does not count (no-color.org)"
    monkeypatch.setenv("TERM", "dumb")
    assert not colour_enabled(FakeTerminal())
    assert Painter(True)("ok", "green") == "\033[32mok\033[0m"
    assert Painter(False)("ok", "green") == "ok"


def test_errors_are_red_on_a_terminal_and_plain_elsewhere(tmp_path, monkeypatch, capsys):
    data = example_data()
    data["environments"]["dev"]["access"] = {"nobody": "writer"}
    path = str(write_config(tmp_path / "p.yaml", data))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert main(["validate", "--config", path]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["validate", "--config", path]) == 2
    assert terminal.getvalue().startswith("\033[31;1merror:\033[0m ")
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["validate", "--config", path]) == 2
    assert "\033[" not in terminal.getvalue()


def test_show_is_coloured_on_a_terminal_only(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["show", "--config", str(EXAMPLE), "--env", "prod"]) == 0
    text = terminal.getvalue()
    assert "\033[1;31m== prod" in text
    assert "\033[1mproduct_recommender\033[0m" in text


@pytest.mark.parametrize("shell", ["bash", "zsh", "tcsh"])
def test_completion_scripts_know_every_command(shell):
    script = completion_script(shell)
    for name in ("validate", "show", "synth", "audit", "review", "bootstrap", "promote", "completion"):
        assert name in script
    assert "--fail-on" in script and "--format" in script


def test_bash_completion_completes_paths_and_choices():
    script = completion_script("bash")
    assert "_shtab_compgen_files" in script and "_shtab_compgen_dirs" in script
    assert "mermaid" in script and "sarif" in script


def test_bash_completion_script_is_valid_bash(tmp_path):
    target = tmp_path / "lakestack.bash"
    target.write_text(completion_script("bash"))
    result = subprocess.run(["bash", "-n", str(target)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    result = subprocess.run(["bash", "-c", f"source {target} && complete -p lakestack"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and "lakestack" in result.stdout, result.stderr


def test_progress_lines_only_on_a_terminal():
    terminal, pipe = FakeTerminal(), io.StringIO()
    ProgressLines("synth", terminal)("[1/4] built stack dev")
    ProgressLines("synth", pipe)("[1/4] built stack dev")
    assert terminal.getvalue().endswith("synth: [1/4] built stack dev\n")
    assert pipe.getvalue() == ""


def test_synth_reports_each_stack(tmp_path, example_config):
    from infra.synth import synth

    heard: list[str] = []
    synth(example_config, tmp_path / "out", progress=heard.append)
    assert heard[0].startswith("starting CDKTF")
    assert heard[1:-1] == ["[1/6] built stack dev-account", "[2/6] built stack staging-account",
                           "[3/6] built stack prod-account", "[4/6] built stack dev",
                           "[5/6] built stack staging", "[6/6] built stack prod"]
    assert heard[-1] == "writing Terraform JSON"


def complete_in_bash(script_path, *words: str) -> list[str]:
    """What bash offers at the end of `lakestack WORDS...` (the last word being completed)."""
    line = " ".join(("lakestack", *words))
    program = (f"source {script_path}\n"
               "f=$(complete -p lakestack | sed 's/.*-F \\([^ ]*\\).*/\\1/')\n"
               f"COMP_WORDS=(lakestack {' '.join(repr(w) for w in words)}); COMP_CWORD={len(words)}\n"
               f"COMP_LINE={line!r}; COMP_POINT=${{#COMP_LINE}}\n"
               f"$f lakestack {words[-1]!r} {words[-2] if len(words) > 1 else 'lakestack'!r}\n"
               'printf "%s\\n" "${COMPREPLY[@]}"')
    result = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    return result.stdout.split()


def test_bash_completes_commands_options_and_choices(tmp_path):
    script = tmp_path / "lakestack.bash"
    script.write_text(completion_script("bash"))
    assert complete_in_bash(script, "va") == ["validate"]
    assert complete_in_bash(script, "show", "--format", "") == ["text", "markdown", "mermaid", "json"]
    assert sorted(complete_in_bash(script, "audit", "--f")) == ["--fail-on", "--format"]


def test_a_reader_that_goes_away_ends_the_command_quietly():
    """`lakestack show | head`: no traceback, the exit status of a process stopped by SIGPIPE."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before lakestack writes a byte
    try:
        result = subprocess.run([sys.executable, "-m", "lakestack", "show", "--config", str(EXAMPLE)],
                                stdout=write_end, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(write_end)
    assert result.returncode == 141
    assert result.stderr == ""
