"""The emulator's control API, served under /_emulator/ in front of moto, and
the faults it injects into AWS calls.

Tests drive time and failures through it instead of sleeping or needing a
real outage:

  GET  /_emulator/health                      -> {"ok": true, "fillIns": bool}
  POST /_emulator/settle                      complete every pending transition now
                                              (a no-op on plain moto, which has none)
  POST /_emulator/config                      {"updateSeconds": number}
  POST /_emulator/fail-next-update            {"endpointName", "mode": "rollback"|"failed", "reason"}
  POST /_emulator/fail-next-pipeline-execution {"pipelineName", "reason"}
  POST /_emulator/fail-next-transform-job     {"reason", "status"?: "Failed"|"Stopped"}: the next transform
                                              job to finish ends that way (Failed by default) with that
                                              FailureReason
  POST /_emulator/fail-next-invocation        {"endpointName", "message", "originalStatusCode"?}: the next
                                              InvokeEndpoint of that endpoint that reaches its model answers
                                              ModelError (HTTP 424), the model having answered that status
                                              (500 by default) and message
  POST /_emulator/variant-behaviour           {"endpointName", "variantName", "errorRate"?: 0..1,
                                               "clientErrorRate"?: 0..1, "latencyMicros"?}: from now on
                                              that share of the variant's invocations answer 5xx / 4xx
                                              (evenly spread, see invocation_traffic.py) and its
                                              ModelLatency is latencyMicros; all left out (or 0) resets it
  POST /_emulator/advance-deployment          {"endpointName", "region"?, "accountId"?}: end the current
                                              stage of that endpoint's guardrail deployment now ->
                                              {"endpointName", "stage", "trafficPercent",
                                               "deploymentSeconds", "step"?, "steps"?, "failureReason"?}
  GET  /_emulator/deployments                 -> {"deployments": [...]}: the guardrail deployments in progress
  POST /_emulator/advance-inference-component {"inferenceComponentName", "region"?, "accountId"?}: end the
                                              current batch of that inference component's rolling update
                                              now -> {"inferenceComponentName", "stage", "batch"?, "batches",
                                              "batchSize", "copies", "copiesUpdated", "deploymentSeconds",
                                              "failureReason"?}
  GET  /_emulator/inference-component-updates -> {"updates": [...]}: the rolling updates in progress
  POST /_emulator/inject                      {"service", "operation", "error", "status"?, "times"?,
                                               "delayMs"?, "message"?}
  GET  /_emulator/inject                      -> {"faults": [{..., "remaining"}]}: what is armed
  DELETE /_emulator/inject                    disarm every fault -> {"disarmed": n}: the outage ends

A guardrail deployment (UpdateEndpoint with a DeploymentConfig, see
guardrails.py) moves through its stages on the update clock; advance-deployment
ends the current stage at once (alarms and timeout are checked, as at every
stage boundary) and answers the stage the deployment is now in, or its outcome:
"done", "rolled-back" or "failed". It answers 409 when no deployment of that
endpoint is in progress. settle runs every deployment to its end. An inference
component's rolling update (UpdateInferenceComponent with a DeploymentConfig,
see inference_component_rollouts.py) moves the same way, one batch per stage:
"batch-baking", then "done" or "rolled-back".

An armed failure is used by the next update of that endpoint (UpdateEndpoint
or UpdateEndpointWeightsAndCapacities) / the next execution of that pipeline /
the next transform job *to finish*, so it can be armed before or while the
operation is in progress; failures armed for transform jobs are used one per
job, in the order they were armed (a job being stopped uses none).

An injected fault applies to the next `times` (default 1) calls of that
operation: each answers HTTP `status` (default 400) with the AWS error `error`
in the caller's protocol (see faults.py). With `delayMs` the answer comes that
much later: the error if one is given, else the call goes to moto and takes
effect late. `service` is the SigV4 signing name (sagemaker, dynamodb,
monitoring or cloudwatch, sns, s3, application-autoscaling, codepipeline).

Every other path goes to moto unchanged; moto's POST /moto-api/reset also
clears this state (see fill_ins.install). On plain moto (--plain) every route
but health and settle answers 409.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from . import faults, invocation_traffic
from .state import ArmedFault, EmulatorState

PREFIX = "/_emulator/"
FAILURE_MODES = ("rollback", "failed")
TRANSFORM_JOB_FAILURE_STATUSES = ("Failed", "Stopped")
INJECT_FIELDS = ("service", "operation", "error", "status", "times", "delayMs", "message")
VARIANT_BEHAVIOUR_FIELDS = ("endpointName", "variantName", "errorRate", "clientErrorRate", "latencyMicros")
MAX_DELAY_MS = 60_000  # longer than any SDK timeout a test would set; keeps a typo from hanging a run

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class BadRequest(Exception):
    pass


class Conflict(Exception):
    pass


class ControlApp:
    def __init__(self, moto_app: WsgiApp, state: EmulatorState | None) -> None:
        """state is None when the server runs plain moto (--plain)."""
        self.moto_app = moto_app
        self.state = state

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self._forward(environ, start_response)
        try:
            status, body = self._route(environ["REQUEST_METHOD"], path[len(PREFIX) :], environ)
        except BadRequest as error:
            status, body = 400, {"error": str(error)}
        except Conflict as error:
            status, body = 409, {"error": str(error)}
        payload = json.dumps(body).encode()
        reasons = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict"}
        start_response(
            f"{status} {reasons.get(status, 'Error')}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
        )
        return [payload]

    def _forward(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """An AWS call: answered by an armed fault if one matches, else by moto."""
        state = self.state
        if state is None or not state.has_faults() or environ.get("PATH_INFO", "").startswith("/moto-api/"):
            return self.moto_app(environ, start_response)
        service = faults.signing_service(environ)
        operation = faults.operation_name(environ, service) if service else None
        fault = state.take_fault(service, operation) if service and operation else None
        if fault is None:
            return self.moto_app(environ, start_response)
        if fault.delay_ms:
            # Outside the state lock: other calls go on while this one waits.
            time.sleep(fault.delay_ms / 1000)
        if fault.error is None:
            return self.moto_app(environ, start_response)
        faults.discard_body(environ)
        status, headers, body = faults.error_response(
            environ, fault.service, fault.error, fault.message, fault.status
        )
        start_response(status, headers)
        return body

    def _route(self, method: str, route: str, environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if route == "health":
            return 200, {"ok": True, "fillIns": self.state is not None}
        handlers: dict[str, dict[str, Callable[[EmulatorState, dict[str, Any]], dict[str, Any]]]] = {
            "settle": {"POST": self._settle},
            "config": {"POST": self._config},
            "fail-next-update": {"POST": self._fail_next_update},
            "fail-next-pipeline-execution": {"POST": self._fail_next_pipeline_execution},
            "fail-next-transform-job": {"POST": self._fail_next_transform_job},
            "fail-next-invocation": {"POST": self._fail_next_invocation},
            "variant-behaviour": {"POST": self._variant_behaviour},
            "advance-deployment": {"POST": self._advance_deployment},
            "deployments": {"GET": self._deployments},
            "advance-inference-component": {"POST": self._advance_inference_component},
            "inference-component-updates": {"GET": self._inference_component_updates},
            "inject": {"POST": self._inject, "GET": self._injected, "DELETE": self._disarm},
        }
        methods = handlers.get(route)
        if methods is None:
            return 404, {"error": f"unknown control route {PREFIX}{route}"}
        handler = methods.get(method)
        if handler is None:
            return 405, {"error": f"{PREFIX}{route} takes {' or '.join(methods)}"}
        if self.state is None:
            # Plain moto completes everything inside each call, so there is
            # never anything to settle; the other routes would silently do
            # nothing and are refused.
            if route == "settle":
                return 200, {"settled": 0}
            return 409, {"error": "the emulator runs plain moto (--plain): no fill-ins to control"}
        body = _json_body(environ) if method == "POST" else {}
        return 200, handler(self.state, body)

    @staticmethod
    def _settle(state: EmulatorState, _: dict[str, Any]) -> dict[str, Any]:
        return {"settled": state.settle()}

    @staticmethod
    def _config(state: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
        seconds = body.get("updateSeconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise BadRequest("updateSeconds must be a number >= 0")
        with state.lock:
            # applies to operations started from now on
            state.update_seconds = float(seconds)
        return {"updateSeconds": state.update_seconds}

    @staticmethod
    def _fail_next_update(state: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
        name = _required_string(body, "endpointName")
        mode = _required_string(body, "mode")
        if mode not in FAILURE_MODES:
            raise BadRequest(f"mode must be one of {', '.join(FAILURE_MODES)}")
        reason = _required_string(body, "reason")
        state.arm_endpoint_failure(name, mode, reason)
        return {"armed": {"endpointName": name, "mode": mode, "reason": reason}}

    @staticmethod
    def _fail_next_pipeline_execution(state: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
        name = _required_string(body, "pipelineName")
        reason = _required_string(body, "reason")
        state.arm_pipeline_failure(name, reason)
        return {"armed": {"pipelineName": name, "reason": reason}}

    @staticmethod
    def _fail_next_transform_job(state: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
        reason = _required_string(body, "reason")
        status = _optional_string(body, "status") or "Failed"
        if status not in TRANSFORM_JOB_FAILURE_STATUSES:
            raise BadRequest(f"status must be one of {', '.join(TRANSFORM_JOB_FAILURE_STATUSES)}")
        state.arm_transform_job_failure(status, reason)
        return {"armed": {"status": status, "reason": reason}}

    @staticmethod
    def _fail_next_invocation(state: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
        name = _required_string(body, "endpointName")
        message = _required_string(body, "message")
        original_status = _optional_integer(body, "originalStatusCode", 400, 599)
        status = 500 if original_status is None else original_status
        state.arm_invocation_failure(name, message, status)
        return {"armed": {"endpointName": name, "message": message, "originalStatusCode": status}}

    @staticmethod
    def _variant_behaviour(state: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
        _refuse_unknown_fields(body, VARIANT_BEHAVIOUR_FIELDS)
        endpoint_name = _required_string(body, "endpointName")
        variant_name = _required_string(body, "variantName")
        error_rate = _optional_number(body, "errorRate", 0, 1) or 0.0
        client_error_rate = _optional_number(body, "clientErrorRate", 0, 1) or 0.0
        if error_rate + client_error_rate > 1:
            raise BadRequest("errorRate + clientErrorRate must be at most 1")
        latency = _optional_number(body, "latencyMicros", 0, invocation_traffic.MAX_MODEL_LATENCY_MICROS)
        behaviour = invocation_traffic.behaviour_of(error_rate, client_error_rate, latency)
        state.set_variant_behaviour(endpoint_name, variant_name, behaviour)
        described = behaviour.describe() if behaviour is not None else {"errorRate": 0.0, "clientErrorRate": 0.0}
        return {"behaviour": {"endpointName": endpoint_name, "variantName": variant_name, **described}}

    @staticmethod
    def _advance_deployment(state: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
        name = _required_string(body, "endpointName")
        region = _optional_string(body, "region")
        account = _optional_string(body, "accountId")
        with state.lock:
            found = [
                deployment
                for key, deployment in state.deployments.items()
                if key[3] == name and region in (None, key[2]) and account in (None, key[1])
            ]
            if not found:
                raise Conflict(f"no guardrail deployment of endpoint {name!r} is in progress")
            if len(found) > 1:
                raise BadRequest(
                    f"endpoint {name!r} is deploying in several accounts or regions: give region or accountId"
                )
            deployment = found[0]
            deployment.advance()
            return deployment.describe()

    @staticmethod
    def _deployments(state: EmulatorState, _: dict[str, Any]) -> dict[str, Any]:
        with state.lock:
            return {"deployments": [deployment.describe() for deployment in state.deployments.values()]}

    @staticmethod
    def _advance_inference_component(state: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
        name = _required_string(body, "inferenceComponentName")
        region = _optional_string(body, "region")
        account = _optional_string(body, "accountId")
        with state.lock:
            found = [
                update
                for key, update in state.component_updates.items()
                if key[3] == name and region in (None, key[2]) and account in (None, key[1])
            ]
            if not found:
                raise Conflict(f"no rolling update of inference component {name!r} is in progress")
            if len(found) > 1:
                raise BadRequest(
                    f"inference component {name!r} is updating in several accounts or regions: give region or accountId"
                )
            update = found[0]
            update.advance()
            return update.describe()

    @staticmethod
    def _inference_component_updates(state: EmulatorState, _: dict[str, Any]) -> dict[str, Any]:
        with state.lock:
            return {"updates": [update.describe() for update in state.component_updates.values()]}

    @staticmethod
    def _inject(state: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
        fault = _fault(body)
        state.arm_fault(fault)
        return {"armed": fault.describe()}

    @staticmethod
    def _injected(state: EmulatorState, _: dict[str, Any]) -> dict[str, Any]:
        return {"faults": state.armed_faults()}

    @staticmethod
    def _disarm(state: EmulatorState, _: dict[str, Any]) -> dict[str, Any]:
        return {"disarmed": state.disarm_faults()}


def _json_body(environ: dict[str, Any]) -> dict[str, Any]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length else b""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise BadRequest(f"body is not JSON: {error}") from error
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def _refuse_unknown_fields(body: dict[str, Any], fields: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise BadRequest(f"unknown field {unknown[0]!r}; the fields are {', '.join(fields)}")


def _fault(body: dict[str, Any]) -> ArmedFault:
    """Validates an inject request; each error names the field at fault."""
    _refuse_unknown_fields(body, INJECT_FIELDS)
    service = _required_string(body, "service")
    if service not in faults.SERVICES:
        raise BadRequest(f"service must be one of {', '.join(faults.SERVICES)}")
    operation = _required_string(body, "operation")
    error = _optional_string(body, "error")
    delay_ms = _optional_number(body, "delayMs", 0, MAX_DELAY_MS)
    if error is None and delay_ms is None:
        raise BadRequest("error must be a non-empty string (or give delayMs alone to answer late without failing)")
    status = _optional_integer(body, "status", 400, 599)
    times = _optional_integer(body, "times", 1, None)
    message = _optional_string(body, "message")
    return ArmedFault(
        service=faults.SERVICES[service],
        operation=operation,
        error=error,
        status=400 if status is None else status,
        message=message or f"{error or 'Delay'} injected by the emulator into {operation}",
        remaining=1 if times is None else times,
        delay_ms=delay_ms,
    )


def _optional_string(body: dict[str, Any], key: str) -> str | None:
    if body.get(key) is None:
        return None
    return _required_string(body, key)


def _optional_integer(body: dict[str, Any], key: str, low: int, high: int | None) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f">= {low}"
        raise BadRequest(f"{key} must be an integer {bounds}")
    return value


def _optional_number(body: dict[str, Any], key: str, low: float, high: float) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise BadRequest(f"{key} must be a number between {low} and {high}")
    return float(value)


def _required_string(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{key} must be a non-empty string")
    return value
