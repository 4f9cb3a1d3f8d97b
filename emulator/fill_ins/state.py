"""State shared by every fill-in: the clock for asynchronous AWS operations,
the pending transitions they leave behind, failures armed by the control API,
and the faults (error responses, late answers) it injects into AWS calls.

SageMaker and CodePipeline answer a mutating call at once and finish the work
later (the caller polls DescribeEndpoint / DescribeTransformJob /
GetPipelineExecution). moto finishes
everything inside the call, so code that waits for `Updating` -> `InService`
is never exercised. Here each such call registers a Transition that becomes
due `update_seconds` later; it is applied lazily, the next time any request of
that service arrives, or at once through `POST /_emulator/settle`.

Everything is guarded by one re-entrant lock: moto's server is threaded and
the fill-ins mutate moto's model objects in place.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # they import this module
    from .guardrails import Deployment
    from .inference_component_rollouts import RollingUpdate
    from .invocation_traffic import WeightedRouter

# What a pending transition, guardrail deployment or rolling update is for:
# (kind, account id, region, name or id), e.g. ("endpoint", "123456789012", "us-east-1", "my-endpoint").
ResourceKey = tuple[str, str, str, str]
# An endpoint, for its traffic router: (account id, region, endpoint name).
EndpointKey = tuple[str, str, str]


@dataclass
class Transition:
    due: float  # time.monotonic() at which it completes by itself
    complete: Callable[[], None]


@dataclass
class ArmedEndpointFailure:
    mode: str  # "rollback" | "failed"
    reason: str


@dataclass
class ArmedTransformJobFailure:
    status: str  # "Failed" | "Stopped"
    reason: str


@dataclass
class ArmedInvocationFailure:
    message: str  # what the model container answers
    original_status: int  # the container's HTTP status, 4xx or 5xx


@dataclass
class VariantBehaviour:
    """How one variant's model answers the invocations it receives (see
    invocation_traffic.py): a share of 5xx and of 4xx answers, spread evenly
    over the calls, and the latency it reports."""

    error_rate: Fraction  # share of calls the model answers 5xx
    client_error_rate: Fraction  # share of calls the model answers 4xx
    latency_micros: float | None  # ModelLatency of each call; None: the emulator's default
    calls: int = 0
    server_errors: int = 0
    client_errors: int = 0

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "errorRate": float(self.error_rate),
            "clientErrorRate": float(self.client_error_rate),
        }
        if self.latency_micros is not None:
            described["latencyMicros"] = self.latency_micros
        return described


@dataclass
class ArmedFault:
    """The next `remaining` calls of service/operation answer `error` (or, with
    delay_ms, answer that late; without an error the late call then goes ahead)."""

    service: str  # the SigV4 signing name: sagemaker, dynamodb, monitoring, sns, s3, ...
    operation: str
    error: str | None
    status: int
    message: str
    remaining: int
    delay_ms: float | None = None

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "service": self.service,
            "operation": self.operation,
            "error": self.error,
            "status": self.status,
            "message": self.message,
            "remaining": self.remaining,
        }
        if self.delay_ms is not None:
            described["delayMs"] = self.delay_ms
        return described


class EmulatorState:
    def __init__(self, update_seconds: float) -> None:
        self.lock = threading.RLock()
        self.update_seconds = update_seconds
        # insertion order == scheduling order, so settle() completes the oldest first
        self._pending: dict[ResourceKey, Transition] = {}
        self._endpoint_failures: dict[str, ArmedEndpointFailure] = {}
        self._pipeline_failures: dict[str, str] = {}
        # in arming order: each is used by the next transform job to finish
        self._transform_job_failures: list[ArmedTransformJobFailure] = []
        self._invocation_failures: dict[str, ArmedInvocationFailure] = {}
        # in arming order: of two faults for one operation the older is used first
        self._faults: list[ArmedFault] = []
        # guardrail deployments in progress (see guardrails.py), by endpoint key
        self.deployments: dict[ResourceKey, Deployment] = {}
        # inference components' rolling updates in progress (inference_component_rollouts.py), by component key
        self.component_updates: dict[ResourceKey, RollingUpdate] = {}
        # how variants' models answer (POST /_emulator/variant-behaviour), by (endpoint name, variant name)
        self._variant_behaviours: dict[tuple[str, str], VariantBehaviour] = {}
        # each endpoint's weighted round-robin over its production variants (invocation_traffic.py), by endpoint key
        self.traffic_routers: dict[EndpointKey, WeightedRouter] = {}

    # -- transitions ---------------------------------------------------------

    def schedule(self, key: ResourceKey, complete: Callable[[], None], due: float | None = None) -> None:
        """Register (or replace) the transition for `key`, due after update_seconds
        (or at `due`, a time.monotonic() value: a multi-stage operation chains its
        stages on the clock instead of on the request that happens to see one end)."""
        with self.lock:
            self._pending.pop(key, None)
            self._pending[key] = Transition(
                due=time.monotonic() + self.update_seconds if due is None else due, complete=complete
            )

    def cancel(self, key: ResourceKey) -> None:
        with self.lock:
            self._pending.pop(key, None)

    def is_pending(self, key: ResourceKey) -> bool:
        with self.lock:
            return key in self._pending

    def apply_due(self) -> None:
        """Complete the transitions whose time has come (called before each request),
        including the later stages of a multi-stage operation that are due too."""
        with self.lock:
            while True:
                now = time.monotonic()
                due = [k for k, t in self._pending.items() if t.due <= now]
                if not due:
                    return
                for key in due:
                    transition = self._pending.pop(key, None)
                    if transition is not None:
                        transition.complete()

    def settle(self) -> int:
        """Complete every pending transition now; returns how many there were."""
        with self.lock:
            count = 0
            while self._pending:
                key = next(iter(self._pending))
                self._pending.pop(key).complete()
                count += 1
            return count

    # -- armed failures ------------------------------------------------------

    def arm_endpoint_failure(self, endpoint_name: str, mode: str, reason: str) -> None:
        with self.lock:
            self._endpoint_failures[endpoint_name] = ArmedEndpointFailure(mode, reason)

    def take_endpoint_failure(self, endpoint_name: str) -> ArmedEndpointFailure | None:
        with self.lock:
            return self._endpoint_failures.pop(endpoint_name, None)

    def arm_pipeline_failure(self, pipeline_name: str, reason: str) -> None:
        with self.lock:
            self._pipeline_failures[pipeline_name] = reason

    def take_pipeline_failure(self, pipeline_name: str) -> str | None:
        with self.lock:
            return self._pipeline_failures.pop(pipeline_name, None)

    def arm_transform_job_failure(self, status: str, reason: str) -> None:
        with self.lock:
            self._transform_job_failures.append(ArmedTransformJobFailure(status, reason))

    def take_transform_job_failure(self) -> ArmedTransformJobFailure | None:
        with self.lock:
            return self._transform_job_failures.pop(0) if self._transform_job_failures else None

    def arm_invocation_failure(self, endpoint_name: str, message: str, original_status: int) -> None:
        with self.lock:
            self._invocation_failures[endpoint_name] = ArmedInvocationFailure(message, original_status)

    def take_invocation_failure(self, endpoint_name: str) -> ArmedInvocationFailure | None:
        with self.lock:
            return self._invocation_failures.pop(endpoint_name, None)

    # -- variant behaviours --------------------------------------------------

    def set_variant_behaviour(self, endpoint_name: str, variant_name: str, behaviour: VariantBehaviour | None) -> None:
        """Replace a variant's behaviour (its call count starts again); None: the model answers every call."""
        with self.lock:
            if behaviour is None:
                self._variant_behaviours.pop((endpoint_name, variant_name), None)
            else:
                self._variant_behaviours[(endpoint_name, variant_name)] = behaviour

    def variant_behaviour(self, endpoint_name: str, variant_name: str) -> VariantBehaviour | None:
        with self.lock:
            return self._variant_behaviours.get((endpoint_name, variant_name))

    # -- injected faults -----------------------------------------------------

    def arm_fault(self, fault: ArmedFault) -> None:
        with self.lock:
            self._faults.append(fault)

    def has_faults(self) -> bool:
        # Read without the lock: every request asks, and a fault armed by a
        # concurrent control call may or may not apply to a call already racing it.
        return bool(self._faults)

    def take_fault(self, service: str, operation: str) -> ArmedFault | None:
        """Use up one call of the oldest fault armed for this operation; returns
        a snapshot of it (the caller answers after releasing the lock)."""
        with self.lock:
            for fault in self._faults:
                if fault.service == service and fault.operation == operation:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return replace(fault)
            return None

    def armed_faults(self) -> list[dict[str, Any]]:
        with self.lock:
            return [fault.describe() for fault in self._faults]

    def disarm_faults(self) -> int:
        with self.lock:
            count = len(self._faults)
            self._faults.clear()
            return count

    # -- reset ---------------------------------------------------------------

    def clear(self) -> None:
        """Forget everything; called when moto's own state is reset."""
        with self.lock:
            self._pending.clear()
            self.deployments.clear()
            self.component_updates.clear()
            self._endpoint_failures.clear()
            self._pipeline_failures.clear()
            self._transform_job_failures.clear()
            self._invocation_failures.clear()
            self._variant_behaviours.clear()
            self.traffic_routers.clear()
            self._faults.clear()
