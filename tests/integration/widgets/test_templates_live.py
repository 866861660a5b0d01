"""Save as template: from the pipeline builder through the client and the API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from madlab.client import MadlabClient
from madlab.errors import NotFoundError, ValidationError
from madlab.widgets import PipelineBuilder
from tests.integration.server.live import LiveServer, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("templates")) as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> Iterator[MadlabClient]:
    with MadlabClient(server.url, server.token) as c:
        yield c


def _builder(client: MadlabClient, name: str) -> PipelineBuilder:
    builder = PipelineBuilder(client)
    builder.name.value = name
    step = builder.add_step("prepare_receptor", "prep")
    step.parameters.value = json.dumps({"receptor": "receptor.pdb"})
    return builder


def test_a_built_pipeline_is_saved_as_a_shared_template(client: MadlabClient) -> None:
    builder = _builder(client, "prepare a receptor")
    assert [o[1] for o in builder.visibility.options] == ["private", "organization", "public"]
    builder.visibility.value = "organization"
    builder.template_button.click()
    template = builder.template
    assert template is not None, builder.message.value
    assert builder.saved is not None and not builder.saved.is_template
    assert template.is_template and template.visibility == "organization"
    assert template.name == "prepare a receptor" and template.version == "2"
    assert template.spec["steps"][0]["task"] == "prepare_receptor"
    assert "organization" in builder.message.value and "v2" in builder.message.value
    listed = {t.id: t for t in client.templates()}
    assert template.id in listed and builder.saved.id not in listed
    # unchanged: the saved pipeline is reused, the next template copy is v3, private
    again = builder.save_as_template("private")
    assert again is not None and again.version == "3" and again.visibility == "private"
    assert client.pipeline(again.id).spec == template.spec


def test_a_changed_pipeline_is_saved_again_before_its_template(client: MadlabClient) -> None:
    builder = _builder(client, "screen later")
    first = builder.save_as_template()
    assert first is not None and builder.saved is not None
    saved_before = builder.saved.id
    builder.name.value = "screen later, renamed"
    second = builder.save_as_template("public")
    assert second is not None and builder.saved.id != saved_before
    assert second.name == "screen later, renamed" and second.visibility == "public"


def test_bad_requests_are_refused_by_field(client: MadlabClient) -> None:
    builder = _builder(client, "")
    assert builder.save_as_template() is None and "name" in builder.message.value
    saved = client.create_pipeline(
        "plain", {"name": "plain", "steps": [{"id": "a", "task": "prepare_receptor"}]}
    )
    with pytest.raises(ValidationError) as err:
        client.save_as_template(saved.id, "everyone")
    assert "visibility" in str(err.value) or err.value.field == "visibility"
    with pytest.raises(NotFoundError):
        client.save_as_template("no-such-pipeline")
    builder = _builder(client, "orphan")
    builder.saved = saved
    builder._saved_document = builder.document()
    builder.saved = saved.model_copy(update={"id": "no-such-pipeline"})
    assert builder.save_as_template() is None and "not found" in builder.message.value
