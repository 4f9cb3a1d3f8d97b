"""SageMaker inference components, which moto 5.2.1 lacks entirely (every
*InferenceComponent* operation answers HTTP 500), and the endpoints that host
them.

An inference component deploys one model onto an existing endpoint's production
variant, with the compute it needs per copy and a number of copies. Here:

* CreateInferenceComponent: every shape violation of the request at once
  (botocore's service model: names' patterns and lengths, CopyCount >= 0,
  NumberOfCpuCoresRequired >= 0.25, MinMemoryRequiredInMb >= 128...), then the
  endpoint, the variant ("an existing production variant") and the model must
  exist; Specification needs ComputeResourceRequirements unless it names a
  BaseInferenceComponentName (an adapter, which must exist on the same
  endpoint), and RuntimeConfig except for adapters. A name already used is
  refused. The component is Creating, then InService on the update clock, with
  CurrentCopyCount = CopyCount; if its model has been deleted by then it ends
  Failed with a FailureReason. CopyCount 0 is accepted (a component scaled to
  zero) and reports CurrentCopyCount 0.
* DescribeInferenceComponent: the fields of the reference that apply, the
  Specification as InferenceComponentSpecificationSummary (Container.Image
  becomes Container.DeployedImage), RuntimeConfig {DesiredCopyCount,
  CurrentCopyCount}, FailureReason, LastDeploymentConfig.
* ListInferenceComponents: NameContains, EndpointNameEquals, VariantNameEquals,
  StatusEquals, the Creation/LastModifiedTime bounds, SortBy (CreationTime by
  default) and SortOrder (Descending by default), MaxResults and NextToken.
* DeleteInferenceComponent: Deleting, then gone on the update clock.
* UpdateInferenceComponentRuntimeConfig: Updating, DesiredCopyCount at once,
  CurrentCopyCount when the update settles.
* UpdateInferenceComponent: Specification and/or RuntimeConfig; without a
  DeploymentConfig one transition on the update clock, with one a rolling
  deployment (inference_component_rollouts.py).
* An update, or a delete, while the component is Creating, Updating or
  Deleting is refused ("Cannot update in-progress inference component"), as
  SageMaker refuses changes to an in-progress endpoint.
* Endpoint configs for inference components: a ProductionVariant without
  ModelName (moto answers HTTP 500 on it) is accepted when the config has an
  ExecutionRoleArn ("Required when modelName is not specified in
  productionVariants to support Inference Components"), with
  ManagedInstanceScaling and RoutingConfig kept as given. AWS's CreateEndpointConfig page does not say
  so; the sentence quoted is Pulumi's AWS provider documentation of the same field (last URL below).

EventBridge: the list of SageMaker's service events has no inference
component state change ("SageMaker Endpoint State Change" and "SageMaker
Endpoint Deployment State Change" are the nearest), so none is emulated.
  https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-sagemaker.html

SageMaker's messages for refusals the reference lists but does not word are
written here in the style of its endpoint messages.

API reference:
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateInferenceComponent.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeInferenceComponent.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListInferenceComponents.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeleteInferenceComponent.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateInferenceComponent.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateInferenceComponentRuntimeConfig.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentSpecification.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentComputeResourceRequirements.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentRuntimeConfig.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentSummary.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html
  https://pub.dev/documentation/pulumi_aws/latest/sagemaker/EndpointConfigurationArgs-class.html
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemaker.utils import arn_formatter

from . import request_validation
from .inference_component_rollouts import RollingUpdate
from .state import EmulatorState, ResourceKey

IN_PROGRESS = ("Creating", "Updating", "Deleting")
DEFAULT_MAX_RESULTS = 10


class Component:
    def __init__(self, backend: SageMakerModelBackend, name: str, endpoint: FakeEndpoint, variant: str) -> None:
        self.name = name
        self.arn = arn_formatter("inference-component", name, backend.account_id, backend.region_name)
        self.endpoint_name = endpoint.endpoint_name
        self.endpoint_arn = endpoint.arn
        self.variant_name = variant
        self.specification: dict[str, Any] = {}
        self.copies: int | None = None  # None for an adapter, which has no RuntimeConfig
        self.current_copies: int | None = None
        self.status = "Creating"
        self.failure_reason: str | None = None
        self.last_deployment_config: dict[str, Any] | None = None
        self.tags: list[dict[str, str]] = []
        self.creation_time = self.last_modified_time = utcnow()

    def summary(self) -> dict[str, Any]:
        return {
            "InferenceComponentName": self.name,
            "InferenceComponentArn": self.arn,
            "EndpointName": self.endpoint_name,
            "EndpointArn": self.endpoint_arn,
            "VariantName": self.variant_name,
            "InferenceComponentStatus": self.status,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
        }

    def describe(self) -> dict[str, Any]:
        described = self.summary()
        described["Specification"] = _specification_summary(self.specification)
        if self.copies is not None:
            described["RuntimeConfig"] = {"DesiredCopyCount": self.copies, "CurrentCopyCount": self.current_copies}
        if self.failure_reason:
            described["FailureReason"] = self.failure_reason
        if self.last_deployment_config is not None:
            described["LastDeploymentConfig"] = self.last_deployment_config
        return described


def install(state: EmulatorState) -> None:
    backend = SageMakerModelBackend
    original_create_config = backend.create_endpoint_config
    original_validate = backend.validate_production_variants

    def create_endpoint_config(self: SageMakerModelBackend, *args: Any, **kwargs: Any) -> Any:
        variants = kwargs.get("production_variants") or []
        if any(not v.get("ModelName") for v in variants) and not kwargs.get("execution_role_arn"):
            raise ValidationError(
                "ExecutionRoleArn is required when a production variant has no ModelName: an endpoint "
                "configuration for inference components needs an execution role."
            )
        return original_create_config(self, *args, **kwargs)

    def validate_production_variants(self: SageMakerModelBackend, production_variants: list[dict[str, Any]]) -> None:
        # A variant without a model hosts inference components; moto indexes ModelName.
        original_validate(self, [v for v in production_variants if v.get("ModelName")])

    backend.create_endpoint_config = create_endpoint_config
    backend.validate_production_variants = validate_production_variants

    def bind(function: Any) -> Any:
        def respond(self: SageMakerResponse) -> ActionResult:
            # the request as sent (JSON protocol), checked against the service model by each operation
            params = json.loads(self.body or "{}")
            return ActionResult(function(state, self.sagemaker_backend, params))

        return respond

    response = SageMakerResponse
    response.create_inference_component = bind(_create)  # pyright: ignore[reportAttributeAccessIssue]
    response.describe_inference_component = bind(_describe)  # pyright: ignore[reportAttributeAccessIssue]
    response.list_inference_components = bind(_list)  # pyright: ignore[reportAttributeAccessIssue]
    response.delete_inference_component = bind(_delete)  # pyright: ignore[reportAttributeAccessIssue]
    response.update_inference_component = bind(_update)  # pyright: ignore[reportAttributeAccessIssue]
    response.update_inference_component_runtime_config = bind(_update_runtime_config)  # pyright: ignore[reportAttributeAccessIssue]


# -- helpers -----------------------------------------------------------------------


def _components(backend: SageMakerModelBackend) -> dict[str, Component]:
    # Kept on moto's backend, so moto's reset (which rebuilds the backends) clears them.
    if not hasattr(backend, "inference_components"):
        backend.inference_components = {}  # pyright: ignore[reportAttributeAccessIssue]
    return backend.inference_components  # pyright: ignore[reportAttributeAccessIssue]


def _key(backend: SageMakerModelBackend, name: str) -> ResourceKey:
    return ("inference-component", backend.account_id, backend.region_name, name)


def _arn(backend: SageMakerModelBackend, kind: str, name: str) -> str:
    return arn_formatter(kind, name, backend.account_id, backend.region_name)


def _get(backend: SageMakerModelBackend, name: str) -> Component:
    component = _components(backend).get(name)
    if component is None:
        raise ValidationError(f'Could not find inference component "{_arn(backend, "inference-component", name)}".')
    return component


def _ensure_updatable(component: Component) -> None:
    if component.status in IN_PROGRESS:
        raise ValidationError(f'Cannot update in-progress inference component "{component.arn}".')


def _check_model(backend: SageMakerModelBackend, specification: dict[str, Any]) -> None:
    model = specification.get("ModelName")
    if model is not None and model not in backend._models:
        raise ValidationError(f'Could not find model "{_arn(backend, "model", model)}".')


def _check_specification(backend: SageMakerModelBackend, specification: dict[str, Any], endpoint: str) -> None:
    base = specification.get("BaseInferenceComponentName")
    if base is None:
        if not specification.get("ModelName"):
            raise ValidationError("Specification.ModelName is required unless BaseInferenceComponentName is given.")
        if specification.get("ComputeResourceRequirements") is None:
            raise ValidationError(
                "Specification.ComputeResourceRequirements is required unless BaseInferenceComponentName is given."
            )
    else:
        found = _components(backend).get(base)
        if found is None or found.endpoint_name != endpoint:
            raise ValidationError(
                f'Could not find base inference component "{_arn(backend, "inference-component", base)}" '
                f'on endpoint "{endpoint}".'
            )
    requirements = specification.get("ComputeResourceRequirements") or {}
    low, high = requirements.get("MinMemoryRequiredInMb"), requirements.get("MaxMemoryRequiredInMb")
    if low is not None and high is not None and high < low:
        raise ValidationError(
            f"MaxMemoryRequiredInMb ({high}) must be greater than or equal to MinMemoryRequiredInMb ({low})."
        )
    _check_model(backend, specification)


def _specification_summary(specification: dict[str, Any]) -> dict[str, Any]:
    """InferenceComponentSpecificationSummary: the container's image as the
    DeployedImage SageMaker resolved (a digest derived from the image name)."""
    summary = copy.deepcopy(specification)
    container = summary.get("Container")
    if container and container.get("Image"):
        image = container.pop("Image")
        digest = hashlib.sha256(image.encode()).hexdigest()
        container["DeployedImage"] = {
            "SpecifiedImage": image,
            "ResolvedImage": f"{image.split('@')[0].rsplit(':', 1)[0]}@sha256:{digest}",
            "ResolutionTime": utcnow(),
        }
    return summary


# -- operations --------------------------------------------------------------------


def _create(state: EmulatorState, backend: SageMakerModelBackend, params: dict[str, Any]) -> dict[str, Any]:
    request_validation.validate("sagemaker", "CreateInferenceComponent", params)
    name = params["InferenceComponentName"]
    if name in _components(backend):
        raise ValidationError(
            f'Cannot create already existing inference component "{_arn(backend, "inference-component", name)}".'
        )
    endpoint = backend.endpoints.get(params["EndpointName"])
    if endpoint is None:
        raise ValidationError(f'Could not find endpoint "{_arn(backend, "endpoint", params["EndpointName"])}".')
    variants = [v["VariantName"] for v in endpoint.production_variants]
    variant = params.get("VariantName")
    if variant is None and len(variants) == 1:
        variant = variants[0]
    if variant is None or variant not in variants:
        raise ValidationError(
            f'Could not find variant "{variant}" in endpoint "{endpoint.arn}"; its variants are {", ".join(variants)}.'
        )
    config = backend.endpoint_configs.get(endpoint.endpoint_config_name)
    hosted = next((v for v in (config.production_variants if config else []) if v["VariantName"] == variant), {})
    if hosted.get("ModelName"):
        # Inference components go on a variant created without a model (see CreateEndpointConfig above).
        raise ValidationError(
            f'Variant "{variant}" of endpoint "{endpoint.arn}" hosts model "{hosted["ModelName"]}": inference '
            "components need a production variant without a ModelName."
        )
    specification = params.get("Specification")
    if specification is None:
        raise ValidationError("Specification is required.")
    _check_specification(backend, specification, endpoint.endpoint_name)
    runtime = params.get("RuntimeConfig")
    if runtime is None and specification.get("BaseInferenceComponentName") is None:
        raise ValidationError("RuntimeConfig is required unless Specification.BaseInferenceComponentName is given.")

    component = Component(backend, name, endpoint, variant)
    component.specification = copy.deepcopy(specification)
    component.copies = None if runtime is None else int(runtime["CopyCount"])
    component.current_copies = 0 if runtime is not None else None
    component.tags = params.get("Tags") or []
    _components(backend)[name] = component

    def finish_creating() -> None:
        component.last_modified_time = utcnow()
        model = specification.get("ModelName")
        if model is not None and model not in backend._models:
            component.status = "Failed"
            component.failure_reason = f'Could not find model "{_arn(backend, "model", model)}".'
            return
        component.current_copies = component.copies
        component.status = "InService"

    state.schedule(_key(backend, name), finish_creating)
    return {"InferenceComponentArn": component.arn}


def _describe(state: EmulatorState, backend: SageMakerModelBackend, params: dict[str, Any]) -> dict[str, Any]:
    request_validation.validate("sagemaker", "DescribeInferenceComponent", params)
    return _get(backend, params["InferenceComponentName"]).describe()


def _list(state: EmulatorState, backend: SageMakerModelBackend, params: dict[str, Any]) -> dict[str, Any]:
    request_validation.validate("sagemaker", "ListInferenceComponents", params)
    listed = list(_components(backend).values())
    filters = (
        ("NameContains", lambda c, v: v in c.name),
        ("EndpointNameEquals", lambda c, v: c.endpoint_name == v),
        ("VariantNameEquals", lambda c, v: c.variant_name == v),
        ("StatusEquals", lambda c, v: c.status == v),
        ("CreationTimeBefore", lambda c, v: c.creation_time.timestamp() < float(v)),
        ("CreationTimeAfter", lambda c, v: c.creation_time.timestamp() > float(v)),
        ("LastModifiedTimeBefore", lambda c, v: c.last_modified_time.timestamp() < float(v)),
        ("LastModifiedTimeAfter", lambda c, v: c.last_modified_time.timestamp() > float(v)),
    )
    for field, keep in filters:
        if params.get(field) is not None:
            listed = [c for c in listed if keep(c, params[field])]
    sort_by = params.get("SortBy") or "CreationTime"
    sort_key = {"Name": lambda c: c.name, "Status": lambda c: c.status}.get(sort_by, lambda c: c.creation_time)
    listed.sort(key=sort_key, reverse=(params.get("SortOrder") or "Descending") == "Descending")
    token = params.get("NextToken")
    start = 0
    if token:
        if not token.isdigit() or int(token) > len(listed):
            raise ValidationError(f"Invalid pagination token: {token}")
        start = int(token)
    size = int(params.get("MaxResults") or DEFAULT_MAX_RESULTS)
    page = listed[start : start + size]
    answer: dict[str, Any] = {"InferenceComponents": [c.summary() for c in page]}
    if start + size < len(listed):
        answer["NextToken"] = str(start + size)
    return answer


def _delete(state: EmulatorState, backend: SageMakerModelBackend, params: dict[str, Any]) -> dict[str, Any]:
    request_validation.validate("sagemaker", "DeleteInferenceComponent", params)
    component = _get(backend, params["InferenceComponentName"])
    _ensure_updatable(component)
    component.status = "Deleting"
    component.last_modified_time = utcnow()

    def finish_deleting() -> None:
        _components(backend).pop(component.name, None)

    state.schedule(_key(backend, component.name), finish_deleting)
    return {}


def _update_runtime_config(
    state: EmulatorState, backend: SageMakerModelBackend, params: dict[str, Any]
) -> dict[str, Any]:
    request_validation.validate("sagemaker", "UpdateInferenceComponentRuntimeConfig", params)
    component = _get(backend, params["InferenceComponentName"])
    _ensure_updatable(component)
    if component.copies is None:
        raise ValidationError(f'Inference component "{component.arn}" is an adapter: it has no runtime config.')
    _start_plain_update(state, backend, component, None, int(params["DesiredRuntimeConfig"]["CopyCount"]))
    return {"InferenceComponentArn": component.arn}


def _update(state: EmulatorState, backend: SageMakerModelBackend, params: dict[str, Any]) -> dict[str, Any]:
    request_validation.validate("sagemaker", "UpdateInferenceComponent", params)
    component = _get(backend, params["InferenceComponentName"])
    _ensure_updatable(component)
    specification = params.get("Specification")
    runtime = params.get("RuntimeConfig")
    deployment_config = params.get("DeploymentConfig")
    if specification is None and runtime is None:
        raise ValidationError("Specify Specification or RuntimeConfig to update the inference component.")
    if specification is not None:
        # The Specification sent replaces the component's, as at creation.
        _check_specification(backend, specification, component.endpoint_name)
        specification = copy.deepcopy(specification)
    copies = component.copies if runtime is None else int(runtime["CopyCount"])
    if deployment_config is None:
        _start_plain_update(state, backend, component, specification, copies)
        return {"InferenceComponentArn": component.arn}

    old_specification, old_copies, old_current = component.specification, component.copies, component.current_copies

    def finish() -> None:
        component.last_modified_time = utcnow()
        if specification is not None:
            component.specification = specification
        component.copies = component.current_copies = copies
        component.failure_reason = None
        component.status = "InService"

    def roll_back(reason: str) -> None:
        component.last_modified_time = utcnow()
        component.specification, component.copies = old_specification, old_copies
        component.current_copies = old_current
        component.failure_reason = reason
        component.status = "InService"

    update = RollingUpdate(
        state, _key(backend, component.name), component.name, deployment_config, copies or 0, finish, roll_back
    )
    component.last_deployment_config = deployment_config
    component.copies = copies
    component.status = "Updating"
    component.last_modified_time = utcnow()
    update.start()
    return {"InferenceComponentArn": component.arn}


def _start_plain_update(
    state: EmulatorState,
    backend: SageMakerModelBackend,
    component: Component,
    specification: dict[str, Any] | None,
    copies: int | None,
) -> None:
    """One transition: DesiredCopyCount at once, the rest when it settles."""
    component.copies = copies
    component.status = "Updating"
    component.last_modified_time = utcnow()

    def finish_updating() -> None:
        component.last_modified_time = utcnow()
        if specification is not None:
            component.specification = specification
        component.current_copies = component.copies
        component.failure_reason = None
        component.status = "InService"

    state.schedule(_key(backend, component.name), finish_updating)
