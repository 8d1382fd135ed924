"""Rule services on SQLite and PostgreSQL: versions, publishing, and what routing sees."""

from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from api.services import rules as rule_service
from sluice.rules import RuleError, parse_rule
from store import rules as store_rules
from store.models import RoutingRule, RuleVersion


def document(name: str = "dumps", **overrides: Any) -> dict[str, Any]:
    return {
        "name": name,
        "priority": 10,
        "match": {"suffixes": [".hprof"], "min_size": "1MiB"},
        "pipeline": [{"upload": {"bucket": "dumps"}}, {"verify": {}}],
        **overrides,
    }


def test_create_saves_version_1_not_yet_live(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        rule = rule_service.create_rule(
            session, document=document(description="heap dumps"), actor="alice"
        )
        assert rule.id is not None
        assert (rule.name, rule.description, rule.live_version) == ("dumps", "heap dumps", None)
        [version] = rule_service.list_versions(session, rule_id=rule.id) or []
        assert (version.version, version.created_by) == (1, "alice")
        assert version.spec == document(description="heap dumps")
        assert store_rules.published_rules(session.connection()) == []


def test_create_refuses_an_invalid_document_and_saves_nothing(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        with pytest.raises(RuleError) as caught:
            rule_service.create_rule(
                session, document=document(pipeline=[{"upload": {"part_size": 1}}]), actor="a"
            )
        assert str(caught.value) == (
            'rule "dumps": pipeline[0].upload.part_size: must be at least 5MiB, got 1B'
        )
        assert session.exec(select(func.count()).select_from(RoutingRule)).one() == 0


def test_names_are_unique(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        rule_service.create_rule(session, document=document(), actor="a")
        with pytest.raises(rule_service.RuleConflict, match='a rule named "dumps" already exists'):
            rule_service.create_rule(session, document=document(), actor="b")
        assert len(rule_service.list_rules(session)) == 1


def test_update_adds_version_2_and_publish_makes_it_live(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        rule = rule_service.create_rule(session, document=document(), actor="a")
        assert rule.id is not None
        rule_id = rule.id
        updated = rule_service.update_rule(
            session, rule_id=rule_id, document=document(priority=5), actor="b"
        )
        assert updated is not None and updated.live_version is None
        versions = rule_service.list_versions(session, rule_id=rule_id) or []
        assert [(v.version, v.created_by) for v in versions] == [(2, "b"), (1, "a")]

        published = rule_service.publish_rule(session, rule_id=rule_id)
        assert published is not None and published.live_version == 2
        [live] = store_rules.published_rules(session.connection())
        assert (live.rule_id, live.name, live.version, live.spec.priority) == (
            rule_id, "dumps", 2, 5,
        )  # fmt: skip


def test_published_version_stays_live_when_a_newer_one_is_saved(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        rule = rule_service.create_rule(session, document=document(), actor="a")
        assert rule.id is not None
        rule_service.publish_rule(session, rule_id=rule.id)
        rule_service.update_rule(
            session, rule_id=rule.id, document=document(priority=99, enabled=False), actor="a"
        )
        [live] = store_rules.published_rules(session.connection())
        assert (live.version, live.spec.priority, live.spec.enabled) == (1, 10, True)

        rule_service.publish_rule(session, rule_id=rule.id, version=2)
        [live] = store_rules.published_rules(session.connection())
        assert (live.version, live.spec.priority, live.spec.enabled) == (2, 99, False)

        rolled_back = rule_service.publish_rule(session, rule_id=rule.id, version=1)
        assert rolled_back is not None and rolled_back.live_version == 1


def test_publish_an_unknown_version_or_rule(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        rule = rule_service.create_rule(session, document=document(), actor="a")
        assert rule.id is not None
        with pytest.raises(rule_service.UnknownVersion, match="has no version 3"):
            rule_service.publish_rule(session, rule_id=rule.id, version=3)
        assert rule_service.publish_rule(session, rule_id=rule.id + 1) is None


def test_update_validates_and_keeps_the_name(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        rule = rule_service.create_rule(session, document=document(), actor="a")
        assert rule.id is not None
        with pytest.raises(RuleError, match=r"pipeline\[0\]: unknown step type"):
            rule_service.update_rule(
                session, rule_id=rule.id, document=document(pipeline=[{"s3": {}}]), actor="a"
            )
        with pytest.raises(RuleError, match='name: cannot change from "dumps"'):
            rule_service.update_rule(
                session, rule_id=rule.id, document=document(name="renamed"), actor="a"
            )
        assert len(rule_service.list_versions(session, rule_id=rule.id) or []) == 1
        assert (
            rule_service.update_rule(session, rule_id=999, document=document(), actor="a") is None
        )


def test_delete_removes_the_rule_and_its_versions(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        keep = rule_service.create_rule(session, document=document("keep"), actor="a")
        gone = rule_service.create_rule(session, document=document("gone"), actor="a")
        assert keep.id is not None and gone.id is not None
        rule_service.update_rule(session, rule_id=gone.id, document=document("gone"), actor="a")
        rule_service.publish_rule(session, rule_id=gone.id)
        rule_service.publish_rule(session, rule_id=keep.id)

        assert rule_service.delete_rule(session, rule_id=gone.id) is True
        assert rule_service.delete_rule(session, rule_id=gone.id) is False
        assert rule_service.get_rule(session, rule_id=gone.id) is None
        assert rule_service.list_versions(session, rule_id=gone.id) is None
        remaining = session.exec(select(RuleVersion.rule_id)).all()
        assert remaining == [keep.id]
        assert [r.name for r in store_rules.published_rules(session.connection())] == ["keep"]


def test_list_rules_and_their_newest_versions(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        b = rule_service.create_rule(session, document=document("b"), actor="a")
        a = rule_service.create_rule(session, document=document("a"), actor="a")
        assert a.id is not None and b.id is not None
        rule_service.update_rule(session, rule_id=b.id, document=document("b"), actor="a")
        assert [r.name for r in rule_service.list_rules(session)] == ["a", "b"]
        latest = rule_service.latest_versions(session, rule_ids=[a.id, b.id])
        assert {rule_id: row.version for rule_id, row in latest.items()} == {a.id: 1, b.id: 2}


def test_a_live_version_that_no_longer_validates_is_left_out(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        good = rule_service.create_rule(session, document=document("good"), actor="a")
        stale = rule_service.create_rule(session, document=document("stale"), actor="a")
        assert good.id is not None and stale.id is not None
        rule_service.publish_rule(session, rule_id=good.id)
        rule_service.publish_rule(session, rule_id=stale.id)
        # As if the rule language had grown stricter after this version was published.
        row = rule_service.get_version(session, rule_id=stale.id)
        assert row is not None
        row.spec = document("stale", pipeline=[{"jenkins": {}}])
        session.add(row)
        session.commit()
        assert [r.name for r in store_rules.published_rules(session.connection())] == ["good"]


def test_routing_parses_each_stored_document_once(
    db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[str] = []

    def counting(data: dict[str, Any]) -> Any:
        parsed.append(data["name"])
        return parse_rule(data)

    monkeypatch.setattr(store_rules, "parse_rule", counting)
    store_rules._parsed.cache_clear()
    with Session(db_engine) as session:
        rule = rule_service.create_rule(session, document=document("once"), actor="a")
        assert rule.id is not None
        rule_service.publish_rule(session, rule_id=rule.id)
        parsed.clear()  # saving and publishing validate the document themselves
        for _ in range(3):
            [live] = store_rules.published_rules(session.connection())
            assert (live.name, live.spec.priority) == ("once", 10)
        assert parsed == ["once"]

        # The cache is keyed by the stored text: a changed document is parsed afresh.
        row = rule_service.get_version(session, rule_id=rule.id)
        assert row is not None
        row.spec = document("once", priority=3)
        session.add(row)
        session.commit()
        [live] = store_rules.published_rules(session.connection())
        assert live.spec.priority == 3
        assert parsed == ["once", "once"]
