"""Deployment guardrails: an UpdateEndpoint with a blue/green DeploymentConfig
runs as a staged deployment, with auto-rollback on alarms and on timeout.

moto 5.2.1 has no UpdateEndpoint. SageMaker provisions the new (green) fleet,
shifts traffic to it in the steps of the TrafficRoutingConfiguration, bakes
after each step while the AutoRollbackConfiguration alarms are watched, waits
TerminationWaitInSeconds and then terminates the old (blue) fleet. "If any of
the alarms trip during the baking period, then SageMaker initiates a rollback
and all traffic returns to the blue fleet."
  https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green.html
  https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-all-at-once.html
  https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-canary.html
  https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-linear.html
  https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html

A RollingUpdatePolicy runs batch by batch (deployment-guardrails-rolling.html):
SageMaker provisions MaximumBatchSize new instances, shifts the traffic of as
many old instances to them, bakes WaitIntervalInSeconds watching the alarms,
then terminates that old batch, until the whole fleet is new. At most one batch
of extra instances runs at a time: DescribeEndpoint shows the old variant's
CurrentInstanceCount going down and the pending variant's going up. An alarm or
the timeout rolls it back to the old fleet at its full count (the rollback's
own batches, RollbackMaximumBatchSize, are not staged here).
  https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-rolling.html

The stages, each a pending transition on the emulator's update clock
(update_seconds each; POST /_emulator/advance-deployment ends the current one
now, POST /_emulator/settle runs the deployment to its end):

  provisioning          green fleet Creating, no traffic
  canary-baking         CANARY: the canary takes CanarySize, baking WaitIntervalInSeconds
  linear-step-baking    LINEAR: one per partial step of LinearStepSize, baking WaitIntervalInSeconds each
  all-traffic-shifted   all traffic on the green fleet, final baking WaitIntervalInSeconds
  termination-wait      TerminationWaitInSeconds before the blue fleet is terminated
  rolling-batch-baking  RollingUpdatePolicy: one per batch, baking WaitIntervalInSeconds each

At the end of every stage the alarms are read from the emulator's CloudWatch
(metric and composite alarms, alarms.py): one in ALARM rolls the deployment
back. The deployment clock adds each stage's nominal seconds (provisioning
counts 0); past MaximumExecutionTimeoutInSeconds the deployment is rolled back
too. A rollback returns the endpoint to InService on the old config and
variants with a FailureReason. While it runs, DescribeEndpoint shows the old
config serving and the green fleet in PendingDeploymentSummary, each variant
with VariantStatus (Creating, then Baking).
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_PendingDeploymentSummary.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantStatus.html
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError

from .state import EmulatorState, ResourceKey


@dataclass
class Stage:
    name: str
    label: str  # for FailureReason: "during canary baking"
    seconds: int  # nominal length on the deployment clock
    traffic_percent: float  # share of the traffic on the green fleet
    status: str  # ProductionVariantStatus.Status of the green variants
    message: str
    step: int | None = None
    steps: int | None = None
    # a rolling batch: instances of the new fleet and of the old one while it bakes
    new_instances: int | None = None
    old_instances: int | None = None


@dataclass
class Plan:
    """A validated guardrail deployment, ready to run."""

    stages: list[Stage]
    alarms: list[str]
    timeout_seconds: int | None


# -- planning (UpdateEndpoint's checks that depend on the endpoint) --------------


def plan(
    endpoint_arn: str,
    config_name: str,
    deployment_config: dict[str, Any],
    old_variants: list[dict[str, Any]],
    new_variants: list[dict[str, Any]],
) -> Plan | None:
    """Raises ValidationError where SageMaker refuses the deployment for this
    endpoint."""
    serverless = any(
        "CurrentServerlessConfig" in v or "DesiredServerlessConfig" in v for v in old_variants + new_variants
    )
    rolling = deployment_config.get("RollingUpdatePolicy")
    if rolling is not None:
        _check_rolling(endpoint_arn, serverless, old_variants, new_variants, rolling)
        return _rolling_plan(deployment_config, rolling, new_variants)

    blue_green = deployment_config.get("BlueGreenUpdatePolicy") or {}
    # "If no update policy is specified, SageMaker uses a blue/green deployment
    # strategy with all at once traffic shifting by default." (API_DeploymentConfig)
    routing: dict[str, Any] = blue_green.get("TrafficRoutingConfiguration") or {"Type": "ALL_AT_ONCE"}
    # The variant names must stay the same for a guardrail deployment.
    # https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html
    # Enforced for serverless endpoints and for CANARY and LINEAR, whose sizes are
    # fractions of "the variant's total instance count"; an ALL_AT_ONCE deployment
    # of an instance-based endpoint may change its variants.
    if serverless or routing["Type"] != "ALL_AT_ONCE":
        _check_same_variant_names(endpoint_arn, config_name, old_variants, new_variants, serverless)

    capacities = {v["VariantName"]: _capacity(v) for v in new_variants}
    wait = int(routing.get("WaitIntervalInSeconds") or 0)
    stages = [Stage("provisioning", "provisioning of the new fleet", 0, 0, "Creating", "Creating the new fleet.")]
    if routing["Type"] == "CANARY":
        size = routing["CanarySize"]
        _check_instance_count(size, capacities, "CanarySize", (None, 50))
        share = _share(size, capacities)
        stages.append(
            Stage(
                "canary-baking",
                "canary baking",
                wait,
                share,
                "Baking",
                f"Canary of {_describe(size)} receiving {share:g}% of the traffic; baking {wait} s.",
            )
        )
    elif routing["Type"] == "LINEAR":
        size = routing["LinearStepSize"]
        _check_instance_count(size, capacities, "LinearStepSize", (10, 50))
        shares = _linear_shares(size, capacities)
        steps = len(shares) + 1  # the last step shifts the rest: all-traffic-shifted
        for step, share in enumerate(shares, start=1):
            stages.append(
                Stage(
                    "linear-step-baking",
                    f"baking of linear step {step} of {steps}",
                    wait,
                    share,
                    "Baking",
                    f"Linear step {step} of {steps}: the new fleet receives {share:g}% of the traffic; "
                    f"baking {wait} s.",
                    step,
                    steps,
                )
            )
    stages.append(
        Stage(
            "all-traffic-shifted",
            "final baking",
            wait,
            100,
            "Baking",
            f"All traffic shifted to the new fleet; final baking {wait} s.",
        )
    )
    termination_wait = int(blue_green.get("TerminationWaitInSeconds") or 0)
    stages.append(
        Stage(
            "termination-wait",
            "termination wait",
            termination_wait,
            100,
            "Baking",
            f"Waiting {termination_wait} s (TerminationWaitInSeconds) before terminating the old fleet.",
        )
    )
    alarms = [a["AlarmName"] for a in (deployment_config.get("AutoRollbackConfiguration") or {}).get("Alarms") or []]
    return Plan(stages, [a for a in alarms if a], blue_green.get("MaximumExecutionTimeoutInSeconds"))


def _capacity(variant: dict[str, Any]) -> int:
    """Instances, or for a serverless variant its MaxConcurrency."""
    serverless = variant.get("DesiredServerlessConfig") or variant.get("CurrentServerlessConfig")
    if serverless is not None:
        return int(serverless.get("MaxConcurrency") or 1)
    return int(variant.get("DesiredInstanceCount") or variant.get("CurrentInstanceCount") or 1)


def _share(size: dict[str, Any], capacities: dict[str, int]) -> float:
    """The percentage of traffic a CapacitySize turns on (the smallest over the variants)."""
    if size["Type"] == "CAPACITY_PERCENT":
        return float(size["Value"])
    return round(min(100 * size["Value"] / capacity for capacity in capacities.values()), 2)


def _linear_shares(size: dict[str, Any], capacities: dict[str, int]) -> list[float]:
    """The traffic percentages of the steps before the last (which shifts the
    rest): each step turns on one more LinearStepSize of every variant."""
    if size["Type"] == "CAPACITY_PERCENT":
        return [float(step * size["Value"]) for step in range(1, math.ceil(100 / size["Value"]))]
    steps = max(math.ceil(capacity / size["Value"]) for capacity in capacities.values())
    return [
        round(min(min(100.0, 100 * step * size["Value"] / capacity) for capacity in capacities.values()), 2)
        for step in range(1, steps)
    ]


def _describe(size: dict[str, Any]) -> str:
    if size["Type"] == "CAPACITY_PERCENT":
        return f"{size['Value']}% of the capacity"
    return f"{size['Value']} instance(s)"


def _check_instance_count(
    size: dict[str, Any], capacities: dict[str, int], name: str, bounds: tuple[int | None, int]
) -> None:
    """CanarySize: "less than or equal to 50% of the variant's total instance
    count"; LinearStepSize: "10-50% of the variant's total instance count".
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TrafficRoutingConfig.html"""
    if size["Type"] != "INSTANCE_COUNT":
        return
    low, high = bounds
    for variant, capacity in capacities.items():
        percent = 100 * size["Value"] / capacity
        if percent > high or (low is not None and percent < low):
            wanted = f"{low}-{high}%" if low is not None else f"less than or equal to {high}%"
            raise ValidationError(
                f"{name} of {size['Value']} instance(s) is not valid for variant \"{variant}\", which has "
                f"{capacity} instance(s): it must be {wanted} of the variant's total instance count."
            )


def _check_same_variant_names(
    endpoint_arn: str,
    config_name: str,
    old_variants: list[dict[str, Any]],
    new_variants: list[dict[str, Any]],
    serverless: bool,
) -> None:
    old = sorted(v["VariantName"] for v in old_variants)
    new = sorted(v["VariantName"] for v in new_variants)
    if old != new:
        kind = "serverless endpoint" if serverless else "endpoint"
        raise ValidationError(
            f'Cannot update {kind} "{endpoint_arn}" with deployment guardrails: the new endpoint '
            f'configuration "{config_name}" must have the same variant name(s) as the endpoint '
            f"[{', '.join(old)}], but it has [{', '.join(new)}]."
        )


def _check_rolling(
    endpoint_arn: str,
    serverless: bool,
    old_variants: list[dict[str, Any]],
    new_variants: list[dict[str, Any]],
    rolling: dict[str, Any],
) -> None:
    """Rolling deployments exclude "Serverless inference endpoints" and
    "Multi-variant inference endpoints", and keep the variant name.
    https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html"""
    if serverless:
        raise ValidationError(
            f'RollingUpdatePolicy is not supported for serverless endpoint "{endpoint_arn}". '
            "Use a BlueGreenUpdatePolicy."
        )
    if len(old_variants) > 1 or len(new_variants) > 1:
        raise ValidationError(
            f'RollingUpdatePolicy is not supported for endpoint "{endpoint_arn}": it is a multi-variant '
            "endpoint (or the new endpoint configuration has several production variants)."
        )
    _check_same_variant_names(endpoint_arn, "the new configuration", old_variants, new_variants, False)
    capacities = {v["VariantName"]: _capacity(v) for v in new_variants}
    _check_instance_count(rolling["MaximumBatchSize"], capacities, "MaximumBatchSize", (5, 50))


def _rolling_plan(deployment_config: dict[str, Any], rolling: dict[str, Any], new_variants: list[dict[str, Any]]) -> Plan:
    """One stage per batch of MaximumBatchSize instances (the last one what is left)."""
    total = _capacity(new_variants[0])
    size = rolling["MaximumBatchSize"]
    if size["Type"] == "CAPACITY_PERCENT":
        batch = max(1, math.floor(total * size["Value"] / 100))
    else:
        batch = int(size["Value"])
    batches = math.ceil(total / batch)
    wait = int(rolling.get("WaitIntervalInSeconds") or 0)
    stages = []
    for step in range(1, batches + 1):
        new = min(total, step * batch)
        old = total - (step - 1) * batch
        share = round(100 * new / total, 2)
        stages.append(
            Stage(
                "rolling-batch-baking",
                f"baking of batch {step} of {batches}",
                wait,
                share,
                "Baking",
                f"Batch {step} of {batches}: {new} new instance(s) receive {share:g}% of the traffic; baking {wait} s "
                f"before {new - (step - 1) * batch} old instance(s) are terminated.",
                step,
                batches,
                new,
                old,
            )
        )
    alarms = [a["AlarmName"] for a in (deployment_config.get("AutoRollbackConfiguration") or {}).get("Alarms") or []]
    return Plan(stages, [a for a in alarms if a], rolling.get("MaximumExecutionTimeoutInSeconds"))


# -- running -----------------------------------------------------------------------


class Deployment:
    """One guardrail deployment of one endpoint, stage by stage. `finish` applies
    the new config (and any failure armed with fail-next-update); `roll_back`
    returns the endpoint to its old config with the FailureReason given."""

    def __init__(
        self,
        state: EmulatorState,
        key: ResourceKey,
        endpoint: Any,
        old_config_name: str,
        deployment_plan: Plan,
        finish: Callable[[], None],
        roll_back: Callable[[str], None],
    ) -> None:
        self.state = state
        self.key = key
        self.endpoint = endpoint
        self.old_config_name = old_config_name
        self.plan = deployment_plan
        self.finish = finish
        self.roll_back = roll_back
        self.index = 0
        self.deployment_seconds = 0
        self.outcome: str | None = None  # "done" | "rolled-back" | "failed"
        # a rolling update shrinks the old fleet batch by batch; a rollback restores it
        self.old_counts = {v["VariantName"]: v.get("CurrentInstanceCount") for v in endpoint.production_variants}

    @property
    def stage(self) -> Stage:
        return self.plan.stages[self.index]

    def start(self) -> None:
        self.state.deployments[self.key] = self
        self._enter(time.monotonic())

    def advance(self) -> None:
        """End the current stage now (POST /_emulator/advance-deployment)."""
        self.state.cancel(self.key)
        self._stage_ended(time.monotonic())

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "endpointName": self.endpoint.endpoint_name,
            "stage": self.outcome or self.stage.name,
            "trafficPercent": 0 if self.outcome == "rolled-back" else self.stage.traffic_percent,
            "deploymentSeconds": self.deployment_seconds,
        }
        if self.outcome is None and self.stage.step is not None:
            described["step"], described["steps"] = self.stage.step, self.stage.steps
        if self.outcome is not None and self.endpoint.failure_reason:
            described["failureReason"] = self.endpoint.failure_reason
        return described

    def _enter(self, started: float) -> None:
        stage = self.stage
        status = {"Status": stage.status, "StatusMessage": stage.message, "StartTime": utcnow()}
        for variant in (self.endpoint.pending_deployment_summary or {}).get("ProductionVariants", []):
            variant["VariantStatus"] = [dict(status)]
            if stage.name != "provisioning" and "DesiredInstanceCount" in variant:
                # the green fleet is fully provisioned before traffic shifts to it
                variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"]
            if stage.name != "provisioning" and "DesiredServerlessConfig" in variant:
                variant["CurrentServerlessConfig"] = dict(variant["DesiredServerlessConfig"])
            if stage.new_instances is not None:
                variant["CurrentInstanceCount"] = stage.new_instances
        if stage.old_instances is not None:
            for variant in self.endpoint.production_variants:
                variant["CurrentInstanceCount"] = stage.old_instances
        due = started + self.state.update_seconds
        self.state.schedule(self.key, lambda: self._stage_ended(due), due=due)

    def _stage_ended(self, now: float) -> None:
        stage = self.stage
        self.deployment_seconds += stage.seconds
        tripped = self._alarms_in_alarm()
        timeout = self.plan.timeout_seconds
        if tripped:
            self._end(
                "rolled-back",
                f'Deployment rolled back to endpoint configuration "{self.old_config_name}": auto-rollback '
                f"alarm(s) {', '.join(tripped)} in ALARM state during {stage.label}.",
            )
        elif timeout is not None and self.deployment_seconds > timeout:
            self._end(
                "rolled-back",
                f'Deployment rolled back to endpoint configuration "{self.old_config_name}": it did not '
                f"complete within MaximumExecutionTimeoutInSeconds ({timeout} s); timed out during "
                f"{stage.label}.",
            )
        elif self.index + 1 == len(self.plan.stages):
            self._end(None, None)
        else:
            self.index += 1
            self._enter(now)

    def _end(self, outcome: str | None, reason: str | None) -> None:
        self.state.deployments.pop(self.key, None)
        if reason is not None:
            for variant in self.endpoint.production_variants:
                count = self.old_counts.get(variant["VariantName"])
                if count is not None:
                    variant["CurrentInstanceCount"] = count
            self.roll_back(reason)
        else:
            self.finish()  # may apply an armed fail-next-update
        status = self.endpoint.endpoint_status
        if outcome is None:
            outcome = "failed" if status == "Failed" else "rolled-back" if self.endpoint.failure_reason else "done"
        self.outcome = outcome

    def _alarms_in_alarm(self) -> list[str]:
        backend = cloudwatch_backends[self.endpoint_account][self.endpoint_region]
        return [name for name in self.plan.alarms if getattr(backend.alarms.get(name), "state_value", None) == "ALARM"]

    @property
    def endpoint_account(self) -> str:
        return self.key[1]

    @property
    def endpoint_region(self) -> str:
        return self.key[2]
