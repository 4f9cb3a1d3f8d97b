"""Serverless endpoints: what SageMaker refuses for a variant with ServerlessConfig.

What moto 5.2.1 does differently from SageMaker, and what this module changes:

* CreateEndpointConfig checks only MemorySizeInMB (against the six sizes) and
  fails with HTTP 500 when it is missing. Here every ServerlessConfig field is
  checked as the API reference defines it: MemorySizeInMB 1024 to 6144 "in 1 GB
  increments", MaxConcurrency 1 to 200, ProvisionedConcurrency 1 to 200 and
  "less than or equal to MaxConcurrency".
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantServerlessConfig.html
* moto accepts a serverless variant that also names InstanceType or
  InitialInstanceCount: ServerlessConfig "Specifies a serverless endpoint
  configuration instead of an instance-based endpoint configuration".
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html
* moto accepts a serverless config with several production variants, with
  data capture, or whose model SageMaker cannot serve serverless. AWS's
  Feature exclusions: "Some of the features currently available for SageMaker
  Real-time Inference are not supported for Serverless Inference, including
  GPUs, AWS marketplace model packages, private Docker registries, Multi-Model
  Endpoints, KMS keys, VPC configuration, network isolation, data capture,
  multiple production variants, Model Monitor, and inference pipelines."
  Here a serverless variant is refused beside another variant, with a
  DataCaptureConfig, and with a model that has a VpcConfig, network isolation,
  several containers (an inference pipeline), a MultiModel container or an
  image from a private registry (ImageConfig RepositoryAccessMode Vpc).
  https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html#serverless-endpoints-how-it-works-exclusions
* moto has no UpdateEndpoint (sagemaker_endpoints.py fills it in). SageMaker
  refuses one that would make an instance-based endpoint serverless: "You cannot
  convert your instance-based, real-time endpoint to a serverless endpoint. If
  you try to update your real-time endpoint to serverless, you receive a
  ValidationError message. You can convert a serverless endpoint to real-time,
  but once you make the update, you cannot roll it back to serverless." (same
  page). The other way is allowed. SageMaker's wording of these refusals is not
  published: the messages below name the resource and the field.
* UpdateEndpointWeightsAndCapacities accepts a DesiredInstanceCount for a
  serverless variant, which has no instances; its capacity is changed with
  ServerlessUpdateConfig.
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DesiredWeightAndCapacity.html

DescribeEndpoint's CurrentServerlessConfig / DesiredServerlessConfig are kept
by sagemaker_endpoints.py (moto reports them too); guardrail deployments of a
serverless endpoint are checked in guardrails.py.
"""

from __future__ import annotations

from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpointConfig, SageMakerModelBackend

# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantServerlessConfig.html
MEMORY_SIZE_MB = (1024, 6144)
MEMORY_STEP_MB = 1024
CONCURRENCY = (1, 200)
INSTANCE_FIELDS = ("InstanceType", "InitialInstanceCount")


def install() -> None:
    """Call after sagemaker_endpoints.install: wraps its CreateEndpointConfig,
    UpdateEndpoint and UpdateEndpointWeightsAndCapacities."""
    backend = SageMakerModelBackend
    create, weights = backend.create_endpoint_config, backend.update_endpoint_weights_and_capacities
    backend.create_endpoint_config = _checking_serverless_configs(create)
    backend.update_endpoint_weights_and_capacities = _refusing_serverless_instance_counts(weights)
    backend.update_endpoint = _refusing_conversion_to_serverless(backend.update_endpoint)  # pyright: ignore[reportAttributeAccessIssue]


def _checking_serverless_configs(original: Any) -> Any:
    def create_endpoint_config(self: SageMakerModelBackend, *args: Any, **kwargs: Any) -> Any:
        variants = kwargs.get("production_variants") or []
        if any(v.get("ServerlessConfig") is not None for v in variants):
            name = kwargs["endpoint_config_name"]  # every caller passes keywords, as for the variants
            arn = FakeEndpointConfig.arn_formatter(name, self.account_id, self.region_name)
            _check(arn, variants, kwargs.get("data_capture_config"))
            _check_models(self, variants)
        return original(self, *args, **kwargs)

    return create_endpoint_config


def _check(config_arn: str, variants: list[dict[str, Any]], data_capture: dict[str, Any] | None) -> None:
    errors: list[str] = []
    for index, variant in enumerate(variants, start=1):
        serverless = variant.get("ServerlessConfig")
        if serverless is not None:
            _shape(serverless, f"productionVariants.{index}.member.serverlessConfig", errors)
    if errors:
        count = len(errors)
        raise ValidationError(f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(errors)}")

    for variant in variants:
        serverless = variant.get("ServerlessConfig")
        if serverless is None:
            continue
        name = variant.get("VariantName")
        given = [field for field in INSTANCE_FIELDS if variant.get(field) is not None]
        if given:
            raise ValidationError(
                f'Production variant "{name}" specifies ServerlessConfig and {" and ".join(given)}: '
                "a serverless variant cannot specify InstanceType or InitialInstanceCount."
            )
        memory = serverless["MemorySizeInMB"]
        if memory % MEMORY_STEP_MB:
            raise ValidationError(
                f'MemorySizeInMB {memory} of production variant "{name}" is not valid: valid values are '
                "in 1 GB increments: 1024, 2048, 3072, 4096, 5120 or 6144 MB."
            )
        provisioned = serverless.get("ProvisionedConcurrency")
        if provisioned is not None and provisioned > serverless["MaxConcurrency"]:
            raise ValidationError(
                f'ProvisionedConcurrency {provisioned} of production variant "{name}" must be less than or '
                f"equal to its MaxConcurrency {serverless['MaxConcurrency']}."
            )
    if len(variants) > 1:
        names = ", ".join(str(v.get("VariantName")) for v in variants)
        raise ValidationError(
            f'Endpoint configuration "{config_arn}" has {len(variants)} production variants ({names}) and '
            "one of them is serverless: serverless endpoints do not support multiple production variants."
        )
    if data_capture:
        raise ValidationError(
            f'Endpoint configuration "{config_arn}" has a DataCaptureConfig and a serverless production '
            "variant: serverless endpoints do not support data capture."
        )


def _check_models(backend: SageMakerModelBackend, variants: list[dict[str, Any]]) -> None:
    """The model of a serverless variant: what Serverless Inference does not
    support. A model that does not exist is left to moto's own check."""
    for variant in variants:
        model_name = variant.get("ModelName")
        model = backend._models.get(model_name) if model_name is not None else None
        if variant.get("ServerlessConfig") is None or model is None:
            continue
        excluded = _model_exclusion(model)
        if excluded is not None:
            raise ValidationError(
                f'Model "{model.arn}" of serverless production variant "{variant.get("VariantName")}" {excluded}.'
            )


def _model_exclusion(model: Any) -> str | None:
    if model.vpc_config:
        return "has a VpcConfig: serverless endpoints do not support VPC configuration"
    if getattr(model, "enable_network_isolation", False):
        return "has EnableNetworkIsolation: serverless endpoints do not support network isolation"
    containers = model.containers or []
    if len(containers) > 1:
        return (
            f"has {len(containers)} containers (an inference pipeline): serverless endpoints do not support "
            "inference pipelines"
        )
    for container in containers or [model.primary_container or {}]:
        if container.get("Mode") == "MultiModel":
            return "has a container in Mode MultiModel: serverless endpoints do not support multi-model endpoints"
        if (container.get("ImageConfig") or {}).get("RepositoryAccessMode") == "Vpc":
            return (
                "has a container whose ImageConfig RepositoryAccessMode is Vpc: serverless endpoints do not "
                "support private Docker registries"
            )
    return None


def _refusing_conversion_to_serverless(original: Any) -> Any:
    def update_endpoint(
        self: SageMakerModelBackend, endpoint_name: str, endpoint_config_name: str, **kwargs: Any
    ) -> str:
        endpoint = self.endpoints.get(endpoint_name)
        config = self.endpoint_configs.get(endpoint_config_name)
        # The missing endpoint or config, and an endpoint not InService, keep their own errors.
        if endpoint is not None and config is not None and endpoint.endpoint_status == "InService":
            serverless_now = any("CurrentServerlessConfig" in v for v in endpoint.production_variants)
            to_serverless = any(v.get("ServerlessConfig") is not None for v in config.production_variants)
            if to_serverless and not serverless_now:
                raise ValidationError(
                    f'Cannot update endpoint "{endpoint.arn}" to endpoint configuration '
                    f'"{config.endpoint_config_arn}": an instance-based endpoint cannot be converted to a '
                    "serverless endpoint."
                )
        return original(self, endpoint_name, endpoint_config_name, **kwargs)

    return update_endpoint


def _shape(serverless: dict[str, Any], path: str, errors: list[str]) -> None:
    for field, bounds, required in (
        ("MemorySizeInMB", MEMORY_SIZE_MB, True),
        ("MaxConcurrency", CONCURRENCY, True),
        ("ProvisionedConcurrency", CONCURRENCY, False),
    ):
        value = serverless.get(field)
        member = f"{path}.{field[0].lower()}{field[1:]}"
        if value is None:
            if required:
                errors.append(f"Value null at '{member}' failed to satisfy constraint: Member must not be null")
            continue
        low, high = bounds
        where = f"Value '{value}' at '{member}' failed to satisfy constraint"
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(f"{where}: Member must be an integer")
        elif value < low:
            errors.append(f"{where}: Member must have value greater than or equal to {low}")
        elif value > high:
            errors.append(f"{where}: Member must have value less than or equal to {high}")


def _refusing_serverless_instance_counts(original: Any) -> Any:
    def update_endpoint_weights_and_capacities(
        self: SageMakerModelBackend, endpoint_name: str, desired_weights_and_capacities: list[dict[str, Any]]
    ) -> str:
        endpoint = self.endpoints.get(endpoint_name)
        if endpoint is not None and endpoint.endpoint_status == "InService":
            by_name = {v["VariantName"]: v for v in endpoint.production_variants}
            for desired in desired_weights_and_capacities:
                variant = by_name.get(desired.get("VariantName"), {})
                if "CurrentServerlessConfig" in variant and desired.get("DesiredInstanceCount") is not None:
                    raise ValidationError(
                        f'Cannot set DesiredInstanceCount for variant "{variant["VariantName"]}" of endpoint '
                        f'"{endpoint.arn}": it is a serverless variant, which has no instances. Use '
                        "ServerlessUpdateConfig to change its concurrency."
                    )
        return original(self, endpoint_name, desired_weights_and_capacities)

    return update_endpoint_weights_and_capacities
