"""CodePipeline executions: StartPipelineExecution, GetPipelineExecution,
ListPipelineExecutions and StopPipelineExecution, none of which moto 5.2.1
implements (HTTP 500).

An execution is `InProgress` for update_seconds and then `Succeeded`, or
`Failed` (statusSummary = the reason) when the control API armed a failure for
the pipeline. The emulator does not run stages or actions: an execution passes
or fails as a whole.

API reference:
  https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_StartPipelineExecution.html
  https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GetPipelineExecution.html
  https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ListPipelineExecutions.html
  https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_StopPipelineExecution.html
  https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineExecution.html
  https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineExecutionSummary.html
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from moto.codepipeline.exceptions import PipelineNotFoundException
from moto.codepipeline.models import CodePipeline, CodePipelineBackend
from moto.codepipeline.responses import CodePipelineResponse
from moto.core.exceptions import JsonRESTError
from moto.utilities.utils import get_partition

from .locking import serialised_call_action
from .state import EmulatorState, ResourceKey

DEFAULT_MAX_RESULTS = 100


class PipelineExecutionNotFoundException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("PipelineExecutionNotFoundException", message)


class PipelineExecutionNotStoppableException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("PipelineExecutionNotStoppableException", message)


class DuplicatedStopRequestException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("DuplicatedStopRequestException", message)


class InvalidNextTokenException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("InvalidNextTokenException", message)


class CodePipelineValidationException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("ValidationException", message)


@dataclass
class Execution:
    pipeline_name: str
    pipeline_version: int
    execution_mode: str
    variables: list[dict[str, str]]
    trigger: dict[str, str]
    source_revisions: list[dict[str, str]]
    client_request_token: str | None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "InProgress"
    status_summary: str | None = None
    stop_trigger: dict[str, str] | None = None
    # The JSON protocol carries timestamps as epoch seconds.
    start_time: float = field(default_factory=time.time)
    last_update_time: float = field(default_factory=time.time)

    def set_status(self, status: str, summary: str | None = None) -> None:
        self.status = status
        if summary is not None:
            self.status_summary = summary
        self.last_update_time = time.time()

    def as_pipeline_execution(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "pipelineName": self.pipeline_name,
            "pipelineVersion": self.pipeline_version,
            "pipelineExecutionId": self.id,
            "status": self.status,
            "artifactRevisions": [],
            "trigger": self.trigger,
            "executionMode": self.execution_mode,
            "executionType": "STANDARD",
        }
        if self.status_summary is not None:
            result["statusSummary"] = self.status_summary
        if self.variables:
            result["variables"] = self.variables
        return result

    def as_summary(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "pipelineExecutionId": self.id,
            "status": self.status,
            "startTime": self.start_time,
            "lastUpdateTime": self.last_update_time,
            "sourceRevisions": self.source_revisions,
            "trigger": self.trigger,
            "executionMode": self.execution_mode,
            "executionType": "STANDARD",
        }
        if self.status_summary is not None:
            result["statusSummary"] = self.status_summary
        if self.stop_trigger is not None:
            result["stopTrigger"] = self.stop_trigger
        return result


def install(state: EmulatorState) -> None:
    response = CodePipelineResponse
    response.start_pipeline_execution = _bind(_start, state)  # pyright: ignore[reportAttributeAccessIssue]
    response.get_pipeline_execution = _bind(_get, state)  # pyright: ignore[reportAttributeAccessIssue]
    response.list_pipeline_executions = _bind(_list, state)  # pyright: ignore[reportAttributeAccessIssue]
    response.stop_pipeline_execution = _bind(_stop, state)  # pyright: ignore[reportAttributeAccessIssue]
    response.call_action = serialised_call_action(state)


def _bind(function: Any, state: EmulatorState) -> Any:
    def method(self: CodePipelineResponse) -> str:
        return function(state, self)

    method.__name__ = function.__name__.lstrip("_")
    return method


def _pipeline(backend: CodePipelineBackend, name: str) -> CodePipeline:
    pipeline = backend.pipelines.get(name)
    if pipeline is None:
        # same wording as moto's GetPipeline, which matches CodePipeline's
        raise PipelineNotFoundException(
            f"Account '{backend.account_id}' does not have a pipeline with name '{name}'"
        )
    return pipeline


def _executions(pipeline: CodePipeline) -> dict[str, Execution]:
    """Kept on moto's pipeline object so DeletePipeline drops the history with it."""
    executions: dict[str, Execution] | None = getattr(pipeline, "emulator_executions", None)
    if executions is None:
        executions = {}
        pipeline.emulator_executions = executions  # pyright: ignore[reportAttributeAccessIssue]
    return executions


def _key(backend: CodePipelineBackend, execution: Execution) -> ResourceKey:
    return ("pipeline-execution", backend.account_id, backend.region_name, execution.id)


def _caller_arn(response: CodePipelineResponse, backend: CodePipelineBackend) -> str:
    """triggerDetail of a StartPipelineExecution trigger is the caller's ARN."""
    from moto.sts.models import sts_backends

    partition = get_partition(backend.region_name)
    try:
        _, arn, _ = sts_backends[backend.account_id][partition].get_caller_identity(
            response.get_access_key(), backend.region_name
        )
        return arn
    except Exception:  # an unknown key: moto's default identity
        return f"arn:{partition}:sts::{backend.account_id}:user/moto"


def _resolve_variables(
    pipeline: CodePipeline, overrides: list[dict[str, str]] | None
) -> list[dict[str, str]]:
    """`variables` override the pipeline-level variables declared in the pipeline
    (with their defaultValue); the execution reports every resolved value as
    ResolvedPipelineVariable {name, resolvedValue}. Values may not be empty.
    Names not declared in the pipeline are passed through rather than rejected,
    so the emulator does not require V2 pipeline declarations."""
    resolved: dict[str, str] = {}
    for declared in pipeline.pipeline.get("variables") or []:
        if declared.get("defaultValue") is not None:
            resolved[declared["name"]] = declared["defaultValue"]
    for variable in overrides or []:
        if variable.get("value", "") == "":
            raise CodePipelineValidationException(
                f"Pipeline variable '{variable.get('name')}' must have a non-empty value"
            )
        resolved[variable["name"]] = variable["value"]
    return [{"name": k, "resolvedValue": v} for k, v in resolved.items()]


def _start(state: EmulatorState, response: CodePipelineResponse) -> str:
    backend = response.codepipeline_backend
    name = response._get_param("name")
    pipeline = _pipeline(backend, name)
    executions = _executions(pipeline)

    # clientRequestToken makes the call idempotent: a retry with the same token
    # returns the execution already started instead of starting another one.
    token = response._get_param("clientRequestToken")
    if token is not None:
        for existing in executions.values():
            if existing.client_request_token == token:
                return json.dumps({"pipelineExecutionId": existing.id})

    source_revisions = [
        {"actionName": o["actionName"], "revisionId": o["revisionValue"]}
        for o in response._get_param("sourceRevisions") or []
    ]
    execution = Execution(
        pipeline_name=name,
        pipeline_version=pipeline.pipeline.get("version", 1),
        # PipelineExecution.executionMode: "The default mode is SUPERSEDED."
        execution_mode=pipeline.pipeline.get("executionMode") or "SUPERSEDED",
        variables=_resolve_variables(pipeline, response._get_param("variables")),
        trigger={
            "triggerType": "StartPipelineExecution",
            "triggerDetail": _caller_arn(response, backend),
        },
        source_revisions=source_revisions,
        client_request_token=token,
    )
    executions[execution.id] = execution

    def finish() -> None:
        # An armed failure applies to the next execution of the pipeline to finish.
        reason = state.take_pipeline_failure(name)
        if reason is None:
            execution.set_status("Succeeded")
        else:
            execution.set_status("Failed", reason)

    state.schedule(_key(backend, execution), finish)
    return json.dumps({"pipelineExecutionId": execution.id})


def _get(state: EmulatorState, response: CodePipelineResponse) -> str:
    backend = response.codepipeline_backend
    name = response._get_param("pipelineName")
    execution_id = response._get_param("pipelineExecutionId")
    execution = _executions(_pipeline(backend, name)).get(execution_id)
    if execution is None:
        # also the answer for an execution that belongs to another pipeline
        raise PipelineExecutionNotFoundException(
            f"Pipeline execution with id '{execution_id}' does not exist in pipeline '{name}'"
        )
    return json.dumps({"pipelineExecution": execution.as_pipeline_execution()})


def _list(state: EmulatorState, response: CodePipelineResponse) -> str:
    backend = response.codepipeline_backend
    pipeline = _pipeline(backend, response._get_param("pipelineName"))
    # "A list of executions in the history of a pipeline", most recent first.
    executions = list(reversed(_executions(pipeline).values()))

    stage_filter = (response._get_param("filter") or {}).get("succeededInStage")
    if stage_filter:
        # Executions pass every stage at once here, so only a Succeeded
        # execution has succeeded in a given stage.
        executions = [e for e in executions if e.status == "Succeeded"]

    max_results = response._get_param("maxResults") or DEFAULT_MAX_RESULTS
    if not 1 <= int(max_results) <= 100:
        raise CodePipelineValidationException(
            f"1 validation error detected: Value '{max_results}' at 'maxResults' failed "
            "to satisfy constraint: Member must have value less than or equal to 100"
        )
    start = _decode_token(response._get_param("nextToken"))
    page = executions[start : start + int(max_results)]
    result: dict[str, Any] = {"pipelineExecutionSummaries": [e.as_summary() for e in page]}
    if start + int(max_results) < len(executions):
        result["nextToken"] = _encode_token(start + int(max_results))
    return json.dumps(result)


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_token(token: str | None) -> int:
    if token is None:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
        if isinstance(offset, int) and offset >= 0:
            return offset
    except (ValueError, KeyError, TypeError):
        pass
    raise InvalidNextTokenException("The next token is not valid.")


def _stop(state: EmulatorState, response: CodePipelineResponse) -> str:
    backend = response.codepipeline_backend
    name = response._get_param("pipelineName")
    execution_id = response._get_param("pipelineExecutionId")
    abandon = bool(response._get_param("abandon"))
    reason = response._get_param("reason")
    execution = _executions(_pipeline(backend, name)).get(execution_id)
    # StopPipelineExecution's documented errors have no "not found": an unknown
    # execution, like a finished one, is not stoppable.
    if execution is None:
        raise PipelineExecutionNotStoppableException(
            f"Pipeline execution with id '{execution_id}' does not exist in pipeline '{name}'"
        )
    if execution.status == "Stopping" and not abandon:
        # "If you already chose to stop and wait, you cannot make that request
        # again. You can choose to stop and abandon now" (DuplicatedStopRequestException)
        raise DuplicatedStopRequestException(
            f"Pipeline execution '{execution_id}' is already stopping"
        )
    if execution.status not in ("InProgress", "Stopping"):
        raise PipelineExecutionNotStoppableException(
            f"Pipeline execution '{execution_id}' is {execution.status} and cannot be stopped"
        )

    execution.stop_trigger = {"reason": reason} if reason else {}
    if abandon:
        # Stop and abandon: in-progress actions are abandoned, the execution
        # is Stopped at once.
        state.cancel(_key(backend, execution))
        execution.set_status("Stopped")
    else:
        # Stop and wait: in-progress actions finish first (Stopping -> Stopped).
        execution.set_status("Stopping")
        state.schedule(_key(backend, execution), lambda: execution.set_status("Stopped"))
    return json.dumps({"pipelineExecutionId": execution.id})
