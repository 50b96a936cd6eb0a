"""Timing advice: reservations from a real `scontrol show reservation -o` capture, and the unknown-wait note."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from asba.decide.analysis import unknown_wait_note
from asba.decide.timing_advice import start_after_reservations, timing_facts
from asba.inputs.reservations import expand_hostlist, parse_reservations

RES = Path(__file__).resolve().parents[1] / "fixtures" / "cluster" / "reservations"


def test_parses_the_captured_maintenance_reservation():
    (maint,) = parse_reservations((RES / "scontrol_show_reservation_o_maint.txt").read_text())
    assert maint.name == "asba_i14_capture" and maint.nodes == ("aws2",) and "MAINT" in maint.flags
    assert maint.end - maint.start == 4 * 3600
    assert maint.covers("cpu-aws", {"aws1", "aws2"}) and not maint.covers("cpu", {"c1", "c2"})
    assert parse_reservations((RES / "scontrol_show_reservation_o_none.txt").read_text()) == []


def test_hostlists_expand():
    assert expand_hostlist("c[1-3,5],hm1") == ("c1", "c2", "c3", "c5", "hm1")
    assert expand_hostlist("n[08-10]") == ("n08", "n09", "n10")


def test_a_job_that_would_run_into_the_maintenance_starts_after_it():
    (maint,) = parse_reservations((RES / "scontrol_show_reservation_o_maint.txt").read_text())
    before = maint.start - 2 * 3600
    assert start_after_reservations(before, 3600, [maint]) == before  # ends an hour before it begins
    assert start_after_reservations(before, 3 * 3600, [maint]) == maint.end  # would still run: waits
    facts = {f.name: f.value for f in timing_facts(before, 0.0, 3 * 3600, 3 * 3600, "cpu-aws", {"aws2"}, [maint])}
    assert facts["timing.reservation_delay_h"] == 6.0  # 2 h until it begins + 4 h of maintenance
    assert facts["timing.result_now_h"] == 9.0 and facts["timing.best_delay_h"] == 0


def test_waiting_never_beats_submitting_now_without_reservations():
    now = datetime(2026, 12, 3, 12).timestamp()
    facts = {f.name: f.value for f in timing_facts(now, 5400.0, 3600, 7200, "cpu", {"c1"}, [])}
    assert facts["timing.result_now_h"] == 2.5 and facts["timing.result_in_1h_h"] == 2.5
    assert facts["timing.result_in_2h_h"] == 3.0 and facts["timing.result_in_4h_h"] == 5.0
    assert facts["timing.best_delay_h"] == 0 and facts["timing.reservation_delay_h"] == 0


def test_an_unknown_wait_gives_the_break_even_not_zero():
    note = unknown_wait_note(3.2 * 3600, ["queue_model: needs both the queue (squeue) and the nodes (sinfo)"])
    assert "AWS wins if the local wait exceeds 3.2h" in note and "the wait was unknown" in note
    assert "squeue" in note
    assert "AWS wins even with no local wait" in unknown_wait_note(None, [], "aws")
