"""Test driver for ddbcrypt's cross-language tests (internal/reftest).

Runs the Python reference on jobs read from stdin, one JSON object per line,
and answers each with one line on stdout. See internal/reftest/reftest.go for
the protocol. Started by `scripts/refs.sh python`, which puts the reference on
PYTHONPATH.
"""

import base64
import json
import os
import sys
import time

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from cryptography.hazmat.primitives import serialization
from dynamodb_encryption_sdk.delegated_keys.jce import JceNameLocalDelegatedKey
from dynamodb_encryption_sdk.encrypted import CryptoConfig
from dynamodb_encryption_sdk.encrypted.item import decrypt_dynamodb_item, encrypt_dynamodb_item
from dynamodb_encryption_sdk.encrypted.table import EncryptedTable
from dynamodb_encryption_sdk.identifiers import CryptoAction, EncryptionKeyType, KeyEncodingType
from dynamodb_encryption_sdk.material_providers.aws_kms import AwsKmsCryptographicMaterialsProvider
from dynamodb_encryption_sdk.material_providers.most_recent import CachingMostRecentProvider
from dynamodb_encryption_sdk.material_providers.static import StaticCryptographicMaterialsProvider
from dynamodb_encryption_sdk.material_providers.store.meta import MetaStore
from dynamodb_encryption_sdk.material_providers.wrapped import WrappedCryptographicMaterialsProvider
from dynamodb_encryption_sdk.materials.raw import RawDecryptionMaterials, RawEncryptionMaterials
from dynamodb_encryption_sdk.structures import AttributeActions, EncryptionContext

REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
PROVIDERS = {}


def endpoint(service):
    """The local endpoint of scripts/services.sh env, passed explicitly so that
    an older botocore without AWS_ENDPOINT_URL_<SERVICE> support works too."""
    url = os.environ.get("AWS_ENDPOINT_URL_" + service)
    if not url:
        raise RuntimeError("AWS_ENDPOINT_URL_%s is not set" % service)
    return url


def key(spec, field, algorithm, key_type=EncryptionKeyType.SYMMETRIC, encoding=KeyEncodingType.RAW):
    return JceNameLocalDelegatedKey(base64.b64decode(spec[field]), algorithm, key_type, encoding)


def signing_key(spec):
    if "mac_key" in spec:
        return key(spec, "mac_key", spec["mac_algorithm"])
    return key(spec, "signing_rsa_private", spec["signature_algorithm"], EncryptionKeyType.PRIVATE, KeyEncodingType.DER)


def new_provider(spec):
    kind, description = spec["kind"], spec.get("description") or {}
    if kind == "static":
        sig = signing_key(spec)
        enc = key(spec, "encryption_key", "AES")
        return StaticCryptographicMaterialsProvider(
            encryption_materials=RawEncryptionMaterials(sig, enc, description),
            decryption_materials=RawDecryptionMaterials(sig, enc, description),
        )
    if kind == "wrapped":
        if "wrap_key" in spec:
            wrap = unwrap = key(spec, "wrap_key", "AES")
        else:
            wrap = key(spec, "rsa_public", "RSA", EncryptionKeyType.PUBLIC, KeyEncodingType.DER)
            unwrap = key(spec, "rsa_private", "RSA", EncryptionKeyType.PRIVATE, KeyEncodingType.DER)
        return WrappedCryptographicMaterialsProvider(signing_key(spec), wrap, unwrap, description)
    if kind == "kms":
        client = boto3.client("kms", region_name=REGION, endpoint_url=endpoint("KMS"))
        return AwsKmsCryptographicMaterialsProvider(
            spec["key_id"], material_description=description, regional_clients={REGION: client}
        )
    if kind == "most_recent":
        store = MetaStore(dynamodb().Table(spec["table"]), provider(spec["inner"]))
        return CachingMostRecentProvider(store, spec["material"], spec.get("ttl_ms", 60000) / 1000.0)
    raise ValueError("provider kind %r is not supported by the Python driver" % kind)


def provider(spec):
    cache_key = json.dumps(spec, sort_keys=True)
    if cache_key not in PROVIDERS:
        PROVIDERS[cache_key] = new_provider(spec)
    return PROVIDERS[cache_key]


_DYNAMODB = []


def dynamodb():
    if not _DYNAMODB:
        _DYNAMODB.append(boto3.resource("dynamodb", region_name=REGION, endpoint_url=endpoint("DYNAMODB")))
    return _DYNAMODB[0]


def actions(job):
    a = job["actions"]
    return AttributeActions(
        default_action=CryptoAction[a["default"]],
        attribute_actions={name: CryptoAction[act] for name, act in (a.get("overrides") or {}).items()},
    )


def crypto_config(job, item):
    keys = [k for k in (job.get("partition_key"), job.get("sort_key")) if k]
    acts = actions(job)
    acts.set_index_keys(*keys)  # keys are signed, never encrypted, as EncryptedTable does
    context = EncryptionContext(
        table_name=job["table"],
        partition_key_name=job.get("partition_key") or None,
        sort_key_name=job.get("sort_key") or None,
        attributes=item,
    )
    return CryptoConfig(materials_provider=provider(job["provider"]), encryption_context=context, attribute_actions=acts)


# DynamoDB JSON (binary as base64) <-> the boto3 client's item form (binary as bytes).
def from_json(av):
    (tag, v), = av.items()
    if tag == "B":
        return {"B": base64.b64decode(v)}
    if tag == "BS":
        return {"BS": [base64.b64decode(b) for b in v]}
    if tag == "L":
        return {"L": [from_json(e) for e in v]}
    if tag == "M":
        return {"M": {k: from_json(e) for k, e in v.items()}}
    return {tag: v}


def to_json(av):
    (tag, v), = av.items()
    if tag == "B":
        return {"B": base64.b64encode(bytes(v)).decode()}
    if tag == "BS":
        return {"BS": [base64.b64encode(bytes(b)).decode() for b in v]}
    if tag == "L":
        return {"L": [to_json(e) for e in v]}
    if tag == "M":
        return {"M": {k: to_json(e) for k, e in v.items()}}
    return {tag: v}


def item_from_json(item):
    return {name: from_json(av) for name, av in item.items()}


def item_to_json(item):
    return {name: to_json(av) for name, av in item.items()}


def encrypted_table(job):
    return EncryptedTable(
        table=dynamodb().Table(job["table"]), materials_provider=provider(job["provider"]), attribute_actions=actions(job)
    )


# EncryptedTable takes and returns boto3's Python types (Decimal, Binary, set).
def item_to_python(item):
    return {name: TypeDeserializer().deserialize(av) for name, av in item_from_json(item).items()}


def run(job):
    op, out = job["op"], []
    if op == "batch_put":
        # Many items quickly: BatchWriteItem, 25 at a time, retrying unprocessed ones.
        with encrypted_table(job).batch_writer() as writer:
            for item in job["items"]:
                writer.put_item(Item=item_to_python(item))
        return out
    if op in ("put", "get"):
        table = encrypted_table(job)
        for item in job["items"]:
            py = item_to_python(item)
            if op == "put":
                table.put_item(Item=py)
                continue
            got = table.get_item(Key=py, ConsistentRead=True).get("Item")
            if got is None:
                raise KeyError("no item with key %r" % item)
            out.append(item_to_json({name: TypeSerializer().serialize(v) for name, v in got.items()}))
        return out
    for item in job["items"]:
        item = item_from_json(item)
        if op == "encrypt":
            out.append(item_to_json(encrypt_dynamodb_item(item, crypto_config(job, item))))
        elif op == "decrypt":
            out.append(item_to_json(decrypt_dynamodb_item(item, crypto_config(job, item))))
        else:
            raise ValueError("unknown op %r" % op)
    return out


def time_op(job):
    """Runs job["time_op"] ("encrypt" or "decrypt") on the job's one item
    job["repeat"] times and returns the microseconds per call, timed around
    the loop alone: the protocol, JSON and the first (warm-up) call are not
    in it, so the number compares with a Go benchmark's ns/op. Each call gets
    a shallow copy of the item, as decrypt_dynamodb_item pops the signature
    and material description from the item it is given."""
    fn = {"encrypt": encrypt_dynamodb_item, "decrypt": decrypt_dynamodb_item}[job["time_op"]]
    repeat = int(job["repeat"])
    if repeat < 1:
        raise ValueError("repeat must be at least 1, not %d" % repeat)
    (item,) = job["items"]
    item = item_from_json(item)
    config = crypto_config(job, item)
    fn(dict(item), config)
    start = time.perf_counter()
    for _ in range(repeat):
        fn(dict(item), config)
    return (time.perf_counter() - start) * 1e6 / repeat


def answer(job):
    if job["op"] == "time":
        return {"items": [], "us_per_op": time_op(job)}
    return {"items": run(job)}


def main():
    print(json.dumps({"ready": "python %s" % sys.version.split()[0]}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            out = answer(json.loads(line))
        except Exception as e:  # pylint: disable=broad-except
            out = {"error": "%s: %s" % (type(e).__name__, e)}
        print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
