# ruff: noqa: RUF001  (Chinese text uses full-width punctuation)
"""Seeding the knowledge benchmark: the labelled set through the product's import, then
generated Chinese and English distractors in bulk, indexed by the product's index writer.

The distractors are made from templates and an operations vocabulary that overlaps the
labelled set's (disks, memory, certificates, DNS, Kafka, databases...), so they compete
for the same words, as a real knowledge base's other entries would. The same entries
every run (a seeded generator); tokens are computed once and reused for both databases.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from rich.progress import Progress
from sqlmodel import Session, SQLModel

from api.services import knowledge as service
from sluice.knowledge.signature import normalise_error, signature_key
from store import knowledge_index
from store.db import make_engine
from store.models.knowledge import KnowledgeEntry

DATA = Path(__file__).parent.parent / "tests" / "data" / "knowledge"
BATCH = 5_000
END = datetime(2026, 11, 20, tzinfo=UTC)

# (English component, Chinese component, alert name)
COMPONENTS = [
    ("disk", "磁盘", "DiskFull"), ("inode", "inode", "InodeExhausted"),
    ("memory", "内存", "HighMemory"), ("JVM heap", "JVM 堆", "JvmHeapHigh"),
    ("pod", "容器", "KubePodCrashLooping"), ("node", "节点", "NodeNotReady"),
    ("TLS certificate", "TLS 证书", "CertExpiring"), ("DNS resolver", "DNS 解析", "DnsFailures"),
    ("Kafka consumer", "Kafka 消费者", "KafkaConsumerLag"), ("Redis", "Redis", "RedisDown"),
    ("MySQL replica", "MySQL 从库", "MysqlReplicationLag"),
    ("PostgreSQL", "PostgreSQL", "PostgresTooManyConnections"),
    ("nginx upstream", "nginx 上游", "Nginx5xx"), ("etcd", "etcd", "EtcdHighLatency"),
    ("Elasticsearch", "Elasticsearch", "EsClusterRed"), ("RabbitMQ queue", "RabbitMQ 队列",
    "RabbitQueueBacklog"), ("load balancer", "负载均衡", "LbUnhealthy"),
    ("cron job", "定时任务", "CronJobFailed"), ("NFS mount", "NFS 挂载", "NfsStale"),
    ("network interface", "网卡", "NicErrors"),
]  # fmt: skip
# (English problem, Chinese problem, error text)
PROBLEMS = [
    ("high latency", "延迟升高", "request took {n} ms, deadline exceeded"),
    ("connection refused", "连接被拒绝", "dial tcp 10.0.{n}.7:6379: connect: connection refused"),
    ("timeout", "超时", "read timeout after {n} seconds"),
    ("memory leak", "内存泄漏", "RSS grew to {n} MiB"),
    ("running out of space", "空间不足", "write failed: {n} bytes, device almost full"),
    ("crash loop", "反复重启", "Back-off restarting failed container, restart count {n}"),
    ("replication lag", "同步延迟", "Seconds_Behind_Master: {n}"),
    ("expired credentials", "凭据过期", "token expired {n} minutes ago"),
    ("slow queries", "慢查询", "query took {n} ms: SELECT * FROM orders"),
    ("too many open files", "文件句柄耗尽", "accept: too many open files ({n})"),
    ("packet loss", "丢包", "{n}% packet loss"), ("high CPU", "CPU 使用率高", "cpu usage {n}%"),
    ("permission denied", "权限不足", "open /data/{n}.lock: permission denied"),
    ("backlog growing", "积压增长", "backlog {n} messages"),
]  # fmt: skip
CAUSES_EN = [
    "A deploy changed the {c} configuration and the new limit is too low.",
    "Traffic on {s} doubled after a marketing campaign and {c} was not scaled.",
    "A batch job on {s} runs at the same time as the nightly backup.",
    "The {c} client library has a known bug in version {v}.",
    "A noisy neighbour on the same host starves {c} of resources.",
]
CAUSES_ZH = [
    "发布时修改了 {c} 的配置，新的限制值过低。", "{s} 流量在活动后翻倍，{c} 没有扩容。",
    "{s} 的批处理任务与夜间备份同时运行。", "{c} 客户端库 {v} 版本有已知缺陷。",
    "同一主机上的其他服务抢占了 {c} 的资源。",
]  # fmt: skip
STEPS_EN = [
    "Check the {c} dashboard for {s}", "Roll back the last deploy of {s}",
    "Scale {s} out by two replicas", "Restart the {c} process on the affected host",
    "Raise the {c} limit in the Helm values", "Open a ticket with the {c} owners",
]  # fmt: skip
STEPS_ZH = [
    "查看 {s} 的 {c} 监控面板", "回滚 {s} 最近一次发布", "将 {s} 扩容两个副本",
    "在受影响主机上重启 {c} 进程", "在 Helm values 中调高 {c} 限制", "联系 {c} 负责团队处理",
]  # fmt: skip
TEAMS = ["order", "payment", "user", "search", "inventory", "billing", "gateway", "report",
         "notify", "risk", "catalog", "auth"]  # fmt: skip


def labelled() -> tuple[str, list[dict[str, Any]], list[str]]:
    """The labelled set: its entries document, its questions, and its entries' ids (KB-n)."""
    text = (DATA / "entries.yaml").read_text()
    ids = [item["id"] for item in yaml.safe_load(text)["entries"]]
    questions = yaml.safe_load((DATA / "questions.yaml").read_text())["questions"]
    return text, questions, ids


def distractors(n: int, first_id: int) -> Iterator[KnowledgeEntry]:
    """`n` generated entries with ids from `first_id`: 60% Chinese, 40% English, 95%
    published, a third with a signature and a fifth with label matchers."""
    rng = random.Random(7)
    for i in range(n):
        en_c, zh_c, alertname = rng.choice(COMPONENTS)
        en_p, zh_p, error = rng.choice(PROBLEMS)
        service = f"{rng.choice(TEAMS)}-svc-{rng.randrange(60)}"
        number = rng.randrange(2, 5000)
        error = error.format(n=number)
        version = f"{rng.randrange(1, 9)}.{rng.randrange(20)}.{rng.randrange(10)}"
        fill = {"c": en_c, "s": service, "v": version}
        steps = rng.sample(STEPS_EN, 3)
        if rng.random() < 0.6:
            fill["c"] = zh_c
            title = f"{service} {zh_c}{zh_p}（{rng.choice(['生产', '预发', '测试'])}环境）"
            symptoms = (
                f"{service} 的 {zh_c}出现{zh_p}，日志报错：{error}。告警持续 {number % 60} 分钟。"
            )
            cause = rng.choice(CAUSES_ZH).format(**fill)
            steps = rng.sample(STEPS_ZH, 3)
        else:
            title = f"{en_c.capitalize()} {en_p} on {service}"
            symptoms = (
                f"{service} reports {en_p} in {en_c}: {error}. Alert fired for {number % 60} min."
            )
            cause = rng.choice(CAUSES_EN).format(**fill)
        resolution = "\n".join(f"{k}. {step.format(**fill)}" for k, step in enumerate(steps, 1))
        signed = rng.random() < 0.33
        sig_error = normalise_error(error) if signed else ""
        sig_alertname = alertname if signed else ""
        sig_service = service if signed and rng.random() < 0.5 else ""
        at = END - timedelta(days=365 * (n - i) / n)
        published = rng.random() < 0.95
        yield KnowledgeEntry(
            id=first_id + i,
            title=title,
            symptoms=symptoms,
            cause=cause,
            resolution=resolution,
            tags=[en_c.split()[0].lower(), rng.choice(TEAMS)],
            matchers=[f'alertname="{alertname}"'] if rng.random() < 0.2 else [],
            sig_alertname=sig_alertname,
            sig_service=sig_service,
            sig_error=sig_error,
            signature=signature_key(sig_alertname, sig_service, sig_error),
            author="bench",
            updated_by="bench",
            status="published" if published else "draft",
            published_version=1 if published else None,
            published_at=at if published else None,
            published_by="bench" if published else "",
            created_at=at,
            updated_at=at,
        )


def tokenised(n: int, first_id: int, progress: Progress) -> list[tuple[dict[str, Any], Any]]:
    """The distractors as table rows with their index tokens (computed once, for both DBs)."""
    bar = progress.add_task(f"generating + segmenting {n:,}", total=n)
    out = []
    for entry in distractors(n, first_id):
        out.append((entry.model_dump(), knowledge_index.entry_tokens(entry)))
        progress.advance(bar)
    return out


def seed(url: str, rows: list[tuple[dict[str, Any], Any]], progress: Progress) -> dict[str, int]:
    """Import the labelled set (the product's import, one entry at a time), then insert the
    distractors in batches (Core executemany) and index them (`knowledge_index.write_many`).
    Returns each labelled document id's id in this database."""
    text, _questions, doc_ids = labelled()
    table = SQLModel.metadata.tables["knowledge_entries"]
    engine = make_engine(url)
    bar = progress.add_task(f"seeding {engine.dialect.name} ({len(rows):,})", total=len(rows))
    try:
        with Session(engine) as session:
            saved = service.import_entries(session, fmt="yaml", text=text, actor="bench")
            ids = {doc: entry.id or 0 for doc, entry in zip(doc_ids, saved, strict=True)}
        with Session(engine) as session:
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                session.execute(table.insert(), [row for row, _ in batch])
                knowledge_index.write_many(session, [indexed for _, indexed in batch])
                session.commit()
                progress.advance(bar, len(batch))
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.exec_driver_sql(
                    "SELECT setval('knowledge_entries_id_seq', "
                    "(SELECT max(id) FROM knowledge_entries))"
                )
                conn.commit()
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE knowledge_entries")
                conn.exec_driver_sql("VACUUM ANALYZE knowledge_fts")
        else:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA optimize")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    return ids
