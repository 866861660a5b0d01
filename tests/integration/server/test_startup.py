"""What the server extension starts with: notebook tasks registered, the schedules' loop."""

from __future__ import annotations

from typing import Any


async def test_the_server_registers_notebook_tasks_and_runs_schedules(
    api: Any, jp_serverapp: Any
) -> None:
    status, body, _ = await api("tok-alice").call("GET", "tasks")
    assert status == 200
    notebook = [t for t in body["tasks"] if t["task_id"] == "notebook-pipeline_report"]
    assert notebook and notebook[0]["category"] == "notebook"
    runner = jp_serverapp.web_app.settings["madlab_schedules"]
    assert runner.running and runner.interval_s == 30.0
