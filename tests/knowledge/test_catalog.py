"""The offline catalog: real snapshot entries, price labels, live-cache precedence and TTL."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from asba.errors import InputError
from asba.knowledge import price_cache
from asba.knowledge.catalog import InstanceType, load_catalog
from asba.knowledge.ec2_records import FIELDS

NOW = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)


def test_instance_fields_follow_the_row_format():
    # the catalog builds InstanceType positionally from compact rows; this guards the order
    names = [f.name for f in dataclasses.fields(InstanceType)]
    assert names[1 : 1 + len(FIELDS)] == list(FIELDS)


def test_p4d_specs_and_snapshot_prices(asba_home):
    cat = load_catalog("us-east-1", now=NOW)
    p4d = cat.get("p4d.24xlarge")
    assert (p4d.vcpus, p4d.memory_gib, p4d.gpus, p4d.gpu_model, p4d.gpu_memory_gib) == (96, 1152, 8, "A100", 40)
    assert p4d.efa and p4d.efa_interfaces == 4 and p4d.arch == "x86_64" and p4d.offered
    assert p4d.on_demand_usd_per_hour == 21.957642
    assert p4d.spot_estimate and p4d.spot_savings_pct == 67
    assert p4d.spot_usd_per_hour == pytest.approx(21.957642 * 0.33, rel=1e-6)
    assert p4d.spot_interruption == "10-15%"
    assert (p4d.price_source, p4d.price_date) == ("snapshot", "2026-07-20")


def test_price_label_names_date_region_and_spot_estimate(asba_home):
    label = load_catalog("us-east-1", now=NOW).price_label()
    assert label.startswith("prices: snapshot 2026-07-20, us-east-1")
    assert "spot: estimate" in label and "2025-06-28" in label


def test_on_demand_only_type_has_no_spot_price(asba_home):
    hpc = load_catalog(now=NOW).get("hpc7g.16xlarge")
    assert hpc.arch == "arm64" and hpc.on_demand_usd_per_hour == 1.6832
    assert not hpc.spot_supported and hpc.spot_usd_per_hour is None


def test_legacy_type_is_known_but_not_offered(asba_home):
    p3 = load_catalog(now=NOW).get("p3.8xlarge")
    assert p3.gpus == 4 and p3.gpu_model == "V100" and not p3.offered


def test_region_without_snapshot_prices_says_so(asba_home):
    cat = load_catalog("eu-west-1", now=NOW)
    assert cat.get("c5.large").on_demand_usd_per_hour is None
    assert cat.get("c5.large").spot_interruption is not None  # the Spot Advisor covers the region
    assert "none for eu-west-1" in cat.price_label()
    assert any("asba knowledge refresh --region eu-west-1" in n for n in cat.notes)


def test_unknown_type_and_region_are_input_errors(asba_home):
    with pytest.raises(InputError) as typo:
        load_catalog(now=NOW).get("p4d.24xlrage")
    assert "did you mean p4d.24xlarge" in typo.value.hint
    with pytest.raises(InputError) as exc:
        load_catalog("us-east-9", now=NOW)
    assert exc.value.code == "ASBA-KB-002"


def _cache(region: str, age: timedelta) -> None:
    price_cache.write_parts(
        region,
        {"on_demand": {"c5.large": 0.5}, "spot": {"c5.large": {"min": 0.03, "median": 0.04, "azs": 5}}},
        NOW - age,
    )


def test_fresh_live_cache_is_used_ahead_of_the_snapshot(asba_home):
    _cache("us-east-1", timedelta(hours=1))
    cat = load_catalog("us-east-1", now=NOW)
    c5 = cat.get("c5.large")
    assert c5.on_demand_usd_per_hour == 0.5 and c5.price_source == "live AWS Pricing API"
    assert c5.spot_usd_per_hour == 0.04 and not c5.spot_estimate
    assert cat.get("m5.large").price_source == "snapshot"  # types the refresh did not price keep the snapshot
    assert cat.price_label().startswith("prices: live AWS Pricing API 2026-11-28T17:00:00Z, us-east-1")


def test_stale_live_cache_is_ignored_with_a_note(asba_home):
    _cache("us-east-1", timedelta(hours=30))
    cat = load_catalog("us-east-1", ttl_hours=24, now=NOW)
    assert cat.get("c5.large").on_demand_usd_per_hour == 0.085
    assert any("older than the 24 h TTL" in n for n in cat.notes)
    assert load_catalog("us-east-1", ttl_hours=48, now=NOW).get("c5.large").on_demand_usd_per_hour == 0.5


def test_corrupt_cache_falls_back_to_snapshot(asba_home):
    path = price_cache.cache_path("us-east-1")
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    cat = load_catalog("us-east-1", now=NOW)
    assert cat.get("c5.large").price_source == "snapshot"
    assert any("unreadable" in n for n in cat.notes)


def test_asba_now_pins_the_freshness_check(asba_home, monkeypatch):
    _cache("us-east-1", timedelta(hours=1))  # fetched 2026-11-28T17:00Z
    monkeypatch.setenv("ASBA_NOW", "2026-11-28T18:00:00Z")
    assert load_catalog("us-east-1").get("c5.large").price_source == "live AWS Pricing API"
    monkeypatch.setenv("ASBA_NOW", "2026-12-05T18:00:00Z")
    assert load_catalog("us-east-1").get("c5.large").price_source == "snapshot"
    monkeypatch.setenv("ASBA_NOW", "next tuesday")
    with pytest.raises(InputError):
        load_catalog("us-east-1")


def test_region_that_is_not_a_region_code_is_refused(asba_home):
    with pytest.raises(InputError) as exc:
        load_catalog("../../etc", now=NOW)
    assert "not an AWS region code" in exc.value.message
