"""Live refresh against botocore's Stubber, with responses in the real API shape (no network)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from asba.inputs import aws
from asba.knowledge.catalog import load_catalog
from asba.knowledge.refresh import refresh
from botocore.config import Config
from botocore.stub import ANY, Stubber

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge" / "aws"
NOW = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)


def _pages(name: str) -> list[dict]:
    return json.loads((FIX / name).read_text(encoding="utf-8"))["pages"]


def _spot_pages() -> list[dict]:
    pages = _pages("ec2_describe_spot_price_history.json")
    for page in pages:  # botocore parses timestamps into datetimes
        for rec in page["SpotPriceHistory"]:
            rec["Timestamp"] = datetime.strptime(rec["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return pages


@pytest.fixture
def clients(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    config = Config(retries={"max_attempts": 1})
    pricing = boto3.client("pricing", region_name="us-east-1", config=config)
    ec2 = boto3.client("ec2", region_name="us-east-1", config=config)
    with Stubber(pricing) as ps, Stubber(ec2) as es:
        yield pricing, ec2, ps, es


def _stub_pricing(stub: Stubber) -> None:
    pages = _pages("pricing_get_products_us-east-1.json")
    first = {"ServiceCode": "AmazonEC2", "Filters": aws.on_demand_filters("us-east-1"), "FormatVersion": "aws_v1"}
    stub.add_response("get_products", pages[0], first)
    stub.add_response("get_products", pages[1], {**first, "NextToken": pages[0]["NextToken"]})


def _stub_ec2(stub: Stubber) -> None:
    spot = _spot_pages()
    first = {"ProductDescriptions": ["Linux/UNIX"], "StartTime": ANY, "EndTime": ANY}
    stub.add_response("describe_spot_price_history", spot[0], first)
    stub.add_response("describe_spot_price_history", spot[1], {**first, "NextToken": spot[0]["NextToken"]})
    pages = _pages("ec2_describe_instance_types.json")
    stub.add_response("describe_instance_types", pages[0], {})
    stub.add_response("describe_instance_types", pages[1], {"NextToken": pages[0]["NextToken"]})


def test_price_list_item_parsing_reads_the_nested_json_string():
    items = _pages("pricing_get_products_us-east-1.json")[1]["PriceList"]
    assert aws.parse_price_item(items[0]) == ("p4d.24xlarge", 21.957642)
    assert aws.parse_price_item(items[1]) is None  # Reserved terms only
    assert aws.parse_price_item(items[2]) is None  # zero price


def test_fetch_on_demand_paginates_and_filters(clients):
    pricing, _ec2, ps, _es = clients
    _stub_pricing(ps)
    prices = aws.fetch_on_demand(pricing, "us-east-1")
    assert prices == {"m5.large": 0.096, "c5.xlarge": 0.17, "p4d.24xlarge": 21.957642}
    ps.assert_no_pending_responses()


def test_spot_summary_keeps_latest_per_az_then_min_and_median():
    records = [r for page in _spot_pages() for r in page["SpotPriceHistory"]]
    summary = aws.summarise_spot(records)
    assert summary["c5.xlarge"] == {"min": 0.0598, "median": 0.0642, "azs": 3}
    assert summary["m5.large"] == {"min": 0.0369, "median": 0.0385, "azs": 2}


def test_full_refresh_caches_all_parts_and_catalog_prefers_them(clients, asba_home):
    pricing, ec2, ps, es = clients
    _stub_pricing(ps)
    _stub_ec2(es)
    result = refresh("us-east-1", pricing=pricing, ec2=ec2, now=NOW)
    assert result.complete, result.problems
    assert result.counts == {"on_demand": 3, "spot": 3, "instance_types": 4}
    cat = load_catalog("us-east-1", now=NOW)
    c5 = cat.get("c5.xlarge")
    assert (c5.on_demand_usd_per_hour, c5.spot_usd_per_hour, c5.spot_estimate) == (0.17, 0.0642, False)
    assert c5.price_source == "live AWS Pricing API" and c5.price_date == "2026-11-28T18:00:00Z"
    assert cat.get("hpc7g.16xlarge").vcpus == 64  # specs from the live DescribeInstanceTypes part
    assert cat.price_label().startswith("prices: live AWS Pricing API 2026-11-28T18:00:00Z, us-east-1")


def test_throttled_spot_history_is_one_line_and_other_parts_are_kept(clients, asba_home):
    pricing, ec2, ps, es = clients
    _stub_pricing(ps)
    es.add_client_error("describe_spot_price_history", service_error_code="RequestLimitExceeded",
                        service_message="Request limit exceeded.", http_status_code=503)
    pages = _pages("ec2_describe_instance_types.json")
    es.add_response("describe_instance_types", pages[0], {})
    es.add_response("describe_instance_types", pages[1], {"NextToken": pages[0]["NextToken"]})
    result = refresh("us-east-1", pricing=pricing, ec2=ec2, now=NOW)
    assert not result.complete
    assert result.problems == [
        "spot prices not refreshed: throttled by AWS after 3 attempts (RequestLimitExceeded); try again later"
    ]
    cat = load_catalog("us-east-1", now=NOW)
    assert cat.get("c5.xlarge").on_demand_usd_per_hour == 0.17
    assert cat.get("c5.xlarge").spot_estimate  # spot falls back to the snapshot estimate


def test_no_credentials_is_said_once_and_nothing_is_stored(asba_home, monkeypatch, tmp_path):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = refresh("us-east-1", now=NOW)
    assert result.problems == [
        "nothing refreshed: no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID, or run `aws configure`)"
    ]
    assert result.path is None and not (asba_home / "cache").exists()


def test_access_denied_names_the_permissions(clients):
    pricing, _ec2, ps, _es = clients
    ps.add_client_error("get_products", service_error_code="AccessDeniedException", service_message="denied")
    with pytest.raises(aws.AwsProblem) as exc:
        aws.fetch_on_demand(pricing, "us-east-1")
    assert "pricing:GetProducts" in str(exc.value) and not exc.value.fatal


def test_partial_answer_stores_nothing_for_that_part(clients, asba_home):
    pricing, ec2, ps, es = clients
    pages = _pages("pricing_get_products_us-east-1.json")
    first = {"ServiceCode": "AmazonEC2", "Filters": aws.on_demand_filters("us-east-1"), "FormatVersion": "aws_v1"}
    ps.add_response("get_products", pages[0], first)
    ps.add_client_error("get_products", service_error_code="ThrottlingException", service_message="Rate exceeded",
                        http_status_code=400)
    _stub_ec2(es)
    result = refresh("us-east-1", pricing=pricing, ec2=ec2, now=NOW)
    assert result.problems == [
        "on-demand prices not refreshed: throttled by AWS after 3 attempts (ThrottlingException); try again later"
    ]
    assert "on_demand" not in result.counts and result.counts["spot"] == 3
    cat = load_catalog("us-east-1", now=NOW)
    assert cat.get("m5.large").price_source == "snapshot"  # page 1's m5.large price was not kept
    assert cat.get("c5.xlarge").spot_usd_per_hour == 0.0642 and not cat.live


def test_runaway_pagination_is_cut_short(clients, monkeypatch):
    pricing, _ec2, ps, _es = clients
    monkeypatch.setattr(aws, "MAX_PAGES", 1)
    _stub_pricing(ps)
    with pytest.raises(aws.AwsProblem, match="partial answer"):
        aws.fetch_on_demand(pricing, "us-east-1")


def test_network_failure_is_fatal_and_said_once(asba_home, monkeypatch):
    from botocore.exceptions import EndpointConnectionError

    class Down:
        def get_paginator(self, _name):
            raise EndpointConnectionError(endpoint_url="https://api.pricing.us-east-1.amazonaws.com")

    result = refresh("us-east-1", pricing=Down(), ec2=Down(), now=NOW)
    assert result.problems == ["nothing refreshed: no network connection to AWS"]
