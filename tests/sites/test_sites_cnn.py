"""The CNN change model's numpy forward pass (checked piece by piece against plain
references; the whole pass was checked against PyTorch when the weights were exported)
and the shipped weights: left out the test scenes, load, run through ``sites scan``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage as ndi

from counterflow.errors import CounterflowError
from counterflow.sites.cnn import conv3x3, load_cnn_from, maxpool2, shipped_cnn, upsample2
from counterflow.sites.fit import levir_group
from counterflow.sites.scan import scan_pair


def test_conv3x3_is_a_zero_padded_correlation() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(53, 37, 3)).astype(np.float32)  # more rows than one chunk
    w = rng.normal(size=(4, 3, 3, 3)).astype(np.float32)
    b = rng.normal(size=4).astype(np.float32)
    got = conv3x3(x, w, b)
    for o in range(4):
        ref = (
            sum(ndi.correlate(x[..., c], w[o, c], mode="constant", cval=0.0) for c in range(3))
            + b[o]
        )
        np.testing.assert_allclose(got[..., o], ref, rtol=1e-4, atol=1e-4)


def test_pooling_and_upsampling_follow_pytorch_conventions() -> None:
    x = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    assert maxpool2(x)[..., 0].tolist() == [[5.0, 7.0], [13.0, 15.0]]
    row = np.array([0.0, 4.0], dtype=np.float32).reshape(1, 2, 1)
    # align_corners=False: edges clamp, inner samples at a quarter step
    assert upsample2(row)[0, :, 0].tolist() == [0.0, 1.0, 3.0, 4.0]
    assert upsample2(row).shape == (2, 4, 1)


def test_shipped_cnn_left_out_the_test_scenes_and_records_its_recipe() -> None:
    m = shipped_cnn()
    held = set(m.meta["test_groups"])
    seen = set()
    for f in m.meta["fitted_on"]:
        ds, name = f.split("/", 1)
        seen.add(f"{ds}:{levir_group(name) if ds == 'levir' else name}")
    assert held and seen and not seen & held
    assert 0.0 < m.threshold < 1.0 and m.scale >= 1
    assert m.meta["numpy_vs_torch_max_abs_logit_diff"] < 1e-3
    assert set(m.meta["dev_f1"]) == {"levir", "whu"}


def test_scan_with_the_cnn_finds_a_new_block_and_not_a_lighting_change(tmp_path: Path) -> None:
    from PIL import Image

    rng = np.random.default_rng(3)
    base = (rng.normal(0.45, 0.04, size=(192, 192, 3)).clip(0, 1) * 255).astype(np.uint8)
    after = base.copy()
    after[70:120, 60:130] = (200, 200, 205)  # a new bright roof
    Image.fromarray(base).save(tmp_path / "a.png")
    Image.fromarray(after).save(tmp_path / "b.png")
    Image.fromarray((base * 0.8).astype(np.uint8)).save(tmp_path / "dim.png")
    s = scan_pair(tmp_path / "a.png", tmp_path / "b.png", tmp_path / "o", method="cnn")
    assert s["method"] == "cnn" and s["model_version"] == shipped_cnn().version
    mask = np.asarray(Image.open(tmp_path / "o" / "mask.png")) > 0
    roof = np.zeros_like(mask)
    roof[70:120, 60:130] = True
    assert mask[roof].mean() > 0.5  # most of the new roof is marked
    # the synthetic noise around it is marked far less (the CNN, like the classifier,
    # over-marks near a change on such texture-free scenes: 20 % here)
    assert mask[~roof].mean() < mask[roof].mean() / 3
    quiet = scan_pair(tmp_path / "a.png", tmp_path / "dim.png", tmp_path / "q", method="cnn")
    assert quiet["changed_fraction"] < 0.05  # radiometric matching absorbs the dimming


def test_slivers_left_by_the_windows_are_scanned(tmp_path: Path) -> None:
    """A 129 x 130 scene in 64-px windows leaves windows 1 and 2 px wide: the CNN pads
    them and still answers for every pixel."""
    from PIL import Image

    rng = np.random.default_rng(5)
    a = (rng.uniform(0.3, 0.6, size=(129, 130, 3)) * 255).astype(np.uint8)
    Image.fromarray(a).save(tmp_path / "a.png")
    Image.fromarray(a[:, ::-1].copy()).save(tmp_path / "b.png")
    s = scan_pair(tmp_path / "a.png", tmp_path / "b.png", tmp_path / "o", method="cnn", tile=64)
    mask = np.asarray(Image.open(tmp_path / "o" / "mask.png"))
    assert mask.shape == (129, 130) and s["valid_px"] == 129 * 130


def test_a_missing_or_damaged_model_file_is_a_clear_error(tmp_path: Path) -> None:
    import json
    import shutil

    from counterflow.sites import cnn

    data = Path(cnn.__file__).parent / "data"
    with pytest.raises(CounterflowError, match="cannot load the CNN change model"):
        load_cnn_from(tmp_path)  # nothing there
    shutil.copy(data / "cnn.npz", tmp_path / "cnn.npz")
    (tmp_path / "cnn.json").write_text(json.dumps({"scale": 3}), encoding="utf-8")
    with pytest.raises(CounterflowError, match="threshold"):
        load_cnn_from(tmp_path)  # no threshold
    (tmp_path / "cnn.json").write_text('{"threshold": 0.3, "scale": 3}', encoding="utf-8")
    with np.load(data / "cnn.npz") as z:
        np.savez(tmp_path / "cnn.npz", **{k: z[k] for k in z.files if k != "d1.1.w"})
    with pytest.raises(CounterflowError, match=r"lacks d1\.1\.w"):
        load_cnn_from(tmp_path)
    (tmp_path / "cnn.npz").write_bytes(b"not a zip")
    with pytest.raises(CounterflowError, match="cannot load"):
        load_cnn_from(tmp_path)
