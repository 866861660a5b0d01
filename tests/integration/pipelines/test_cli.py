"""The pipelines, schedule and results commands, as a scientist types them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from madlab.bootstrap import Services
from madlab.cli import main
from madlab.domain.jobs import JobStatus
from madlab.pipelines.service import PipelineService
from madlab.runtime.local import LocalQueue

from .conftest import ORG

Platform = tuple[Services, PipelineService, LocalQueue]

SPEC = """\
name: cli demo
inputs:
  word: hello
steps:
  - id: say
    task: emit
    parameters:
      out:
        said: ${inputs.word}
  - id: shout
    task: emit
    when: steps.say.outputs.said == 'HELLO'
"""


def invoke(services: Services, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), obj=services)
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def test_create_run_share_export_import_schedule(platform: Platform, tmp_path: Path) -> None:
    services, pipelines, _ = platform
    spec = tmp_path / "demo.yaml"
    spec.write_text(SPEC)
    code, out = invoke(services, "pipelines", "create", str(spec))
    assert code == 0, out
    pipeline_id = out.split()[0]
    assert "cli demo v1" in out
    code, out = invoke(services, "pipelines", "create", str(spec), "--template")
    assert "cli demo v2  template" in out
    code, out = invoke(services, "pipelines", "versions", "cli demo")
    assert out.count("cli demo v") == 2
    code, out = invoke(services, "pipelines", "list", "--templates")
    assert "v2  template" in out and "screen_library" in out

    code, out = invoke(
        services, "pipelines", "run", pipeline_id, "--input", "word=HELLO", "--no-report"
    )
    assert code == 0, out
    run_id = out.split()[1]
    final = pipelines.wait(ORG, run_id, timeout=120)
    assert final.status is JobStatus.SUCCEEDED
    code, out = invoke(services, "pipelines", "status", run_id)
    assert "say: succeeded" in out and "shout: succeeded" in out

    code, out = invoke(services, "pipelines", "share", pipeline_id, "organization")
    assert "organization" in out
    code, out = invoke(services, "pipelines", "publish", pipeline_id)
    assert "public" in out
    exported = tmp_path / "demo.json"
    code, out = invoke(services, "pipelines", "export", pipeline_id, str(exported))
    assert json.loads(exported.read_text())["name"] == "cli demo"
    code, out = invoke(services, "pipelines", "import", str(exported))
    assert "cli demo v3  template" in out
    code, out = invoke(services, "pipelines", "show", pipeline_id)
    assert json.loads(out)["steps"][0]["id"] == "say"

    code, out = invoke(services, "schedule", "add", "0 3 * * *", pipeline_id, "--input", "n=2")
    assert code == 0 and "next" in out
    schedule_id = out.split()[0]
    code, out = invoke(services, "schedule", "list")
    assert schedule_id in out and "0 3 * * *" in out
    code, out = invoke(services, "schedule", "run", "--once")
    assert code == 0 and "started" not in out  # nothing due before 03:00 tomorrow
    code, out = invoke(services, "schedule", "remove", schedule_id)
    assert "removed" in out


def test_notebooks_become_tasks(platform: Platform) -> None:
    services, _, _ = platform
    code, out = invoke(services, "pipelines", "notebooks")
    assert code == 0, out
    assert "notebook-pipeline_report v1" in out and "run_json" in out
    assert (
        services.tasks.get("notebook-pipeline_report", organization_id=ORG).category == "notebook"
    )


def test_bad_input_is_one_line(platform: Platform, tmp_path: Path) -> None:
    services, _, _ = platform
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsteps:\n  - id: a\n    task: emit\n    when: 'x <'\n")
    code, out = invoke(services, "pipelines", "create", str(bad))
    assert code == 2 and "steps[0].when" in out and "column" in out
    code, out = invoke(services, "schedule", "add", "nightly", "some-id")
    assert code == 2
    code, out = invoke(services, "results", "query")
    assert code == 2 and "--run or --job" in out
    code, out = invoke(services, "results", "query", "--run", "x", "--range", "mass=1:2")
    assert code == 2 and "property=low:high" in out
    code, out = invoke(services, "pipelines", "run", "--template", "nope")
    assert code == 2 and "built-in templates" in out
    code, out = invoke(services, "pipelines", "run", "x", "--input", "novalue")
    assert code == 2 and "name=value" in out
