"""CloudWatch DescribeAlarmHistory, which moto 5.2.1 does not implement.

moto keeps a private list of an alarm's earlier states but answers no
DescribeAlarmHistory. Here every change of an alarm's StateValue (by
SetAlarmState, or a composite following its rule) is recorded as a
`StateUpdate` history item, kept by the backend even after the alarm is
deleted ("CloudWatch retains the history of an alarm even if you delete the
alarm"), and DescribeAlarmHistory answers from it:

* AlarmName (optional: "If an alarm name is not specified, the histories for
  either all metric alarms or all composite alarms are returned"), AlarmTypes
  ("If you omit this parameter, only metric alarms are returned"),
  HistoryItemType, StartDate and EndDate (inclusive), ScanBy
  (TimestampDescending unless TimestampAscending), MaxRecords (1-100, default
  100) and NextToken.
* Each item: AlarmName, AlarmType, Timestamp, HistoryItemType, HistorySummary
  ("Alarm updated from OK to ALARM") and HistoryData, a JSON document with
  `version`, `oldState` and `newState` (`stateValue`, `stateReason`).

https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmHistoryItem.html
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from dateutil import parser as date_parser
from moto.cloudwatch.exceptions import ValidationError
from moto.cloudwatch.models import Alarm, CloudWatchBackend, cloudwatch_backends
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult

HISTORY_ITEM_TYPES = ("ConfigurationUpdate", "StateUpdate", "Action")
ALARM_TYPES = ("CompositeAlarm", "MetricAlarm")
MAX_RECORDS = 100


def install() -> None:
    Alarm.update_state = _recording_history(Alarm.update_state)
    CloudWatchResponse.describe_alarm_history = _respond_describe_alarm_history  # pyright: ignore[reportAttributeAccessIssue]


def _history(backend: CloudWatchBackend) -> list[dict[str, Any]]:
    """The backend's history items, oldest first; moto's reset makes a new backend, and so a new list."""
    if not hasattr(backend, "alarm_history_items"):
        backend.alarm_history_items = []  # pyright: ignore[reportAttributeAccessIssue]
    return backend.alarm_history_items  # pyright: ignore[reportAttributeAccessIssue]


def _recording_history(original: Any) -> Any:
    def update_state(self: Alarm, reason: str, reason_data: str, state_value: str) -> None:
        old_value, old_reason = self.state_value, self.state_reason
        original(self, reason, reason_data, state_value)
        if state_value == old_value:
            return
        # an Alarm keeps no account or region of its own, but its ARN names both
        _, _, _, region, account, _ = self.alarm_arn.split(":", 5)
        backend = cloudwatch_backends[account][region]
        data = {
            "version": "1.0",
            "oldState": {"stateValue": old_value, "stateReason": old_reason},
            "newState": {"stateValue": state_value, "stateReason": reason},
        }
        _history(backend).append(
            {
                "AlarmName": self.name,
                "AlarmType": "CompositeAlarm" if self.rule is not None else "MetricAlarm",
                "Timestamp": self.state_updated_timestamp,
                "HistoryItemType": "StateUpdate",
                "HistorySummary": f"Alarm updated from {old_value} to {state_value}",
                "HistoryData": json.dumps(data),
            }
        )

    return update_state


def _moment(value: Any, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        moment = (
            datetime.fromtimestamp(float(value), timezone.utc)
            if isinstance(value, (int, float))
            else date_parser.parse(str(value))
        )
    except (ValueError, OverflowError) as error:
        raise ValidationError(f"Invalid value for parameter {name}: {value}") from error
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _respond_describe_alarm_history(self: CloudWatchResponse) -> ActionResult:
    name = self._get_param("AlarmName")
    types = self._get_param("AlarmTypes") or ["MetricAlarm"]
    item_type = self._get_param("HistoryItemType")
    start = _moment(self._get_param("StartDate"), "StartDate")
    end = _moment(self._get_param("EndDate"), "EndDate")
    scan_by = self._get_param("ScanBy") or "TimestampDescending"
    max_records = int(self._get_param("MaxRecords") or MAX_RECORDS)
    token = self._get_param("NextToken")

    for alarm_type in types:
        if alarm_type not in ALARM_TYPES:
            raise ValidationError(
                f"1 validation error detected: Value '[{alarm_type}]' at 'alarmTypes' failed to satisfy "
                f"constraint: Member must satisfy enum value set: [{', '.join(ALARM_TYPES)}]"
            )
    if item_type is not None and item_type not in HISTORY_ITEM_TYPES:
        raise ValidationError(
            f"1 validation error detected: Value '{item_type}' at 'historyItemType' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(HISTORY_ITEM_TYPES)}]"
        )
    if scan_by not in ("TimestampDescending", "TimestampAscending"):
        raise ValidationError(
            f"1 validation error detected: Value '{scan_by}' at 'scanBy' failed to satisfy constraint: "
            "Member must satisfy enum value set: [TimestampDescending, TimestampAscending]"
        )
    if not 1 <= max_records <= MAX_RECORDS:
        raise ValidationError(
            f"1 validation error detected: Value '{max_records}' at 'maxRecords' failed to satisfy "
            f"constraint: Member must have value between 1 and {MAX_RECORDS}"
        )

    items = [
        item
        for item in _history(self.cloudwatch_backend)
        if (name is None or item["AlarmName"] == name)
        and item["AlarmType"] in types
        and (item_type is None or item["HistoryItemType"] == item_type)
        and (start is None or _aware(item["Timestamp"]) >= start)
        and (end is None or _aware(item["Timestamp"]) <= end)
    ]
    if scan_by == "TimestampDescending":
        items.reverse()
    offset = int(token) if token and str(token).isdigit() else 0
    page = items[offset : offset + max_records]
    result: dict[str, Any] = {"AlarmHistoryItems": page}
    if offset + max_records < len(items):
        result["NextToken"] = str(offset + max_records)
    return ActionResult(result)
