"""SageMaker endpoints: UpdateEndpoint, the asynchronous endpoint lifecycle,
injected update failures, weight-0 variants and shadow variants, and the
settings of the models and endpoint configs they deploy.

What moto 5.2.1 does differently from SageMaker, and what this module changes:

* UpdateEndpoint is not implemented (moto answers HTTP 500).
* Endpoints are `InService` the moment CreateEndpoint returns, and
  UpdateEndpointWeightsAndCapacities settles inside the call. SageMaker keeps
  them `Creating` / `Updating` for minutes and the caller polls DescribeEndpoint.
* CreateEndpoint / CreateEndpointConfig with an existing name overwrite it.
* A variant whose weight is 0 loses CurrentWeight/DesiredWeight (truthiness
  test), and a variant without InitialVariantWeight has none, where SageMaker
  defaults it to 1.0.
* ShadowProductionVariants are dropped by CreateEndpointConfig, and so are
  ExplainerConfig, ExecutionRoleArn, VpcConfig and EnableNetworkIsolation;
  DescribeEndpointConfig returns them in SageMaker.
* CreateModel drops EnableNetworkIsolation (DescribeModel always says false)
  and InferenceExecutionConfig.

API reference:
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpointWeightsAndCapacities.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpointConfig.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeModel.html
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any, cast

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, FakeEndpointConfig, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from . import deployment_config as deployment_config_rules
from . import guardrails
from .locking import serialised_call_action
from .state import EmulatorState, ResourceKey

# DescribeEndpoint's EndpointStatus values during which SageMaker refuses another
# change with "Cannot update in-progress endpoint".
IN_PROGRESS_STATUSES = {"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"}

# InferenceExecutionConfig.Mode values.
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceExecutionConfig.html
INFERENCE_EXECUTION_MODES = ("Serial", "Direct")

# VariantPropertyType values accepted in ExcludeRetainedVariantProperties.
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_VariantProperty.html
RETAINABLE_PROPERTIES = {"DesiredInstanceCount", "DesiredWeight", "DataCaptureConfig"}


def install(state: EmulatorState) -> None:
    backend = SageMakerModelBackend
    backend.create_endpoint_config = _create_endpoint_config
    backend.describe_endpoint_config = _describe_endpoint_config
    backend.create_endpoint = _bind(_create_endpoint, state)
    backend.describe_endpoint = _describe_endpoint
    backend.delete_endpoint = _bind(_delete_endpoint, state)
    backend.update_endpoint = _bind(_update_endpoint, state)  # pyright: ignore[reportAttributeAccessIssue]
    backend.update_endpoint_weights_and_capacities = _bind(_update_endpoint_weights_and_capacities, state)
    FakeEndpoint._process_production_variants = _process_production_variants

    response = SageMakerResponse
    response.create_model = _respond_create_model
    response.create_endpoint_config = _respond_create_endpoint_config
    response.create_endpoint = _respond_create_endpoint
    response.update_endpoint = _respond_update_endpoint  # pyright: ignore[reportAttributeAccessIssue]
    response.call_action = serialised_call_action(state)


def _bind(function: Any, state: EmulatorState) -> Any:
    """Turn `function(state, backend, ...)` into a backend method."""

    def method(self: SageMakerModelBackend, *args: Any, **kwargs: Any) -> Any:
        return function(state, self, *args, **kwargs)

    method.__name__ = function.__name__.lstrip("_")
    return method


# -- ARNs and errors -----------------------------------------------------------
# SageMaker's messages quote the ARN in double quotes and end with a period,
# e.g. Could not find endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/x".


def _endpoint_arn(backend: SageMakerModelBackend, name: str) -> str:
    return FakeEndpoint.arn_formatter(name, backend.account_id, backend.region_name)


def _config_arn(backend: SageMakerModelBackend, name: str) -> str:
    return FakeEndpointConfig.arn_formatter(name, backend.account_id, backend.region_name)


def _get_endpoint(backend: SageMakerModelBackend, name: str) -> FakeEndpoint:
    endpoint = backend.endpoints.get(name)
    if endpoint is None:
        raise ValidationError(f'Could not find endpoint "{_endpoint_arn(backend, name)}".')
    return endpoint


def _get_config(backend: SageMakerModelBackend, name: str) -> FakeEndpointConfig:
    config = backend.endpoint_configs.get(name)
    if config is None:
        raise ValidationError(
            f'Could not find endpoint configuration "{_config_arn(backend, name)}".'
        )
    return config


def _ensure_updatable(endpoint: FakeEndpoint) -> None:
    """UpdateEndpoint and UpdateEndpointWeightsAndCapacities need an InService
    endpoint; a Failed one can only be deleted (DescribeEndpoint, EndpointStatus)."""
    status = endpoint.endpoint_status
    if status == "InService":
        return
    if status in IN_PROGRESS_STATUSES:
        raise ValidationError(f'Cannot update in-progress endpoint "{endpoint.arn}".')
    raise ValidationError(
        f'Cannot update endpoint "{endpoint.arn}" because its status is {status}; '
        "an endpoint must be InService to be updated."
    )


def _key(backend: SageMakerModelBackend, endpoint_name: str) -> ResourceKey:
    return ("endpoint", backend.account_id, backend.region_name, endpoint_name)


# -- variant summaries ---------------------------------------------------------


def _weight(variant: dict[str, Any]) -> float:
    # ProductionVariant.InitialVariantWeight: "If unspecified, it defaults to 1.0".
    # 0 is a legal weight (a variant deployed but taking no traffic): keep it.
    weight = variant.get("InitialVariantWeight")
    return 1.0 if weight is None else float(weight)


def _process_production_variants(
    self: FakeEndpoint, production_variants: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Replaces moto's version, which tests weights for truthiness."""
    return [_variant_summary(None, v) for v in production_variants]


def _variant_summary(
    backend: SageMakerModelBackend | None, variant: dict[str, Any]
) -> dict[str, Any]:
    """ProductionVariantSummary for a settled variant (Current == Desired).
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantSummary.html"""
    summary: dict[str, Any] = {"VariantName": variant["VariantName"]}
    images = _deployed_images(backend, variant.get("ModelName"))
    if images:
        summary["DeployedImages"] = images
    summary["CurrentWeight"] = summary["DesiredWeight"] = _weight(variant)
    count = variant.get("InitialInstanceCount")
    if count is not None:
        summary["CurrentInstanceCount"] = summary["DesiredInstanceCount"] = int(count)
    serverless = variant.get("ServerlessConfig")
    if serverless is not None:
        summary["CurrentServerlessConfig"] = copy.deepcopy(serverless)
        summary["DesiredServerlessConfig"] = copy.deepcopy(serverless)
    return summary


def _pending_variant_summary(
    backend: SageMakerModelBackend, variant: dict[str, Any]
) -> dict[str, Any]:
    """PendingProductionVariantSummary: what the fleet being deployed will look like.
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_PendingProductionVariantSummary.html"""
    summary: dict[str, Any] = {"VariantName": variant["VariantName"]}
    images = _deployed_images(backend, variant.get("ModelName"))
    if images:
        summary["DeployedImages"] = images
    summary["DesiredWeight"] = _weight(variant)
    if variant.get("InitialInstanceCount") is not None:
        summary["DesiredInstanceCount"] = int(variant["InitialInstanceCount"])
    if variant.get("InstanceType") is not None:
        summary["InstanceType"] = variant["InstanceType"]
    if variant.get("ServerlessConfig") is not None:
        summary["DesiredServerlessConfig"] = copy.deepcopy(variant["ServerlessConfig"])
    return summary


def _deployed_images(
    backend: SageMakerModelBackend | None, model_name: str | None
) -> list[dict[str, Any]]:
    """DeployedImage: the image the model names and the digest SageMaker resolved
    it to when deploying. The digest is derived from the image name so that it
    is stable across calls.
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeployedImage.html"""
    if backend is None or model_name is None:
        return []
    model = backend._models.get(model_name)
    if model is None:
        return []
    containers = [model.primary_container] if model.primary_container else model.containers
    images = []
    for container in containers:
        image = (container or {}).get("Image")
        if not image:
            continue
        repository = image.split("@")[0]
        if ":" in repository.rsplit("/", 1)[-1]:  # drop the tag, not a registry port
            repository = repository.rsplit(":", 1)[0]
        digest = hashlib.sha256(image.encode()).hexdigest()
        images.append(
            {
                "SpecifiedImage": image,
                "ResolvedImage": f"{repository}@sha256:{digest}",
                "ResolutionTime": utcnow(),
            }
        )
    return images


def _data_capture_summary(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """DescribeEndpoint returns DataCaptureConfigSummary, not the request shape,
    and omits it when capture was never configured.
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DataCaptureConfigSummary.html"""
    if not config:
        return None
    enabled = bool(config.get("EnableCapture", True))
    summary = {
        "EnableCapture": enabled,
        "CaptureStatus": "Started" if enabled else "Stopped",
        "CurrentSamplingPercentage": config.get("InitialSamplingPercentage"),
        "DestinationS3Uri": config.get("DestinationS3Uri"),
        "KmsKeyId": config.get("KmsKeyId"),
    }
    return {k: v for k, v in summary.items() if v is not None}


def _shadow_summaries(
    backend: SageMakerModelBackend, config: FakeEndpointConfig
) -> list[dict[str, Any]] | None:
    shadows = getattr(config, "shadow_production_variants", None)
    if not shadows:
        return None
    return [_variant_summary(backend, v) for v in shadows]


# -- endpoint configs ----------------------------------------------------------


def _create_endpoint_config(
    self: SageMakerModelBackend,
    endpoint_config_name: str,
    production_variants: list[dict[str, Any]],
    data_capture_config: dict[str, Any],
    async_inference_config: dict[str, Any],
    tags: list[dict[str, str]],
    kms_key_id: str,
    shadow_production_variants: list[dict[str, Any]] | None = None,
    explainer_config: dict[str, Any] | None = None,
    execution_role_arn: str | None = None,
    vpc_config: dict[str, Any] | None = None,
    enable_network_isolation: bool | None = None,
) -> FakeEndpointConfig:
    # Endpoint configs are immutable in SageMaker; reusing a name is an error.
    if endpoint_config_name in self.endpoint_configs:
        raise ValidationError(
            "Cannot create already existing endpoint configuration "
            f'"{_config_arn(self, endpoint_config_name)}".'
        )
    # cast: moto annotates BaseModel.__new__ as returning BaseModel, not the class constructed
    config = cast(
        FakeEndpointConfig,
        FakeEndpointConfig(
            account_id=self.account_id,
            region_name=self.region_name,
            endpoint_config_name=endpoint_config_name,
            production_variants=production_variants,
            async_inference_config=async_inference_config,
            data_capture_config=data_capture_config,
            tags=tags,
            kms_key_id=kms_key_id,
        ),
    )
    self.validate_production_variants(production_variants)
    if shadow_production_variants:
        # Shadow variants are ProductionVariants too: same model and instance checks.
        config.validate_production_variants(shadow_production_variants)
        self.validate_production_variants(shadow_production_variants)
        config.shadow_production_variants = shadow_production_variants  # pyright: ignore[reportAttributeAccessIssue]
    # Kept as attributes: moto's response_object names each attribute after
    # its field (explainer_config -> ExplainerConfig) and leaves out the None ones.
    config.explainer_config = explainer_config  # pyright: ignore[reportAttributeAccessIssue]
    config.execution_role_arn = execution_role_arn  # pyright: ignore[reportAttributeAccessIssue]
    config.vpc_config = vpc_config  # pyright: ignore[reportAttributeAccessIssue]
    config.enable_network_isolation = enable_network_isolation  # pyright: ignore[reportAttributeAccessIssue]
    self.endpoint_configs[endpoint_config_name] = config
    return config


def _describe_endpoint_config(
    self: SageMakerModelBackend, endpoint_config_name: str
) -> dict[str, Any]:
    return _get_config(self, endpoint_config_name).response_object


def _respond_create_endpoint_config(self: SageMakerResponse) -> ActionResult:
    config = self.sagemaker_backend.create_endpoint_config(
        endpoint_config_name=self._get_param("EndpointConfigName"),
        async_inference_config=self._get_param("AsyncInferenceConfig"),
        production_variants=self._get_param("ProductionVariants"),
        data_capture_config=self._get_param("DataCaptureConfig"),
        tags=self._get_param("Tags"),
        kms_key_id=self._get_param("KmsKeyId"),
        shadow_production_variants=self._get_param("ShadowProductionVariants"),  # pyright: ignore[reportCallIssue]
        explainer_config=self._get_param("ExplainerConfig"),  # pyright: ignore[reportCallIssue]
        execution_role_arn=self._get_param("ExecutionRoleArn"),  # pyright: ignore[reportCallIssue]
        vpc_config=self._get_param("VpcConfig"),  # pyright: ignore[reportCallIssue]
        enable_network_isolation=self._get_param("EnableNetworkIsolation"),  # pyright: ignore[reportCallIssue]
    )
    return ActionResult({"EndpointConfigArn": config.endpoint_config_arn})


# -- models --------------------------------------------------------------------


def _respond_create_model(self: SageMakerResponse) -> ActionResult:
    """moto's CreateModel, keeping EnableNetworkIsolation (DescribeModel: false
    when not given) and InferenceExecutionConfig."""
    isolation = self._get_param("EnableNetworkIsolation")
    inference_execution = self._get_param("InferenceExecutionConfig")
    if inference_execution is not None:
        mode = inference_execution.get("Mode")
        if mode not in INFERENCE_EXECUTION_MODES:
            raise ValidationError(
                f"1 validation error detected: Value '{mode}' at 'inferenceExecutionConfig.mode' "
                "failed to satisfy constraint: Member must satisfy enum value set: [Serial, Direct]"
            )
    model = self.sagemaker_backend.create_model(
        model_name=self._get_param("ModelName"),
        execution_role_arn=self._get_param("ExecutionRoleArn"),
        primary_container=self._get_param("PrimaryContainer"),
        vpc_config=self._get_param("VpcConfig"),
        containers=self._get_param("Containers"),
        tags=self._get_param("Tags"),
    )
    model.enable_network_isolation = bool(isolation)
    model.inference_execution_config = inference_execution  # pyright: ignore[reportAttributeAccessIssue]
    return ActionResult(model.response_create)


# -- CreateEndpoint / DescribeEndpoint / DeleteEndpoint ------------------------


def _create_endpoint(
    state: EmulatorState,
    self: SageMakerModelBackend,
    endpoint_name: str,
    endpoint_config_name: str,
    tags: list[dict[str, str]],
    deployment_config: dict[str, Any] | None = None,
) -> FakeEndpoint:
    # moto silently replaces an existing endpoint; SageMaker refuses.
    if endpoint_name in self.endpoints:
        raise ValidationError(
            f'Cannot create already existing endpoint "{_endpoint_arn(self, endpoint_name)}".'
        )
    config = _get_config(self, endpoint_config_name)
    if deployment_config is not None:
        # kept for later updates (RetainDeploymentConfig), and checked as UpdateEndpoint checks it
        deployment_config_rules.validate(deployment_config)
    # cast: moto annotates BaseModel.__new__ as returning BaseModel, not the class constructed
    endpoint = cast(
        FakeEndpoint,
        FakeEndpoint(
            account_id=self.account_id,
            region_name=self.region_name,
            endpoint_name=endpoint_name,
            endpoint_config_name=endpoint_config_name,
            production_variants=config.production_variants,
            data_capture_config=config.data_capture_config,
            tags=tags,
        ),
    )
    endpoint.production_variants = [_variant_summary(self, v) for v in config.production_variants]
    endpoint.data_capture_config = _data_capture_summary(config.data_capture_config)  # pyright: ignore[reportAttributeAccessIssue]
    endpoint.shadow_production_variants = _shadow_summaries(self, config)  # pyright: ignore[reportAttributeAccessIssue]
    endpoint.last_deployment_config = deployment_config  # pyright: ignore[reportAttributeAccessIssue]
    endpoint.pending_deployment_summary = None  # pyright: ignore[reportAttributeAccessIssue]
    # "When it receives the request, SageMaker creates the endpoint, sets the
    # status to Creating. After it creates the endpoint, it sets the status to
    # InService." (API_CreateEndpoint)
    endpoint.endpoint_status = "Creating"
    self.endpoints[endpoint_name] = endpoint

    def finish_creating() -> None:
        endpoint.endpoint_status = "InService"
        endpoint.last_modified_time = utcnow()

    state.schedule(_key(self, endpoint_name), finish_creating)
    return endpoint


def _respond_create_endpoint(self: SageMakerResponse) -> ActionResult:
    endpoint = self.sagemaker_backend.create_endpoint(
        endpoint_name=self._get_param("EndpointName"),
        endpoint_config_name=self._get_param("EndpointConfigName"),
        tags=self._get_param("Tags"),
        deployment_config=self._get_param("DeploymentConfig"),  # pyright: ignore[reportCallIssue]
    )
    return ActionResult({"EndpointArn": endpoint.arn})


def _describe_endpoint(self: SageMakerModelBackend, endpoint_name: str) -> dict[str, Any]:
    return _get_endpoint(self, endpoint_name).response_object


def _delete_endpoint(state: EmulatorState, self: SageMakerModelBackend, endpoint_name: str) -> None:
    endpoint = _get_endpoint(self, endpoint_name)
    # SageMaker answers DeleteEndpoint on a Creating/Updating endpoint with the
    # same "Cannot update in-progress endpoint" ValidationException.
    if endpoint.endpoint_status in IN_PROGRESS_STATUSES:
        raise ValidationError(f'Cannot update in-progress endpoint "{endpoint.arn}".')
    state.cancel(_key(self, endpoint_name))
    del self.endpoints[endpoint_name]


# -- UpdateEndpoint ------------------------------------------------------------


def _update_endpoint(
    state: EmulatorState,
    self: SageMakerModelBackend,
    endpoint_name: str,
    endpoint_config_name: str,
    retain_all_variant_properties: bool | None = None,
    exclude_retained_variant_properties: list[dict[str, str]] | None = None,
    deployment_config: dict[str, Any] | None = None,
    retain_deployment_config: bool | None = None,
) -> str:
    endpoint = _get_endpoint(self, endpoint_name)
    config = _get_config(self, endpoint_config_name)
    _ensure_updatable(endpoint)

    excluded = {p.get("VariantPropertyType") for p in exclude_retained_variant_properties or []}
    unknown = excluded - RETAINABLE_PROPERTIES
    if unknown:
        # key=str: a VariantProperty without a VariantPropertyType shows as 'None'
        raise ValidationError(
            f"Value '{sorted(unknown, key=str)[0]}' at 'excludeRetainedVariantProperties.variantPropertyType' "
            "failed to satisfy constraint: Member must satisfy enum value set: "
            "[DesiredInstanceCount, DesiredWeight, DataCaptureConfig]"
        )
    retained = RETAINABLE_PROPERTIES - excluded if retain_all_variant_properties else set()

    new_variants = [_variant_summary(self, v) for v in config.production_variants]
    # RetainAllVariantProperties=true keeps the endpoint's current weight and
    # instance count for each variant (matched by name) instead of the values in
    # the new EndpointConfig, except the properties listed for exclusion.
    current_by_name = {v["VariantName"]: v for v in endpoint.production_variants}
    for variant in new_variants:
        current = current_by_name.get(variant["VariantName"])
        if current is None:
            continue
        if "DesiredWeight" in retained and "DesiredWeight" in current:
            variant["CurrentWeight"] = variant["DesiredWeight"] = current["DesiredWeight"]
        if "DesiredInstanceCount" in retained and "DesiredInstanceCount" in current:
            variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"] = current[
                "DesiredInstanceCount"
            ]
    if "DataCaptureConfig" in retained:
        new_data_capture = endpoint.data_capture_config
    else:
        new_data_capture = _data_capture_summary(config.data_capture_config)
    new_shadows = _shadow_summaries(self, config)

    # A DeploymentConfig (this update's, or with RetainDeploymentConfig the last
    # one) makes the update a guardrail deployment, checked against this endpoint.
    if deployment_config is not None:
        deployment_config_rules.validate(deployment_config)
    applied = deployment_config
    if applied is None and retain_deployment_config:
        applied = getattr(endpoint, "last_deployment_config", None)
    deployment_plan = (
        guardrails.plan(endpoint.arn, endpoint_config_name, applied, endpoint.production_variants, new_variants)
        if applied is not None
        else None
    )

    # LastDeploymentConfig is the DeploymentConfig of this update; with
    # RetainDeploymentConfig the previous one is reused, otherwise none applies.
    if deployment_config is not None:
        endpoint.last_deployment_config = deployment_config  # pyright: ignore[reportAttributeAccessIssue]
    elif not retain_deployment_config:
        endpoint.last_deployment_config = None  # pyright: ignore[reportAttributeAccessIssue]

    # While Updating, DescribeEndpoint still shows the old EndpointConfigName and
    # variants (they keep serving) and describes the new fleet in
    # PendingDeploymentSummary.
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_PendingDeploymentSummary.html
    started = utcnow()
    endpoint.endpoint_status = "Updating"
    endpoint.last_modified_time = started
    pending: dict[str, Any] = {
        "EndpointConfigName": endpoint_config_name,
        "ProductionVariants": [_pending_variant_summary(self, v) for v in config.production_variants],
        "StartTime": started,
    }
    shadows = getattr(config, "shadow_production_variants", None)
    if shadows:
        pending["ShadowProductionVariants"] = [_pending_variant_summary(self, v) for v in shadows]
    endpoint.pending_deployment_summary = pending  # pyright: ignore[reportAttributeAccessIssue]

    def finish_updating() -> None:
        endpoint.pending_deployment_summary = None  # pyright: ignore[reportAttributeAccessIssue]
        endpoint.last_modified_time = utcnow()
        failure = state.take_endpoint_failure(endpoint_name)
        if failure is None:
            endpoint.endpoint_config_name = endpoint_config_name
            endpoint.production_variants = new_variants
            endpoint.shadow_production_variants = new_shadows  # pyright: ignore[reportAttributeAccessIssue]
            endpoint.data_capture_config = new_data_capture  # pyright: ignore[reportAttributeAccessIssue]
            endpoint.failure_reason = None
            endpoint.endpoint_status = "InService"
        elif failure.mode == "rollback":
            # A failed UpdateEndpoint is rolled back: the endpoint returns to
            # InService on the previous EndpointConfig and FailureReason says why.
            endpoint.failure_reason = failure.reason  # pyright: ignore[reportAttributeAccessIssue]
            endpoint.endpoint_status = "InService"
        else:
            endpoint.failure_reason = failure.reason  # pyright: ignore[reportAttributeAccessIssue]
            endpoint.endpoint_status = "Failed"

    def roll_back(reason: str) -> None:
        # Auto-rollback: "all traffic returns to the blue fleet"; the endpoint is
        # InService on its previous config and FailureReason says why.
        # https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html
        endpoint.pending_deployment_summary = None  # pyright: ignore[reportAttributeAccessIssue]
        endpoint.last_modified_time = utcnow()
        endpoint.failure_reason = reason  # pyright: ignore[reportAttributeAccessIssue]
        endpoint.endpoint_status = "InService"

    key = _key(self, endpoint_name)
    if deployment_plan is None:
        state.schedule(key, finish_updating)
    else:
        deployment = guardrails.Deployment(
            state, key, endpoint, endpoint.endpoint_config_name, deployment_plan, finish_updating, roll_back
        )
        deployment.start()
    return endpoint.arn


def _respond_update_endpoint(self: SageMakerResponse) -> ActionResult:
    arn = self.sagemaker_backend.update_endpoint(  # pyright: ignore[reportAttributeAccessIssue]
        endpoint_name=self._get_param("EndpointName"),
        endpoint_config_name=self._get_param("EndpointConfigName"),
        retain_all_variant_properties=self._get_param("RetainAllVariantProperties"),
        exclude_retained_variant_properties=self._get_param("ExcludeRetainedVariantProperties"),
        deployment_config=self._get_param("DeploymentConfig"),
        retain_deployment_config=self._get_param("RetainDeploymentConfig"),
    )
    return ActionResult({"EndpointArn": arn})


# -- UpdateEndpointWeightsAndCapacities ----------------------------------------


def _update_endpoint_weights_and_capacities(
    state: EmulatorState,
    self: SageMakerModelBackend,
    endpoint_name: str,
    desired_weights_and_capacities: list[dict[str, Any]],
) -> str:
    endpoint = _get_endpoint(self, endpoint_name)
    _ensure_updatable(endpoint)

    # Same request validation as moto (and SageMaker): unique, existing variant names.
    by_name = {v["VariantName"]: v for v in endpoint.production_variants}
    seen: set[str] = set()
    for desired in desired_weights_and_capacities:
        name = desired.get("VariantName")
        if name in seen:
            raise ValidationError(f'The variant name "{name}" was non-unique within the request.')
        if name is None or name not in by_name:
            raise ValidationError(
                f'The variant name(s) "{name}" is/are not present within endpoint '
                f'configuration "{endpoint.endpoint_config_name}".'
            )
        seen.add(name)

    # During Updating, Desired* show the request and Current* what still serves;
    # only the fields sent change (moto resets an omitted instance count to null).
    for desired in desired_weights_and_capacities:
        variant = by_name[desired["VariantName"]]
        if desired.get("DesiredWeight") is not None:
            variant["DesiredWeight"] = float(desired["DesiredWeight"])
        if desired.get("DesiredInstanceCount") is not None:
            variant["DesiredInstanceCount"] = int(desired["DesiredInstanceCount"])
    endpoint.endpoint_status = "Updating"
    endpoint.last_modified_time = utcnow()

    def finish_updating() -> None:
        endpoint.last_modified_time = utcnow()
        failure = state.take_endpoint_failure(endpoint_name)
        for variant in endpoint.production_variants:
            for field in ("Weight", "InstanceCount"):
                if failure is None and f"Desired{field}" in variant:
                    variant[f"Current{field}"] = variant[f"Desired{field}"]
                elif failure is not None and f"Current{field}" in variant:
                    # rolled back / failed: the request is not applied
                    variant[f"Desired{field}"] = variant[f"Current{field}"]
        if failure is None:
            endpoint.failure_reason = None
            endpoint.endpoint_status = "InService"
        else:
            endpoint.failure_reason = failure.reason  # pyright: ignore[reportAttributeAccessIssue]
            endpoint.endpoint_status = "InService" if failure.mode == "rollback" else "Failed"

    state.schedule(_key(self, endpoint_name), finish_updating)
    return endpoint.arn
