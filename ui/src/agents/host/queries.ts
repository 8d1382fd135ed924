// An agent's files through its host queue: keys (all → dir(agent, path, cursor),
// tail(agent, path, lines), search(agent, path, query)), query options, and the two mutations
// (upload, analyse). Follow is an EventSource (follow.ts), not a query.

import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../../api/client";

export type DirPage = Schemas["HostDirPage"];
export type FileEntry = Schemas["HostFileEntry"];
export type HostLines = Schemas["HostLines"];
export type HostSearch = Schemas["HostSearch"];
export type FileAnalysis = Schemas["FileAnalysisPublic"];

export interface SearchQuery {
  q: string;
  regex: boolean;
}

export const hostKeys = {
  all: (agent: string) => ["agentFiles", agent] as const,
  dir: (agent: string, path: string, cursor: string) =>
    [...hostKeys.all(agent), "dir", path, cursor] as const,
  tail: (agent: string, path: string, lines: number) =>
    [...hostKeys.all(agent), "tail", path, lines] as const,
  search: (agent: string, path: string, query: SearchQuery) =>
    [...hostKeys.all(agent), "search", path, query] as const,
};

const agentPath = (agent: string) => ({ agent_id: agent });

export const dirQuery = (agent: string, path: string, cursor: string) =>
  queryOptions({
    queryKey: hostKeys.dir(agent, path, cursor),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/agents/{agent_id}/files", {
          params: { path: agentPath(agent), query: { path, cursor, limit: 100 } },
          signal,
        }),
      ),
    retry: false,
  });

export const tailQuery = (agent: string, path: string, lines: number) =>
  queryOptions({
    queryKey: hostKeys.tail(agent, path, lines),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/agents/{agent_id}/files/tail", {
          params: { path: agentPath(agent), query: { path, lines } },
          signal,
        }),
      ),
    retry: false,
    staleTime: Infinity, // refreshed on demand, or followed live
  });

export const searchQuery = (agent: string, path: string, query: SearchQuery) =>
  queryOptions({
    queryKey: hostKeys.search(agent, path, query),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/agents/{agent_id}/files/search", {
          params: { path: agentPath(agent), query: { path, q: query.q, regex: query.regex } },
          signal,
        }),
      ),
    retry: false,
    staleTime: Infinity,
  });

/** Upload a file now (a manual trigger); the listing then shows its task. */
export function useUploadFile(agent: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (path: string) =>
      unwrap(
        api.POST("/api/v1/agents/{agent_id}/files:upload", {
          params: { path: agentPath(agent) },
          body: { path },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: hostKeys.all(agent) }),
  });
}

/** Analyse a file now: the excerpt on the host, the LLM (or the built-in analyzer). */
export function useAnalyseFile(agent: string) {
  return useMutation({
    mutationFn: ({ path, language }: { path: string; language: string }) =>
      unwrap(
        api.POST("/api/v1/agents/{agent_id}/files:analyze", {
          params: { path: agentPath(agent), query: { language } },
          body: { path },
        }),
      ),
  });
}
