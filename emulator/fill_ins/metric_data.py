"""GetMetricData: the statistics and periods CloudWatch computes for a MetricStat query.

What moto 5.2.1 does differently from CloudWatch, and what this module changes:

* A percentile statistic (p99, p95.5) is not computed: moto's Statistics knows
  only the five basic ones, and the request fails with HTTP 500. Here pNN.NN is
  the nearest-rank percentile of the raw values of the period (Values with their
  Counts, or single Values). "CloudWatch needs raw data points to calculate
  percentile statistics": from a statistic set it is available only when its
  SampleCount is 1 or its Minimum equals its Maximum, and no percentile is
  available when any value is negative; such a period has no datapoint.
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
* With Dimensions, moto matches the metric name and dimensions but not the
  namespace, so a team's metric of the same name and dimensions is mixed into
  SageMaker's. A metric is "uniquely defined by a name, namespace and zero or
  more dimensions"; here all three must match.
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Metric
* moto accepts any Stat, any Period and any Id. Here an unknown statistic, a
  Period that is not 1, 5, 10, 20, 30 or a multiple of 60, an Id that does not
  start with a lowercase letter (letters, digits and underscores), a repeated
  Id, and more than 500 queries are refused with a ValidationError naming the
  parameter (the wording is this module's).
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricStat.html
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html
* moto starts the first period at StartTime as given. CloudWatch rounds it down
  by the data's age: to the minute when less than 15 days ago, to 5 minutes
  between 15 and 63 days, to the hour beyond (and for periods under a minute, to
  that many seconds).
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html

Expression queries are still moto's, computed from these results. The extended
statistics this project does not use (tm, wm, tc, ts, PR, IQM) are refused as
not emulated rather than answered wrongly.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from moto.cloudwatch.exceptions import ValidationError
from moto.cloudwatch.models import CloudWatchBackend, MetricAggregatedDatum, MetricDatum, MetricDatumBase
from moto.cloudwatch.metric_data_expression_parser import parse_expression

BASIC_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d{1,2})?|100)$")
OTHER_EXTENDED = re.compile(r"^(tm|wm|tc|ts|PR|TM|WM|TC|TS)\b|^IQM$")
QUERY_ID = re.compile(r"^[a-z][A-Za-z0-9_]{0,254}$")
MAX_QUERIES = 500
HIGH_RESOLUTION_PERIODS = (1, 5, 10, 20, 30)


def install() -> None:
    CloudWatchBackend.get_metric_data = get_metric_data


def get_metric_data(
    self: CloudWatchBackend,
    queries: list[dict[str, Any]],
    start_time: datetime,
    end_time: datetime,
    scan_by: str = "TimestampDescending",
) -> list[dict[str, Any]]:
    if len(queries) > MAX_QUERIES:
        raise ValidationError(f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}.")
    _check_ids(queries)
    start_time, end_time = _aware(start_time), _aware(end_time)
    if start_time > end_time:
        raise ValidationError("The parameter EndTime must be greater than StartTime.")
    if start_time == end_time:
        raise ValidationError("The parameter StartTime must not equal parameter EndTime.")
    results: list[dict[str, Any]] = []
    for number, query in enumerate(queries, start=1):
        if "MetricStat" in query:
            results.append(_metric_stat(self, query, number, start_time, end_time, scan_by))
    for query in queries:
        if "Expression" in query:
            values, timestamps = parse_expression(query["Expression"], results)
            results.append(_result(query, query.get("Label") or query["Id"], values, timestamps))
    return [result for query, result in zip(_ordered(queries), results) if query.get("ReturnData", True) is not False]


def _ordered(queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The queries in the order their results were computed: metric stats first, then expressions."""
    return [query for query in queries if "MetricStat" in query] + [query for query in queries if "Expression" in query]


def _check_ids(queries: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for number, query in enumerate(queries, start=1):
        query_id = str(query.get("Id", ""))
        if not QUERY_ID.match(query_id):
            raise ValidationError(
                f"The value {query_id} for parameter MetricDataQueries.member.{number}.Id is not valid: it must start"
                " with a lowercase letter and contain only letters, numbers and underscores."
            )
        if query_id in seen:
            raise ValidationError(f"The value {query_id} for parameter MetricDataQueries.member.{number}.Id is a duplicate.")
        seen.add(query_id)


def _metric_stat(
    backend: CloudWatchBackend,
    query: dict[str, Any],
    number: int,
    start_time: datetime,
    end_time: datetime,
    scan_by: str,
) -> dict[str, Any]:
    metric_stat = query["MetricStat"]
    stat = str(metric_stat.get("Stat", ""))
    period = int(metric_stat.get("Period", 0))
    field = f"MetricDataQueries.member.{number}.MetricStat"
    if stat not in BASIC_STATISTICS and not PERCENTILE.match(stat):
        if OTHER_EXTENDED.match(stat):
            raise ValidationError(f"The statistic {stat} for parameter {field}.Stat is valid but not emulated.")
        raise ValidationError(f"The value {stat} for parameter {field}.Stat is not a valid statistic.")
    if period < 1 or (period not in HIGH_RESOLUTION_PERIODS and period % 60 != 0):
        raise ValidationError(
            f"The parameter {field}.Period must be 1, 5, 10, 20, 30 or a multiple of 60; it was {period}."
        )
    metric = metric_stat["Metric"]
    wanted = _metric_key(metric["Namespace"], metric["MetricName"], metric.get("Dimensions", []))
    unit = metric_stat.get("Unit")
    data = [
        datum
        for datum in backend.get_all_metrics()
        if _metric_key(datum.namespace, datum.name, [{"Name": d.name, "Value": d.value} for d in datum.dimensions])
        == wanted
        and (unit is None or datum.unit == unit)
    ]
    delta = timedelta(seconds=period)
    values: list[float] = []
    timestamps: list[datetime] = []
    period_start = rounded_start(start_time, period, now=datetime.now(timezone.utc))
    while period_start < end_time:
        period_end = min(period_start + delta, end_time)
        in_period = [datum for datum in data if period_start <= _aware(datum.timestamp) < period_end]
        value = statistic(stat, in_period) if in_period else None
        if value is not None:
            values.append(value)
            timestamps.append(period_start)
        period_start += delta
    if scan_by == "TimestampDescending":
        values.reverse()
        timestamps.reverse()
    return _result(query, query.get("Label") or f"{metric['MetricName']}", values, timestamps)


def _result(query: dict[str, Any], label: str, values: list[Any], timestamps: list[datetime]) -> dict[str, Any]:
    return {"id": query["Id"], "label": label, "values": values, "timestamps": timestamps, "status_code": "Complete"}


def _metric_key(namespace: str, name: str, dimensions: list[dict[str, str | None]]) -> tuple[Any, ...]:
    # str | None: moto's Dimension allows a missing name or value (a filter's);
    # the dimensions of a stored datum and of a MetricStat always have both.
    return (namespace, name, tuple(sorted((d["Name"], d["Value"]) for d in dimensions)))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def rounded_start(start_time: datetime, period: int, now: datetime) -> datetime:
    """StartTime as CloudWatch rounds it down: by the period under a minute, else by the data's age."""
    start = _aware(start_time).replace(microsecond=0)
    if period < 60:
        return start - timedelta(seconds=start.second % period)
    age = _aware(now) - start
    step = 60 if age < timedelta(days=15) else 300 if age < timedelta(days=63) else 3600
    epoch_seconds = int(start.timestamp())
    return datetime.fromtimestamp(epoch_seconds - epoch_seconds % step, tz=timezone.utc)


def statistic(stat: str, data: list[MetricDatumBase]) -> float | None:
    """One statistic of a period's data, or None where CloudWatch has no datapoint."""
    singles = [datum.value for datum in data if isinstance(datum, MetricDatum)]
    sets = [datum for datum in data if isinstance(datum, MetricAggregatedDatum)]
    count = len(singles) + sum(s.sample_count for s in sets)
    if stat == "SampleCount":
        return float(count)
    if stat == "Sum":
        return sum(singles) + sum(s.sum for s in sets)
    if count == 0:
        return None
    if stat == "Average":
        return (sum(singles) + sum(s.sum for s in sets)) / count
    if stat == "Minimum":
        return min(singles + [s.min for s in sets])
    if stat == "Maximum":
        return max(singles + [s.max for s in sets])
    return percentile(float(stat[1:]), singles, sets)


def percentile(rank_percent: float, singles: list[float], sets: list[MetricAggregatedDatum]) -> float | None:
    """The nearest-rank percentile of the raw values; a statistic set counts only as raw values."""
    raw = list(singles)
    for statistic_set in sets:
        if statistic_set.sample_count != 1 and statistic_set.min != statistic_set.max:
            return None
        raw.extend([statistic_set.min] * int(statistic_set.sample_count))
    if not raw or any(value < 0 for value in raw):
        return None
    raw.sort()
    rank = max(1, math.ceil(rank_percent / 100 * len(raw)))
    return raw[rank - 1]
