"""actions.py: output files and workflow-command safety."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from golive_action.actions import (
    FIRST_STEP_FILE,
    format_outputs,
    neutralize,
    step_file_names,
    write_outputs,
)
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
    """Each value reads back as written, but for the characters not drawn as themselves,
    which read back as their escapes (``text.visible``, line breaks kept)."""
    from golive_action.text import visible

    path = tmp_path_factory.mktemp("out") / "github_output"
    path.write_text(format_outputs(outputs), newline="")
    assert read_outputs(path) == {k: visible(v, lines=True) for k, v in outputs.items()}


PLAIN = {"report": "golive-report.json", "canary-output": "canary_resp.json"}


def step_env(tmp_path, step: str, **extra: str) -> dict[str, str]:
    return {"GITHUB_ACTIONS": "true", "GITHUB_ACTION": step, "RUNNER_TEMP": str(tmp_path), **extra}


def test_the_first_step_of_a_job_keeps_the_plain_names_and_a_later_one_gets_its_own(tmp_path):
    assert step_file_names(PLAIN, step_env(tmp_path, "gate")) == PLAIN
    later = step_file_names(PLAIN, step_env(tmp_path, "rollback-check"))
    assert later == {
        "report": "golive-report-rollback-check.json",
        "canary-output": "canary_resp-rollback-check.json",
    }
    # The first step again (its gate and its refused run in one step) is still the first.
    assert step_file_names(PLAIN, step_env(tmp_path, "gate")) == PLAIN
    # A step without an id: the runner's own name for it, e.g. the second use of the action.
    unnamed = step_file_names(PLAIN, step_env(tmp_path, "__golive-action_golive-action_2"))
    assert unnamed["report"] == "golive-report-__golive-action_golive-action_2.json"
    assert (tmp_path / FIRST_STEP_FILE).read_text() == "gate\n"


def test_another_job_starts_again_with_the_plain_names(tmp_path):
    """RUNNER_TEMP is the job's own: a job after another keeps nothing of its claim."""
    (tmp_path / "job-1").mkdir()
    (tmp_path / "job-2").mkdir()
    assert step_file_names(PLAIN, step_env(tmp_path / "job-1", "gate")) == PLAIN
    assert step_file_names(PLAIN, step_env(tmp_path / "job-2", "other")) == PLAIN


def test_a_step_id_becomes_a_safe_part_of_a_file_name(tmp_path):
    step_file_names(PLAIN, step_env(tmp_path, "gate"))
    odd = step_file_names({"report": "out/golive-report.json"}, step_env(tmp_path, "a/b c.d"))
    assert odd == {"report": "out/golive-report-a_b_c.d.json"}
    long = step_file_names(PLAIN, step_env(tmp_path, "x" * 500))
    assert long["report"] == f"golive-report-{'x' * 100}.json"


def test_outside_a_job_step_the_names_are_the_plain_ones(tmp_path):
    claimed = step_env(tmp_path, "gate")
    step_file_names(PLAIN, claimed)  # a first step has claimed them
    later = step_env(tmp_path, "later")
    for env in (
        {**later, "GITHUB_ACTIONS": ""},  # not in Actions
        {**later, "GITHUB_ACTION": ""},
        {**later, "GITHUB_ACTION": ".."},  # nothing of a name is left
        {**later, "RUNNER_TEMP": ""},
        {**later, "RUNNER_TEMP": str(tmp_path / "missing")},  # no claim can be kept
    ):
        assert step_file_names(PLAIN, env) == PLAIN, env
