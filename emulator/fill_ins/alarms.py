"""CloudWatch composite alarms, and the state of a new or updated alarm.

What moto 5.2.1 does differently from CloudWatch, and what this module changes:

* PutCompositeAlarm is not implemented. Here it stores a composite alarm
  (moto's Alarm with a `rule`), refusing a rule that does not parse or that
  names alarms that do not exist ("Could not save the composite alarm as
  alarms [...] in the alarm rule do not exist").
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html
* A composite alarm's state follows its AlarmRule: whenever an alarm it names
  changes state, the rule is evaluated again (ALARM when true, else OK), and
  so on up through composites of composites; a cycle stops the evaluation
  ("the evaluation of composite alarms stops if CloudWatch detects a cycle").
  Rule syntax: ALARM(name), OK(name), INSUFFICIENT_DATA(name), the name quoted
  or not and possibly an alarm ARN; AND, OR, NOT, parentheses, TRUE, FALSE.
  A function naming an alarm that no longer exists is false.
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm.html
* "When this operation creates an alarm, the alarm state is immediately set to
  INSUFFICIENT_DATA. The alarm is then evaluated"; "When you update an existing
  alarm, its state is left unchanged" (API_PutMetricAlarm, API_PutCompositeAlarm).
  moto starts every alarm OK and resets the state of an updated one. Here a new
  alarm is INSUFFICIENT_DATA; a composite is evaluated update_seconds after it
  is created or its rule changes (a pending transition, see state.py), or as
  soon as one of its alarms changes state.
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
* DescribeAlarms ignores AlarmTypes, applies only the first of its filters
  and returns every alarm in one page. In CloudWatch, for AlarmTypes, "If you
  omit this parameter, only metric alarms are returned, even if composite
  alarms exist"; AlarmNames, AlarmNamePrefix, StateValue, ActionPrefix and
  AlarmTypes all apply together; a page holds MaxRecords alarms (50 unless
  given) and NextToken asks for the next; ChildrenOfAlarmName and
  ParentsOfAlarmName return the alarms a composite names / the composites that
  name an alarm (name, ARN, state and its timestamp only).
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
* DeleteAlarms deletes an alarm that composites still depend on, and any
  number of composites at once. CloudWatch refuses both ("Cannot delete X as
  there are composite alarm(s) depending on it.").
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DeleteAlarms.html
* SetAlarmState works on composites already ("the alarm state ... until the
  next evaluation"); here it also re-evaluates the composites that name the alarm.
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, cast

from moto.cloudwatch.exceptions import CloudWatchException, InvalidParameterCombination, ValidationError
from moto.cloudwatch.models import Alarm, CloudWatchBackend
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult, EmptyResult

from .locking import serialised_call_action
from .state import EmulatorState, ResourceKey

STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")
ALARM_TYPES = ("CompositeAlarm", "MetricAlarm")
DEFAULT_MAX_RECORDS, MAX_RECORDS = 50, 100  # API_DescribeAlarms, MaxRecords
MAX_RULE_LENGTH = 10240  # API_PutCompositeAlarm, AlarmRule: "Maximum length of 10240"
INITIAL_REASON = "Unchecked: Initial alarm creation"
# What a composite alarm has instead of a metric. moto keeps composites as Alarms
# whose metric fields are None (its own PutMetricAlarm handler passes the absent
# parameters through, untyped), but annotates put_metric_alarm's as str/int/float.
NO_METRIC = cast(Any, None)


class InvalidNextToken(CloudWatchException):
    code = "InvalidNextToken"


def install(state: EmulatorState) -> None:
    backend = CloudWatchBackend
    backend.put_metric_alarm = _keeping_state(backend.put_metric_alarm)
    backend.set_alarm_state = _reevaluating_parents(backend.set_alarm_state)
    Alarm.update_state = _recording_transitions(Alarm.update_state)

    response = CloudWatchResponse
    response.put_composite_alarm = _with_state(_respond_put_composite_alarm, state)  # pyright: ignore[reportAttributeAccessIssue]
    response.describe_alarms = _respond_describe_alarms
    response.delete_alarms = _with_state(_respond_delete_alarms, state)
    # composites are evaluated by pending transitions, completed before each request
    response.call_action = serialised_call_action(state)


def _with_state(function: Any, state: EmulatorState) -> Any:
    """Turn `function(state, response)` into a response method."""

    def method(self: CloudWatchResponse) -> Any:
        return function(state, self)

    method.__name__ = function.__name__.replace("_respond_", "")
    return method


# -- alarm rules -----------------------------------------------------------------
# A parsed rule is a tree of tuples: ("const", bool), ("state", STATE, alarm name
# or ARN), ("not", rule), ("and", rule, rule), ("or", rule, rule).

TOKEN = re.compile(
    r"""\s*(?:
        (?P<paren>[()])
      | (?P<function>ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?:"(?P<quoted>[^"]*)"|(?P<bare>[^)"]*?))\s*\)
      | (?P<word>AND|OR|NOT|TRUE|FALSE)\b
    )""",
    re.VERBOSE | re.IGNORECASE,
)


class RuleError(Exception):
    pass


@dataclass
class _Token:
    kind: str  # "(", ")", "state", "AND", "OR", "NOT", "TRUE", "FALSE"
    position: int
    state: str = ""
    alarm: str = ""


def _tokens(rule: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(rule):
        if rule[position:].strip() == "":
            break
        match = TOKEN.match(rule, position)
        if match is None:
            raise RuleError(f"unexpected text at position {position + 1}: {rule[position:position + 20]!r}")
        start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
        if match.group("paren"):
            tokens.append(_Token(match.group("paren"), start))
        elif match.group("function"):
            alarm = match.group("quoted") if match.group("quoted") is not None else match.group("bare")
            if not alarm.strip():
                raise RuleError(f"{match.group('function')}() at position {start + 1} names no alarm")
            tokens.append(_Token("state", start, match.group("function").upper(), alarm.strip()))
        else:
            tokens.append(_Token(match.group("word").upper(), start))
        position = match.end()
    return tokens


def parse_rule(rule: str) -> tuple[Any, ...]:
    """OR binds loosest, then AND, then NOT."""
    tokens = _tokens(rule)
    index = 0

    def peek() -> _Token | None:
        return tokens[index] if index < len(tokens) else None

    def take(kind: str) -> bool:
        nonlocal index
        token = peek()
        if token is not None and token.kind == kind:
            index += 1
            return True
        return False

    def disjunction() -> tuple[Any, ...]:
        node = conjunction()
        while take("OR"):
            node = ("or", node, conjunction())
        return node

    def conjunction() -> tuple[Any, ...]:
        node = negation()
        while take("AND"):
            node = ("and", node, negation())
        return node

    def negation() -> tuple[Any, ...]:
        if take("NOT"):
            return ("not", negation())
        return operand()

    def operand() -> tuple[Any, ...]:
        nonlocal index
        token = peek()
        if token is None:
            raise RuleError("the rule ends where an alarm function, TRUE, FALSE, NOT or '(' was expected")
        if take("("):
            node = disjunction()
            if not take(")"):
                raise RuleError(f"the '(' at position {token.position + 1} is not closed")
            return node
        index += 1
        if token.kind == "state":
            return ("state", token.state, token.alarm)
        if token.kind in ("TRUE", "FALSE"):
            return ("const", token.kind == "TRUE")
        raise RuleError(f"unexpected {token.kind} at position {token.position + 1}")

    node = disjunction()
    extra = peek()
    if extra is not None:
        raise RuleError(f"unexpected {extra.kind} at position {extra.position + 1}")
    return node


def rule_alarms(node: tuple[Any, ...]) -> list[str]:
    """The alarm names and ARNs a rule refers to, in order, once each."""
    if node[0] == "state":
        return [node[2]]
    if node[0] == "const":
        return []
    return list(dict.fromkeys(name for child in node[1:] for name in rule_alarms(child)))


def _evaluate(node: tuple[Any, ...], backend: CloudWatchBackend) -> bool:
    kind = node[0]
    if kind == "const":
        return bool(node[1])
    if kind == "state":
        alarm = _find(backend, node[2])
        return alarm is not None and alarm.state_value == node[1]
    if kind == "not":
        return not _evaluate(node[1], backend)
    if kind == "and":
        return _evaluate(node[1], backend) and _evaluate(node[2], backend)
    return _evaluate(node[1], backend) or _evaluate(node[2], backend)


# -- composites and the alarms they name -------------------------------------------


def _find(backend: CloudWatchBackend, name_or_arn: str) -> Alarm | None:
    if name_or_arn.startswith("arn:"):
        return next((a for a in backend.alarms.values() if a.alarm_arn == name_or_arn), None)
    return backend.alarms.get(name_or_arn)


def _parsed(alarm: Alarm) -> tuple[Any, ...]:
    parsed = getattr(alarm, "parsed_rule", None)
    if parsed is None:
        # a composite that did not come through PutCompositeAlarm (moto internals)
        parsed = alarm.parsed_rule = parse_rule(alarm.rule or "FALSE")  # pyright: ignore[reportAttributeAccessIssue]
    return parsed


def _children(backend: CloudWatchBackend, composite: Alarm) -> list[Alarm]:
    found = (_find(backend, name) for name in rule_alarms(_parsed(composite)))
    return list({a.name: a for a in found if a is not None}.values())


def _parents(backend: CloudWatchBackend, alarm: Alarm) -> list[Alarm]:
    return [
        composite
        for composite in backend.alarms.values()
        if composite.rule is not None
        and any(ref in (alarm.name, alarm.alarm_arn) for ref in rule_alarms(_parsed(composite)))
    ]


def _evaluate_composite(backend: CloudWatchBackend, composite: Alarm, trigger: Alarm | None) -> bool:
    """Sets the composite's state from its rule; True if the state changed."""
    value = _evaluate(_parsed(composite), backend)
    new_state = "ALARM" if value else "OK"
    if new_state == composite.state_value:
        return False
    children = _children(backend, composite)
    if trigger is not None:
        when = trigger.state_updated_timestamp.strftime("%A %d %B, %Y %H:%M:%S")
        reason = f"{trigger.alarm_arn} transitioned to {trigger.state_value} at {when} UTC"
    else:
        reason = f"The alarm rule evaluated to {'TRUE' if value else 'FALSE'}"
    data = {
        "triggeringAlarms": [
            {
                "arn": child.alarm_arn,
                "state": {"value": child.state_value, "timestamp": child.state_updated_timestamp.isoformat()},
            }
            for child in children
        ]
    }
    composite.update_state(reason, json.dumps(data), new_state)
    return True


def _propagate(backend: CloudWatchBackend, changed: Alarm, evaluated: frozenset[str] = frozenset()) -> None:
    """Re-evaluates the composites that name `changed`, then theirs; a composite
    already on this path is a cycle, where evaluation stops."""
    for parent in _parents(backend, changed):
        if parent.name in evaluated or parent.name == changed.name:
            continue
        if _evaluate_composite(backend, parent, changed):
            _propagate(backend, parent, evaluated | {changed.name, parent.name})


def _evaluation_key(backend: CloudWatchBackend, name: str) -> ResourceKey:
    return ("composite-alarm", backend.account_id, backend.region_name, name)


def _schedule_evaluation(state: EmulatorState, backend: CloudWatchBackend, name: str) -> None:
    def evaluate() -> None:
        # the composite by that name now: it may have been updated since (same
        # rule, so no new evaluation was scheduled) or turned into a metric alarm
        composite = backend.alarms.get(name)
        if composite is not None and composite.rule is not None and _evaluate_composite(backend, composite, None):
            _propagate(backend, composite)

    state.schedule(_evaluation_key(backend, name), evaluate)


# -- backend patches -------------------------------------------------------------


def _keeping_state(original: Any) -> Any:
    """PutMetricAlarm (and PutCompositeAlarm, which uses it): a new alarm is
    INSUFFICIENT_DATA, an updated one keeps its state and history."""

    def put_metric_alarm(self: CloudWatchBackend, *args: Any, **kwargs: Any) -> Alarm:
        name = kwargs["name"] if "name" in kwargs else args[0]
        existing = self.alarms.get(name)
        alarm = original(self, *args, **kwargs)
        if existing is None:
            alarm.state_value = "INSUFFICIENT_DATA"
            alarm.state_reason = INITIAL_REASON
        else:
            for field in ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp", "history"):
                setattr(alarm, field, getattr(existing, field))
        alarm.state_transitioned_timestamp = getattr(
            existing, "state_transitioned_timestamp", alarm.state_updated_timestamp
        )
        return alarm

    return put_metric_alarm


def _recording_transitions(original: Any) -> Any:
    """StateTransitionedTimestamp: "the last change to the alarm's StateValue",
    where StateUpdatedTimestamp moves on any update (API_CompositeAlarm)."""

    def update_state(self: Alarm, reason: str, reason_data: str, state_value: str) -> None:
        changed = state_value != self.state_value
        original(self, reason, reason_data, state_value)
        if changed:
            self.state_transitioned_timestamp = self.state_updated_timestamp  # pyright: ignore[reportAttributeAccessIssue]

    return update_state


def _reevaluating_parents(original: Any) -> Any:
    def set_alarm_state(
        self: CloudWatchBackend, alarm_name: str, reason: str, reason_data: str, state_value: str
    ) -> None:
        original(self, alarm_name, reason, reason_data, state_value)
        _propagate(self, self.alarms[alarm_name])

    return set_alarm_state


# -- PutCompositeAlarm -------------------------------------------------------------


def _respond_put_composite_alarm(state: EmulatorState, self: CloudWatchResponse) -> EmptyResult:
    backend = self.cloudwatch_backend
    name = _required(self, "AlarmName", "alarmName")
    rule = _required(self, "AlarmRule", "alarmRule")
    if len(rule) > MAX_RULE_LENGTH:
        raise ValidationError(
            f"1 validation error detected: Value at 'alarmRule' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_RULE_LENGTH}"
        )
    try:
        parsed = parse_rule(rule)
    except RuleError as error:
        raise ValidationError(f"The AlarmRule is not valid: {error}.") from error
    missing = [ref for ref in rule_alarms(parsed) if _find(backend, ref) is None]
    if missing:
        raise ValidationError(
            f"Could not save the composite alarm as alarms [{', '.join(missing)}] in the alarm rule do not exist"
        )
    previous = backend.alarms.get(name)
    composite = backend.put_metric_alarm(
        name=name,
        namespace=NO_METRIC,
        metric_name=NO_METRIC,
        comparison_operator=NO_METRIC,
        evaluation_periods=NO_METRIC,
        period=NO_METRIC,
        threshold=NO_METRIC,
        statistic=NO_METRIC,
        description=self._get_param("AlarmDescription"),
        dimensions=[],
        alarm_actions=self._get_param("AlarmActions", []),
        ok_actions=self._get_param("OKActions", []),
        insufficient_data_actions=self._get_param("InsufficientDataActions", []),
        # ActionsEnabled defaults to true (moto's Alarm turns None into True too)
        actions_enabled=self._get_bool_param("ActionsEnabled", True),
        rule=rule,
        tags=self._get_param("Tags", []),
    )
    composite.parsed_rule = parsed  # pyright: ignore[reportAttributeAccessIssue]
    composite.actions_suppressor = self._get_param("ActionsSuppressor")  # pyright: ignore[reportAttributeAccessIssue]
    composite.actions_suppressor_wait_period = self._get_param("ActionsSuppressorWaitPeriod")  # pyright: ignore[reportAttributeAccessIssue]
    composite.actions_suppressor_extension_period = self._get_param(  # pyright: ignore[reportAttributeAccessIssue]
        "ActionsSuppressorExtensionPeriod"
    )
    # a new composite is evaluated after its creation; an updated one keeps its
    # state until its (possibly new) rule is evaluated
    if previous is None or previous.rule != rule:
        _schedule_evaluation(state, backend, name)
    return EmptyResult()


def _required(self: CloudWatchResponse, name: str, member: str) -> str:
    value = self._get_param(name)
    if not value:
        raise ValidationError(
            f"1 validation error detected: Value null at '{member}' failed to satisfy constraint: "
            "Member must not be null"
        )
    return value


# -- DescribeAlarms ------------------------------------------------------------------


def _respond_describe_alarms(self: CloudWatchResponse) -> ActionResult:
    backend = self.cloudwatch_backend
    children_of = self._get_param("ChildrenOfAlarmName")
    parents_of = self._get_param("ParentsOfAlarmName")
    if children_of or parents_of:
        return _describe_relatives(self, backend, children_of, parents_of)

    names = self._get_param("AlarmNames", [])
    prefix = self._get_param("AlarmNamePrefix")
    if names and prefix:
        raise InvalidParameterCombination("AlarmNames and AlarmNamePrefix cannot be specified together.")
    types = self._get_param("AlarmTypes", []) or ["MetricAlarm"]
    for alarm_type in types:
        if alarm_type not in ALARM_TYPES:
            raise ValidationError(
                f"1 validation error detected: Value '[{alarm_type}]' at 'alarmTypes' failed to satisfy "
                "constraint: Member must satisfy constraint: [Member must satisfy enum value set: "
                "[CompositeAlarm, MetricAlarm]]"
            )
    state_value = self._get_param("StateValue")
    if state_value is not None and state_value not in STATES:
        raise ValidationError(
            f"1 validation error detected: Value '{state_value}' at 'stateValue' failed to satisfy "
            "constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]"
        )
    action_prefix = self._get_param("ActionPrefix")

    def wanted(alarm: Alarm) -> bool:
        return (
            (not names or alarm.name in names)
            and (not prefix or alarm.name.startswith(prefix))
            and (state_value is None or alarm.state_value == state_value)
            and (not action_prefix or any(a.startswith(action_prefix) for a in alarm.alarm_actions or []))
        )

    alarms = [a for a in backend.alarms.values() if wanted(a)]
    # one sequence of pages: the metric alarms first, then the composites
    listed = ([a for a in alarms if a.rule is None] if "MetricAlarm" in types else []) + (
        [a for a in alarms if a.rule is not None] if "CompositeAlarm" in types else []
    )
    page, next_token = _page(self, listed)
    result: dict[str, Any] = {
        "MetricAlarms": [a for a in page if a.rule is None],
        "CompositeAlarms": [_composite_shape(a) for a in page if a.rule is not None],
    }
    if next_token is not None:
        result["NextToken"] = next_token
    return ActionResult(result)


def _page(self: CloudWatchResponse, alarms: list[Alarm]) -> tuple[list[Alarm], str | None]:
    """MaxRecords: "The maximum number of alarm descriptions to retrieve", 1 to
    100, 50 when not given; NextToken: where the previous page ended."""
    max_records = self._get_param("MaxRecords")
    if max_records is None:
        max_records = DEFAULT_MAX_RECORDS
    elif not 1 <= int(max_records) <= MAX_RECORDS:
        raise ValidationError(
            f"1 validation error detected: Value '{max_records}' at 'maxRecords' failed to satisfy "
            f"constraint: Member must have value between 1 and {MAX_RECORDS}"
        )
    token = self._get_param("NextToken")
    if token is None:
        start = 0
    elif not token.isdigit() or int(token) > len(alarms):
        raise InvalidNextToken("The service cannot complete the request: NextToken is not valid.")
    else:
        start = int(token)
    end = start + int(max_records)
    return alarms[start:end], (str(end) if end < len(alarms) else None)


def _describe_relatives(
    self: CloudWatchResponse, backend: CloudWatchBackend, children_of: str | None, parents_of: str | None
) -> ActionResult:
    """ChildrenOfAlarmName / ParentsOfAlarmName: "you cannot specify any other
    parameters in the request except for MaxRecords and NextToken"."""
    used = self._get_params()
    others = sorted(set(used) - {"ChildrenOfAlarmName", "ParentsOfAlarmName", "MaxRecords", "NextToken"})
    if (children_of and parents_of) or others:
        given = "ChildrenOfAlarmName" if children_of else "ParentsOfAlarmName"
        raise ValidationError(f"{given} cannot be combined with other parameters than MaxRecords and NextToken.")
    alarm = backend.alarms.get(children_of or parents_of or "")
    if alarm is None:
        related: list[Alarm] = []
    elif children_of:
        related = _children(backend, alarm) if alarm.rule is not None else []
    else:
        related = _parents(backend, alarm)
    return ActionResult(
        {
            "MetricAlarms": [_relative_shape(a) for a in related if a.rule is None],
            "CompositeAlarms": [_relative_shape(a) for a in related if a.rule is not None],
        }
    )


def _composite_shape(alarm: Alarm) -> dict[str, Any]:
    """https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_CompositeAlarm.html"""
    shape = {
        "ActionsEnabled": alarm.actions_enabled,
        "AlarmActions": alarm.alarm_actions or [],
        "AlarmArn": alarm.alarm_arn,
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated_timestamp,
        "AlarmDescription": alarm.description,
        "AlarmName": alarm.name,
        "AlarmRule": alarm.rule,
        "InsufficientDataActions": alarm.insufficient_data_actions,
        "OKActions": alarm.ok_actions,
        "StateReason": alarm.state_reason,
        "StateReasonData": alarm.state_reason_data,
        "StateUpdatedTimestamp": alarm.state_updated_timestamp,
        "StateValue": alarm.state_value,
        "StateTransitionedTimestamp": getattr(alarm, "state_transitioned_timestamp", alarm.state_updated_timestamp),
        "ActionsSuppressor": getattr(alarm, "actions_suppressor", None),
        "ActionsSuppressorWaitPeriod": getattr(alarm, "actions_suppressor_wait_period", None),
        "ActionsSuppressorExtensionPeriod": getattr(alarm, "actions_suppressor_extension_period", None),
    }
    return {k: v for k, v in shape.items() if v is not None}


def _relative_shape(alarm: Alarm) -> dict[str, Any]:
    """"Only the Alarm Name, ARN, StateValue (OK/ALARM/INSUFFICIENT_DATA), and
    StateUpdatedTimestamp information are returned" (API_DescribeAlarms)."""
    return {
        "AlarmName": alarm.name,
        "AlarmArn": alarm.alarm_arn,
        "StateValue": alarm.state_value,
        "StateUpdatedTimestamp": alarm.state_updated_timestamp,
    }


# -- DeleteAlarms --------------------------------------------------------------------


def _respond_delete_alarms(state: EmulatorState, self: CloudWatchResponse) -> EmptyResult:
    backend = self.cloudwatch_backend
    names = list(dict.fromkeys(self._get_param("AlarmNames", [])))
    existing = [backend.alarms[n] for n in names if n in backend.alarms]
    if sum(1 for a in existing if a.rule is not None) > 1:
        raise ValidationError("A single DeleteAlarms request can delete at most one composite alarm.")
    deleting = set(names)
    blocked = [a.name for a in existing if any(p.name not in deleting for p in _parents(backend, a))]
    if blocked:
        pronoun = "it" if len(blocked) == 1 else "them"
        raise ValidationError(
            f"Cannot delete {','.join(blocked)} as there are composite alarm(s) depending on {pronoun}."
        )
    backend.delete_alarms(names)
    for alarm in existing:
        state.cancel(_evaluation_key(backend, alarm.name))  # a composite not yet evaluated
    return EmptyResult()
