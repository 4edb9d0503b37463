"""yente's catalogue routes: ``GET /catalog`` (each loaded dataset with its version and
an ``outdated`` flag from the stale-list alarm), ``GET /algorithms`` and
``GET /entities/{id}`` (a listed party by its FtM id, or by ``dataset:source_id``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request

from counterflow.api.auth import require, services_of
from counterflow.api.yente import algorithms_doc, entity_dict
from counterflow.records.ftm import OFFICIAL_DATASETS, ftm_id
from counterflow.records.model import Party
from counterflow.review.keys import KeyInfo
from counterflow.store.staleness import list_ages, max_age_days

router = APIRouter(tags=["screening"])
Screener_ = Annotated[KeyInfo, Depends(require("screener"))]
_ID_CHARS = re.compile(r"[^0-9a-zA-Z.\-]+")

TITLES = {
    "us_ofac_sdn": "US OFAC Specially Designated Nationals (SDN) List",
    "us_ofac_cons": "US OFAC Consolidated (non-SDN) List",
    "un_sc_sanctions": "UN Security Council Consolidated Sanctions List",
    "gb_hmt_sanctions": "UK OFSI Consolidated List of Financial Sanctions Targets",
    "eu_fsf": "EU Financial Sanctions Files (FSF)",
    "ua_war_sanctions": "Ukraine War and Sanctions (OpenSanctions)",
    "us_bis_denied": "US BIS Denied Persons List",
    "us_trade_csl": "US trade.gov Consolidated Screening List",
}


@router.get("/algorithms", summary="Scoring algorithms (yente-compatible)")
async def algorithms(_key: Screener_) -> dict[str, Any]:
    return algorithms_doc()


@router.get("/catalog", summary="Loaded datasets, versions, outdated ones (yente-compatible)")
async def catalog(request: Request, _key: Screener_) -> dict[str, Any]:
    services = services_of(request)
    infos = services.lists_status()
    allowed = max_age_days(services.settings.max_list_age_days)
    ages = {a.dataset: a for a in list_ages(infos, allowed)}
    datasets: list[dict[str, Any]] = []
    for i in infos:
        age = ages[i.dataset]
        datasets.append(
            {
                "name": i.dataset,
                "title": TITLES.get(i.dataset, i.dataset),
                "summary": f"{i.records:,} records, loaded {i.loaded_at}",
                "url": None,
                "load": True,
                "entities_url": None,
                "version": i.version,
                "index_version": i.version,
                "index_current": True,
                "children": [],
                "outdated": age.stale,
                "age_days": age.age_days,
                "loaded_at": i.loaded_at,
            }
        )
    names = [d["name"] for d in datasets]
    outdated = [d["name"] for d in datasets if d["outdated"]]
    datasets.append(
        {
            "name": "default",
            "title": "All loaded lists",
            "summary": None,
            "url": None,
            "load": False,
            "entities_url": None,
            "version": max((i.loaded_at for i in infos), default=""),
            "index_version": None,
            "index_current": True,
            "children": names,
            "outdated": bool(outdated),
        }
    )
    return {
        "datasets": datasets,
        "current": [n for n in names if n not in outdated],
        "outdated": outdated,
        "index_stale": False,
        "max_age_days": allowed,
    }


def find_entity(store: Any, entity_id: str) -> Party | None:
    """The listed party whose FtM id (or ``dataset:source_id``) is ``entity_id``."""
    if store is None:
        return None
    datasets = [s.dataset for s in store.status()]
    if ":" in entity_id:
        ds, _, sid = entity_id.partition(":")
        found: list[Party] = store.get(sid, ds) if ds in datasets else []
        return found[0] if found else None
    candidates: list[tuple[str, str]] = []
    for ds in datasets:
        prefix = _ID_CHARS.sub("-", ds) + "-"
        if ds in OFFICIAL_DATASETS:
            if entity_id.startswith(prefix):
                candidates.append((entity_id[len(prefix) :], ds))
        else:
            candidates.append((entity_id, ds))
    for sid, ds in candidates:
        listed: list[Party] = store.get(sid, ds)
        for p in listed:
            if ftm_id(p) == entity_id:
                return p
    # a source id that the FtM id had to clean (characters FtM ids do not allow)
    for _sid, ds in candidates:
        records: Iterator[Party] = store.iter_records([ds])
        for p in records:
            if ftm_id(p) == entity_id:
                return p
    return None


@router.get("/entities/{entity_id}", summary="One listed entity by id (yente-compatible)")
async def entity(entity_id: str, request: Request, _key: Screener_) -> dict[str, Any]:
    services = services_of(request)

    def run() -> Party | None:
        return find_entity(services.list_store, entity_id)

    party = await services.off_loop(run)
    if party is None:
        raise HTTPException(404, "No such entity!")
    return entity_dict(party)
