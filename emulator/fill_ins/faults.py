"""Injected faults: the next N calls of one AWS operation answer an AWS error,
or answer late, so that retries, throttling and timeouts can be tested without
a real outage (POST /_emulator/inject, see control.py).

A call is matched by the service it is signed for and its operation name:

* service: the SigV4 credential scope of the Authorization header,
  `Credential=<key>/<date>/<region>/<service>/aws4_request` (or the
  X-Amz-Credential query parameter of a presigned URL).
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
  CloudWatch signs as `monitoring`; `cloudwatch` is accepted as an alias.
* operation: the part of X-Amz-Target after its last '.' (the AWS JSON
  protocols), the `Action` parameter (the query protocol, SNS), or for S3 the
  method, path, query and headers of the REST request (`x-id` when the SDK
  sends it).
  https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html
  https://smithy.io/2.0/aws/protocols/aws-query-protocol.html
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html

The error is written the way the caller's protocol reports errors, so an AWS
SDK raises it as an error of that name:

* JSON protocols: body {"__type": error, "message": ...} and the
  X-Amzn-ErrorType header (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html#operation-error-serialization)
* query protocol: <ErrorResponse><Error><Type/><Code/><Message/></Error></ErrorResponse>
  (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html#operation-error-serialization)
* S3: <Error><Code/><Message/><RequestId/></Error>
  (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#RESTErrorResponses);
  a HEAD answer has no body, so the SDK names that error after the status.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

# service name in the inject request -> SigV4 signing name
SERVICES = {
    "sagemaker": "sagemaker",
    "dynamodb": "dynamodb",
    "monitoring": "monitoring",
    "cloudwatch": "monitoring",
    "sns": "sns",
    "s3": "s3",
    "application-autoscaling": "application-autoscaling",
    "codepipeline": "codepipeline",
}

CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/,\s]+/([^/,\s]+)/aws4_request")
QUERY_NAMESPACES = {"sns": "http://sns.amazonaws.com/doc/2010-03-31/"}

# S3 subresources (query parameters without a value) that name a bucket operation:
# GET ?tagging is GetBucketTagging, PUT ?tagging PutBucketTagging, DELETE ?tagging DeleteBucketTagging.
BUCKET_SUBRESOURCES = {
    "acl": "BucketAcl",
    "cors": "BucketCors",
    "encryption": "BucketEncryption",
    "lifecycle": "BucketLifecycleConfiguration",
    "notification": "BucketNotificationConfiguration",
    "policy": "BucketPolicy",
    "tagging": "BucketTagging",
    "versioning": "BucketVersioning",
}


def signing_service(environ: dict[str, Any]) -> str | None:
    """The service a request is signed for, from its SigV4 credential scope."""
    match = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match is None:
        credential = _query(environ).get("X-Amz-Credential", [""])[0]
        match = CREDENTIAL_SCOPE.search(f"Credential={credential}")
    return match.group(1) if match else None


def operation_name(environ: dict[str, Any], service: str) -> str | None:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    if service == "s3":
        return _s3_operation(environ)
    action = _query(environ).get("Action") or _form(environ).get("Action")
    return action[0] if action else None


def error_response(
    environ: dict[str, Any], service: str, error: str, message: str, status: int
) -> tuple[str, list[tuple[str, str]], Iterable[bytes]]:
    """(status line, headers, body) of `error` in the protocol the caller speaks."""
    request_id = str(uuid.uuid4())
    status_line = f"{status} {_reason(status)}"
    if environ.get("HTTP_X_AMZ_TARGET"):
        content_type = environ.get("CONTENT_TYPE") or "application/x-amz-json-1.1"
        body = json.dumps({"__type": error, "message": message}).encode()
        headers = [("Content-Type", content_type), ("X-Amzn-ErrorType", error)]
        return status_line, headers + _common(request_id, body), [body]
    if service == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(error)}</Code><Message>{escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>"
        ).encode()
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
        if environ.get("REQUEST_METHOD") == "HEAD":
            return status_line, headers + [("Content-Length", "0")], [b""]
        return status_line, headers + [("Content-Length", str(len(body)))], [body]
    namespace = QUERY_NAMESPACES.get(service, "")
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    # Type says whose fault it is: Sender for 4xx, Receiver for 5xx.
    fault = "Sender" if status < 500 else "Receiver"
    body = (
        f"<ErrorResponse{xmlns}><Error><Type>{fault}</Type><Code>{escape(error)}</Code>"
        f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
    return status_line, [("Content-Type", "text/xml")] + _common(request_id, body), [body]


def discard_body(environ: dict[str, Any]) -> None:
    """Read the request body that moto would have read: left unread, its bytes
    would be taken for the next request on the same keep-alive connection."""
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):
        while stream.read(65536):
            pass
        return
    try:
        remaining = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    while remaining > 0:
        chunk = stream.read(min(remaining, 65536))
        if not chunk:
            return
        remaining -= len(chunk)


def _common(request_id: str, body: bytes) -> list[tuple[str, str]]:
    return [("x-amzn-RequestId", request_id), ("Content-Length", str(len(body)))]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _query(environ: dict[str, Any]) -> dict[str, list[str]]:
    return parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)


def _form(environ: dict[str, Any]) -> dict[str, list[str]]:
    """The form-encoded body's parameters. The body is read once and put back,
    so that moto still finds it when the call is forwarded."""
    if not (environ.get("CONTENT_TYPE") or "").startswith("application/x-www-form-urlencoded"):
        return {}
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return {}
    if length <= 0:
        return {}
    raw = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(raw)
    return parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)


def _s3_operation(environ: dict[str, Any]) -> str | None:
    query = _query(environ)
    explicit = query.get("x-id")
    if explicit:
        return explicit[0]
    method = environ.get("REQUEST_METHOD", "GET")
    bucket, key = _bucket_and_key(environ)
    if bucket is None:
        return "ListBuckets" if method == "GET" else None
    if key:
        return _object_operation(method, query, environ)
    return _bucket_operation(method, query)


def _bucket_and_key(environ: dict[str, Any]) -> tuple[str | None, str]:
    """Path-style (/bucket/key) unless the Host names the bucket
    (bucket.localhost, bucket.s3.<region>.amazonaws.com)."""
    host = (environ.get("HTTP_HOST") or "").split(":")[0]
    path = environ.get("PATH_INFO", "/").lstrip("/")
    if host.endswith(".localhost") or ".s3." in host:
        return host.split(".", 1)[0], path
    bucket, _, key = path.partition("/")
    return (bucket or None), key


def _object_operation(method: str, query: dict[str, list[str]], environ: dict[str, Any]) -> str | None:
    multipart = "uploadId" in query
    if method == "GET":
        if "tagging" in query:
            return "GetObjectTagging"
        if "acl" in query:
            return "GetObjectAcl"
        return "ListParts" if multipart else "GetObject"
    if method == "HEAD":
        return "HeadObject"
    if method == "PUT":
        copy = "HTTP_X_AMZ_COPY_SOURCE" in environ
        if multipart and "partNumber" in query:
            return "UploadPartCopy" if copy else "UploadPart"
        if "tagging" in query:
            return "PutObjectTagging"
        if "acl" in query:
            return "PutObjectAcl"
        return "CopyObject" if copy else "PutObject"
    if method == "DELETE":
        if "tagging" in query:
            return "DeleteObjectTagging"
        return "AbortMultipartUpload" if multipart else "DeleteObject"
    if method == "POST":
        if "uploads" in query:
            return "CreateMultipartUpload"
        return "CompleteMultipartUpload" if multipart else None
    return None


def _bucket_operation(method: str, query: dict[str, list[str]]) -> str | None:
    verbs = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}
    for subresource, noun in BUCKET_SUBRESOURCES.items():
        if subresource in query and method in verbs:
            return verbs[method] + noun
    if method == "GET":
        if query.get("list-type") == ["2"]:
            return "ListObjectsV2"
        if "uploads" in query:
            return "ListMultipartUploads"
        if "versions" in query:
            return "ListObjectVersions"
        if "location" in query:
            return "GetBucketLocation"
        return "ListObjects"
    if method == "POST" and "delete" in query:
        return "DeleteObjects"
    return {"PUT": "CreateBucket", "DELETE": "DeleteBucket", "HEAD": "HeadBucket"}.get(method)
