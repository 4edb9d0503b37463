"""A small client written against yente's documented API (the OpenSanctions matching
API: ``POST /match/{dataset}``, ``GET /entities/{id}``, ``GET /catalog``,
``GET /algorithms``), its response models declared here from the documentation, run
against Counterflow's service over the real matcher (issue 16, item 5)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from followthemoney import model, registry
from pydantic import BaseModel, Field

from counterflow.api.settings import ApiSettings
from counterflow.lists.base import ParseResult
from counterflow.records.ftm import ftm_id
from counterflow.records.identifiers import make_identifier
from counterflow.records.model import BirthDate, CountryRef, Identifier, Party
from counterflow.review.keys import create_key
from counterflow.review.store import ReviewStore
from counterflow.service import create_app
from counterflow.store import ListStore

# ---------------------------------------------------------------- the client's models


class FeatureResult(BaseModel):
    score: float
    detail: str | None = None
    query: str | None = None
    candidate: str | None = None


class EntityResponse(BaseModel):
    id: str
    caption: str
    schema_: str = Field(alias="schema")
    properties: dict[str, list[Any]]
    datasets: list[str] = []
    referents: list[str] = []
    target: bool = False


class ScoredEntityResponse(EntityResponse):
    score: float
    match: bool
    explanations: dict[str, FeatureResult]


class TotalSpec(BaseModel):
    value: int
    relation: str


class EntityMatches(BaseModel):
    status: int
    results: list[ScoredEntityResponse]
    total: TotalSpec
    query: dict[str, Any]


class EntityMatchResponse(BaseModel):
    responses: dict[str, EntityMatches]
    matcher: dict[str, Any]
    limit: int


class DatasetModel(BaseModel):
    name: str
    title: str
    version: str
    load: bool
    children: list[str]
    outdated: bool = False


class DataCatalogModel(BaseModel):
    datasets: list[DatasetModel]
    current: list[str]
    outdated: list[str]


class Algorithm(BaseModel):
    name: str
    description: str | None = None
    features: dict[str, Any]


class AlgorithmResponse(BaseModel):
    algorithms: list[Algorithm]
    default: str
    best: str


@dataclass
class YenteClient:
    http: TestClient
    api_key: str

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"ApiKey {self.api_key}"}

    def match_raw(self, dataset: str, body: dict[str, Any], **params: Any) -> Any:
        return self.http.post(
            f"/match/{dataset}", json=body, params=params, headers=self._headers()
        )

    def match(self, dataset: str, queries: dict[str, Any], **params: Any) -> EntityMatchResponse:
        r = self.match_raw(dataset, {"queries": queries}, **params)
        assert r.status_code == 200, r.text
        return EntityMatchResponse.model_validate(r.json())

    def entity(self, entity_id: str) -> EntityResponse | None:
        r = self.http.get(f"/entities/{entity_id}", headers=self._headers())
        if r.status_code == 404:
            return None
        assert r.status_code == 200, r.text
        return EntityResponse.model_validate(r.json())

    def catalog(self) -> DataCatalogModel:
        r = self.http.get("/catalog", headers=self._headers())
        assert r.status_code == 200, r.text
        return DataCatalogModel.model_validate(r.json())

    def algorithms(self) -> AlgorithmResponse:
        r = self.http.get("/algorithms", headers=self._headers())
        assert r.status_code == 200, r.text
        return AlgorithmResponse.model_validate(r.json())


# ---------------------------------------------------------------- the service under test

FRESH = (date.today() - timedelta(days=2)).isoformat()


def _id(scheme: str, raw: str, label: str) -> Identifier:
    ident = make_identifier(scheme, raw, label=label)
    assert ident is not None
    return ident


LISTS: dict[tuple[str, str], list[Party]] = {
    ("us_ofac_sdn", FRESH): [
        Party(
            "us_ofac_sdn",
            "47293",
            "organization",
            "LIMITED LIABILITY COMPANY DRAKE",
            identifiers=[_id("tax_id", "1646047020", "Tax ID No.")],
            countries=[CountryRef("ru", "registration")],
            properties={"kindInferred": ["not an FtM property"]},
        ),
        Party(
            "us_ofac_sdn",
            "9999",
            "vessel",
            "OCEAN STAR",
            identifiers=[_id("imo", "9253325", "IMO")],
        ),
    ],
    ("eu_fsf", FRESH): [
        Party(
            "eu_fsf",
            "171482",
            "organization",
            "Drake Kft.",
            identifiers=[_id("tax_id", "1646047020", "fiscalcode")],
        )
    ],
    ("un_sc_sanctions", "2020-01-01"): [  # years old: outdated
        Party(
            "un_sc_sanctions",
            "QDi.001",
            "person",
            "MOHAMMED SALAHALDIN ABD EL HALIM ZIDANE",
            birth_dates=[BirthDate("1967-05-03")],
        )
    ],
    ("ua_war_sanctions", FRESH): [
        Party(
            "ua_war_sanctions",
            "NK-drake",
            "organization",
            "LLC DRAKE",
            identifiers=[_id("inn", "1646047020", "INN")],
        )
    ],
}


@pytest.fixture()
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[YenteClient]:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COUNTERFLOW_DB", raising=False)
    store = ListStore.open(tmp_path / "lists.sqlite")
    for (ds, version), parties in LISTS.items():
        store.load(ParseResult(dataset=ds, version=version, records=parties, files=[]))
    review = ReviewStore.open(tmp_path / "review.sqlite")
    key, _ = create_key(review, "screener", actor="t")
    settings = ApiSettings(rate_per_s=0, max_list_age_days=30)
    app = create_app(store=store, review_db=review, settings=settings)
    with TestClient(app) as http:
        yield YenteClient(http, key)
    store.close()
    review.close()


def _valid_ftm(ent: EntityResponse) -> None:
    assert registry.entity.clean(ent.id) == ent.id, ent.id
    schema = model.get(ent.schema_)
    assert schema is not None, ent.schema_
    unknown = set(ent.properties) - set(schema.properties)
    assert not unknown, f"{ent.schema_} has no properties {unknown}"


# ---------------------------------------------------------------- the checks


def test_results_are_ftm_entities_with_explanations(client: YenteClient) -> None:
    res = client.match(
        "default",
        {
            "drake": {
                "schema": "Company",
                "properties": {"name": ["Limited Liability Company Drake"], "jurisdiction": ["ru"]},
            }
        },
    )
    results = res.responses["drake"].results
    assert "us-ofac-sdn-47293" in {r.id for r in results}
    for r in results:
        _valid_ftm(r)
        assert r.explanations and all(f.score == f.score for f in r.explanations.values())
    top = next(r for r in results if r.id == "us-ofac-sdn-47293")
    assert top.explanations["name"].detail and top.explanations["name"].candidate
    assert top.explanations["name"].query == "Limited Liability Company Drake"
    assert "kindInferred" not in top.properties  # FtM properties only
    assert set(res.matcher) >= set(top.explanations)
    # the same id as the project's FtM export, and it resolves
    party = LISTS[("us_ofac_sdn", FRESH)][0]
    assert top.id == ftm_id(party)
    ent = client.entity(top.id)
    assert ent is not None and ent.id == top.id and ent.caption == party.name
    _valid_ftm(ent)
    assert client.entity("us-ofac-sdn-0000000") is None
    assert client.entity("NK-drake") is not None  # OpenSanctions ids stay as they are


def test_inn_query_finds_the_number_under_every_scheme(client: YenteClient) -> None:
    res = client.match(
        "default",
        {
            "q": {
                "schema": "Company",
                "properties": {"name": ["Volga Trading House"], "innCode": ["1646047020"]},
            }
        },
    )
    matched = {r.id for r in res.responses["q"].results if r.match}
    assert matched == {"us-ofac-sdn-47293", "eu-fsf-171482", "NK-drake"}


def test_identifier_only_vessel_query(client: YenteClient) -> None:
    res = client.match(
        "default", {"v": {"schema": "Vessel", "properties": {"imoNumber": ["IMO 9253325"]}}}
    )
    results = res.responses["v"].results
    assert results and results[0].id == "us-ofac-sdn-9999" and results[0].match
    assert results[0].schema_ == "Vessel"
    nothing = client.match_raw(
        "default", {"queries": {"x": {"schema": "Vessel", "properties": {}}}}
    )
    assert nothing.status_code == 400


def test_algorithm_weights_and_config_are_honoured_or_refused(client: YenteClient) -> None:
    algos = client.algorithms()
    assert [a.name for a in algos.algorithms] == ["counterflow"]
    assert algos.default == algos.best == "counterflow"
    assert {"name", "evidence"} <= set(algos.algorithms[0].features)
    q = {"q": {"schema": "Person", "properties": {"name": ["Zidane"]}}}
    for algorithm in ("counterflow", "best", "default"):
        assert client.match_raw("default", {"queries": q}, algorithm=algorithm).status_code == 200
    refused = [
        client.match_raw("default", {"queries": q}, algorithm="logic-v2"),
        client.match_raw("default", {"queries": q, "weights": {"name_literal": 0.8}}),
        client.match_raw("default", {"queries": q, "config": {"nm_number_mismatch": 0.2}}),
    ]
    for r in refused:
        assert r.status_code == 400, r.text
    assert "logic-v2" in refused[0].json()["detail"]
    assert "name_literal" in refused[1].json()["detail"]
    assert "nm_number_mismatch" in refused[2].json()["detail"]


def test_catalog_versions_outdated_and_match_per_dataset(client: YenteClient) -> None:
    cat = client.catalog()
    by_name = {d.name: d for d in cat.datasets}
    loaded = {ds for ds, _ in LISTS}
    assert loaded <= set(by_name) and set(by_name["default"].children) == loaded
    assert by_name["us_ofac_sdn"].version == FRESH and not by_name["us_ofac_sdn"].outdated
    assert by_name["un_sc_sanctions"].outdated and cat.outdated == ["un_sc_sanctions"]
    assert "un_sc_sanctions" not in cat.current
    q = {"q": {"schema": "LegalEntity", "properties": {"name": ["Drake"]}}}
    for ds in [*loaded, "default"]:
        res = client.match(ds, q, threshold=0.0, cutoff=0.0)
        got = {d for r in res.responses["q"].results for d in r.datasets}
        assert got <= ({ds} if ds != "default" else loaded), (ds, got)
    assert client.match_raw("no_such_dataset", {"queries": q}).status_code == 404
