"""Application Auto Scaling of SageMaker variants, and what it means for
UpdateEndpoint and DeleteEndpoint.

What moto 5.2.1 does differently from AWS, and what this module changes:

* UpdateEndpoint (sagemaker_endpoints.py) knows nothing of scalable targets.
  SageMaker refuses an update that removes a variant registered as a scalable
  target, or changes its instance type; changing only its model is allowed.
  The call fails with a ValidationException and the endpoint is untouched.
  https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html
* DeleteEndpoint leaves the variants' scalable targets registered; SageMaker
  deregisters them (and so their policies and scheduled actions).
  https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-delete-with-scaling.html
* DeregisterScalableTarget keeps the target's scaling policies and scheduled
  actions, and reports a missing target as a ValidationException. AWS deletes
  them with it ("Deregistering a scalable target deletes the scaling policies
  and the scheduled actions that are associated with it.") and answers
  ObjectNotFoundException.
  https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeregisterScalableTarget.html
* PutScalingPolicy and PutScheduledAction accept a target that was never
  registered; AWS answers ObjectNotFoundException ("For any operation that
  depends on the existence of a scalable target, this exception is thrown if
  the scalable target with the specified service namespace, resource ID, and
  scalable dimension does not exist").
  https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html
  https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html
* DescribeScalingPolicies matches ResourceId and ScalableDimension as
  substrings (`policy.resource_id in resource_id`), so a request for
  `endpoint/e/variant/v-12` also returns the policies of `endpoint/e/variant/v-1`.
  AWS returns the policies of the resource named (DescribeScheduledActions
  already matches exactly).
  https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DescribeScalingPolicies.html
* DescribeScalingPolicies lists no `Alarms` for a step scaling policy. AWS
  lists "The CloudWatch alarms associated with the scaling policy"
  (API_ScalingPolicy): a step policy's are the alarms that invoke it, the ones
  the team created with the policy's ARN among their actions. Here: the metric
  alarms whose AlarmActions, OKActions or InsufficientDataActions name it.
  https://docs.aws.amazon.com/autoscaling/application/APIReference/API_ScalingPolicy.html
  https://docs.aws.amazon.com/autoscaling/application/userguide/create-step-scaling-policy-cli.html
* DeleteScalingPolicy (and DeregisterScalableTarget, which deletes the
  target's policies) leaves a step policy's ARN among its alarms' actions.
  AWS: "Deleting a step scaling policy deletes the underlying alarm action,
  but does not delete the CloudWatch alarm associated with the scaling policy,
  even if it no longer has an associated action." Here the ARN leaves every
  action list of every alarm; the alarms stay.
  https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeleteScalingPolicy.html
* PutScalingPolicy naming an existing policy replaces it with a new one: a new
  ARN (its UUID) and CreationTime. AWS updates the policy ("Creates or updates
  a scaling policy"; "To update an existing policy, use the existing policy
  name and set the parameters you want to change"), so its ARN, which its
  alarms name, stays. A put after a delete creates a policy with a new ARN in
  both, as the PolicyARN of API_PutScalingPolicy's example carries a UUID.
  https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html
"""

from __future__ import annotations

from typing import Any

from moto.applicationautoscaling import responses as autoscaling_responses
from moto.applicationautoscaling.models import (
    ApplicationAutoscalingBackend,
    FakeApplicationAutoscalingPolicy,
    FakeScalableTarget,
    applicationautoscaling_backends,
)
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.cloudwatch.models import Alarm, cloudwatch_backends
from moto.core.exceptions import JsonRESTError
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend

from .locking import serialised_call_action
from .state import EmulatorState

SAGEMAKER = "sagemaker"


class ObjectNotFoundException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("ObjectNotFoundException", message)


def install(state: EmulatorState) -> None:
    """Call after sagemaker_endpoints.install: wraps its UpdateEndpoint and DeleteEndpoint."""
    backend = ApplicationAutoscalingBackend
    backend.deregister_scalable_target = _deregister_scalable_target
    put_scaling_policy = _updating_in_place(backend.put_scaling_policy)
    backend.put_scaling_policy = _requires_target(put_scaling_policy)
    backend.delete_scaling_policy = _removing_alarm_actions(backend.delete_scaling_policy)
    backend.put_scheduled_action = _requires_target(backend.put_scheduled_action)
    backend.describe_scaling_policies = _describe_scaling_policies
    # DescribeScalingPolicies shapes each policy with this module function
    autoscaling_responses._build_policy = _with_step_alarms(autoscaling_responses._build_policy)
    # UpdateEndpoint reads the targets and DeleteEndpoint removes them: the
    # two services' requests take the same lock.
    ApplicationAutoScalingResponse.call_action = serialised_call_action(state)

    sagemaker = SageMakerModelBackend
    sagemaker.update_endpoint = _refusing_scaled_variant_changes(sagemaker.update_endpoint)  # pyright: ignore[reportAttributeAccessIssue]
    sagemaker.delete_endpoint = _deregistering_variants(sagemaker.delete_endpoint)


# -- scalable targets ----------------------------------------------------------


def _target(
    self: ApplicationAutoscalingBackend, namespace: str, resource_id: str, dimension: str
) -> FakeScalableTarget | None:
    target = self.targets.get(dimension, {}).get(resource_id)
    if target is None or target.service_namespace != namespace:
        return None
    return target


def _endpoint_targets(
    self: ApplicationAutoscalingBackend, endpoint_name: str
) -> list[FakeScalableTarget]:
    """Every SageMaker target registered for a variant of this endpoint, any dimension."""
    prefix = f"endpoint/{endpoint_name}/variant/"
    return [
        target
        for by_resource in self.targets.values()
        for target in by_resource.values()
        if target.service_namespace == SAGEMAKER and target.resource_id.startswith(prefix)
    ]


def _deregister_scalable_target(
    self: ApplicationAutoscalingBackend, namespace: str, r_id: str, dimension: str
) -> None:
    if _target(self, namespace, r_id, dimension) is None:
        raise ObjectNotFoundException(
            f"No scalable target found for service namespace: {namespace}, "
            f"resource ID: {r_id}, scalable dimension: {dimension}"
        )
    del self.targets[dimension][r_id]

    def belongs(item: Any) -> bool:
        return (item.service_namespace, item.resource_id, item.scalable_dimension) == (
            namespace,
            r_id,
            dimension,
        )

    for key, policy in list(self.policies.items()):
        if belongs(policy):
            # as DeleteScalingPolicy does: a target tracking policy takes its alarms along,
            # a step policy its action on the team's alarms
            policy.delete_alarms(self.account_id, self.region_name)
            _remove_alarm_actions(policy)
            del self.policies[key]
    self.scheduled_actions = [a for a in self.scheduled_actions if not belongs(a)]


def _requires_target(original: Any) -> Any:
    """PutScalingPolicy / PutScheduledAction on an unregistered target fail."""

    def method(self: ApplicationAutoscalingBackend, *args: Any, **kwargs: Any) -> Any:
        namespace = kwargs["service_namespace"]
        resource_id = kwargs["resource_id"]
        dimension = kwargs["scalable_dimension"]
        if _target(self, namespace, resource_id, dimension) is None:
            raise ObjectNotFoundException(
                f"No scalable target registered for service namespace: {namespace}, "
                f"resource ID: {resource_id}, scalable dimension: {dimension}"
            )
        return original(self, *args, **kwargs)

    method.__name__ = original.__name__
    return method


def _describe_scaling_policies(
    self: ApplicationAutoscalingBackend,
    service_namespace: str,
    resource_id: str,
    scalable_dimension: str,
    max_results: int | None,
    next_token: str,
) -> tuple[str | None, list[FakeApplicationAutoscalingPolicy]]:
    """moto's version, with equality where it tests substrings."""
    policies = [
        policy
        for policy in self.policies.values()
        if policy.service_namespace == service_namespace
        and (not resource_id or policy.resource_id == resource_id)
        and (not scalable_dimension or policy.scalable_dimension == scalable_dimension)
    ]
    max_results = max_results or 100
    start = int(next_token) if next_token else 0
    end = start + max_results
    return (str(end) if end < len(policies) else None), policies[start:end]


# -- scaling policies and the alarms that invoke them ------------------------------

ACTION_LISTS = ("alarm_actions", "ok_actions", "insufficient_data_actions")


def _alarms_naming(policy: FakeApplicationAutoscalingPolicy) -> list[Alarm]:
    """The metric alarms with the policy's ARN in an action list."""
    cloudwatch = cloudwatch_backends[policy.account_id][policy.region_name]
    return [
        alarm
        for alarm in cloudwatch.alarms.values()
        if alarm.rule is None and any(policy.policy_arn in (getattr(alarm, name) or []) for name in ACTION_LISTS)
    ]


def _with_step_alarms(original: Any) -> Any:
    """DescribeScalingPolicies' shape of a policy; a step policy's Alarms are the alarms that invoke it."""

    def build_policy(policy: FakeApplicationAutoscalingPolicy) -> dict[str, Any]:
        shape = original(policy)
        if policy.policy_type == "StepScaling":
            shape["Alarms"] = [{"AlarmARN": a.alarm_arn, "AlarmName": a.name} for a in _alarms_naming(policy)]
        return shape

    return build_policy


def _remove_alarm_actions(policy: FakeApplicationAutoscalingPolicy) -> None:
    """A deleted step policy's ARN leaves the actions of the alarms that invoked it."""
    if policy.policy_type != "StepScaling":
        return
    for alarm in _alarms_naming(policy):
        for name in ACTION_LISTS:
            setattr(alarm, name, [action for action in getattr(alarm, name) or [] if action != policy.policy_arn])


def _removing_alarm_actions(original: Any) -> Any:
    def delete_scaling_policy(
        self: ApplicationAutoscalingBackend,
        policy_name: str,
        service_namespace: str,
        resource_id: str,
        scalable_dimension: str,
    ) -> None:
        key = FakeApplicationAutoscalingPolicy.formulate_key(
            service_namespace, resource_id, scalable_dimension, policy_name
        )
        policy = self.policies.get(key)
        original(self, policy_name, service_namespace, resource_id, scalable_dimension)
        if policy is not None:
            _remove_alarm_actions(policy)

    return delete_scaling_policy


def _updating_in_place(original: Any) -> Any:
    """A put naming an existing policy keeps its ARN and creation time."""

    def put_scaling_policy(self: ApplicationAutoscalingBackend, *args: Any, **kwargs: Any) -> Any:
        key = FakeApplicationAutoscalingPolicy.formulate_key(
            kwargs["service_namespace"], kwargs["resource_id"], kwargs["scalable_dimension"], kwargs["policy_name"]
        )
        existing = self.policies.get(key)
        policy = original(self, *args, **kwargs)
        if existing is not None:
            policy.policy_arn, policy.creation_time = existing.policy_arn, existing.creation_time
        return policy

    put_scaling_policy.__name__ = original.__name__
    return put_scaling_policy


# -- SageMaker endpoints -------------------------------------------------------


def _refusing_scaled_variant_changes(original: Any) -> Any:
    def update_endpoint(
        self: SageMakerModelBackend, endpoint_name: str, endpoint_config_name: str, **kwargs: Any
    ) -> str:
        _check_scaled_variants(self, endpoint_name, endpoint_config_name)
        return original(self, endpoint_name, endpoint_config_name, **kwargs)

    return update_endpoint


def _check_scaled_variants(
    self: SageMakerModelBackend, endpoint_name: str, endpoint_config_name: str
) -> None:
    """Application Auto Scaling's check when the update is requested. An unknown
    endpoint or config, or an endpoint that cannot be updated now, is left to
    UpdateEndpoint's own errors."""
    endpoint = self.endpoints.get(endpoint_name)
    new_config = self.endpoint_configs.get(endpoint_config_name)
    if endpoint is None or new_config is None or endpoint.endpoint_status != "InService":
        return
    targets = _endpoint_targets(applicationautoscaling_backends[self.account_id][self.region_name], endpoint_name)
    if not targets:
        return
    new_types = {v["VariantName"]: v.get("InstanceType") for v in new_config.production_variants}
    current_types = _current_instance_types(self, endpoint)
    serving = {v["VariantName"] for v in endpoint.production_variants}
    problems = []
    # a target registered for a variant the endpoint does not run constrains nothing
    for variant in sorted({t.resource_id.rsplit("/", 1)[-1] for t in targets} & serving):
        if variant not in new_types:
            problems.append(f'variant "{variant}" would be removed')
        elif variant in current_types and current_types[variant] != new_types[variant]:
            problems.append(
                f'variant "{variant}" would change instance type from '
                f"{_instance_type(current_types[variant])} to {_instance_type(new_types[variant])}"
            )
    if problems:
        one = len(problems) == 1
        raise ValidationError(
            f'Cannot update endpoint "{endpoint.arn}": {"; ".join(problems)}, but '
            f"{'it is' if one else 'they are'} registered as a scalable target with Application "
            f"Auto Scaling. Deregister {'the variant' if one else 'these variants'} "
            "(DeregisterScalableTarget) before removing a variant or changing its instance type; "
            "changing only a variant's model is allowed."
        )


def _instance_type(instance_type: str | None) -> str:
    return instance_type or "serverless (no instance type)"


def _current_instance_types(self: SageMakerModelBackend, endpoint: FakeEndpoint) -> dict[str, Any]:
    """Instance type of each variant the endpoint runs, from the config it runs on.
    If that config was deleted, its instance types are unknown (as SageMaker's
    API_UpdateEndpoint warns) and only removals can be detected."""
    config = self.endpoint_configs.get(endpoint.endpoint_config_name)
    if config is None:
        return {}
    return {v["VariantName"]: v.get("InstanceType") for v in config.production_variants}


def _deregistering_variants(original: Any) -> Any:
    def delete_endpoint(self: SageMakerModelBackend, endpoint_name: str) -> None:
        original(self, endpoint_name)  # raises, and deregisters nothing, if it cannot delete
        autoscaling = applicationautoscaling_backends[self.account_id][self.region_name]
        for target in _endpoint_targets(autoscaling, endpoint_name):
            autoscaling.deregister_scalable_target(
                target.service_namespace, target.resource_id, target.scalable_dimension
            )

    return delete_endpoint
