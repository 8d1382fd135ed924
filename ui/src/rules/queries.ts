// Routing rules through TanStack Query (the task filters and task detail name them).

import { queryOptions } from "@tanstack/react-query";

import { api, unwrap } from "../api/client";

export const ruleKeys = {
  all: ["rules"] as const,
  lists: () => [...ruleKeys.all, "list"] as const,
};

export const ruleListQuery = () =>
  queryOptions({
    queryKey: ruleKeys.lists(),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/rules", { signal })),
    staleTime: 60_000,
  });
