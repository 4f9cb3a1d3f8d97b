"""The rolling deployment of an inference component: UpdateInferenceComponent
with a DeploymentConfig moves the component's copies to the new specification
batch by batch, with auto-rollback on alarms and on timeout.

"For each step, SageMaker AI provisions capacity on the new endpoint fleet,
routes traffic to that fleet, and terminates capacity on the old endpoint
fleet." MaximumBatchSize "must be between 5% to 50% of the copy count of the
inference component"; WaitIntervalInSeconds is "the length of the baking
period, during which SageMaker AI monitors alarms for each batch on the new
fleet"; MaximumExecutionTimeoutInSeconds is "the time limit for the total
deployment. Exceeding this limit causes a timeout."
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentRollingUpdatePolicy.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentCapacitySize.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentDeploymentConfig.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AutoRollbackConfig.html

Each batch is one stage on the emulator's update clock (update_seconds; POST
/_emulator/advance-inference-component ends the current one now, POST
/_emulator/settle runs the update to its end). At the end of every batch the
AutoRollbackConfiguration alarms are read from the emulator's CloudWatch
(alarms.py): one in ALARM rolls the component back to its previous
specification and copy count, InService with a FailureReason naming the alarm.
The deployment clock adds WaitIntervalInSeconds per batch; past
MaximumExecutionTimeoutInSeconds the update is rolled back too. The rollback
itself is applied at once (RollbackMaximumBatchSize is validated and kept in
LastDeploymentConfig, not staged).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.sagemaker.exceptions import ValidationError

from .state import EmulatorState, ResourceKey

# MaximumBatchSize "must be between 5% to 50% of the copy count".
BATCH_PERCENT_BOUNDS = (5, 50)


def batch_size(policy: dict[str, Any], copies: int, arn: str) -> int:
    """Copies moved per batch; raises ValidationError where the size is outside
    5-50% of the copy count. A COPY_COUNT of 1 is always accepted (the smallest
    batch there is), so components with 1 copy can be updated."""
    size = policy["MaximumBatchSize"]
    low, high = BATCH_PERCENT_BOUNDS
    if size["Type"] == "CAPACITY_PERCENT":
        if not low <= size["Value"] <= high:
            raise ValidationError(
                f'MaximumBatchSize of {size["Value"]}% is not valid for inference component "{arn}": '
                f"it must be between {low}% and {high}% of the copy count."
            )
        return max(1, math.ceil(copies * size["Value"] / 100))
    if size["Value"] > 1 and 100 * size["Value"] > high * copies:
        raise ValidationError(
            f'MaximumBatchSize of {size["Value"]} copies is not valid for inference component "{arn}", '
            f"which has {copies} copies: it must be between {low}% and {high}% of the copy count."
        )
    return int(size["Value"])


class RollingUpdate:
    """One rolling update of one component. `finish` applies the new
    specification; `roll_back(reason)` restores the old one."""

    def __init__(
        self,
        state: EmulatorState,
        key: ResourceKey,
        name: str,
        deployment_config: dict[str, Any],
        copies: int,
        finish: Callable[[], None],
        roll_back: Callable[[str], None],
    ) -> None:
        policy = deployment_config["RollingUpdatePolicy"]
        self.state = state
        self.key = key
        self.name = name
        self.copies = copies
        self.batch = batch_size(policy, copies, name) if copies else 1
        self.batches = max(1, math.ceil(copies / self.batch))
        self.wait = int(policy["WaitIntervalInSeconds"])
        self.timeout: int | None = policy.get("MaximumExecutionTimeoutInSeconds")
        auto_rollback = deployment_config.get("AutoRollbackConfiguration") or {}
        self.alarms = [a["AlarmName"] for a in auto_rollback.get("Alarms") or [] if a.get("AlarmName")]
        self.finish = finish
        self.roll_back = roll_back
        self.batches_done = 0
        self.deployment_seconds = 0
        self.outcome: str | None = None  # "done" | "rolled-back"
        self.failure_reason: str | None = None

    def start(self) -> None:
        self.state.component_updates[self.key] = self
        self._schedule(time.monotonic())

    def advance(self) -> None:
        """End the current batch now (POST /_emulator/advance-inference-component)."""
        self.state.cancel(self.key)
        self._batch_ended(time.monotonic())

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "inferenceComponentName": self.name,
            "stage": self.outcome or "batch-baking",
            "copies": self.copies,
            "batchSize": self.batch,
            "batches": self.batches,
            "deploymentSeconds": self.deployment_seconds,
        }
        if self.outcome is None:
            described["batch"] = self.batches_done + 1
            described["copiesUpdated"] = min(self.copies, (self.batches_done + 1) * self.batch)
        else:
            described["copiesUpdated"] = self.copies if self.outcome == "done" else 0
        if self.failure_reason is not None:
            described["failureReason"] = self.failure_reason
        return described

    def _schedule(self, started: float) -> None:
        due = started + self.state.update_seconds
        self.state.schedule(self.key, lambda: self._batch_ended(due), due=due)

    def _batch_ended(self, now: float) -> None:
        batch = self.batches_done + 1
        self.deployment_seconds += self.wait
        tripped = self._alarms_in_alarm()
        where = f"baking of batch {batch} of {self.batches}"
        if tripped:
            self._end(
                f"Inference component update rolled back to its previous specification: auto-rollback "
                f"alarm(s) {', '.join(tripped)} in ALARM state during {where}."
            )
        elif self.timeout is not None and self.deployment_seconds > self.timeout:
            self._end(
                f"Inference component update rolled back to its previous specification: it did not complete "
                f"within MaximumExecutionTimeoutInSeconds ({self.timeout} s); timed out during {where}."
            )
        elif batch == self.batches:
            self.batches_done = batch
            self._end(None)
        else:
            self.batches_done = batch
            self._schedule(now)

    def _end(self, reason: str | None) -> None:
        self.state.component_updates.pop(self.key, None)
        self.failure_reason = reason
        if reason is None:
            self.outcome = "done"
            self.finish()
        else:
            self.outcome = "rolled-back"
            self.roll_back(reason)

    def _alarms_in_alarm(self) -> list[str]:
        _, account, region, _ = self.key
        backend = cloudwatch_backends[account][region]
        return [name for name in self.alarms if getattr(backend.alarms.get(name), "state_value", None) == "ALARM"]
