"""Requests to a service with fill-ins run one at a time, after the transitions
that are due have completed.

Polling clients of the real services see an operation finish between two of
their calls; completing due transitions before each request reproduces that
(DescribeEndpoint, ListEndpoints, UpdateEndpoint, GetPipelineExecution... all
see the status of "now"). Holding the state lock for the whole request keeps
moto's model objects consistent under the threaded server.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import BaseResponse

from .state import EmulatorState


def serialised_call_action(state: EmulatorState) -> Any:
    original = BaseResponse.call_action

    def call_action(self: BaseResponse) -> Any:
        with state.lock:
            state.apply_due()
            return original(self)

    return call_action
