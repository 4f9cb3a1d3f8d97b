"""The emulator's control API, served under /_emulator/ in front of moto.

Tests drive time and failures through it instead of sleeping or needing a
real outage:

  GET  /_emulator/health                      -> {"ok": true, "fillIns": bool}
  POST /_emulator/settle                      complete every pending transition now
                                              (a no-op on plain moto, which has none)
  POST /_emulator/config                      {"updateSeconds": number}
  POST /_emulator/fail-next-update            {"endpointName", "mode": "rollback"|"failed", "reason"}
  POST /_emulator/fail-next-pipeline-execution {"pipelineName", "reason"}

An armed failure is used by the next update of that endpoint (UpdateEndpoint
or UpdateEndpointWeightsAndCapacities) / the next execution of that pipeline
*to finish*, so it can be armed before or while the operation is in progress.
Every other path goes to moto unchanged; moto's POST /moto-api/reset also
clears this state (see fill_ins.install).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from .state import EmulatorState

PREFIX = "/_emulator/"
FAILURE_MODES = ("rollback", "failed")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class BadRequest(Exception):
    pass


class ControlApp:
    def __init__(self, moto_app: WsgiApp, state: EmulatorState | None) -> None:
        """state is None when the server runs plain moto (--plain)."""
        self.moto_app = moto_app
        self.state = state

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self.moto_app(environ, start_response)
        try:
            status, body = self._route(environ["REQUEST_METHOD"], path[len(PREFIX) :], environ)
        except BadRequest as error:
            status, body = 400, {"error": str(error)}
        payload = json.dumps(body).encode()
        reasons = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict"}
        start_response(
            f"{status} {reasons.get(status, 'Error')}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
        )
        return [payload]

    def _route(self, method: str, route: str, environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if route == "health":
            return 200, {"ok": True, "fillIns": self.state is not None}
        handlers = {
            "settle": self._settle,
            "config": self._config,
            "fail-next-update": self._fail_next_update,
            "fail-next-pipeline-execution": self._fail_next_pipeline_execution,
        }
        handler = handlers.get(route)
        if handler is None:
            return 404, {"error": f"unknown control route {PREFIX}{route}"}
        if method != "POST":
            return 405, {"error": f"{PREFIX}{route} takes POST"}
        if self.state is None:
            # Plain moto completes everything inside each call, so there is
            # never anything to settle; the other routes would silently do
            # nothing and are refused.
            if route == "settle":
                return 200, {"settled": 0}
            return 409, {"error": "the emulator runs plain moto (--plain): no fill-ins to control"}
        return 200, handler(self.state, _json_body(environ))

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


def _required_string(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{key} must be a non-empty string")
    return value
