"""The knowledge kernel: error normalisation and signatures, reciprocal rank fusion, the
segmentation of mixed Chinese and English text, and the YAML/Markdown documents."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sluice.knowledge import documents
from sluice.knowledge.fusion import reciprocal_rank_fusion
from sluice.knowledge.signature import normalise_error, signature_key
from sluice.knowledge.text import cache_dir, query_terms, stem, tokens

ROOT = Path(__file__).parent.parent.parent


def test_normalising_replaces_the_variable_parts_of_an_error() -> None:
    raw = (
        "2026-12-06T10:00:01.123Z ERROR OOMKilled pod web-7f9c8d6b5 on 10.0.3.4:8080 "
        "writing /var/lib/docker/x.log id=550e8400-e29b-41d4-a716-446655440000 "
        "at 0xDEADBEEF after 35ms, retry 3"
    )
    assert normalise_error(raw) == (
        "<ts> error oomkilled pod web-<hex> on <ip> writing <path> id=<uuid> "
        "at <hex> after <n>ms, retry <n>"
    )


def test_two_occurrences_of_one_error_share_a_signature() -> None:
    first = "No space left on device: /data/spool/17/part-0003 (errno 28) at 12:01:33"
    second = "no space left on device: /data/spool/2/part-9 (errno 28) at 23:59:59"
    assert normalise_error(first) == normalise_error(second)
    assert signature_key("DiskFull", "spool", first) == signature_key("DiskFull", "spool", second)
    assert signature_key("DiskFull", "other", first) != signature_key("DiskFull", "spool", first)
    assert signature_key("", "", "  ") == ""


def test_normalising_is_stable_on_its_own_output() -> None:
    text = "GET https://api.example.com/v1/users/42 took 1.5s from 192.168.1.10"
    once = normalise_error(text)
    assert once == "get <url> took <n>s from <ip>"
    assert normalise_error(once) == once


def test_rrf_rewards_items_ranked_well_by_several_rankers() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c"], ["c", "b", "a"]])
    assert [item for item, _ in fused] == ["b", "c", "a"]
    scores = dict(fused)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61 + 1 / 62)


def test_rrf_ties_keep_first_seen_order_and_duplicates_count_once() -> None:
    fused = reciprocal_rank_fusion([["x", "x", "y"], ["y", "x"]], k=1)
    assert dict(fused) == pytest.approx({"x": 1 / 2 + 1 / 3, "y": 1 / 3 + 1 / 2})
    assert [item for item, _ in fused] == ["x", "y"]
    assert reciprocal_rank_fusion([]) == []
    with pytest.raises(ValueError, match="one weight per ranking"):
        reciprocal_rank_fusion([["a"]], weights=[1.0, 2.0])
    weighted = reciprocal_rank_fusion([["a"], ["b"]], weights=[1.0, 3.0])
    assert [item for item, _ in weighted] == ["b", "a"]


def test_mixed_chinese_and_english_text_is_segmented_into_words() -> None:
    got = tokens("MySQL 慢查询导致接口超时, errors in Queries; KafkaConsumerLag 怎么办?")
    assert got[:2] == ["mysql", "sql"]  # camel case: MySQL → mysql and its parts
    assert {"慢", "查询", "导致", "接口", "超时", "error", "query"} <= set(got)
    assert {"kafkaconsumerlag", "kafka", "consumer", "lag"} <= set(got)
    assert not {"in", "怎么办", "?", ";", ","} & set(got)  # function words and punctuation
    assert "磁盘空间" in tokens("磁盘空间不足") and "磁盘" in tokens("磁盘空间不足")


def test_tokens_hold_only_letters_and_digits_whatever_the_input() -> None:
    hostile = 'NEAR("a" * b) -c AND (d OR e) \' " ^ : {x} 中文"注入'
    for token in tokens(hostile):
        assert token.isalnum(), token
    assert query_terms("error error ERRORS") == ["error"]
    assert tokens("   ") == [] and tokens("?!") == []
    assert tokens("x" * 65 + " disk") == ["disk"]  # not a word: PostgreSQL would refuse it


def test_jieba_keeps_its_cache_in_a_temp_dir() -> None:
    tokens("初始化")
    assert cache_dir().is_dir()
    assert "site-packages" not in str(cache_dir())


def test_the_s_stemmer_only_removes_plural_endings() -> None:
    assert [stem(w) for w in ("errors", "queries", "caches", "status", "class", "bus")] == [
        "error", "query", "cache", "status", "class", "bus",
    ]  # fmt: skip
    assert [stem(w) for w in ("running", "failed", "dns", "pods")] == [
        "running", "failed", "dns", "pod",
    ]  # fmt: skip


ENTRY = {
    "id": "KB-7",
    "status": "published",
    "title": "磁盘满 Disk full",
    "tags": ["disk"],
    "matchers": ['alertname="DiskFull"'],
    "signature": {"alertname": "DiskFull"},
    "links": ["https://wiki/disk"],
    "symptoms": "df shows 100%",
    "cause": "logs: not rotated",
    "resolution": "1. clean\n---\n## not a section\n2. rotate",
}


def test_markdown_round_trip_keeps_the_fields() -> None:
    text = documents.dump_markdown([ENTRY, {**ENTRY, "id": "KB-8", "cause": ""}])
    parsed = documents.parse_markdown(text)
    assert len(parsed) == 2
    first = parsed[0]
    assert {k: first[k] for k in documents.FRONT_MATTER_KEYS} == {
        k: ENTRY[k] for k in documents.FRONT_MATTER_KEYS
    }
    # a `---` line or `## ` heading inside a section would split the entry: they are demoted
    assert first["resolution"] == "1. clean\n***\n### not a section\n2. rotate"
    assert (first["symptoms"], first["cause"]) == ("df shows 100%", "logs: not rotated")
    assert "cause" not in parsed[1]


def test_markdown_accepts_chinese_section_headings() -> None:
    text = (
        "---\ntitle: 证书过期\n---\n# 证书过期\n"
        "## 症状\n握手失败\n## 原因\n过期\n## 处理步骤\n续期\n"
    )
    assert documents.parse_markdown(text) == [
        {"title": "证书过期", "symptoms": "握手失败", "cause": "过期", "resolution": "续期"}
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: x\n", "expected `---`"),
        ("---\ntitle: x\n", "not closed"),
        ("---\n- x\n---\n", "must be a mapping"),
        ("---\ntitle: x\n---\nloose text\n", "before the first"),
        ("---\ntitle: x\n---\n## Notes\nx\n", "unknown section 'Notes'"),
        ("---\na: &x [1]\nb: *x\n---\n", "aliases"),
        ("---\ntitle: [x\n---\n", "not valid YAML"),
    ],
)
def test_unreadable_markdown_says_why(text: str, message: str) -> None:
    with pytest.raises(documents.DocumentInvalid, match=message):
        documents.parse_markdown(text)


def test_yaml_round_trip_and_refusals() -> None:
    text = documents.dump_yaml([ENTRY])
    assert "resolution: |" in text  # multi-line sections stay readable blocks
    assert documents.parse_yaml(text) == [ENTRY]
    assert documents.parse_yaml("- title: bare list\n") == [{"title": "bare list"}]
    for bad, message in [
        ("entries: 3\n", "holding a list"),
        ("entries: [3]\n", "entry 1: expected a mapping"),
        ("[" * 20 + "]" * 20, "nested more than"),
    ]:
        with pytest.raises(documents.DocumentInvalid, match=message):
            documents.parse_yaml(bad)


def test_loading_jieba_writes_nothing_to_stderr(tmp_path: Path) -> None:
    """A fresh process with an empty temp dir builds jieba's cache there, silently."""
    script = "from sluice.knowledge.text import tokens; print(' '.join(tokens('磁盘空间不足')))"
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["磁盘", "空间", "磁盘空间", "不足"]
    assert done.stderr == ""
    assert [p.name for p in (tmp_path / "sluice-jieba").iterdir()] == ["jieba.cache"]
