"""knowledge/gpu_models.yaml: every figure cited, speeds consistent with the datasheet throughput they cite, and
the EC2 families and SLURM gres names mapped to the right model; a broken file is one clear error."""

from __future__ import annotations

import pytest
from asba.errors import ConfigError
from asba.knowledge.catalog import load_catalog
from asba.knowledge.gpu_models import builtin, load_gpu_models


def test_speed_is_the_datasheet_throughput_ratio():
    import yaml
    from asba.paths import knowledge_dir

    raw = yaml.safe_load((knowledge_dir() / "gpu_models.yaml").read_text())
    reference = raw["models"][raw["reference"]]["tensor_tflops_fp16_dense"]
    for key, body in raw["models"].items():
        assert body["relative_speed"] == pytest.approx(body["tensor_tflops_fp16_dense"] / reference, abs=0.005), key
        assert "datasheet" in body["source"] or "product page" in body["source"], key


@pytest.mark.parametrize(("name", "key"), [
    ("a100", "a100"), ("A100-SXM4-80GB", "a100-80gb"), ("gpu:l4", None), ("L4", "l4"), ("A10G", "a10g"),
    ("Tesla T4", "t4"), ("h100", "h100"), ("", None), ("mi250", None),
])
def test_gres_and_catalog_names(name, key):
    found = builtin().model_for(name)
    assert (found.key if found else None) == key


def test_every_mapped_ec2_family_carries_that_model(asba_home):
    """The catalog's own GPU name agrees with the family mapping (the catalog's per-GPU memory is not used)."""
    models = builtin()
    checked = 0
    for t in load_catalog():
        model = models.for_instance(t.instance_type)
        if model is not None and t.gpus:
            assert models.model_for(t.gpu_model).name.split()[1] == model.name.split()[1], t.instance_type
            checked += 1
    assert checked >= 20


def test_a_broken_table_is_one_error(tmp_path):
    path = tmp_path / "gpu_models.yaml"
    path.write_text("reference: a100\nmodels:\n  a100: {name: A100, memory_gib: 40, relative_speed: 1.0}\n")
    with pytest.raises(ConfigError) as err:
        load_gpu_models(path)
    assert err.value.code == "ASBA-KB-GPU-002"
    path.write_text("reference: a100\nmodels:\n  a100: {name: A100, memory_gib: -1, relative_speed: 1, source: s}\n")
    with pytest.raises(ConfigError) as err:
        load_gpu_models(path)
    assert err.value.code == "ASBA-KB-GPU-003"
