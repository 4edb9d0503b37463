"""The PDF form of a signed certificate (fpdf2), for an auditor to file.

The page shows what the certificate states; the signed JSON itself travels inside the
PDF as an embedded file (``certificate.json``, also written between BEGIN/END markers
so ``counterflow certificate verify`` finds it without a PDF library). The signature
covers the embedded JSON: the printed page is its reading, and ``verify`` is the check.
Text outside Latin-1 is shown transliterated (ICU); the JSON keeps the original.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from fpdf import FPDF

from counterflow.review.certificates import BEGIN, END, describe

_translit: Any = None


def _latin(text: Any) -> str:
    global _translit
    s = "" if text is None else str(text)
    try:
        s.encode("latin-1")
        return s
    except UnicodeEncodeError:
        pass
    if _translit is None:
        import icu

        _translit = icu.Transliterator.createInstance("Any-Latin; Latin-ASCII")
    out = str(_translit.transliterate(s))
    return out.encode("latin-1", "replace").decode("latin-1")


def _rows(body: dict[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [
        ("Certificate", str(body.get("type", "")).replace("_", " ")),
        ("Issued", f"{body.get('issued_at')} by {body.get('issued_by')}"),
    ]
    if body.get("type") == "screening_run":
        r, res = body["run"], body["result"]
        rows += [
            ("Run", f"#{r['id']} ({r['kind']}, {r['source']}), recorded {r['recorded_at']}"),
            ("Recorded by", r["recorded_by"]),
            ("Input sha256", r["input_sha256"]),
            ("Settings", json.dumps(r["settings"], ensure_ascii=False)[:600]),
            (
                "Result",
                f"{res['queries']} queries, {res['hits']} hits, {res['alerts_raised']} alerts "
                f"raised, {res['suppressed_by_allow_list']} suppressed by the allow-list, "
                f"{res['already_alerted']} already alerted",
            ),
            ("Results sha256", res["results_sha256"]),
        ]
        for a in res["alerts"][:40]:
            rows.append(
                (
                    f"Alert #{a['id']}",
                    f"{a['customer_id']} x {a['entity_id']}: {a['band']} {a['score']}, "
                    f"{a['status']}",
                )
            )
        if len(res["alerts"]) > 40:
            rows.append(("", f"... and {len(res['alerts']) - 40} more alerts (in the JSON)"))
        versions = r["list_versions"]
    else:
        d, c, e, m = body["decision"], body["customer"], body["listed_entity"], body["match"]
        rows += [
            ("Alert", f"#{d['alert_id']}, status {d['status']}"),
            ("Decision", f"{d['decision']} by {d['decided_by']} at {d['decided_at']}"),
            ("Reason", d["reason"] or "-"),
            ("Customer", f"{c['id']}: {c['query'].get('name', '')} (digest {c['digest']})"),
            ("Listed entity", f"{e['id']}: {e['name']} (digest {e['record_digest']})"),
        ]
        rows += [
            ("  record", f"{r['entity_id']} (digest {r.get('record_digest')})")
            for r in e["records"]
        ]
        rows += [
            ("Match", f"{m['band']} {m['score']}, as {m['matched_name']!r}: {m['explanation']}"),
            ("Run", f"#{body['run']['id']}, input sha256 {body['run']['input_sha256']}"),
        ]
        rows += [
            ("Order line", f"{o['order_id']} ({o['risk']}: {', '.join(o['flags'] or [])})")
            for o in body.get("order_lines", [])
        ]
        rows += [
            ("History", f"{h['at']} {h['actor']}: {h['decision']} - {h['reason']}")
            for h in d["history"]
        ]
        versions = body["run"]["list_versions"]
    for ds, v in sorted(versions.items()):
        rows.append((f"List {ds}", f"version {v.get('version')}, sha256 {v.get('sha256')}"))
    a = body["audit"]
    rows.append(("Audit head", f"entry {a['head_seq']}, hash {a['head_hash']}"))
    return rows


def certificate_pdf(signed: dict[str, Any]) -> bytes:
    """The certificate as PDF bytes, with the signed JSON embedded."""
    body, sig = signed["certificate"], signed["signature"]
    pdf = FPDF(format="A4")
    pdf.set_compression(False)
    pdf.set_title(_latin(f"Counterflow certificate: {describe(body)}"))
    pdf.set_creator("Counterflow")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, "Counterflow - proof of screening", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(0, 5, _latin(describe(body)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for label, value in _rows(body):
        pdf.set_font("Helvetica", "B", 8)
        pdf.cell(38, 4.5, _latin(label)[:30])
        pdf.set_font("Helvetica", "", 8)
        pdf.multi_cell(0, 4.5, _latin(value)[:2000], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 9)
    pdf.multi_cell(0, 5, "Signature", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Courier", "", 7)
    for line in (
        f"algorithm {sig['algorithm']}, key id {sig['key_id']}",
        f"public key {sig['public_key']}",
        f"value {sig['value']}",
    ):
        pdf.multi_cell(0, 3.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "I", 7)
    pdf.multi_cell(
        0,
        3.5,
        "The signed certificate is embedded in this PDF (certificate.json). Check it "
        "offline with: counterflow certificate verify THIS.pdf [--key PUBLIC.pem]",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    raw = json.dumps(signed, ensure_ascii=False, sort_keys=True).encode("utf-8")
    b64 = base64.encodebytes(raw)
    pdf.embed_file(
        bytes=BEGIN + b"\n" + b64 + END + b"\n",
        basename="certificate.json.b64",
        mime_type="text/plain",
        desc="The signed Counterflow certificate (base64 JSON between markers)",
        compress=False,
    )
    return bytes(pdf.output())
