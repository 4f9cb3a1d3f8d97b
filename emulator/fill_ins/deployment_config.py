"""DeploymentConfig of CreateEndpoint / UpdateEndpoint: the checks SageMaker makes
on the request itself, before it looks at the endpoint (guardrails.py checks
what depends on the endpoint and its configs).

moto 5.2.1 has no UpdateEndpoint and ignores CreateEndpoint's DeploymentConfig.

Shape constraints are reported the way AWS's request validation reports them,
every violation at once: `2 validation errors detected: Value '4000' at
'deploymentConfig.blueGreenUpdatePolicy.terminationWaitInSeconds' failed to
satisfy constraint: Member must have value less than or equal to 3600; ...`.
Rules that are not shape constraints get a sentence of their own (SageMaker's
exact wording for those is not published; see the README).
"""

from __future__ import annotations

import re
from typing import Any

from moto.sagemaker.exceptions import ValidationError

ROOT = "deploymentConfig"

# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TrafficRoutingConfig.html
TRAFFIC_ROUTING_TYPES = ("ALL_AT_ONCE", "CANARY", "LINEAR")
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CapacitySize.html
CAPACITY_SIZE_TYPES = ("INSTANCE_COUNT", "CAPACITY_PERCENT")
# WaitIntervalInSeconds and TerminationWaitInSeconds: 0 to 3600;
# MaximumExecutionTimeoutInSeconds: 600 to 28800
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_BlueGreenUpdatePolicy.html
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_RollingUpdatePolicy.html
WAIT_SECONDS = (0, 3600)
EXECUTION_TIMEOUT_SECONDS = (600, 28800)
# AutoRollbackConfig.Alarms: 1 to 10 items; Alarm.AlarmName: 1 to 255 characters,
# pattern (?!\s*$).+
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AutoRollbackConfig.html
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Alarm.html
ALARMS_PER_CONFIG = (1, 10)
ALARM_NAME_LENGTH = (1, 255)
ALARM_NAME_PATTERN = r"(?!\s*$).+"

# Percentages of the new fleet's capacity. CanarySize: "Value must be less than or
# equal to 50% of the variant's total instance count"; LinearStepSize: "Value must
# be 10-50% of the variant's total instance count" (API_TrafficRoutingConfig);
# RollingUpdatePolicy.MaximumBatchSize: "between 5% to 50%" (API_RollingUpdatePolicy).
CANARY_PERCENT = (1, 50)
LINEAR_STEP_PERCENT = (10, 50)
ROLLING_BATCH_PERCENT = (5, 50)


def validate(config: dict[str, Any]) -> None:
    """Raises ValidationError if the DeploymentConfig breaks a rule of its own."""
    errors: list[str] = []
    blue_green = config.get("BlueGreenUpdatePolicy")
    rolling = config.get("RollingUpdatePolicy")
    auto_rollback = config.get("AutoRollbackConfiguration")
    if blue_green is not None:
        _blue_green_update_policy(blue_green, f"{ROOT}.blueGreenUpdatePolicy", errors)
    if rolling is not None:
        _rolling_update_policy(rolling, f"{ROOT}.rollingUpdatePolicy", errors)
    if auto_rollback is not None:
        _auto_rollback_config(auto_rollback, f"{ROOT}.autoRollbackConfiguration", errors)
    if errors:
        count = len(errors)
        raise ValidationError(
            f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(errors)}"
        )

    # "Only one update policy should be used in the deployment configuration."
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeploymentConfig.html
    if blue_green is not None and rolling is not None:
        raise ValidationError(
            "Only one update policy can be specified in DeploymentConfig: "
            "BlueGreenUpdatePolicy or RollingUpdatePolicy, not both."
        )
    if blue_green is not None:
        _traffic_routing_rules(blue_green["TrafficRoutingConfiguration"])
    if rolling is not None:
        _percent_rule(
            rolling["MaximumBatchSize"], "RollingUpdatePolicy MaximumBatchSize", ROLLING_BATCH_PERCENT
        )


def _traffic_routing_rules(routing: dict[str, Any]) -> None:
    """What each Type needs: CANARY a CanarySize, LINEAR a LinearStepSize, both a
    WaitIntervalInSeconds (the length of each baking period).
    https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-canary.html
    https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-linear.html
    WaitIntervalInSeconds is "Required: Yes" in API_TrafficRoutingConfig, but the
    developer guide's ALL_AT_ONCE example leaves it out, so ALL_AT_ONCE may omit it
    (its baking period is then 0 s).
    https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-all-at-once.html"""
    routing_type = routing["Type"]
    path = f"{ROOT}.blueGreenUpdatePolicy.trafficRoutingConfiguration"
    if routing_type in ("CANARY", "LINEAR") and routing.get("WaitIntervalInSeconds") is None:
        raise ValidationError(
            f"1 validation error detected: Value null at '{path}.waitIntervalInSeconds' "
            "failed to satisfy constraint: Member must not be null"
        )
    for field, wanted in (("CanarySize", "CANARY"), ("LinearStepSize", "LINEAR")):
        if routing_type == wanted and routing.get(field) is None:
            raise ValidationError(
                f"TrafficRoutingConfiguration with Type {wanted} must specify {field}."
            )
        if routing_type != wanted and routing.get(field) is not None:
            raise ValidationError(
                f"{field} can only be specified when the TrafficRoutingConfiguration Type is "
                f"{wanted}; it is {routing_type}."
            )
    if routing_type == "CANARY":
        _percent_rule(routing["CanarySize"], "CanarySize", CANARY_PERCENT)
    if routing_type == "LINEAR":
        _percent_rule(routing["LinearStepSize"], "LinearStepSize", LINEAR_STEP_PERCENT)


def _percent_rule(size: dict[str, Any], name: str, bounds: tuple[int, int]) -> None:
    """A CAPACITY_PERCENT size can be checked without the fleet; INSTANCE_COUNT
    sizes are checked against the new fleet in guardrails.py."""
    low, high = bounds
    if size["Type"] == "CAPACITY_PERCENT" and not low <= size["Value"] <= high:
        raise ValidationError(
            f"{name} of {size['Value']}% is not valid: it must be {low}-{high}% of the "
            "variant's total instance count."
        )


# -- shapes --------------------------------------------------------------------
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeploymentConfig.html


def _blue_green_update_policy(policy: Any, path: str, errors: list[str]) -> None:
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_BlueGreenUpdatePolicy.html
    routing = policy.get("TrafficRoutingConfiguration")
    if routing is None:
        errors.append(_not_null(f"{path}.trafficRoutingConfiguration"))
    else:
        _traffic_routing_config(routing, f"{path}.trafficRoutingConfiguration", errors)
    _integer(policy, "TerminationWaitInSeconds", path, WAIT_SECONDS, errors)
    _integer(policy, "MaximumExecutionTimeoutInSeconds", path, EXECUTION_TIMEOUT_SECONDS, errors)


def _traffic_routing_config(routing: Any, path: str, errors: list[str]) -> None:
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TrafficRoutingConfig.html
    _enum(routing, "Type", path, TRAFFIC_ROUTING_TYPES, errors)
    _integer(routing, "WaitIntervalInSeconds", path, WAIT_SECONDS, errors)
    for field in ("CanarySize", "LinearStepSize"):
        if routing.get(field) is not None:
            _capacity_size(routing[field], f"{path}.{_member(field)}", errors)


def _rolling_update_policy(policy: Any, path: str, errors: list[str]) -> None:
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_RollingUpdatePolicy.html
    if policy.get("MaximumBatchSize") is None:
        errors.append(_not_null(f"{path}.maximumBatchSize"))
    else:
        _capacity_size(policy["MaximumBatchSize"], f"{path}.maximumBatchSize", errors)
    if policy.get("WaitIntervalInSeconds") is None:
        errors.append(_not_null(f"{path}.waitIntervalInSeconds"))
    _integer(policy, "WaitIntervalInSeconds", path, WAIT_SECONDS, errors)
    _integer(policy, "MaximumExecutionTimeoutInSeconds", path, EXECUTION_TIMEOUT_SECONDS, errors)
    if policy.get("RollbackMaximumBatchSize") is not None:
        _capacity_size(policy["RollbackMaximumBatchSize"], f"{path}.rollbackMaximumBatchSize", errors)


def _capacity_size(size: Any, path: str, errors: list[str]) -> None:
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CapacitySize.html
    if size.get("Type") is None:
        errors.append(_not_null(f"{path}.type"))
    else:
        _enum(size, "Type", path, CAPACITY_SIZE_TYPES, errors)
    if size.get("Value") is None:
        errors.append(_not_null(f"{path}.value"))
    else:
        _integer(size, "Value", path, (1, None), errors)


def _auto_rollback_config(config: Any, path: str, errors: list[str]) -> None:
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AutoRollbackConfig.html
    alarms = config.get("Alarms")
    if alarms is None:
        return
    low, high = ALARMS_PER_CONFIG
    if not low <= len(alarms) <= high:
        relation = "greater than or equal to" if len(alarms) < low else "less than or equal to"
        shown = ", ".join(str(a.get("AlarmName")) for a in alarms)
        errors.append(
            f"Value '[{shown}]' at '{path}.alarms' failed to satisfy constraint: "
            f"Member must have length {relation} {low if len(alarms) < low else high}"
        )
    for index, alarm in enumerate(alarms, start=1):
        name = alarm.get("AlarmName")
        member = f"{path}.alarms.{index}.member.alarmName"
        if name is None:
            continue  # Alarm.AlarmName is "Required: No" (API_Alarm)
        if not ALARM_NAME_LENGTH[0] <= len(name) <= ALARM_NAME_LENGTH[1]:
            relation = "greater than or equal to 1" if not name else "less than or equal to 255"
            errors.append(
                f"Value '{name}' at '{member}' failed to satisfy constraint: Member must have length {relation}"
            )
        elif re.fullmatch(ALARM_NAME_PATTERN, name, re.DOTALL) is None:
            errors.append(
                f"Value '{name}' at '{member}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {ALARM_NAME_PATTERN}"
            )


# -- constraint messages -------------------------------------------------------


def _member(field: str) -> str:
    """Request members are named in lower camel case in AWS's messages."""
    return field[0].lower() + field[1:]


def _not_null(path: str) -> str:
    return f"Value null at '{path}' failed to satisfy constraint: Member must not be null"


def _enum(shape: dict[str, Any], field: str, path: str, allowed: tuple[str, ...], errors: list[str]) -> None:
    value = shape.get(field)
    if value is None:
        errors.append(_not_null(f"{path}.{_member(field)}"))
    elif value not in allowed:
        errors.append(
            f"Value '{value}' at '{path}.{_member(field)}' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(allowed)}]"
        )


def _integer(
    shape: dict[str, Any], field: str, path: str, bounds: tuple[int, int | None], errors: list[str]
) -> None:
    value = shape.get(field)
    if value is None:
        return
    low, high = bounds
    where = f"Value '{value}' at '{path}.{_member(field)}' failed to satisfy constraint"
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(f"{where}: Member must be an integer")
    elif value < low:
        errors.append(f"{where}: Member must have value greater than or equal to {low}")
    elif high is not None and value > high:
        errors.append(f"{where}: Member must have value less than or equal to {high}")
