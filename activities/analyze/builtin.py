"""The built-in analyzer: error signatures and counts, used when no LLM answers."""

from __future__ import annotations

from sluice.actions import Analysis, Excerpt

SEVERITIES = ("info", "low", "medium", "high", "critical")

_KNOWN: dict[str, tuple[str, str, list[str]]] = {
    # signature: (severity, cause, suggestions)
    "java_oom": (
        "critical",
        "The JVM ran out of memory (java.lang.OutOfMemoryError).",
        [
            "Open the heap dump (Eclipse MAT, VisualVM) and look at the dominator tree",
            "Check for unbounded caches or collections; raise -Xmx only if usage is legitimate",
        ],
    ),
    "gc_overhead": (
        "critical",
        "Garbage collection used almost all CPU time while freeing little heap "
        "(GC overhead limit exceeded).",
        ["Look for a memory leak in the heap dump; review heap sizing and GC settings"],
    ),
    "heap_dump": (
        "high",
        "A heap dump was written (HeapDumpOnOutOfMemoryError).",
        ["Analyse the .hprof next to the log; it shows what filled the heap"],
    ),
    "oom_killer": (
        "critical",
        "The kernel OOM killer stopped a process.",
        ["Check the host's memory limits and the process's resident size"],
    ),
    "disk_full": (
        "high",
        "A disk filled up (No space left on device).",
        ["Free space or grow the volume; check log rotation"],
    ),
    "python_traceback": (
        "high",
        "A Python exception was raised and not handled.",
        ["Read the last frame of the traceback and the exception message"],
    ),
    "nginx_upstream_timeout": (
        "high",
        "nginx timed out waiting for an upstream server.",
        ["Check the upstream's latency and proxy_read_timeout"],
    ),
    "nginx_upstream_refused": (
        "high",
        "nginx could not connect to an upstream server (connection refused).",
        ["Check that the upstream service is running and listening on the configured port"],
    ),
    "nginx_no_live_upstreams": (
        "critical",
        "nginx had no live upstream servers left.",
        ["Check the health of every upstream in the pool"],
    ),
    "connection_refused": (
        "medium",
        "A connection to a dependency was refused.",
        ["Check that the dependency is up and reachable from this host"],
    ),
}


def builtin_analysis(
    excerpt: Excerpt, *, error_class: str = "", elapsed_ms: int = 0, retries: int = 0
) -> Analysis:
    """An Analysis from the host's findings; `degraded` with `error_class` when it stands in
    (after `retries` more LLM requests than the first)."""
    f = excerpt.findings
    errors = f.levels.get("ERROR", 0) + f.levels.get("FATAL", 0)
    warnings = f.levels.get("WARN", 0)
    known = [s for s in f.signatures if s in _KNOWN]
    severity = "info"
    causes: list[str] = []
    suggestions: list[str] = []
    for name in known:
        level, cause, advice = _KNOWN[name]
        severity = max(severity, level, key=SEVERITIES.index)
        causes.append(cause)
        suggestions.extend(a for a in advice if a not in suggestions)
    error_lines = sum(int(count) for count, _ in f.top_errors)
    if not known and (errors or error_lines):
        severity = "medium" if errors < 10 else "high"
        causes.append("Errors were logged; see the most repeated ones.")
    elif not known and warnings:
        severity = "low"
    if "java_stack_trace" in f.signatures and not causes:
        causes.append("A Java exception with a stack trace was logged.")
    key_errors = [f"{line} (x{count})" if count != "1" else line for count, line in f.top_errors]
    counts = ", ".join(f"{n} {level}" for level, n in sorted(f.levels.items()))
    if severity == "info":
        summary = f"No errors found in {f.total_lines} lines" + (f" ({counts})." if counts else ".")
    else:
        top = f.exception_types[0] if f.exception_types else (f.first_error[:160] or "errors")
        summary = (
            f"{severity.capitalize()}: {causes[0] if causes else 'errors logged'} "
            f"First sign: {top}. {f.total_lines} lines ({counts or 'no levels'})."
        )
    confidence = 0.7 if known else 0.4 if severity != "info" else 0.6
    return Analysis(
        summary=summary,
        severity=severity,
        key_errors=key_errors[:5],
        causes=causes[:5],
        suggestions=suggestions[:5],
        confidence=confidence,
        used_lines=excerpt.used_lines,
        truncated=excerpt.truncated,
        elapsed_ms=elapsed_ms,
        retries=retries,
        degraded=bool(error_class),
        error_class=error_class,
        model="builtin",
    )
