"""Fill-ins: patches to moto 5.2.1 where it lacks, or differs from, the AWS
behaviour this project depends on. Each module documents the AWS behaviour it
reproduces; test/integration/emulator*.test.ts check both the fill-ins and that
plain moto still needs them.

Patching moto is what pyright cannot follow, so those lines say so, and only
for that rule: `# pyright: ignore[reportAttributeAccessIssue]` where a fill-in
adds an operation or a field moto's classes do not declare, or replaces a
method with one of another signature; `[reportCallIssue]` where a call passes
parameters only the fill-in's replacement accepts. Plain `# type: ignore` is
not honoured (pyrightconfig.json), and a pyright ignore that is no longer
needed is an error.
"""

from __future__ import annotations

from .state import EmulatorState


def install(update_seconds: float) -> EmulatorState:
    """Patch moto's classes in place (call once, before serving) and return the
    state the control API works on."""
    from moto.moto_api._internal.models import MotoAPIBackend

    from . import (
        alarm_history,
        alarms,
        autoscaling,
        codepipeline_executions,
        dynamodb_atomic_writes,
        endpoint_invocations,
        inference_components,
        metric_data,
        model_packages,
        sagemaker_endpoints,
        serverless,
        transform_jobs,
    )

    state = EmulatorState(update_seconds)
    sagemaker_endpoints.install(state)  # with guardrail deployments (guardrails.py)
    serverless.install()  # wraps sagemaker_endpoints' CreateEndpointConfig and weights update
    inference_components.install(state)  # wraps serverless' CreateEndpointConfig
    model_packages.install()
    transform_jobs.install(state)
    endpoint_invocations.install(state)
    codepipeline_executions.install(state)
    dynamodb_atomic_writes.install(state)
    autoscaling.install(state)  # wraps sagemaker_endpoints' UpdateEndpoint and DeleteEndpoint
    alarms.install(state)
    alarm_history.install()  # wraps alarms' state updates
    metric_data.install()

    # POST /moto-api/reset wipes moto's backends; pending transitions, armed
    # failures and injected faults refer to those objects and must go with them.
    original_reset = MotoAPIBackend.reset

    def reset(self: MotoAPIBackend) -> None:
        with state.lock:
            original_reset(self)
            state.clear()

    MotoAPIBackend.reset = reset
    return state
