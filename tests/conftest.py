"""Shared pytest plugins: real servers, databases and loopback HTTP peers."""

pytest_plugins = [
    "tests.fixtures.servers",
    "tests.fixtures.database",
    "tests.fixtures.http",
    "tests.peers.fixtures",
]
