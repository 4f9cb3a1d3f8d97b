"""SageMaker batch transform jobs: the asynchronous lifecycle, StopTransformJob,
the checks CreateTransformJob makes, and injected failures.

What moto 5.2.1 does differently from SageMaker, and what this module changes:

* A transform job is `Completed` the moment CreateTransformJob returns, with a
  TransformEndTime. SageMaker answers at once and runs the job; the caller
  polls DescribeTransformJob. Here a job stays `InProgress` on the emulator's
  update clock (--update-seconds, as endpoint updates) and POST
  /_emulator/settle finishes every job in flight.
* StopTransformJob is not implemented (moto answers HTTP 500).
* CreateTransformJob checks nothing: an unknown ModelName, a name already used,
  a missing TransformInput or an instance count of 0 are all accepted (and a
  second job with the same name replaces the first). Nor MaxPayloadInMB, which
  the service model bounds only below (0): "The value of MaxPayloadInMB cannot
  be greater than 100 MB. If you specify the MaxConcurrentTransforms parameter,
  the value of (MaxConcurrentTransforms * MaxPayloadInMB) also cannot exceed
  100 MB." (API_CreateTransformJob). Checked here when both are given, as the
  sentence says; SageMaker's wording of the refusal is not published.
* DescribeTransformJob answers FailureReason "" and LabelingJobArn "" for every
  job; SageMaker leaves out what does not apply.

POST /_emulator/fail-next-transform-job {"reason", "status"?} makes the next job
to finish end `Failed` (or `Stopped`) with that FailureReason.

API reference:
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTransformJob.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeTransformJob.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopTransformJob.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListTransformJobs.html
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TransformJobSummary.html
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.s3.models import s3_backends
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import FakeTransformJob, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemaker.utils import arn_formatter

from . import request_validation
from .state import EmulatorState, ResourceKey

# TransformJobStatus: InProgress | Completed | Failed | Stopping | Stopped
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeTransformJob.html
ENDED_STATUSES = ("Completed", "Failed", "Stopped")

# MaxPayloadInMB's ceiling, alone and times MaxConcurrentTransforms (API_CreateTransformJob).
MAX_PAYLOAD_MB = 100


def install(state: EmulatorState) -> None:
    backend = SageMakerModelBackend
    original_create = backend.create_transform_job
    original_list = backend.list_transform_jobs

    def create_transform_job(self: SageMakerModelBackend, **kwargs: Any) -> FakeTransformJob:
        return _create_transform_job(state, self, original_create, **kwargs)

    def stop_transform_job(self: SageMakerModelBackend, transform_job_name: str) -> None:
        _stop_transform_job(state, self, transform_job_name)

    def list_transform_jobs(self: SageMakerModelBackend, **kwargs: Any) -> dict[str, Any]:
        return _list_transform_jobs(self, original_list, **kwargs)

    backend.create_transform_job = create_transform_job  # pyright: ignore[reportAttributeAccessIssue]
    backend.stop_transform_job = stop_transform_job  # pyright: ignore[reportAttributeAccessIssue]
    backend.describe_transform_job = _describe_transform_job
    backend.list_transform_jobs = list_transform_jobs  # pyright: ignore[reportAttributeAccessIssue]
    SageMakerResponse.create_transform_job = _respond_create_transform_job
    SageMakerResponse.stop_transform_job = _respond_stop_transform_job  # pyright: ignore[reportAttributeAccessIssue]


def _key(backend: SageMakerModelBackend, name: str) -> ResourceKey:
    return ("transform-job", backend.account_id, backend.region_name, name)


def _job_arn(backend: SageMakerModelBackend, name: str) -> str:
    return FakeTransformJob.arn_formatter(name, backend.account_id, backend.region_name)


def _get_job(backend: SageMakerModelBackend, name: str) -> FakeTransformJob:
    job = backend.transform_jobs.get(name)
    if job is None:
        # moto's DescribeTransformJob wording, kept for every call that names a job
        raise ValidationError(f"Could not find transform job '{_job_arn(backend, name)}'.")
    return job


# -- CreateTransformJob ----------------------------------------------------------


def _respond_create_transform_job(self: SageMakerResponse) -> ActionResult:
    # The request's shape first (required members, enums, lengths, ranges), as
    # AWS validates a request before the service looks at it.
    request_validation.validate("sagemaker", "CreateTransformJob", json.loads(self.body or "{}"))
    job = self.sagemaker_backend.create_transform_job(
        transform_job_name=self._get_param("TransformJobName"),
        model_name=self._get_param("ModelName"),
        max_concurrent_transforms=self._get_param("MaxConcurrentTransforms"),
        model_client_config=self._get_param("ModelClientConfig"),
        max_payload_in_mb=self._get_param("MaxPayloadInMB"),
        batch_strategy=self._get_param("BatchStrategy"),
        environment=self._get_param("Environment"),
        transform_input=self._get_param("TransformInput"),
        transform_output=self._get_param("TransformOutput"),
        data_capture_config=self._get_param("DataCaptureConfig"),
        transform_resources=self._get_param("TransformResources"),
        data_processing=self._get_param("DataProcessing"),
        tags=self._get_param("Tags"),
        experiment_config=self._get_param("ExperimentConfig"),
    )
    return ActionResult({"TransformJobArn": job.arn})


def _create_transform_job(
    state: EmulatorState, self: SageMakerModelBackend, original_create: Any, **kwargs: Any
) -> FakeTransformJob:
    name = kwargs["transform_job_name"]
    _check_payload(kwargs.get("max_payload_in_mb"), kwargs.get("max_concurrent_transforms"))
    # "The name must be unique within an Amazon Web Services Region in an Amazon
    # Web Services account" (API_CreateTransformJob); the error is ResourceInUse,
    # worded as SageMaker words it for the other job kinds.
    if name in self.transform_jobs:
        raise ResourceInUseException(
            "Job name must be unique within an AWS account and region, and a job with this name "
            f"already exists ({_job_arn(self, name)})"
        )
    # "ModelName must be the name of an existing Amazon SageMaker model in the
    # same Amazon Web Services Region and Amazon Web Services account."
    model = self._models.get(kwargs["model_name"])
    if model is None:
        model_arn = arn_formatter("model", kwargs["model_name"], self.account_id, self.region_name)
        raise ValidationError(f'Could not find model "{model_arn}".')
    _check_input_objects(self, kwargs["transform_input"], model.execution_role_arn)

    job = original_create(self, **kwargs)
    # "A transform job ... saves these results to an Amazon S3 location": it runs
    # after the call returns. TransformStartTime is set now (the emulator has no
    # instances to wait for); TransformEndTime once it ends.
    job.transform_job_status = "InProgress"
    job.failure_reason = None
    job.labeling_job_arn = None
    job.auto_ml_job_arn = None
    job.transform_end_time = None

    def finish() -> None:
        failure = state.take_transform_job_failure()
        if failure is None:
            job.transform_job_status = "Completed"
        else:
            job.transform_job_status = failure.status
            job.failure_reason = failure.reason
        job.transform_end_time = job.last_modified_time = utcnow()

    state.schedule(_key(self, name), finish)
    return job


def _check_payload(payload: int | None, concurrent: int | None) -> None:
    if payload is None:
        return
    if payload > MAX_PAYLOAD_MB:
        raise ValidationError(
            f"MaxPayloadInMB {payload} is not valid: the value of MaxPayloadInMB cannot be greater than "
            f"{MAX_PAYLOAD_MB} MB."
        )
    if concurrent is not None and concurrent * payload > MAX_PAYLOAD_MB:
        raise ValidationError(
            f"MaxConcurrentTransforms {concurrent} * MaxPayloadInMB {payload} is {concurrent * payload} MB: the "
            f"value of (MaxConcurrentTransforms * MaxPayloadInMB) cannot exceed {MAX_PAYLOAD_MB} MB."
        )


def _check_input_objects(backend: SageMakerModelBackend, transform_input: dict[str, Any], role_arn: str) -> None:
    """S3Prefix: "Amazon SageMaker uses all objects with the specified key name
    prefix for batch transform"; with none under it CreateTransformJob is refused
    (SageMaker's wording; the API reference does not list this error).
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TransformS3DataSource.html"""
    source = transform_input["DataSource"]["S3DataSource"]
    if source["S3DataType"] != "S3Prefix" or not source["S3Uri"].startswith("s3://"):
        return
    bucket_name, _, prefix = source["S3Uri"][len("s3://") :].partition("/")
    s3 = s3_backends[backend.account_id][backend.partition]
    bucket = s3.buckets.get(bucket_name)
    if bucket is not None and s3.list_objects(bucket, prefix, None, None, 1)[0]:
        return
    raise ValidationError(
        f'No S3 objects found under S3 URL "{source["S3Uri"]}" given in input data source. Please ensure '
        f"that the bucket exists in the selected region ({backend.region_name}), that objects exist under "
        f'that S3 prefix, and that the role "{role_arn}" has "s3:ListBucket" permissions on bucket '
        f'"{bucket_name}".'
    )


# -- StopTransformJob ------------------------------------------------------------


def _respond_stop_transform_job(self: SageMakerResponse) -> ActionResult:
    request_validation.validate("sagemaker", "StopTransformJob", json.loads(self.body or "{}"))
    self.sagemaker_backend.stop_transform_job(  # pyright: ignore[reportAttributeAccessIssue]
        transform_job_name=self._get_param("TransformJobName")
    )
    return ActionResult({})


def _stop_transform_job(state: EmulatorState, self: SageMakerModelBackend, name: str) -> None:
    """API_StopTransformJob: "When Amazon SageMaker receives a StopTransformJob
    request, the status of the job changes to Stopping. After Amazon SageMaker
    stops the job, the status is set to Stopped." Its one documented error is
    ResourceNotFound. Stopping ends on the update clock, or at the next settle;
    SageMaker's answer for a job that has already ended is not documented (the
    wording below is its wording for training jobs)."""
    job = self.transform_jobs.get(name)
    if job is None:
        raise ResourceNotFound(f"Could not find transform job '{_job_arn(self, name)}'.")
    if job.transform_job_status == "Stopping":
        return
    if job.transform_job_status in ENDED_STATUSES:
        raise ValidationError(
            f"The request was rejected because the transform job is in status {job.transform_job_status}."
        )
    job.transform_job_status = "Stopping"
    job.last_modified_time = utcnow()

    def stopped() -> None:
        job.transform_job_status = "Stopped"
        job.transform_end_time = job.last_modified_time = utcnow()

    state.schedule(_key(self, name), stopped)


# -- DescribeTransformJob / ListTransformJobs ------------------------------------


def _describe_transform_job(self: SageMakerModelBackend, transform_job_name: str) -> dict[str, Any]:
    """The fields of DescribeTransformJob's response that apply: the request as
    it was given, the status, FailureReason once a job has failed, and
    TransformEndTime once it has ended."""
    job = _get_job(self, transform_job_name)
    fields = {
        "TransformJobName": job.transform_job_name,
        "TransformJobArn": job.arn,
        "TransformJobStatus": job.transform_job_status,
        "FailureReason": job.failure_reason,
        "ModelName": job.model_name,
        "MaxConcurrentTransforms": job.max_concurrent_transforms,
        "ModelClientConfig": job.model_client_config,
        "MaxPayloadInMB": job.max_payload_in_mb,
        "BatchStrategy": job.batch_strategy,
        "Environment": job.environment,
        "TransformInput": job.transform_input,
        "TransformOutput": job.transform_output,
        "DataCaptureConfig": job.data_capture_config,
        "TransformResources": job.transform_resources,
        "CreationTime": job.creation_time,
        "TransformStartTime": job.transform_start_time,
        "TransformEndTime": job.transform_end_time,
        "DataProcessing": job.data_processing,
        "ExperimentConfig": job.experiment_config,
    }
    return {key: value for key, value in fields.items() if value is not None}


def _list_transform_jobs(self: SageMakerModelBackend, original_list: Any, **kwargs: Any) -> dict[str, Any]:
    """TransformJobSummary: FailureReason "if the transform job failed", and
    TransformEndTime only once the job has ended."""
    listed = original_list(self, **kwargs)
    for summary in listed["TransformJobSummaries"]:
        job = self.transform_jobs[summary["TransformJobName"]]
        if summary.get("TransformEndTime") is None:
            summary.pop("TransformEndTime", None)
        if job.failure_reason:
            summary["FailureReason"] = job.failure_reason
    return listed
