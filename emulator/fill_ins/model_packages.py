"""SageMaker Model Registry: default approval status and partial updates.

* CreateModelPackage: a model package *version* (created in a group) that is
  registered without ModelApprovalStatus is `PendingManualApproval` in
  SageMaker; moto leaves it without any status, so an approval workflow that
  looks for pending packages finds nothing.
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackage.html
  (ModelApprovalStatus "is optional for versioned models, and does not apply to
  unversioned models"; the Model Registry guide, model-registry-approve.html,
  gives PendingManualApproval as the status a new version starts in.)
* UpdateModelPackage changes only the fields in the request. moto assigns
  every field, so an approval (status only) wipes CustomerMetadataProperties
  and ApprovalDescription, and a description-only update wipes the status.
  CustomerMetadataProperties are merged into the existing ones and
  CustomerMetadataPropertiesToRemove deletes keys, as the two parameters imply.
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateModelPackage.html
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

DEFAULT_VERSIONED_STATUS = "PendingManualApproval"


def install() -> None:
    original_create = SageMakerModelBackend.create_model_package

    def create_model_package(self: SageMakerModelBackend, **kwargs: Any) -> str:
        if kwargs.get("model_package_group_name") and kwargs.get("model_approval_status") is None:
            kwargs["model_approval_status"] = DEFAULT_VERSIONED_STATUS
        return original_create(self, **kwargs)

    SageMakerModelBackend.create_model_package = create_model_package  # pyright: ignore[reportAttributeAccessIssue]
    SageMakerModelBackend.update_model_package = _update_model_package
    SageMakerResponse.update_model_package = _respond_update_model_package


def _update_model_package(
    self: SageMakerModelBackend,
    model_package_arn: str,
    model_approval_status: str | None = None,
    approval_description: str | None = None,
    customer_metadata_properties: dict[str, str] | None = None,
    customer_metadata_properties_to_remove: list[str] | None = None,
    additional_inference_specifications_to_add: list[Any] | None = None,
    inference_specification: dict[str, Any] | None = None,
) -> str:
    """None means "not in the request" for every argument."""
    arn = self.model_package_name_mapping.get(model_package_arn, model_package_arn)
    package = self.model_packages.get(arn)
    if package is None:
        raise ValidationError(f"Model package {model_package_arn} not found")

    if model_approval_status is not None:
        package.set_model_approval_status(model_approval_status)  # validates the enum
    if approval_description is not None:
        package.approval_description = approval_description
    if customer_metadata_properties is not None:
        merged = dict(package.customer_metadata_properties or {})
        merged.update(customer_metadata_properties)
        package.customer_metadata_properties = merged
    if customer_metadata_properties_to_remove:
        remaining = dict(package.customer_metadata_properties or {})
        for key in customer_metadata_properties_to_remove:
            remaining.pop(key, None)
        package.customer_metadata_properties = remaining or None
    if additional_inference_specifications_to_add is not None:
        package.add_additional_inference_specifications(additional_inference_specifications_to_add)
    if inference_specification is not None:
        package.inference_specification = inference_specification
    # LastModifiedTime / LastModifiedBy record every successful update.
    package.modifications_done()
    return package.arn


def _respond_update_model_package(self: SageMakerResponse) -> ActionResult:
    arn = self.sagemaker_backend.update_model_package(
        model_package_arn=self._get_param("ModelPackageArn"),
        model_approval_status=self._get_param("ModelApprovalStatus"),
        approval_description=self._get_param("ApprovalDescription"),
        customer_metadata_properties=self._get_param("CustomerMetadataProperties"),
        customer_metadata_properties_to_remove=self._get_param("CustomerMetadataPropertiesToRemove"),
        additional_inference_specifications_to_add=self._get_param(
            "AdditionalInferenceSpecificationsToAdd"
        ),
        inference_specification=self._get_param("InferenceSpecification"),  # pyright: ignore[reportCallIssue]
    )
    return ActionResult({"ModelPackageArn": arn})
