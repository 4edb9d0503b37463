"""Proof of screening: signed certificates of a recorded run or of a decision.

A certificate states what was screened (the input digest), against which list versions
(each with its publication sha256), with which settings, what came out (counts, the
alerts, and the results themselves or their sha256), the decision and who made it, and
the audit chain's head hash when it was issued (so it also anchors the chain). It is
canonical JSON signed with Ed25519 (the ``cryptography`` package) by a key the
deployment holds:

- ``$COUNTERFLOW_SIGNING_KEY``: path to a PEM (PKCS#8) Ed25519 private key, or
- ``$COUNTERFLOW_HOME/keys/certificate-signing.pem``, created (mode 0600) on first use,
  with its public key beside it (``certificate-signing.pub.pem``) to hand to auditors.

``verify_file`` checks a certificate offline, from the JSON or from the PDF (which
carries the signed JSON as an embedded file): the signature over the canonical body,
and, when given, that the signing key is the expected one (``--key PUB.pem``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from counterflow import config
from counterflow.errors import BadInputError, CounterflowError
from counterflow.review import audit
from counterflow.review.digests import canonical_json
from counterflow.review.store import ReviewStore

FORMAT = "counterflow.certificate/1"
KEY_ENV = "COUNTERFLOW_SIGNING_KEY"
INLINE_RESULTS = 1000  # queries whose results are written out in full; beyond, sha256 only
BEGIN = b"-----BEGIN COUNTERFLOW CERTIFICATE-----"
END = b"-----END COUNTERFLOW CERTIFICATE-----"


class CertificateError(CounterflowError):
    """A certificate that does not verify (tampered, wrong key, not a certificate)."""


# ----- keys ------------------------------------------------------------------------------


def default_key_path() -> Path:
    return config.home() / "keys" / "certificate-signing.pem"


def key_path() -> Path:
    env = os.environ.get(KEY_ENV)
    return Path(env).expanduser() if env else default_key_path()


def load_signing_key(path: Path | None = None, *, create: bool = True) -> Ed25519PrivateKey:
    """The deployment's signing key (see the module doc); created when it is the default
    path and missing (``create``)."""
    p = path or key_path()
    if not p.exists():
        if path is not None or os.environ.get(KEY_ENV) or not create:
            raise BadInputError("signing key not found", file=str(p))
        key = Ed25519PrivateKey.generate()
        p.parent.mkdir(parents=True, exist_ok=True)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        p.with_name(p.stem + ".pub.pem").write_bytes(public_pem(key.public_key()))
        return key
    try:
        loaded = serialization.load_pem_private_key(p.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise BadInputError(f"not a PEM private key ({exc})", file=str(p)) from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise BadInputError("the signing key must be an Ed25519 key", file=str(p))
    return loaded


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """sha256 of the raw public key, first 16 hex digits."""
    return hashlib.sha256(_raw(key)).hexdigest()[:16]


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"cannot read the key ({exc.strerror})", file=str(path)) from None
    try:
        key: Any = serialization.load_pem_public_key(data)
    except ValueError:
        try:  # a private key file also names its public key
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError) as exc:
            raise BadInputError(f"not a PEM Ed25519 key ({exc})", file=str(path)) from None
    if not isinstance(key, Ed25519PublicKey):
        raise BadInputError("not an Ed25519 key", file=str(path))
    return key


# ----- building ---------------------------------------------------------------------------


def _sha256(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def _audit_entry(review: ReviewStore, subject: str, event: str) -> dict[str, Any] | None:
    rows = [e for e in audit.entries(review.backend, subject=subject) if e.event == event]
    if not rows:
        return None
    e = rows[-1]
    return {"seq": e.seq, "at": e.at, "event": e.event, "hash": e.hash}


def _audit_anchor(review: ReviewStore) -> dict[str, Any]:
    with review.backend.read() as tx:
        head = tx.one("SELECT seq, hash FROM audit_head WHERE id = 1")
    assert head is not None
    return {"head_seq": int(head["seq"]), "head_hash": str(head["hash"])}


def run_body(review: ReviewStore, run_id: int, *, issued_by: str) -> dict[str, Any]:
    """The unsigned certificate of a recorded run."""
    run = review.get_run(run_id)
    results = run["results"]
    alerts = review.list_alerts(status=None, run_id=run_id, limit=100_000)
    body: dict[str, Any] = {
        "format": FORMAT,
        "type": "screening_run",
        "issued_at": audit.now_iso(),
        "issued_by": issued_by,
        "run": {
            "id": int(run["id"]),
            "recorded_at": run["created_at"],
            "recorded_by": run["actor"],
            "source": run["source"],
            "kind": run["kind"],
            "input_sha256": run["input_digest"],
            "list_versions": run["list_versions"],
            "settings": run["settings"],
        },
        "result": {
            "queries": int(run["n_queries"]),
            "hits": int(run["n_hits"]),
            "alerts_raised": int(run["n_alerts"]),
            "suppressed_by_allow_list": int(run["n_suppressed"]),
            "already_alerted": int(run["n_existing"]),
            "results_sha256": _sha256(results),
            "alerts": [
                {
                    "id": a.id,
                    "customer_id": a.customer_id,
                    "entity_id": a.entity_id,
                    "score": round(a.score, 4),
                    "band": a.band,
                    "status": a.status,
                }
                for a in alerts
            ],
        },
        "audit": {"run_entry": _audit_entry(review, f"run:{run_id}", "run")},
    }
    if len(results) <= INLINE_RESULTS:
        body["result"]["results"] = results
    body["audit"].update(_audit_anchor(review))
    return body


def decision_body(review: ReviewStore, alert_id: int, *, issued_by: str) -> dict[str, Any]:
    """The unsigned certificate of an alert's decision (its latest, with the history)."""
    a = review.get_alert(alert_id)
    decided = [d for d in a.decisions if d["decision"] != "reopen"]
    if not a.decisions or a.status == "open":
        raise BadInputError(
            f"alert {alert_id} has no decision in force (status {a.status})", field="alert_id"
        )
    run = review.get_run(a.run_id)
    last = a.decisions[-1]
    return {
        "format": FORMAT,
        "type": "decision",
        "issued_at": audit.now_iso(),
        "issued_by": issued_by,
        "decision": {
            "alert_id": a.id,
            "status": a.status,
            "decision": last["decision"],
            "decided_by": last["actor"],
            "decided_at": last["at"],
            "reason": last["reason"],
            "history": [
                {k: d[k] for k in ("at", "actor", "decision", "reason", "previous_status")}
                for d in a.decisions
            ],
            "decisions_made": len(decided),
        },
        "customer": {"id": a.customer_id, "digest": a.customer_digest, "query": a.query},
        "listed_entity": {
            "id": a.entity_id,
            "record_digest": a.record_digest,
            "name": a.entity_name,
            "records": [
                {
                    "entity_id": r["entity_id"],
                    "dataset": r["dataset"],
                    "record_digest": r.get("record_digest"),
                    "score": r["score"],
                }
                for r in a.records
            ]
            or [{"entity_id": f"{a.dataset}:{a.source_id}", "record_digest": a.record_digest}],
        },
        "match": {
            "score": round(a.score, 4),
            "band": a.band,
            "matched_name": a.matched_name,
            "explanation": a.explanation,
        },
        "order_lines": [
            {k: c.get(k) for k in ("run_id", "order_id", "risk", "flags")} for c in a.order_lines
        ],
        "run": {
            "id": int(run["id"]),
            "input_sha256": run["input_digest"],
            "list_versions": run["list_versions"],
            "settings": run["settings"],
        },
        "audit": {
            "decision_entry": _audit_entry(
                review, f"alert:{a.id}", "decision" if last["decision"] != "reopen" else "reopen"
            ),
            **_audit_anchor(review),
        },
    }


def sign(body: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """``{"certificate": body, "signature": {...}}``: Ed25519 over the canonical JSON."""
    pub = key.public_key()
    sig = key.sign(canonical_json(body).encode("utf-8"))
    return {
        "certificate": body,
        "signature": {
            "algorithm": "Ed25519",
            "key_id": key_id(pub),
            "public_key": base64.b64encode(_raw(pub)).decode("ascii"),
            "signed": "canonical JSON of certificate (sorted keys, no spaces, UTF-8)",
            "value": base64.b64encode(sig).decode("ascii"),
        },
    }


def issue(
    review: ReviewStore,
    what: str,
    ident: int,
    *,
    actor: str,
    key: Ed25519PrivateKey | None = None,
) -> dict[str, Any]:
    """Build, sign and audit (event ``certificate``) a run or decision certificate."""
    key = key or load_signing_key()
    if what == "run":
        body = run_body(review, ident, issued_by=actor)
    elif what == "decision":
        body = decision_body(review, ident, issued_by=actor)
    else:
        raise BadInputError(f"no certificate of {what!r}", field="what")
    signed = sign(body, key)
    subject = f"run:{ident}" if what == "run" else f"alert:{ident}"
    review.log(
        actor,
        "certificate",
        subject,
        {"type": body["type"], "key_id": signed["signature"]["key_id"], "sha256": _sha256(body)},
    )
    return signed


# ----- verifying -------------------------------------------------------------------------


@dataclass(slots=True)
class Verified:
    type: str
    key_id: str
    issued_at: str
    summary: str
    pinned: bool


def verify(doc: Any, trusted: Ed25519PublicKey | None = None) -> Verified:
    """Check a signed certificate; raises CertificateError saying what is wrong."""
    if not isinstance(doc, dict) or "certificate" not in doc or "signature" not in doc:
        raise CertificateError("not a Counterflow certificate (no certificate / signature)")
    body, sig = doc["certificate"], doc["signature"]
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise CertificateError(f"unknown certificate format (expected {FORMAT})")
    if not isinstance(sig, dict) or sig.get("algorithm") != "Ed25519":
        raise CertificateError("the signature is not Ed25519")
    try:
        raw = base64.b64decode(str(sig["public_key"]), validate=True)
        value = base64.b64decode(str(sig["value"]), validate=True)
        pub = Ed25519PublicKey.from_public_bytes(raw)
    except (KeyError, ValueError) as exc:
        raise CertificateError(f"malformed signature block ({exc})") from None
    if key_id(pub) != sig.get("key_id"):
        raise CertificateError("the key id does not match the public key in the certificate")
    if trusted is not None and _raw(trusted) != raw:
        raise CertificateError(
            f"signed by key {key_id(pub)}, not by the trusted key {key_id(trusted)}"
        )
    try:
        pub.verify(value, canonical_json(body).encode("utf-8"))
    except InvalidSignature:
        raise CertificateError(
            "signature does not match: the certificate was altered after signing"
        ) from None
    return Verified(
        type=str(body.get("type")),
        key_id=key_id(pub),
        issued_at=str(body.get("issued_at")),
        summary=describe(body),
        pinned=trusted is not None,
    )


def describe(body: dict[str, Any]) -> str:
    if body.get("type") == "screening_run":
        r, res = body["run"], body["result"]
        return (
            f"run #{r['id']} ({r['kind']}, {r['recorded_at']}): {res['queries']} queries, "
            f"{res['hits']} hits, {res['alerts_raised']} alerts raised; input sha256 "
            f"{r['input_sha256'][:16]}…; {len(r['list_versions'])} list versions"
        )
    d = body["decision"]
    return (
        f"alert #{d['alert_id']}: {d['decision']} by {d['decided_by']} at {d['decided_at']} "
        f"({body['customer']['id']} x {body['listed_entity']['id']})"
    )


def read_file(path: Path) -> Any:
    """The signed certificate in a JSON file, or embedded in a certificate PDF."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"cannot read ({exc.strerror})", file=str(path)) from None
    if data.startswith(b"%PDF"):
        m = re.search(re.escape(BEGIN) + rb"\s*([A-Za-z0-9+/=\s]+?)\s*" + re.escape(END), data)
        if m is None:
            raise CertificateError("the PDF carries no Counterflow certificate")
        try:
            data = base64.b64decode(b"".join(m.group(1).split()), validate=True)
        except ValueError:
            raise CertificateError("the certificate embedded in the PDF is damaged") from None
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CertificateError(f"not a certificate: not JSON ({exc})") from None


def verify_file(path: Path, trusted: Path | None = None) -> Verified:
    return verify(read_file(path), load_public_key(trusted) if trusted else None)


def to_json(signed: dict[str, Any]) -> str:
    return json.dumps(signed, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
