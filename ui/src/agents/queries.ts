// Agents through TanStack Query (the task filters list them).

import { queryOptions } from "@tanstack/react-query";

import { api, unwrap } from "../api/client";

export const agentKeys = {
  all: ["agents"] as const,
  lists: () => [...agentKeys.all, "list"] as const,
};

export const agentListQuery = () =>
  queryOptions({
    queryKey: agentKeys.lists(),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/agents", { signal })),
    staleTime: 60_000,
  });
