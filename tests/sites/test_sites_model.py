"""The fitted model's recipe (scene split, post-processing) and the windowed outputs that
keep a large scene's memory bounded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from counterflow.sites import outputs
from counterflow.sites.fit import LabelledPair, fit, held_out_groups, levir_group
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
    assert m.meta["fill_holes"] is m.fill_holes and m.meta["select"] in ("mean", "min")
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


def test_fill_holes_marks_a_roof_whose_interior_scored_low() -> None:
    prob = np.zeros((60, 60), dtype=np.float32)
    prob[10:40, 10:40] = 0.8
    prob[15:35, 15:35] = 0.05  # flat roof interior: low probability
    assert segment(prob, 0.3, 0.0, 0, 0).sum() == 900 - 400
    filled = segment(prob, 0.3, 0.0, 0, 0, fill_holes=True)
    assert filled.sum() == 900 and filled[10:40, 10:40].all()
    open_c = prob.copy()
    open_c[15:35, 10:15] = 0.05  # the hole reaches the edge: not enclosed, not filled
    assert segment(open_c, 0.3, 0.0, 0, 0, fill_holes=True).sum() == 900 - 500


def test_structure_features_tell_a_road_from_a_roof() -> None:
    from counterflow.sites.features import FEATURE_NAMES, _structure, pixel_features

    road = np.zeros((64, 64), dtype=np.float32)
    road[:, 28:36] = 1.0  # a long strip: one gradient direction
    roof = np.zeros((64, 64), dtype=np.float32)
    roof[24:40, 24:40] = 1.0  # a compact block: corners
    coh_road, corner_road = _structure(road, 2.0)
    _, corner_roof = _structure(roof, 2.0)
    assert coh_road[32, 28] > 0.9
    assert corner_roof[24, 24] > 5 * corner_road[32, 28]
    before = np.full((64, 64, 3), 0.3, dtype=np.float32)
    after = before.copy()
    after[30:34, 30:34] = 0.9  # a small bright new roof
    x = pixel_features(before, after)
    assert x.shape == (64, 64, len(FEATURE_NAMES))
    bwthd = x[..., FEATURE_NAMES.index("bwthd5")]
    assert bwthd[32, 32] > 0.3 and abs(bwthd[5, 5]) < 1e-3


def _synthetic_pair(dataset: str, name: str, seed: int, strength: float) -> LabelledPair:
    rng = np.random.default_rng(seed)
    a = (0.4 + 0.05 * rng.standard_normal((48, 48, 3))).astype(np.float32)
    b = (a + 0.02 * rng.standard_normal(a.shape)).astype(np.float32)
    y = np.zeros((48, 48), dtype=bool)
    for r, c in rng.integers(4, 36, size=(4, 2)):
        y[r : r + 8, c : c + 8] = True
    b[y] += strength
    return LabelledPair(dataset, name, f"{dataset}:{name}", a, b, y)


def test_fit_select_min_favours_the_worse_data_set() -> None:
    pairs = [_synthetic_pair("strong", f"s{i}", i, 0.4) for i in range(3)]
    pairs += [_synthetic_pair("weak", f"w{i}", 10 + i, 0.06) for i in range(3)]
    grid = {"thresholds": (0.1, 0.3, 0.5, 0.7), "openings": (0,), "fills": (False, True)}
    by_mean = fit(pairs, scale=2, **grid)  # type: ignore[arg-type]
    by_min = fit(pairs, scale=2, select="min", **grid)  # type: ignore[arg-type]
    assert set(by_min.dev_f1) == {"strong", "weak"}
    assert min(by_min.dev_f1.values()) >= min(by_mean.dev_f1.values())
    assert np.mean(list(by_mean.dev_f1.values())) >= np.mean(list(by_min.dev_f1.values()))
    with pytest.raises(ValueError):
        fit(pairs, scale=2, select="median")


def test_refit_recipe_follows_the_recorded_command() -> None:
    from counterflow.sites.fit import grid_options

    assert grid_options(hysteresis=False, fill_holes=False) == {}
    g = grid_options(hysteresis=False, fill_holes=True)
    assert g["fills"] == (False, True) and g["openings"] == (0, 1)
    m = shipped_model()
    assert ("--fill-holes" in m.meta["command"]) == ("fills" in g)
    assert f"--scale {m.scale}" in m.meta["command"]
