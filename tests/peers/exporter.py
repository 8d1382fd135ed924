"""A metrics endpoint Prometheus scrapes, whose series the test sets: a rule over them
fires while a series is 1 and resolves once it is 0, as a real exporter's would."""

from __future__ import annotations

from tests.peers.base import Answer, LoopbackServer, Request


class ExporterPeer(LoopbackServer):
    """Serves one gauge, `metric`, with a series per label set given to `set`."""

    def __init__(self, metric: str = "sluice_e2e_problem") -> None:
        self.metric = metric
        self._series: dict[tuple[tuple[str, str], ...], float] = {}
        super().__init__()

    @property
    def target(self) -> str:
        return self.url.removeprefix("http://")

    def set(self, value: float, *series: dict[str, str]) -> None:
        """Set each of `series` (label sets) to `value`, all in the same scrape."""
        with self.lock:
            for labels in series:
                self._series[tuple(sorted(labels.items()))] = value

    def handle(self, request: Request) -> Answer:
        if request.path != "/metrics":
            return Answer(404, "not found")
        with self.lock:
            series = dict(self._series)
        lines = [f"# TYPE {self.metric} gauge"]
        for labels, value in series.items():
            text = ",".join(f'{name}="{val}"' for name, val in labels)
            lines.append(f"{self.metric}{{{text}}} {value}")
        return Answer(200, "\n".join(lines) + "\n", {"Content-Type": "text/plain; version=0.0.4"})
