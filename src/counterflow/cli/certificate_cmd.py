"""CLI: ``counterflow certificate run|decision|verify|key``: signed proof of screening
(``review.certificates``), as JSON or PDF, checked offline."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from counterflow.cli.common import cli_actor, err_console
from counterflow.cli.review_cmd import DB_HELP
from counterflow.errors import BadInputError

OUT_HELP = "Write here: FILE.pdf for a PDF, anything else JSON (default: JSON to stdout)."
KEY_HELP = "Signing key (PEM Ed25519); default $COUNTERFLOW_SIGNING_KEY or the one in the home."


def _write(signed: dict[str, object], output: Path | None) -> None:
    from counterflow.review.certificate_pdf import certificate_pdf
    from counterflow.review.certificates import to_json

    if output is None or str(output) == "-":
        sys.stdout.write(to_json(signed))
        return
    try:
        if output.suffix.lower() == ".pdf":
            output.write_bytes(certificate_pdf(signed))
        else:
            output.write_text(to_json(signed), encoding="utf-8")
    except OSError as exc:
        raise BadInputError(f"cannot write ({exc.strerror})", file=str(output)) from None
    sig = signed["signature"]
    key_id = sig.get("key_id") if isinstance(sig, dict) else ""
    err_console.print(f"certificate signed with key {key_id} -> {output}", highlight=False)


def register(root: typer.Typer, group: Callable[[str], typer.Typer]) -> None:
    cert = group("certificate")

    def _issue(what: str, ident: int, output: Path | None, db: str, key: Path | None) -> None:
        from counterflow.review.certificates import issue, load_signing_key
        from counterflow.review.store import ReviewStore

        signing = load_signing_key(key)
        review = ReviewStore.open(db or None)
        try:
            signed = issue(review, what, ident, actor=cli_actor(), key=signing)
        finally:
            review.close()
        _write(signed, output)

    @cert.command("run")
    def cert_run(
        run_id: Annotated[int, typer.Argument(help="Run id (`alerts list`, `/runs/{id}`).")],
        output: Annotated[Path | None, typer.Option("-o", "--output", help=OUT_HELP)] = None,
        db: Annotated[str, typer.Option("--db", help=DB_HELP)] = "",
        key: Annotated[Path | None, typer.Option("--key", help=KEY_HELP)] = None,
    ) -> None:
        """Signed certificate of a recorded screening run."""
        _issue("run", run_id, output, db, key)

    @cert.command("decision")
    def cert_decision(
        alert_id: Annotated[int, typer.Argument(help="Alert id whose decision to certify.")],
        output: Annotated[Path | None, typer.Option("-o", "--output", help=OUT_HELP)] = None,
        db: Annotated[str, typer.Option("--db", help=DB_HELP)] = "",
        key: Annotated[Path | None, typer.Option("--key", help=KEY_HELP)] = None,
    ) -> None:
        """Signed certificate of an alert's decision (who decided what, on what)."""
        _issue("decision", alert_id, output, db, key)

    @cert.command("verify")
    def cert_verify(
        file: Annotated[Path, typer.Argument(help="Certificate, JSON or PDF.")],
        key: Annotated[
            Path | None,
            typer.Option("--key", help="Trusted public key (PEM): require this signer."),
        ] = None,
    ) -> None:
        """Check a certificate offline: exit 0 when the signature holds, 1 when not."""
        from counterflow.review.certificates import verify_file

        v = verify_file(file, key)
        trust = (
            "signed by the trusted key"
            if v.pinned
            else "signature valid (compare the key id with the deployment's: "
            "`counterflow certificate key`, or pass --key)"
        )
        typer.echo(f"ok: {v.type} certificate issued {v.issued_at}, key {v.key_id}: {trust}")
        typer.echo(v.summary)

    @cert.command("key")
    def cert_key(
        key: Annotated[Path | None, typer.Option("--key", help=KEY_HELP)] = None,
    ) -> None:
        """Print the signing key's public half (PEM) and id, for auditors (creates the
        default key on first use)."""
        from counterflow.review.certificates import key_id, key_path, load_signing_key, public_pem

        signing = load_signing_key(key)
        pub = signing.public_key()
        err_console.print(f"key id {key_id(pub)} ({key or key_path()})", highlight=False)
        sys.stdout.write(public_pem(pub).decode("ascii"))
