"""Signed certificates of runs and decisions: issued by CLI and API, verified offline,
tampering caught (exit 1, clear message)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from counterflow.cli.main import main
from counterflow.errors import BadInputError
from counterflow.match.types import Query
from counterflow.review.certificates import CertificateError, issue, load_signing_key, verify
from counterflow.review.recording import screen_and_record
from counterflow.review.store import ReviewStore
from fake_screener import FakeScreener, sample_parties


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def _recorded(review: ReviewStore) -> tuple[int, int]:
    qs = [Query(id="c1", name="Alfa Komponent LLC"), Query(id="c2", name="Ivan Petrov")]
    _, _, s = screen_and_record(review, FakeScreener(sample_parties()), qs, actor="api:ana")
    return s.run_id, s.alerts[0]


def test_run_and_decision_certificates_state_the_record(review: ReviewStore) -> None:
    run_id, alert_id = _recorded(review)
    signed = issue(review, "run", run_id, actor="t")
    body = signed["certificate"]
    stored = review.get_run(run_id)
    assert body["run"]["input_sha256"] == stored["input_digest"]
    assert body["result"]["alerts_raised"] == 2 and len(body["result"]["alerts"]) == 2
    assert body["result"]["results"] == stored["results"]
    assert body["audit"]["run_entry"]["event"] == "run"
    assert verify(signed).type == "screening_run"
    with pytest.raises(Exception, match="no decision"):
        issue(review, "decision", alert_id, actor="t")
    review.decide(alert_id, "true_match", "same INN", "api:bob")
    d = issue(review, "decision", alert_id, actor="t")["certificate"]
    assert d["decision"]["decision"] == "true_match" and d["decision"]["decided_by"] == "api:bob"
    assert d["listed_entity"]["records"][0]["entity_id"] == "us_ofac_sdn:36"
    # the head hash anchors the chain: it is an entry of the verified chain
    assert d["audit"]["head_hash"] != body["audit"]["head_hash"]
    assert review.verify_audit().ok


def test_tampering_or_another_key_fails(review: ReviewStore, tmp_path: Path) -> None:
    run_id, _ = _recorded(review)
    signed = issue(review, "run", run_id, actor="t")
    bad = json.loads(json.dumps(signed))
    bad["certificate"]["result"]["alerts_raised"] = 0
    with pytest.raises(CertificateError, match="altered after signing"):
        verify(bad)
    with pytest.raises(CertificateError, match="not by the trusted key"):
        verify(signed, Ed25519PrivateKey.generate().public_key())
    # a deployment key given by path must exist (never silently replaced by a new one)
    with pytest.raises(BadInputError, match="signing key not found"):
        load_signing_key(tmp_path / "missing.pem")


def test_cli_issue_json_and_pdf_verify_and_tamper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COUNTERFLOW_SIGNING_KEY", raising=False)
    monkeypatch.delenv("COUNTERFLOW_DB", raising=False)
    review = ReviewStore.open()
    run_id, alert_id = _recorded(review)
    review.decide(alert_id, "false_positive", "different company, other INN", "ana")
    review.close()
    out_json, out_pdf = tmp_path / "run.json", tmp_path / "decision.pdf"
    code, _, err = run(["certificate", "run", str(run_id), "-o", str(out_json)], capsys)
    assert code == 0, err
    code, _, err = run(["certificate", "decision", str(alert_id), "-o", str(out_pdf)], capsys)
    assert code == 0, err
    assert out_pdf.read_bytes().startswith(b"%PDF")
    # the key was created in the home, private half 0600, public half beside it
    key = tmp_path / "home" / "keys" / "certificate-signing.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    pub = key.with_name("certificate-signing.pub.pem")
    for f in (out_json, out_pdf):
        code, out, err = run(["certificate", "verify", str(f), "--key", str(pub)], capsys)
        assert code == 0 and out.startswith("ok:") and "trusted key" in out, err
    code, out, _ = run(["certificate", "verify", str(out_pdf)], capsys)
    assert "false_positive by ana" in out
    # tamper with the JSON: exit 1 and say so
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    doc["certificate"]["run"]["input_sha256"] = "0" * 64
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = run(["certificate", "verify", str(forged)], capsys)
    assert code == 1 and "altered after signing" in err and not out
    # tamper with the PDF's embedded certificate
    raw = out_pdf.read_bytes()
    start = raw.index(b"-----BEGIN COUNTERFLOW CERTIFICATE-----") + 60
    flipped = raw[:start] + (b"A" if raw[start : start + 1] != b"A" else b"B") + raw[start + 1 :]
    bad_pdf = tmp_path / "bad.pdf"
    bad_pdf.write_bytes(flipped)
    code, _, err = run(["certificate", "verify", str(bad_pdf)], capsys)
    assert code == 1 and "error:" in err
    not_cert = tmp_path / "x.json"
    not_cert.write_text("{}", encoding="utf-8")
    code, _, err = run(["certificate", "verify", str(not_cert)], capsys)
    assert code == 1 and "not a Counterflow certificate" in err
