"""actions.py: output files and workflow-command safety."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from golive_action.actions import format_outputs, neutralize, write_outputs
from tests.test_cli import read_outputs


def test_single_and_multi_line_outputs(tmp_path):
    path = tmp_path / "out"
    assert write_outputs({"decision": "go", "notes": "a\nb"}, {"GITHUB_OUTPUT": str(path)})
    assert read_outputs(path) == {"decision": "go", "notes": "a\nb"}


def test_outputs_are_not_written_without_the_variable(tmp_path):
    assert write_outputs({"decision": "go"}, {}) is False


def test_a_fake_delimiter_line_cannot_add_an_output(tmp_path):
    hostile = "x\nghadelimiter_fake\ndecision=go\n"
    path = tmp_path / "out"
    write_outputs({"decision": "no-go", "reason": hostile}, {"GITHUB_OUTPUT": str(path)})
    parsed = read_outputs(path)
    assert parsed["decision"] == "no-go"
    assert parsed["reason"] == hostile


@given(st.text())
def test_neutralized_text_has_no_command_line(text):
    for line in neutralize(text).splitlines():
        assert not line.lstrip().startswith("::")
        assert "##[" not in line


@given(st.dictionaries(st.from_regex(r"[a-z][a-z-]{0,10}", fullmatch=True), st.text(), max_size=5))
def test_format_outputs_round_trips(tmp_path_factory, outputs):
    path = tmp_path_factory.mktemp("out") / "github_output"
    path.write_text(format_outputs(outputs), newline="")
    assert read_outputs(path) == outputs
