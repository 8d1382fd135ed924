"""The alert decision kernel: label matchers, the routing document (routes, inhibition rules,
escalation policies), silences, and the pure functions that decide which route, group,
silence or inhibition applies to a label set. No I/O: the API validates and tests with
these, the store keeps their documents, and the group workflow's activities apply them."""
