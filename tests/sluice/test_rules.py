"""Rule documents: validation names the rule and the path of each problem; plans follow matching."""

import copy
import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from sluice.contracts import (
    OPTIONS,
    STEP_TYPES,
    ApprovalNoticeOptions,
    ApproveOptions,
    ArchiveOptions,
    DetectedFile,
    FailureNoticeOptions,
    JenkinsOptions,
    RetrySettings,
    StepPlan,
    UploadOptions,
    VerifyOptions,
)
from sluice.rules import (
    DEFAULT_STAGES,
    NOT_YET_AVAILABLE,
    STEP_SPECS,
    PublishedRule,
    RuleError,
    parse_duration,
    parse_rule,
    parse_size,
    plan_for,
)
from sluice.rules.actions import ApprovalNoticeSpec, FailureNoticeSpec

FULL = {
    "name": "heap-dumps",
    "priority": 10,
    "continue": False,
    "enabled": True,
    "match": {
        "globs": ["**/dumps/*.hprof"],
        "suffixes": [".hprof"],
        "min_size": "1MiB",
        "roots": ["/data/dumps"],
        "agents": ["web-01"],
        "agent_labels": {"env": "prod"},
        "window": "Mon-Fri 09:00-18:00",
    },
    "pipeline": [
        {
            "upload": {
                "key": "{host}/{date}/{relpath}",
                "timeout": "2h",
                "heartbeat_timeout": "60s",
                "retry": {
                    "max_attempts": 8,
                    "initial_interval": "2s",
                    "backoff": 2,
                    "max_interval": "2m",
                    "non_retryable": ["auth"],
                },
                "on_failure": "compensate",
                "part_size": "16MiB",
                "storage_class": "STANDARD_IA",
                "sse": "aws:kms",
                "sse_kms_key_id": "alias/dumps",
                "bandwidth_limit": "10MB",
            }
        },
        {"verify": {}},
        {
            "parallel": [
                {"archive": {"action": "move", "to": "/data/done"}},
                {"approve": {"default": "approve"}},
            ]
        },
        {"archive": {"action": "delete"}},
    ],
}
MONDAY_NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def rule(**overrides: Any) -> dict[str, Any]:
    """A minimal valid document with top-level keys replaced."""
    return {"name": "r", "pipeline": [{"upload": {}}], **overrides}


def error_of(document: dict[str, Any]) -> str:
    with pytest.raises(RuleError) as caught:
        parse_rule(document)
    return str(caught.value)


def file(
    rel_path: str = "app/dumps/heap.hprof",
    *,
    size: int = 2 * 1024 * 1024,
    root: str = "/data/dumps",
    agent_id: str = "web-01",
) -> DetectedFile:
    return DetectedFile(
        agent_id=agent_id,
        host=f"{agent_id}.example",
        root=root,
        rel_path=rel_path,
        size=size,
        mtime_ns=1,
        detected_at="2026-01-05T12:00:00+00:00",
    )


def published(*documents: dict[str, Any]) -> list[PublishedRule]:
    return [
        PublishedRule(rule_id=index + 1, name=doc["name"], version=7, spec=parse_rule(doc))
        for index, doc in enumerate(documents)
    ]


def matches(match: dict[str, Any], target: DetectedFile, **kwargs: Any) -> bool:
    spec = parse_rule(rule(match=match))
    labels = kwargs.get("labels", {})
    return spec.matches(target, labels=labels, now=kwargs.get("now", MONDAY_NOON))


# --- parsing -------------------------------------------------------------------------------


def test_full_document_becomes_stages_of_step_plans() -> None:
    stages = parse_rule(FULL).to_plan_stages()
    assert [[step.name for step in stage] for stage in stages] == [
        ["upload"],
        ["verify"],
        ["archive", "approve"],
        ["archive-2"],
    ]
    upload = stages[0][0]
    assert upload == StepPlan(
        name="upload",
        type="upload",
        options=UploadOptions(
            key="{host}/{date}/{relpath}",
            part_size=16 * 1024 * 1024,
            storage_class="STANDARD_IA",
            sse="aws:kms",
            sse_kms_key_id="alias/dumps",
            bandwidth_limit=10_000_000,
        ),
        timeout_s=7200.0,
        heartbeat_timeout_s=60.0,
        retry=RetrySettings(
            max_attempts=8,
            initial_interval_s=2.0,
            backoff=2.0,
            max_interval_s=120.0,
            non_retryable=["auth"],
            deadline_s=0.0,  # max_attempts is set: it bounds outages too
        ),
        on_failure="compensate",
    )
    verify, archive, approve = stages[1][0], stages[2][0], stages[2][1]
    assert verify.options == VerifyOptions(read_back=False)
    assert verify.retry == RetrySettings() and verify.on_failure == "fail"
    assert archive.options == ArchiveOptions(action="move", to="/data/done")
    assert (approve.options, approve.timeout_s) == (ApproveOptions(default="approve"), 24 * 3600.0)
    assert stages[3][0].options == ArchiveOptions(action="delete")


def test_plan_stages_are_fresh_objects_each_time() -> None:
    spec = parse_rule(FULL)
    first = spec.to_plan_stages()
    first[0][0].name = "renamed"
    first[0][0].options = UploadOptions(bucket="filled-in")
    again = spec.to_plan_stages()[0][0]
    assert (again.name, again.options) == ("upload", spec.stages[0][0].options)


def test_explicit_names_are_kept_and_defaults_avoid_them() -> None:
    doc = rule(pipeline=[{"upload": {"name": "upload-2"}}, {"upload": None}, {"upload": {}}])
    stages = parse_rule(doc).to_plan_stages()
    assert [stage[0].name for stage in stages] == ["upload-2", "upload", "upload-3"]


def test_defaults_of_an_empty_match_and_top_level() -> None:
    spec = parse_rule(rule())
    assert (spec.priority, spec.continue_, spec.enabled) == (100, False, True)
    assert spec.matches(file(), labels={}, now=MONDAY_NOON)


@pytest.mark.parametrize(
    ("value", "size"),
    [(0, 0), (512, 512), ("512", 512), ("1KB", 1000), ("1KiB", 1024), ("1 MiB", 1048576),
     ("1.5GiB", 3 * 2**29), ("2TB", 2 * 10**12), ("1TiB", 2**40), ("10mb", 10**7)],
)  # fmt: skip
def test_sizes(value: int | str, size: int) -> None:
    assert parse_size(value) == size


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(30, 30.0), (1.5, 1.5), ("500ms", 0.5), ("30s", 30.0), ("10m", 600.0), ("2h", 7200.0),
     ("1d", 86400.0), ("1h30m", 5400.0)],
)  # fmt: skip
def test_durations(value: int | str, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            rule(pipeline=[{"upload": {}}, {"uplod": {}}]),
            'rule "r": pipeline[1]: unknown step type "uplod"; did you mean "upload"?',
        ),
        (
            rule(pipeline=[{"frobnicate": {}}]),
            'rule "r": pipeline[0]: unknown step type "frobnicate"; use one of upload, verify, '
            "approve, archive, jenkins, webhook, script, analyze, notify",
        ),
        (
            rule(pipeline=[{"upload": {}}, {"verify": {}}, {"parallel": [{"jenkins": {}}]}]),
            'rule "r": pipeline[2].parallel[0].jenkins.job: is required',
        ),
        (
            rule(match={"globs": ["logs/[abc.log"]}),
            "rule \"r\": match.globs[0]: unbalanced '[' at position 5 in 'logs/[abc.log'",
        ),
        (
            rule(match={"globs": ["[z-a].log"]}),
            "rule \"r\": match.globs[0]: invalid character class '[z-a]' in '[z-a].log': "
            "invalid character class range: z-a",
        ),
        (
            rule(match={"regex": "(unclosed"}),
            "rule \"r\": match.regex: invalid regex '(unclosed': missing ): (unclosed (Sluice "
            "matches regexes with RE2, in time linear in the path: "
            "https://github.com/google/re2/wiki/Syntax)",
        ),
        (
            rule(match={"glob": ["*.log"]}),
            'rule "r": match.glob: unknown key (did you mean "globs"?)',
        ),
        (
            rule(pipeline=[{"upload": {"part_sise": "8MiB"}}]),
            'rule "r": pipeline[0].upload.part_sise: unknown key (did you mean "part_size"?)',
        ),
        (
            rule(owner="ops"),
            'rule "r": owner: unknown key (expected one of: name, description, '
            "priority, continue, enabled, match, pipeline, on_failure)",
        ),
        (
            rule(match={"min_size": -1}),
            'rule "r": match.min_size: must not be negative, got -1',
        ),
        (
            rule(match={"min_size": "2MiB", "max_size": "1MiB"}),
            'rule "r": match.max_size: max_size (1MiB) is smaller than min_size (2MiB)',
        ),
        (
            rule(match={"max_size": "three MiB"}),
            'rule "r": match.max_size: expected a size such as 1048576 or "1MiB", '
            "got 'three MiB'",
        ),
        (
            rule(match={"min_size": "1XB"}),
            "rule \"r\": match.min_size: unknown size unit 'XB'; use B, KB, KiB, MB, MiB, GB, "
            "GiB, TB or TiB",
        ),
        (
            rule(pipeline=[{"upload": {"part_size": "1MiB"}}]),
            'rule "r": pipeline[0].upload.part_size: must be at least 5MiB, got 1MiB',
        ),
        (
            rule(pipeline=[{"upload": {"part_concurrency": 64}}]),
            'rule "r": pipeline[0].upload.part_concurrency: '
            "Input should be less than or equal to 32",
        ),
        (
            rule(pipeline=[{"upload": {"key": "{host}/{inode}"}}]),
            'rule "r": pipeline[0].upload.key: unknown key template field(s) {inode}; use {host} '
            "{agent} {root} {relpath} {name} {stem} {ext} {date} {sha256}",
        ),
        (
            rule(pipeline=[{"upload": {"storage_class": "COLD"}}]),
            "rule \"r\": pipeline[0].upload.storage_class: Input should be 'STANDARD', "
            "'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'GLACIER_IR', "
            "'DEEP_ARCHIVE' or 'REDUCED_REDUNDANCY'",
        ),
        (
            rule(pipeline=[{"upload": {"sse_kms_key_id": "k"}}]),
            'rule "r": pipeline[0].upload: sse_kms_key_id needs sse: aws:kms',
        ),
        (
            rule(pipeline=[{"upload": {"timeout": "soon"}}]),
            'rule "r": pipeline[0].upload.timeout: expected a duration such as 30, "500ms", '
            '"30s", "10m", "2h" or "1d", got \'soon\'',
        ),
        (
            rule(pipeline=[{"upload": {"retry": {"non_retryable": ["auth", "oops"]}}}]),
            "rule \"r\": pipeline[0].upload.retry.non_retryable: unknown error class(es) ['oops']; "
            "use network, timeout, auth, not_found, conflict, checksum, invalid_input, "
            "rejected, rate_limit, action_failed, cancelled, unknown",
        ),
        (
            rule(
                pipeline=[{"upload": {"retry": {"initial_interval": "5m", "max_interval": "1m"}}}]
            ),
            'rule "r": pipeline[0].upload.retry: max_interval is shorter than initial_interval',
        ),
        (
            rule(pipeline=[{"upload": {"on_failure": "ignore"}}]),
            'rule "r": pipeline[0].upload.on_failure: on_failure must be one of fail, continue, '
            "compensate, got 'ignore'",
        ),
        (
            rule(pipeline=[{"archive": {"action": "move"}}]),
            'rule "r": pipeline[0].archive: action: move needs `to` (the directory to move the '
            "file to)",
        ),
        (
            rule(pipeline=[{"archive": {"action": "move", "to": "done"}}]),
            "rule \"r\": pipeline[0].archive.to: must be an absolute path, got 'done'",
        ),
        (
            rule(pipeline=[{"archive": {}}]),
            'rule "r": pipeline[0].archive.action: is required',
        ),
        (
            rule(pipeline=[{"approve": {"default": "maybe"}}]),
            "rule \"r\": pipeline[0].approve.default: Input should be 'approve' or 'reject'",
        ),
        (
            rule(pipeline=[{"verify": {"read_back": "sometimes"}}]),
            'rule "r": pipeline[0].verify.read_back: Input should be a valid boolean, '
            "unable to interpret input",
        ),
        (
            rule(pipeline=[{"upload": {}, "verify": {}}]),
            'rule "r": pipeline[0]: expected one step as {<type>: {options}} or '
            "{parallel: [...]}, got keys upload, verify",
        ),
        (
            rule(pipeline=[{"parallel": [{"parallel": [{"verify": {}}]}]}]),
            'rule "r": pipeline[0].parallel[0]: parallel blocks cannot nest',
        ),
        (
            rule(pipeline=[{"parallel": []}]),
            'rule "r": pipeline[0].parallel: expected a non-empty list of steps',
        ),
        (
            rule(pipeline=[{"upload": {"name": "x"}}, {"verify": {"name": "x"}}]),
            'rule "r": pipeline[1].verify.name: duplicate step name "x"',
        ),
        (
            rule(match={"window": "Mon-Fry 09:00-18:00"}),
            "rule \"r\": match.window: unknown day 'Fry' in window 'Mon-Fry 09:00-18:00'; "
            "use Mon Tue Wed Thu Fri Sat Sun",
        ),
        (
            rule(match={"window": "09:00-25:00"}),
            "rule \"r\": match.window: invalid time '25:00' in window '09:00-25:00'",
        ),
        (
            rule(match={"window": "10:00-10:00"}),
            "rule \"r\": match.window: window '10:00-10:00' is empty: it starts and ends at 10:00",
        ),
        (
            rule(match={"timezone": "Mars/Olympus"}),
            "rule \"r\": match.timezone: unknown timezone 'Mars/Olympus'; use an IANA name such as "
            "UTC or Asia/Shanghai",
        ),
        (
            rule(match={"roots": ["data/dumps"]}),
            "rule \"r\": match.roots[0]: watch roots are absolute paths, got 'data/dumps'",
        ),
        (
            rule(on_failure={"notify": {"channels": []}}),
            'rule "r": on_failure.notify.channels: List should have at least 1 item after '
            "validation, not 0",
        ),
        (
            rule(on_failure="compensate"),
            'rule "r": on_failure: expected {notify: {...}} (rule-level failure notices)',
        ),
        (
            {"pipeline": [{"upload": {}}]},
            'rule "<unnamed>": name: is required',
        ),
        (
            rule(name="bad name!"),
            "rule \"bad name!\": name: invalid rule name 'bad name!': up to 100 letters, digits, "
            "'_', '.', '-', starting with a letter or digit",
        ),
        (
            rule(pipeline=[]),
            'rule "r": pipeline: List should have at least 1 item after validation, not 0',
        ),
    ],
)
def test_invalid_documents_name_the_rule_and_the_path(
    document: dict[str, Any], message: str
) -> None:
    assert error_of(document) == message


def test_every_problem_is_reported_at_once() -> None:
    caught = error_of(
        rule(
            match={"regex": "("},
            pipeline=[{"upload": {"part_size": 1}}, {"notify": {}}, {"verify": {"x": 1}}],
        )
    )
    assert caught.count(";") >= 3
    for path in (
        "match.regex",
        "pipeline[0].upload.part_size",
        "pipeline[1].notify",
        "pipeline[2]",
    ):
        assert path in caught


def test_every_step_type_is_available() -> None:
    assert not NOT_YET_AVAILABLE
    minimal = {
        "jenkins": {"job": "a/b"},
        "webhook": {"url": "https://hooks.example/{name}"},
        "script": {"command": ["/usr/bin/gzip", "{path}"]},
        "analyze": {},
        "notify": {"channels": ["ops"]},
    }
    for step_type, options in minimal.items():
        spec = parse_rule(rule(pipeline=[{step_type: options}]))
        assert spec.stages[0][0].type == step_type


SPECS_AND_OPTIONS = [(STEP_SPECS[kind], OPTIONS[kind]) for kind in STEP_TYPES] + [
    (ApprovalNoticeSpec, ApprovalNoticeOptions),
    (FailureNoticeSpec, FailureNoticeOptions),
]


@pytest.mark.parametrize(("spec", "options"), SPECS_AND_OPTIONS, ids=lambda t: t.__name__)
def test_each_options_spec_checks_exactly_its_dataclass_fields(spec: Any, options: Any) -> None:
    assert set(spec.model_fields) == {field.name for field in dataclasses.fields(options)}


def test_unset_options_take_the_dataclass_defaults() -> None:
    spec = parse_rule(
        rule(
            pipeline=[
                {"jenkins": {"job": "a/b", "poll_interval": "5s"}},
                {"approve": {"notify": {"channels": ["ops"], "title": "{{ file.name }}"}}},
                {"upload": {"bucket": "dumps"}},
            ],
            on_failure={"notify": {"channels": ["ops"]}},
        )
    )
    jenkins, approve, upload = (stage[0].options for stage in spec.stages)
    assert jenkins == JenkinsOptions(job="a/b", poll_interval=5.0)
    assert approve == ApproveOptions(
        notify=ApprovalNoticeOptions(channels=["ops"], title="{{ file.name }}")
    )
    assert upload == UploadOptions(bucket="dumps")  # key, part size...: routing's to fill in
    assert spec.on_failure_notify == FailureNoticeOptions(channels=["ops"])
    assert parse_rule(rule()).on_failure_notify is None


def test_a_document_that_is_not_a_mapping() -> None:
    with pytest.raises(RuleError, match="a rule document must be a mapping"):
        parse_rule(["name", "r"])  # type: ignore[arg-type]


# --- matching ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("glob", "path", "expected"),
    [
        ("**/dumps/*.hprof", "dumps/a.hprof", True),
        ("**/dumps/*.hprof", "x/y/dumps/a.hprof", True),
        ("**/dumps/*.hprof", "dumps/sub/a.hprof", False),
        ("dumps/**", "dumps/sub/a.hprof", True),
        ("dumps/**/*.gz", "dumps/a.gz", True),
        ("dumps/**/*.gz", "dumps/1/2/a.gz", True),
        ("*.log", "app.log", True),
        ("*.log", "logs/app.log", False),
        ("app-?.log", "app-1.log", True),
        ("app-?.log", "app-12.log", False),
        ("app-[0-9].log", "app-7.log", True),
        ("app-[!0-9].log", "app-7.log", False),
        ("app-[!0-9].log", "app-x.log", True),
        ("a+b(1).log", "a+b(1).log", True),
    ],
)
def test_globs_match_the_whole_relative_path(glob: str, path: str, expected: bool) -> None:
    assert matches({"globs": [glob]}, file(path)) is expected


def test_any_glob_regex_and_suffixes() -> None:
    assert matches({"globs": ["*.txt", "**/*.hprof"]}, file("a/b.hprof"))
    assert matches({"regex": r"heap-\d+"}, file("x/heap-42.bin"))
    assert not matches({"regex": r"^heap-\d+"}, file("x/heap-42.bin"))
    assert matches({"suffixes": [".gz", ".hprof"]}, file("a.hprof"))
    assert not matches({"suffixes": [".gz"]}, file("a.hprof"))
    assert not matches({"suffixes": [".hprof"], "regex": "nomatch"}, file("a.hprof"))


@pytest.mark.parametrize(
    ("size", "expected"),
    [(1024 * 1024 - 1, False), (1024 * 1024, True), (10 * 10**6, True), (10 * 10**6 + 1, False)],
)
def test_size_range_is_inclusive_with_units(size: int, expected: bool) -> None:
    assert matches({"min_size": "1MiB", "max_size": "10MB"}, file(size=size)) is expected


def test_roots_agents_and_labels() -> None:
    assert matches({"roots": ["/data/dumps/"]}, file(root="/data/dumps"))
    assert matches({"roots": ["/data/dumps"]}, file(root="/data/dumps/"))
    assert not matches({"roots": ["/data/dumps"]}, file(root="/data/logs"))
    assert matches({"agents": ["web-01", "web-02"]}, file(agent_id="web-02"))
    assert not matches({"agents": ["web-01"]}, file(agent_id="db-01"))
    labels = {"agent_labels": {"env": "prod", "team": "pay"}}
    assert matches(labels, file(), labels={"env": "prod", "team": "pay", "zone": "a"})
    assert not matches(labels, file(), labels={"env": "prod"})
    assert not matches(labels, file(), labels={"env": "staging", "team": "pay"})


@pytest.mark.parametrize(
    ("window", "at", "expected"),
    [
        ("Mon-Fri 09:00-18:00", datetime(2026, 1, 5, 9, 0), True),  # Monday opening
        ("Mon-Fri 09:00-18:00", datetime(2026, 1, 9, 17, 59), True),  # Friday
        ("Mon-Fri 09:00-18:00", datetime(2026, 1, 9, 18, 0), False),  # end is exclusive
        ("Mon-Fri 09:00-18:00", datetime(2026, 1, 10, 12, 0), False),  # Saturday
        ("Sat,Sun 00:00-24:00", datetime(2026, 1, 11, 23, 59), True),  # Sunday
        ("Sat,Sun 00:00-24:00", datetime(2026, 1, 12, 0, 0), False),  # Monday
        ("22:00-06:00", datetime(2026, 1, 7, 23, 0), True),
        ("22:00-06:00", datetime(2026, 1, 7, 5, 59), True),
        ("22:00-06:00", datetime(2026, 1, 7, 6, 0), False),
        ("22:00-06:00", datetime(2026, 1, 7, 12, 0), False),
        ("Fri 22:00-06:00", datetime(2026, 1, 10, 3, 0), True),  # Saturday morning, Friday night
        ("Fri 22:00-06:00", datetime(2026, 1, 10, 23, 0), False),  # Saturday night
        ("Fri 22:00-06:00", datetime(2026, 1, 9, 3, 0), False),  # Friday morning
        ("Fri-Mon 10:00-11:00", datetime(2026, 1, 11, 10, 30), True),  # wraps over Sunday
        ("Fri-Mon 10:00-11:00", datetime(2026, 1, 7, 10, 30), False),  # Wednesday
    ],
)
def test_windows(window: str, at: datetime, expected: bool) -> None:
    assert matches({"window": window}, file(), now=at.replace(tzinfo=UTC)) is expected


def test_window_uses_the_rule_timezone() -> None:
    match = {"window": "Mon-Fri 09:00-18:00", "timezone": "Asia/Shanghai"}
    # 02:00 UTC on Monday is 10:00 in Shanghai; 12:00 UTC is 20:00 there.
    assert matches(match, file(), now=datetime(2026, 1, 5, 2, 0, tzinfo=UTC))
    assert not matches(match, file(), now=datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    # Friday 23:00 UTC is already Saturday in Shanghai.
    assert not matches(match, file(), now=datetime(2026, 1, 9, 23, 0, tzinfo=UTC))


# --- plans ---------------------------------------------------------------------------------


def plan(rules: list[PublishedRule], target: DetectedFile, unmatched: str = "upload") -> Any:
    return plan_for(rules, target, labels={}, now=MONDAY_NOON, unmatched=unmatched)


def test_lowest_priority_number_wins_then_name() -> None:
    rules = published(
        rule(name="late", priority=50, pipeline=[{"verify": {}}]),
        rule(name="early", priority=5, pipeline=[{"upload": {"bucket": "early"}}]),
        rule(name="also-5", priority=5, pipeline=[{"upload": {"bucket": "also"}}]),
    )
    result = plan(rules, file())
    assert (result.rule_id, result.rule_name, result.rule_version) == (3, "also-5", 7)
    assert result.matched == ["also-5"]
    assert result.stages[0][0].options == UploadOptions(bucket="also")
    assert result.action == "run"


def test_non_matching_and_disabled_rules_are_skipped() -> None:
    rules = published(
        rule(name="a", priority=1, enabled=False),
        rule(name="b", priority=2, match={"suffixes": [".gz"]}),
        rule(name="c", priority=3, pipeline=[{"verify": {"read_back": True}}]),
    )
    result = plan(rules, file("x.hprof"))
    assert result.matched == ["c"]
    assert result.stages == [[StepPlan("verify", "verify", VerifyOptions(read_back=True))]]


def test_continue_appends_the_next_matches_until_one_stops() -> None:
    rules = published(
        rule(name="tag", priority=1, **{"continue": True}, pipeline=[{"upload": {}}]),
        rule(name="other", priority=2, match={"suffixes": [".gz"]}),
        rule(name="dumps", priority=3, pipeline=[{"upload": {}}, {"verify": {}}]),
        rule(name="never", priority=4),
    )
    result = plan(rules, file())
    assert (result.rule_id, result.rule_name) == (1, "tag")
    assert result.matched == ["tag", "dumps"]
    assert [[s.name for s in stage] for stage in result.stages] == [
        ["upload"],
        ["upload-2"],
        ["verify"],
    ]


def test_no_match_uploads_and_verifies_by_default() -> None:
    result = plan(published(rule(match={"suffixes": [".gz"]})), file())
    assert result.action == "run"
    assert (result.rule_id, result.rule_name, result.rule_version) == (None, "", None)
    assert result.matched == []
    assert [[(s.name, s.type) for s in stage] for stage in result.stages] == [
        [("upload", "upload")],
        [("verify", "verify")],
    ]
    assert result.stages == DEFAULT_STAGES
    assert all(s.retry == RetrySettings() for stage in result.stages for s in stage)
    result.stages[0][0].options = UploadOptions(bucket="mutated")
    assert DEFAULT_STAGES[0][0].options == UploadOptions()


def test_no_match_can_be_ignored() -> None:
    result = plan([], file(), unmatched="ignore")
    assert (result.stages, result.action, result.matched) == ([], "ignore", [])


def test_unknown_unmatched_action_is_refused() -> None:
    with pytest.raises(ValueError, match="unmatched must be one of"):
        plan([], file(), unmatched="drop")


def test_full_example_routes_a_matching_file() -> None:
    doc = copy.deepcopy(FULL)
    result = plan_for(
        published(doc), file(), labels={"env": "prod"}, now=MONDAY_NOON, unmatched="ignore"
    )
    assert result.rule_name == "heap-dumps"
    assert [len(stage) for stage in result.stages] == [1, 1, 2, 1]
    off_hours = datetime(2026, 1, 5, 20, 0, tzinfo=UTC)
    result = plan_for(
        published(doc), file(), labels={"env": "prod"}, now=off_hours, unmatched="ignore"
    )
    assert result.action == "ignore"
