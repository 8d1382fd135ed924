// A cold load of a task page starts its data at once, alongside the session check, rather
// than after it and the first render: the page then finds the answer in the cache (or in
// flight). Signed out, the prefetch gets a 401 that changes nothing (the session is still
// being checked) and the page asks again once signed in.

import type { QueryClient } from "@tanstack/react-query";

import { viewFromSearch } from "./filters";
import { taskDetailQuery, taskListQuery } from "./queries";

export function prefetchTaskPage(queryClient: QueryClient, where: Location): void {
  const path = where.pathname.replace(/\/+$/, "");
  if (path === "/tasks") {
    void queryClient.prefetchQuery(
      taskListQuery(viewFromSearch(new URLSearchParams(where.search))),
    );
    return;
  }
  const id = /^\/tasks\/([^/]+)$/.exec(path)?.[1];
  if (id) void queryClient.prefetchQuery(taskDetailQuery(decodeURIComponent(id)));
}
