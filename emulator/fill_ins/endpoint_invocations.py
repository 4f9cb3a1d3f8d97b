"""SageMaker Runtime InvokeEndpoint: the endpoint must exist and serve, a
multi-model endpoint loads the TargetModel from its model prefix in S3, and a
model's failure can be injected.

What moto 5.2.1 does differently from SageMaker, and what this module changes:

* InvokeEndpoint answers every call 200 with canned data ("body", or what
  /moto-api/static/sagemaker/endpoint-results queued), whether the endpoint
  exists or not, and ignores TargetModel. That canned answer is kept for an
  existing, serving endpoint that is not multi-model.
* An endpoint that does not exist, or cannot serve (Creating, Failed,
  OutOfService, Deleting), answers ValidationError "Endpoint <name> of account
  <account> not found." An endpoint being updated keeps serving on its current
  config, as SageMaker's updates do (the old fleet serves until traffic moves).
* Multi-model endpoints (the variant's model has PrimaryContainer.Mode
  MultiModel): "The SageMaker AI system constructs the absolute path of the
  model by combining the prefix that is provided as part of the CreateModel API
  call with the relative path of the model" (the TargetModel header). The call
  answers 200 with {"targetModel", "received": <bytes>} only when that object
  exists in the emulator's S3; otherwise ValidationError "Failed to download
  model data(bucket: ..., key: ...)". Without a TargetModel header it answers
  ValidationError "Request <id> is missing a target model header."; a
  TargetModel sent to an endpoint that is not multi-model answers
  ValidationError (ErrorCode TARGET_MODEL_HEADER_NOT_SUPPORTED).
  https://docs.aws.amazon.com/sagemaker/latest/dg/invoke-multi-model-endpoint.html
  https://docs.aws.amazon.com/sagemaker/latest/dg/create-multi-model-endpoint.html
* POST /_emulator/fail-next-invocation {"endpointName", "message",
  "originalStatusCode"?} makes the next invocation of that endpoint that reaches
  its model answer ModelError (HTTP 424): the model returned that status (500 by
  default) and message; the variant's metrics count it as a 5xx or 4xx.

* The variant that serves is chosen by the variants' weights, or named by
  TargetVariant, and named in the x-Amzn-Invoked-Production-Variant header (moto:
  "invoked_production_variant"); each shadow variant gets a copy of the call;
  every invocation that reaches a model, production or shadow, publishes
  SageMaker's per-variant metrics into CloudWatch, and POST
  /_emulator/variant-behaviour makes a share of a variant's calls fail or its
  latency grow. See invocation_traffic.py for these and the pages behind them.

Errors are written as SageMaker Runtime's REST-JSON protocol writes them: the
error name in the X-Amzn-ErrorType header, {"ErrorCode"?, "Message", ...} in
the body, the status the service model gives the error (ValidationError 400,
ModelError 424).
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
  https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html#operation-error-serialization
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import unquote

from moto.s3.models import s3_backends
from moto.sagemaker.models import sagemaker_backends
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

from . import invocation_traffic
from .locking import serialised_call_action
from .state import EmulatorState

# EndpointStatus values in which an endpoint has no fleet serving.
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html
NOT_SERVING_STATUSES = {"Creating", "Failed", "OutOfService", "Deleting"}
# InvokedProductionVariant: "Identifies the production variant that was invoked."
INVOKED_VARIANT_HEADER = "x-Amzn-Invoked-Production-Variant"

Response = tuple[int, dict[str, str], str]


def install(state: EmulatorState) -> None:
    original_invoke = SageMakerRuntimeResponse.invoke_endpoint

    def invoke_endpoint(self: SageMakerRuntimeResponse) -> Response:
        return _invoke_endpoint(state, self, original_invoke)

    SageMakerRuntimeResponse.invoke_endpoint = invoke_endpoint
    # Endpoints finish Creating on the update clock: see its state as of now.
    SageMakerRuntimeResponse.call_action = serialised_call_action(state)


def _invoke_endpoint(state: EmulatorState, self: SageMakerRuntimeResponse, original_invoke: Any) -> Response:
    # /endpoints/{EndpointName}/invocations
    name = unquote(self.path.split("?")[0].split("/")[2])
    account = self.current_account
    sagemaker = sagemaker_backends[account][self.region]

    # The runtime knows only endpoints with a fleet serving; its errors are
    # ValidationError (400) and ModelError (424).
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
    endpoint = sagemaker.endpoints.get(name)
    if endpoint is None or endpoint.endpoint_status in NOT_SERVING_STATUSES:
        return _error(400, "ValidationError", f"Endpoint {name} of account {account} not found.")

    # TargetVariant "overrides the default behavior for the endpoint, which is
    # to distribute the invocation traffic based on the variant weights."
    target_variant = _header(self, "X-Amzn-SageMaker-Target-Variant")
    if target_variant is None:
        variant_name = invocation_traffic.production_variant(state, (account, self.region, name), endpoint)
    elif target_variant in {variant["VariantName"] for variant in endpoint.production_variants}:
        variant_name = target_variant
    else:
        return _error(
            400,
            "ValidationError",
            f'Target variant "{target_variant}" is not a production variant of endpoint "{name}".',
        )
    container = _container(sagemaker, endpoint, variant_name)
    multi_model = container.get("Mode") == "MultiModel"
    # TargetModel: "The model to request for inference when invoking a
    # multi-model endpoint." (API_runtime_InvokeEndpoint)
    target_model = _header(self, "X-Amzn-SageMaker-Target-Model")
    refusal = _target_model_refusal(sagemaker, name, container, multi_model, target_model)
    if refusal is not None:
        return refusal

    # ModelError: "Model (owned by the customer in the container) returned 4xx
    # or 5xx error code." (API_runtime_InvokeEndpoint)
    answer = _invoke_models(state, account, self.region, endpoint, variant_name)
    if answer.failed:
        return _model_error(self, name, answer.status, answer.message)
    if not multi_model:
        # moto's canned answer, from the variant that served
        status, headers, canned = original_invoke(self)
        headers = {key: value for key, value in headers.items() if key.lower() != INVOKED_VARIANT_HEADER.lower()}
        headers[INVOKED_VARIANT_HEADER] = variant_name
        return status, headers, canned
    body = {"targetModel": target_model, "received": len(self.raw_body or b"")}
    headers = {"Content-Type": "application/json", INVOKED_VARIANT_HEADER: variant_name}
    return 200, headers, json.dumps(body)


def _target_model_refusal(
    sagemaker: Any, name: str, container: dict[str, Any], multi_model: bool, target_model: str | None
) -> Response | None:
    """The ValidationError SageMaker answers before a model sees the call, if any."""
    if target_model is not None and not multi_model:
        return _error(
            400,
            "ValidationError",
            f"Endpoint {name} is not a multi-model endpoint and does not support target model header.",
            error_code="TARGET_MODEL_HEADER_NOT_SUPPORTED",
        )
    if multi_model and target_model is None:
        request_id = uuid.uuid4()
        return _error(400, "ValidationError", f"Request {request_id} is missing a target model header.")
    # "The SageMaker AI system constructs the absolute path of the model by
    # combining the prefix that is provided as part of the CreateModel API call
    # with the relative path of the model."
    # https://docs.aws.amazon.com/sagemaker/latest/dg/invoke-multi-model-endpoint.html
    if multi_model and target_model is not None:
        missing = _missing_model_data(sagemaker, container.get("ModelDataUrl") or "", target_model)
        if missing is not None:
            return _error(400, "ValidationError", missing)
    return None


def _invoke_models(
    state: EmulatorState, account: str, region: str, endpoint: Any, variant_name: str
) -> invocation_traffic.ModelAnswer:
    """The production variant's answer to a call that reaches its model; a copy
    of the call goes to each shadow variant, whose answer is discarded. Every
    model invoked publishes its metrics."""
    name = endpoint.endpoint_name
    answer = invocation_traffic.model_answer(state, name, variant_name, state.take_invocation_failure(name))
    invocation_traffic.publish_invocation(account, region, name, variant_name, answer)
    for shadow in invocation_traffic.shadow_variants(endpoint):
        shadow_answer = invocation_traffic.model_answer(state, name, shadow)
        invocation_traffic.publish_invocation(account, region, name, shadow, shadow_answer)
    return answer


def _header(self: SageMakerRuntimeResponse, name: str) -> str | None:
    value = self.headers.get(name)
    return value if value else None


def _container(sagemaker: Any, endpoint: Any, variant_name: str) -> dict[str, Any]:
    """The primary container of the model the serving config gives this variant."""
    config = sagemaker.endpoint_configs.get(endpoint.endpoint_config_name)
    variants = config.production_variants if config is not None else []
    model_name = next((v.get("ModelName") for v in variants if v.get("VariantName") == variant_name), None)
    model = sagemaker._models.get(model_name) if model_name else None
    if model is None:
        return {}
    return model.primary_container or (model.containers[0] if model.containers else {}) or {}


def _missing_model_data(sagemaker: Any, model_data_url: str, target_model: str) -> str | None:
    """None when <ModelDataUrl prefix><TargetModel> is an object in S3, else
    SageMaker's message for a model it cannot download."""
    bucket_name, _, prefix = model_data_url.removeprefix("s3://").partition("/")
    key = prefix + target_model
    s3 = s3_backends[sagemaker.account_id][sagemaker.partition]
    bucket = s3.buckets.get(bucket_name)
    if bucket is not None and s3.get_object(bucket_name, key) is not None:
        return None
    return (
        f"Failed to download model data(bucket: {bucket_name}, key: {key}). Please ensure that there is "
        "an object located at the URL and that the role passed to CreateModel has permissions to "
        "download the model."
    )


def _model_error(self: SageMakerRuntimeResponse, endpoint_name: str, status: int, message: str) -> Response:
    """ModelError: "Model (owned by the customer in the container) returned 4xx
    or 5xx error code", with OriginalStatusCode, OriginalMessage and LogStreamArn."""
    region, account = self.region, self.current_account
    log_group = f"/aws/sagemaker/Endpoints/{endpoint_name}"
    kind = "client" if status < 500 else "server"
    return _error(
        424,
        "ModelError",
        f'Received {kind} error ({status}) from primary with message "{message}". See '
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#logEventViewer:group={log_group} "
        f"in account {account} for more information.",
        OriginalStatusCode=status,
        OriginalMessage=message,
        LogStreamArn=f"arn:aws:logs:{region}:{account}:log-group:{log_group}",
    )


def _error(status: int, error: str, message: str, error_code: str | None = None, **members: Any) -> Response:
    body: dict[str, Any] = {"ErrorCode": error_code} if error_code else {}
    body.update({"Message": message, **members})
    # moto takes a response's status from its "status" header
    headers = {
        "status": str(status),
        "Content-Type": "application/json",
        "X-Amzn-ErrorType": error,
    }
    return status, headers, json.dumps(body)
