"""The metadata DB: SQLModel tables, migrations, and the writers and queries that the API
and the activities share.

Part of the kernel: it imports only `sluice` kernel modules, never `api`, `activities`,
`workflows` or `watcher`.
"""
