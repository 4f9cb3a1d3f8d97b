"""Where an InvokeEndpoint call goes, how the variant's model answers it, and
the per-variant metrics SageMaker publishes for it. endpoint_invocations.py
calls these for every invocation that reaches a model.

What moto 5.2.1 does differently from SageMaker, and what this module changes:

* moto answers every call from one canned result, whatever the variants'
  weights, names a variant "invoked_production_variant", and ignores
  TargetVariant. SageMaker distributes the calls over the production variants
  by weight: "The traffic to a production variant is determined by the ratio
  of the VariantWeight to the sum of all VariantWeight values across all
  ProductionVariants" (API_ProductionVariant), at random. Here the choice is
  deterministic, a smooth weighted round-robin per endpoint over the variants'
  CurrentWeight (what serves; a weight update counts once it settles): at
  0.1/0.9 exactly one call in every ten goes to the first variant. A variant at
  weight 0 gets no traffic; if every weight is 0 the first variant serves (what
  SageMaker does then is not documented). The round-robin starts again when
  the weights change.
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html
  https://docs.aws.amazon.com/sagemaker/latest/dg/model-ab-testing.html
* TargetVariant (header X-Amzn-SageMaker-Target-Variant): "Specify the
  production variant to send the inference request to when invoking an
  endpoint that is running two or more variants. Note that this parameter
  overrides the default behavior for the endpoint, which is to distribute the
  invocation traffic based on the variant weights." A variant at weight 0 can
  be targeted. A name that is not one of the endpoint's production variants (a
  shadow variant included) answers ValidationError; SageMaker's wording for it
  is not in the API reference, the message here is this module's. The variant
  that served is named in the x-Amzn-Invoked-Production-Variant header
  (InvokedProductionVariant: "Identifies the production variant that was
  invoked.").
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
* Shadow variants (the endpoint's ShadowProductionVariants): "A portion of the
  inference requests that goes to the production variant is replicated to the
  shadow variant. The responses of the shadow variant are logged for
  comparison and not returned to the caller." Here every invocation that
  reaches a production model is copied to each shadow variant (the sampling
  SageMaker may apply is not emulated); the shadow's answer, error or not, is
  discarded and shows only in its metrics.
  https://docs.aws.amazon.com/sagemaker/latest/dg/model-validation.html
  https://docs.aws.amazon.com/sagemaker/latest/dg/model-shadow-deployment.html
* moto publishes no metric for an invocation. SageMaker publishes endpoint
  invocation metrics in namespace AWS/SageMaker with dimensions EndpointName
  and VariantName. Here each invocation of a model (production or shadow copy)
  puts, timestamped now, one datum each of: Invocations 1, Invocation4XXErrors
  and Invocation5XXErrors ("For each 4xx/5xx response, 1 is sent; otherwise, 0
  is sent"; all three Units: None, as the page says, not Count), ModelLatency
  and OverheadLatency (Units: Microseconds). One raw datum per call, so Sum,
  SampleCount, Average and percentiles of GetMetricData (metric_data.py) are
  those of the calls. Calls that SageMaker refuses before a model sees them
  (endpoint not found, missing target model, unknown TargetVariant) publish
  nothing. InvocationsPerInstance and the multi-model loading metrics are not
  published.
  https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html#cloudwatch-metrics-endpoint-invocation

The model of every variant answers 200 in DEFAULT_MODEL_LATENCY_MICROS, unless
POST /_emulator/variant-behaviour {"endpointName", "variantName", "errorRate"?,
"clientErrorRate"?, "latencyMicros"?} says otherwise: the n-th call (counted
from when the behaviour was set) is a 5xx when floor(n * errorRate) grows, else
a 4xx when the 4xx answered so far are fewer than floor(n * clientErrorRate),
so 1,000 calls at errorRate 0.05 give exactly 50 5xx (4xx are exact too when
alone; a 4xx due on a call that is a 5xx comes on the next call). A production
variant's error answers the caller ModelError (HTTP 424) with the status the
model answered, as fail-next-invocation does; the answer is never delayed,
latencyMicros is only what the metrics report. OverheadLatency is always
OVERHEAD_LATENCY_MICROS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.core.utils import utcnow

from .state import ArmedInvocationFailure, EmulatorState, EndpointKey, VariantBehaviour

NAMESPACE = "AWS/SageMaker"
DEFAULT_MODEL_LATENCY_MICROS = 10_000.0
OVERHEAD_LATENCY_MICROS = 1_000.0
# InvokeEndpoint: "The model itself can have a maximum processing time of 60 seconds".
MAX_MODEL_LATENCY_MICROS = 60_000_000


@dataclass(frozen=True)
class ModelAnswer:
    status: int  # the HTTP status the model container answered: 200, 4xx or 5xx
    message: str  # the container's message when it failed
    latency_micros: float

    @property
    def failed(self) -> bool:
        return self.status >= 400


@dataclass
class WeightedRouter:
    """Smooth weighted round-robin: each call adds every variant's weight to its
    credit and sends the call to the variant with the most credit (the first on a
    tie), which then gives back the sum of the weights. Over any run of calls each
    variant's share stays within one call of its weight's share."""

    weights: tuple[tuple[str, Fraction], ...]
    credit: dict[str, Fraction]

    @classmethod
    def of(cls, weights: tuple[tuple[str, Fraction], ...]) -> WeightedRouter:
        return cls(weights, {name: Fraction(0) for name, _ in weights})

    def next_variant(self) -> str:
        for name, weight in self.weights:
            self.credit[name] += weight
        chosen = max(self.weights, key=lambda entry: self.credit[entry[0]])[0]
        self.credit[chosen] -= sum(weight for _, weight in self.weights)
        return chosen


def production_variant(state: EmulatorState, key: EndpointKey, endpoint: Any) -> str:
    """The production variant the next call of this endpoint goes to, by CurrentWeight."""
    weights = tuple(
        (variant["VariantName"], _exact(float(variant.get("CurrentWeight", 0))))
        for variant in endpoint.production_variants
    )
    router = state.traffic_routers.get(key)
    if not isinstance(router, WeightedRouter) or router.weights != weights:
        router = WeightedRouter.of(weights)
        state.traffic_routers[key] = router
    return router.next_variant()


def shadow_variants(endpoint: Any) -> list[str]:
    """The names of the endpoint's shadow variants (DescribeEndpoint's ShadowProductionVariants)."""
    return [variant["VariantName"] for variant in getattr(endpoint, "shadow_production_variants", None) or []]


def model_answer(
    state: EmulatorState, endpoint_name: str, variant_name: str, armed: ArmedInvocationFailure | None = None
) -> ModelAnswer:
    """How this variant's model answers its next call: an armed failure
    (fail-next-invocation) first, else its behaviour's share of errors."""
    behaviour = state.variant_behaviour(endpoint_name, variant_name)
    latency = DEFAULT_MODEL_LATENCY_MICROS
    if behaviour is not None and behaviour.latency_micros is not None:
        latency = behaviour.latency_micros
    if armed is not None:
        return ModelAnswer(armed.original_status, armed.message, latency)
    status = _next_status(behaviour) if behaviour is not None else 200
    message = "" if status == 200 else f"{status} injected into variant {variant_name} by the emulator"
    return ModelAnswer(status, message, latency)


def _next_status(behaviour: VariantBehaviour) -> int:
    behaviour.calls += 1
    calls = behaviour.calls
    if math.floor(calls * behaviour.error_rate) > behaviour.server_errors:
        behaviour.server_errors += 1
        return 500
    if math.floor(calls * behaviour.client_error_rate) > behaviour.client_errors:
        behaviour.client_errors += 1
        return 400
    return 200


def publish_invocation(account: str, region: str, endpoint_name: str, variant_name: str, answer: ModelAnswer) -> None:
    """SageMaker's endpoint invocation metrics for one call of one variant."""
    dimensions = [
        {"Name": "EndpointName", "Value": endpoint_name},
        {"Name": "VariantName", "Value": variant_name},
    ]
    now = utcnow()
    values = (
        ("Invocations", 1.0, "None"),
        ("Invocation4XXErrors", 1.0 if 400 <= answer.status < 500 else 0.0, "None"),
        ("Invocation5XXErrors", 1.0 if answer.status >= 500 else 0.0, "None"),
        ("ModelLatency", answer.latency_micros, "Microseconds"),
        ("OverheadLatency", OVERHEAD_LATENCY_MICROS, "Microseconds"),
    )
    cloudwatch_backends[account][region].put_metric_data(
        NAMESPACE,
        [
            {"MetricName": name, "Dimensions": dimensions, "Timestamp": now, "Value": value, "Unit": unit}
            for name, value, unit in values
        ],
    )


def behaviour_of(error_rate: float, client_error_rate: float, latency_micros: float | None) -> VariantBehaviour | None:
    """The behaviour the control API sets; None when it is the default (the model answers every call)."""
    if error_rate == 0 and client_error_rate == 0 and latency_micros is None:
        return None
    return VariantBehaviour(_exact(error_rate), _exact(client_error_rate), latency_micros)


def _exact(value: float) -> Fraction:
    """0.1 as 1/10, not as the binary fraction nearest to it: shares and weights add up exactly."""
    return Fraction(value).limit_denominator(1_000_000)
