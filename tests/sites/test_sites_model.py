"""The fitted model's recipe (scene split, post-processing) and the windowed outputs that
keep a large scene's memory bounded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from counterflow.sites import outputs
from counterflow.sites.fit import held_out_groups, levir_group
from counterflow.sites.model import clean_mask, segment, shipped_model, threshold_mask


def test_test_split_is_a_fixed_third_per_data_set() -> None:
    groups = [f"levir:t{i}" for i in range(11)] + [f"whu:{i}" for i in range(3)]
    held = held_out_groups(groups)
    assert held == held_out_groups(list(reversed(groups)))  # order does not matter
    assert sum(g.startswith("levir:") for g in held) == 4
    assert sum(g.startswith("whu:") for g in held) == 1
    assert levir_group("test_7_0256_0512") == levir_group("test_7") == "test_7"


def test_shipped_model_never_saw_its_test_scenes() -> None:
    m = shipped_model()
    held = set(m.meta["test_groups"])
    assert held, "the model records the scenes it left out"
    seen = set()
    for f in m.meta["fitted_on"]:
        ds, name = f.split("/", 1)
        seen.add(f"{ds}:{levir_group(name) if ds == 'levir' else name}")
    assert not seen & held
    assert m.opening in (0, 1, 2) and m.min_area >= 0 and 0 <= m.hysteresis < 1
    assert set(m.meta["dev_f1"]) == {"levir", "whu"}


def test_clean_mask_drops_small_blobs_and_keeps_buildings() -> None:
    m = np.zeros((100, 100), dtype=bool)
    m[10:40, 10:40] = True  # 900 px building
    m[70:74, 70:74] = True  # 16 px speck
    m[60, 5] = True  # single pixel
    out = clean_mask(m, 1, 64)
    assert out[10:40, 10:40].sum() >= 800
    assert not out[70:74, 70:74].any() and not out[60, 5]
    assert clean_mask(m, 0, 0).sum() == m.sum()


def test_hysteresis_keeps_only_regions_that_reach_the_high_threshold() -> None:
    prob = np.zeros((60, 60), dtype=np.float32)
    prob[5:25, 5:25] = 0.4
    prob[12:16, 12:16] = 0.9  # a confident core: the whole region stays
    prob[35:55, 35:55] = 0.4  # weak everywhere: dropped with hysteresis
    plain = threshold_mask(prob, 0.3, 0.0)
    hyst = threshold_mask(prob, 0.3, 0.3)
    assert plain.sum() == 800
    assert hyst.sum() == 400 and hyst[5:25, 5:25].all() and not hyst[35:55, 35:55].any()
    assert segment(prob, 0.3, 0.3, 0, 500).sum() == 0  # then the 400 px region is too small


def _blob_mask() -> np.ndarray:
    m = np.zeros((300, 300), dtype=bool)
    m[50:200, 50:70] = True  # long bar crossing window edges (WINDOW patched to 64)
    m[120:130, 60:260] = True  # joined to it, crossing more edges
    m[10:20, 250:290] = True  # separate region
    m[260:270, 260:270] = True
    return m


def test_windowed_polygons_equal_whole_polygons(monkeypatch: pytest.MonkeyPatch) -> None:
    m = _blob_mask()
    whole = outputs.polygons(m)
    monkeypatch.setattr(outputs, "WINDOW", 64)
    windowed = outputs.polygons(m)
    assert len(whole) == len(windowed) == 3
    assert [f["properties"]["area_px"] for f in whole] == [
        f["properties"]["area_px"] for f in windowed
    ]
    assert sum(f["properties"]["area_px"] for f in windowed) == int(m.sum())


def test_streamed_mask_png_equals_the_mask(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    m = _blob_mask()
    monkeypatch.setattr(outputs, "WINDOW", 64)
    outputs.write_mask(m, tmp_path / "mask.png")
    got = np.asarray(Image.open(tmp_path / "mask.png"))
    assert got.shape == m.shape and set(np.unique(got)) == {0, 255}
    assert np.array_equal(got > 0, m)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mask.png"]
