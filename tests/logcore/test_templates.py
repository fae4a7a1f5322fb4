"""Template mining as a user of `logchat templates` or the live view sees it."""

from __future__ import annotations

import functools
import importlib.util
import itertools
import statistics
import sys
from pathlib import Path
from types import ModuleType

import pytest

from logcore.templates import MinerSettings, Template, TemplateMiner
from logcore.tokens import Masking, mask

BENCH = Path(__file__).resolve().parents[2] / "bench" / "logcore_templates.py"


@functools.cache
def load_bench() -> ModuleType:
    """The benchmark module, loaded by path (bench/ is not a package): it owns `ga` and the loghub loading."""
    spec = importlib.util.spec_from_file_location("bench_logcore_templates", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def mine(messages: list[str]) -> tuple[TemplateMiner, list[int]]:
    miner = TemplateMiner()
    return miner, [miner.add(m) for m in messages]


def test_lines_that_differ_only_in_variables_share_a_template() -> None:
    miner, ids = mine([
        "Accepted password for root from 10.0.0.1 port 51234 ssh2",
        "Accepted password for admin from 192.168.7.20 port 22 ssh2",
        "Accepted password for deploy from 172.16.0.3 port 60001 ssh2",
    ])
    assert len(set(ids)) == 1
    assert miner.template(ids[0]).text == "Accepted password for <*> from <*> port <*>"


def test_numbers_ids_hex_dates_paths_and_key_values_are_variables() -> None:
    miner, ids = mine([
        "Block blk_-1608 copied to /data/a.bin at 0x7f3a10 on Mon Jun 20 03:40:59 2005 (uid=0)",
        "Block blk_7503 copied to /srv/b at 0xdeadbeef on Tue Jul 5 11:02:01 EST 2005 (uid=500)",
    ])
    assert ids[0] == ids[1]
    assert miner.template(ids[0]).text.startswith("Block <*> copied to <*> at <*> on <*> (uid=<*>")


def test_values_after_a_key_colon_relative_and_windows_paths_are_variables_host_ports_whole() -> None:
    assert mask("onExtend:1514038530000 14 0 4") == "onExtend:<*>"
    assert mask("Component:01000010 is in the unavailable state") == "Component:<*> is in the unavailable state"
    assert mask("www.example.com:443 open through proxy.example.net:8080 HTTPS") == "<*> open through <*> HTTPS"
    assert mask("Error loading ./runtime_malloc: invalid image") == "Error loading <*> invalid image"
    assert mask(r"Loaded C:\Windows\winsxs\cbscore.dll with core") == "Loaded <*> with core"
    assert mask("user=root tag=\"View Lock\" ws=null") == "user=root tag=\"View Lock\" ws=null"
    kv = Masking(kv_values=True)
    assert mask("user=root tag=\"View Lock\" ws=null", kv) == "user=<*> tag=<*> ws=<*>"


def test_a_constant_later_seen_as_a_variable_joins_its_template() -> None:
    """The first line's class names have no digit; a later one's has: both are the same event."""
    miner, ids = mine([
        "Registering class org.example.jobs.EventType for class org.example.jobs.Handler",
        "Registering class org.example.v2.TaskEvent for class org.example.v2.Dispatcher",
        "Registering class org.example.v2.JobEvent for class org.example.v2.Dispatcher",
    ])
    assert len(set(ids)) == 1
    assert miner.template(ids[0]).text == "Registering class <*> for class <*>"
    # A template that is all wildcards is no template for a plain word.
    _, ids = mine(["\x1b[31m", "ready"])
    assert ids[0] != ids[1]


def test_wildcards_may_differ_agree_or_be_ignored_in_the_similarity() -> None:
    lines = ["(root) CMD (/opt/run/get_temps a)", "(root) CMD (/opt/run/get_temps b)"]
    for wildcards, same in (("differ", False), ("agree", True), ("ignored", True)):
        miner = TemplateMiner(MinerSettings(similarity=0.65, wildcards=wildcards))
        assert (miner.add(lines[0]) == miner.add(lines[1])) is same, wildcards


def test_different_events_get_different_templates() -> None:
    _, ids = mine([
        "Accepted password for root from 10.0.0.1 port 51234 ssh2",
        "Failed password for root from 10.0.0.1 port 51234 ssh2",
        "Failed none for root from 10.0.0.1 port 51234 ssh2",
        "Connection closed by 10.0.0.1 [preauth]",
        "session opened for user root by (uid=0)",
        "session closed for user root",
        "User alice9 logged in from 10.0.0.1 port 22",
        "User bob7 logged out from 10.0.0.2 port 22",
    ])
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("order", [1, -1])
def test_a_variable_split_differently_stays_in_its_template(order: int) -> None:
    # A host name without digits is one token more than an address; either may come first.
    miner, ids = mine([
        "reverse mapping checking getaddrinfo for mail.example.com [10.1.2.3] failed",
        "reverse mapping checking getaddrinfo for 52-1-9-7.cust.example.net [10.1.2.4] failed",
        "reverse mapping checking getaddrinfo for ns.example.org [10.1.2.5] failed",
    ][::order])
    assert len(set(ids)) == 1
    assert miner.template(ids[0]).text == "reverse mapping checking getaddrinfo for <*> failed"


def test_a_plain_word_next_to_a_number_still_names_a_different_event() -> None:
    _, ids = mine([
        "program interrupt: fp cr field .............0",
        "program interrupt: fp cr update.............0",
        "Fan speeds ( 3552 3534 3375 **** 3515 3479 )",
        "Fan speeds ( 3552 3534 3375 3515 3479 )",
    ])
    assert len(set(ids)) == 4


def test_a_word_that_varies_up_front_does_not_make_a_template_per_value() -> None:
    names = ["".join(letters) for letters in itertools.islice(itertools.product("abcdefgh", repeat=4), 200)]
    miner, ids = mine([f"{name} logged in from 10.0.0.{i % 250}" for i, name in enumerate(names)])
    assert len(set(names)) == 200
    assert len(miner.templates()) <= 10
    assert miner.template(ids[-1]).text == "<*> logged in from <*>"
    # A leading word with few values still names separate events.
    _, ids = mine(["Accepted password for root", "Failed password for root"] * 20)
    assert len(set(ids)) == 2


def test_past_the_template_limit_new_shapes_share_one_catch_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("logcore.templates._MAX_TEMPLATES", 3)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
    miner, ids = mine([f"{w} {w[::-1]} something happened" for w in words] + ["alpha ahpla something happened"])
    assert ids[:3] == [0, 1, 2] and ids[3:6] == [3, 3, 3]
    assert ids[6] == 0  # known shapes keep their template
    assert miner.template(3).text == "<*>" and miner.template(3).count == 3


def test_ids_keep_their_meaning_as_the_log_grows() -> None:
    first = [
        "Invalid user alice from 10.0.0.1",
        "Connection closed by 10.0.0.1 [preauth]",
        "Invalid user bob from 10.0.0.2",
    ]
    later = [f"Invalid user user{i} from 10.0.{i}.9" for i in range(50)] + [
        "Received disconnect from 10.0.0.9: 11: Bye Bye [preauth]",
        "Invalid user carol from 10.9.9.9",
    ]
    miner, ids = mine(first)
    texts_before = {t.id: t.text for t in miner.templates()}
    later_ids = [miner.add(m) for m in later]
    # Re-reading the first lines (a reload of the same file) gives the ids they got at first.
    assert [miner.add(m) for m in first] == ids
    assert later_ids[-1] == ids[0]
    assert set(texts_before) <= {t.id for t in miner.templates()}
    assert [t.id for t in miner.templates()] == list(range(len(miner.templates())))
    for template_id, text in texts_before.items():  # a template may only widen, never change
        old, new = text.split(" "), miner.template(template_id).text.split(" ")
        assert len(old) == len(new) and all(n in (o, "<*>") for o, n in zip(old, new))


def test_counts_lines_and_levels_follow_the_assignments() -> None:
    miner = TemplateMiner()
    miner.add("disk sda1 is 91% full", 3, "WARN")
    miner.add("service nginx restarted", 5, "INFO")
    miner.add("disk sdb2 is 97% full", 8, "ERROR")
    miner.add("disk sdc1 is 99% full", 13, "ERROR")
    disk = miner.template(miner.add("disk sdd1 is 92% full", 21, "WARN"))
    assert (disk.count, disk.first_line, disk.last_line) == (4, 3, 21)
    assert disk.level_counts == {"WARN": 2, "ERROR": 2}
    service = next(t for t in miner.templates() if t.id != disk.id)
    assert (service.count, service.first_line, service.last_line, service.level_counts) == (1, 5, 5, {"INFO": 1})
    assert sum(t.count for t in miner.templates()) == 5


def test_lines_default_to_the_order_they_were_added() -> None:
    miner = TemplateMiner()
    for i in range(4):
        miner.add(f"tick {i}")
    (tick,) = miner.templates()
    assert isinstance(tick, Template)
    assert (tick.first_line, tick.last_line, tick.count) == (0, 3, 4)


def test_empty_and_odd_messages_do_not_break_the_miner() -> None:
    huge = "x" * 5_000_000
    miner, ids = mine(["", "   ", "\x1b[31mred\x1b[0m", huge, huge + " tail 1", huge + " tail 2"])
    assert ids[0] == ids[1]
    assert len(set(ids)) == 3
    assert ids[3] == ids[4] == ids[5]  # only the head of a huge line decides its template
    assert miner.template(ids[3]).text == "x" * 4096


def test_grouping_accuracy_counts_only_exactly_recovered_groups() -> None:
    ga = load_bench().ga
    assert ga(["a", "a", "b", "b"], [1, 1, 2, 2]) == 1.0
    assert ga(["a", "a", "b", "b"], [1, 1, 1, 1]) == 0.0  # two events merged
    assert ga(["a", "a", "b", "b"], [1, 2, 3, 3]) == 0.5  # one event split


def test_grouping_accuracy_on_loghub_meets_the_target(loghub: Path) -> None:
    bench = load_bench()
    scores = {}
    for system in bench.SYSTEMS:
        sample = bench.load_sample(system, loghub)
        scores[system] = bench.ga(sample.truth, bench.ours(sample.messages))
    assert scores["HDFS"] >= 0.99, scores
    assert scores["OpenSSH"] >= 0.9, scores
    assert statistics.fmean(scores.values()) >= 0.93, scores


def test_leave_one_out_chooses_on_the_other_systems_only(loghub: Path) -> None:
    """The held-out system's own score never picks its setting; its score is that setting's."""
    bench = load_bench()
    grid = (MinerSettings(), MinerSettings(similarity=0.9, wildcards="ignored"))
    samples = [bench.load_sample(system, loghub) for system in ("HDFS", "Linux", "OpenSSH")]
    table = [[bench.ga(s.truth, bench.ours(s.messages, settings)) for s in samples] for settings in grid]
    for k, held in enumerate(bench.loo(samples, grid)):
        others = [statistics.fmean(row[:k] + row[k + 1:]) for row in table]
        best = max(range(len(grid)), key=lambda i: (others[i], -i))
        assert held.chosen == grid[best] and held.loo_ga == table[best][k]
        assert held.generic_exact >= 0.99 and abs(held.generic_ga - held.loo_ga) <= 0.01
