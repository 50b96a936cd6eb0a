"""The only module that talks to AWS: Pricing GetProducts, EC2 DescribeSpotPriceHistory and DescribeInstanceTypes.

boto3 is imported lazily (it costs ~0.3 s and most commands never need it). Clients use the standard credential
chain, short connect/read timeouts and a bounded number of retries, so no call can hang. Every AWS failure is
turned into an `AwsProblem` with one line a user can act on.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from asba.knowledge.ec2_records import compact_row

PRICING_ENDPOINT_REGION = "us-east-1"  # the Price List query API answers in us-east-1, eu-central-1, ap-south-1
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 20
MAX_ATTEMPTS = 3
SPOT_WINDOW_HOURS = 6
MAX_PAGES = 400  # a refresh that needs more pages than this is cut short and reported as partial


@dataclass
class AwsProblem(Exception):
    """A failed AWS call, as one line: what failed and what to do."""

    what: str  # "on-demand prices", "spot prices", "instance types"
    reason: str
    fatal: bool = False  # no credentials or no network: the other calls would fail the same way

    def __str__(self) -> str:
        return f"{self.what} not refreshed: {self.reason}"


def clients(region: str, profile: str | None = None) -> tuple[Any, Any]:
    """(pricing, ec2) clients with timeouts and bounded retries."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
    )
    session = boto3.session.Session(profile_name=profile) if profile else boto3.session.Session()
    return (
        session.client("pricing", region_name=PRICING_ENDPOINT_REGION, config=config),
        session.client("ec2", region_name=region, config=config),
    )


def _pages(client: Any, operation: str, what: str, **params: Any):
    paginator = client.get_paginator(operation)
    for number, page in enumerate(paginator.paginate(**params)):
        if number >= MAX_PAGES:
            raise AwsProblem(what, f"partial answer: more than {MAX_PAGES} pages; nothing stored for this part")
        yield page


def describe(exc: BaseException, what: str) -> AwsProblem:
    """Turn a botocore/boto3 exception into one actionable line."""
    from botocore import exceptions as bx

    if isinstance(exc, AwsProblem):
        return exc
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return AwsProblem(
            what, "no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID, or run `aws configure`)", True
        )
    if isinstance(exc, bx.ProfileNotFound):
        return AwsProblem(what, f"AWS profile not found: {exc}", True)
    if isinstance(exc, bx.ConnectTimeoutError):
        return AwsProblem(what, f"AWS did not answer within {CONNECT_TIMEOUT_S} s (no network?)", True)
    if isinstance(exc, bx.ReadTimeoutError):
        return AwsProblem(what, f"AWS stopped answering (read timeout {READ_TIMEOUT_S} s)")
    if isinstance(exc, bx.EndpointConnectionError):
        return AwsProblem(what, "no network connection to AWS", True)
    if isinstance(exc, bx.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        message = exc.response.get("Error", {}).get("Message", "")
        if "Throttl" in code or code == "RequestLimitExceeded":
            return AwsProblem(what, f"throttled by AWS after {MAX_ATTEMPTS} attempts ({code}); try again later")
        if code in ("AccessDeniedException", "UnauthorizedOperation", "AccessDenied", "AuthFailure"):
            return AwsProblem(what, f"not authorised ({code}): the credentials need pricing:GetProducts, "
                                    "ec2:DescribeSpotPriceHistory and ec2:DescribeInstanceTypes")
        return AwsProblem(what, f"AWS error {code}: {message}".strip())
    if isinstance(exc, bx.BotoCoreError):
        return AwsProblem(what, f"AWS client error: {exc}")
    raise exc


def on_demand_filters(region: str) -> list[dict[str, str]]:
    terms = {
        "regionCode": region,
        "operatingSystem": "Linux",
        "tenancy": "Shared",
        "preInstalledSw": "NA",
        "capacitystatus": "Used",
        "licenseModel": "No License required",
    }
    return [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in terms.items()]


def parse_price_item(item: str) -> tuple[str, float] | None:
    """(instance type, USD/h) from one Price List entry, a JSON document in a string; None if it has no price."""
    doc = json.loads(item)
    instance_type = doc.get("product", {}).get("attributes", {}).get("instanceType")
    prices = []
    for term in (doc.get("terms", {}).get("OnDemand") or {}).values():
        for dim in (term.get("priceDimensions") or {}).values():
            usd = (dim.get("pricePerUnit") or {}).get("USD")
            if dim.get("unit") == "Hrs" and usd is not None and float(usd) > 0:
                prices.append(float(usd))
    if not instance_type or not prices:
        return None
    return instance_type, min(prices)


def fetch_on_demand(pricing: Any, region: str) -> dict[str, float]:
    """Linux, shared tenancy, no pre-installed software, capacity used: USD per hour by instance type."""
    what = "on-demand prices"
    found: dict[str, float] = {}
    try:
        for page in _pages(pricing, "get_products", what, ServiceCode="AmazonEC2",
                           Filters=on_demand_filters(region), FormatVersion="aws_v1"):
            for item in page.get("PriceList", []):
                parsed = parse_price_item(item)
                if parsed:
                    name, usd = parsed
                    found[name] = min(usd, found.get(name, usd))
    except (ValueError, KeyError, TypeError) as exc:
        raise AwsProblem(what, f"unexpected Price List content: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - classified by describe(), re-raised if not an AWS error
        raise describe(exc, what) from exc
    if not found:
        raise AwsProblem(what, f"the Pricing API returned no Linux on-demand prices for {region}")
    return found


def summarise_spot(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Latest price per (type, AZ), then min and median over AZs per type."""
    latest: dict[tuple[str, str], tuple[datetime, float]] = {}
    for rec in records:
        key = (rec["InstanceType"], rec["AvailabilityZone"])
        stamp, price = rec["Timestamp"], float(rec["SpotPrice"])
        if key not in latest or stamp > latest[key][0]:
            latest[key] = (stamp, price)
    by_type: dict[str, list[float]] = {}
    for (instance_type, _az), (_stamp, price) in latest.items():
        by_type.setdefault(instance_type, []).append(price)
    return {
        t: {"min": min(p), "median": round(statistics.median(p), 6), "azs": len(p)}
        for t, p in sorted(by_type.items())
    }


def fetch_spot(ec2: Any, now: datetime, window_hours: float = SPOT_WINDOW_HOURS) -> dict[str, dict[str, Any]]:
    """Observed Linux spot prices of the recent window, per type: min and median across availability zones."""
    what = "spot prices"
    records: list[dict[str, Any]] = []
    try:
        for page in _pages(ec2, "describe_spot_price_history", what, ProductDescriptions=["Linux/UNIX"],
                           StartTime=now - timedelta(hours=window_hours), EndTime=now):
            records.extend(page.get("SpotPriceHistory", []))
    except Exception as exc:  # noqa: BLE001
        raise describe(exc, what) from exc
    if not records:
        raise AwsProblem(what, "DescribeSpotPriceHistory returned no Linux/UNIX prices in the window")
    return summarise_spot(records)


def fetch_instance_types(ec2: Any) -> dict[str, list[Any]]:
    """Every instance type the region offers, as compact rows."""
    what = "instance types"
    rows: dict[str, list[Any]] = {}
    try:
        for page in _pages(ec2, "describe_instance_types", what):
            for record in page.get("InstanceTypes", []):
                rows[record["InstanceType"]] = compact_row(record)
    except Exception as exc:  # noqa: BLE001
        raise describe(exc, what) from exc
    if not rows:
        raise AwsProblem(what, "DescribeInstanceTypes returned no instance types")
    return rows
