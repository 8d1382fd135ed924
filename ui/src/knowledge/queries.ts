// Knowledge entries through TanStack Query: a key factory, list, search, detail and versions
// options, and one mutation hook each for create, save (a new version) and publish. No polling:
// each mutation refreshes the keys it changes.

import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../api/client";

export type KnowledgeEntry = Schemas["KnowledgePublic"];
export type KnowledgeHit = Schemas["KnowledgeHit"];
export type KnowledgeVersion = Schemas["KnowledgeVersionPublic"];
export type KnowledgeStatus = "draft" | "published";
/** What the editor sends, create and update alike (`comment` only on a new version). */
export type KnowledgeDraft = Omit<Schemas["KnowledgeUpdate"], "comment"> & { comment?: string };

export const knowledgeKeys = {
  all: ["knowledge"] as const,
  lists: () => [...knowledgeKeys.all, "list"] as const,
  list: (status?: string, offset = 0, tag?: string) =>
    [...knowledgeKeys.lists(), status, offset, tag] as const,
  search: (q: string, status?: string) => [...knowledgeKeys.all, "search", q, status] as const,
  detail: (id: string) => [...knowledgeKeys.all, "detail", id] as const,
  versions: (id: string) => [...knowledgeKeys.detail(id), "versions"] as const,
};

const asStatus = (status?: string) =>
  status === "draft" || status === "published" ? status : undefined;

/** The most recently edited entries first (the API's order), a page of 50 from `offset`. */
export const KNOWLEDGE_PAGE = 50;
export const knowledgeListQuery = (status?: string, offset = 0, tag?: string) =>
  queryOptions({
    queryKey: knowledgeKeys.list(status, offset, tag),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/knowledge", {
          params: { query: { status: asStatus(status), tag, offset, limit: KNOWLEDGE_PAGE } },
          signal,
        }),
      ),
  });

/** The ranked matches for a question, each with where it came in each ranking. */
export const knowledgeSearchQuery = (q: string, status?: string) =>
  queryOptions({
    queryKey: knowledgeKeys.search(q, status),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/knowledge:search", {
          params: { query: { q, status: asStatus(status), limit: 20 } },
          signal,
        }),
      ),
  });

const entryPath = (id: string) => ({ params: { path: { entry_id: Number(id) } } });

export const knowledgeDetailQuery = (id: string) =>
  queryOptions({
    queryKey: knowledgeKeys.detail(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/knowledge/{entry_id}", { ...entryPath(id), signal })),
  });

export const knowledgeVersionsQuery = (id: string) =>
  queryOptions({
    queryKey: knowledgeKeys.versions(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/knowledge/{entry_id}/versions", { ...entryPath(id), signal })),
  });

function useKnowledgeMutation<A>(action: (args: A) => Promise<KnowledgeEntry>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: action,
    onSettled: () => queryClient.invalidateQueries({ queryKey: knowledgeKeys.all }),
  });
}

export function useCreateEntry() {
  return useKnowledgeMutation((draft: KnowledgeDraft) => {
    const { comment: _comment, ...body } = draft;
    return unwrap(
      api.POST("/api/v1/knowledge", {
        body: { ...body, status: "draft" } as Schemas["KnowledgeCreate"],
      }),
    );
  });
}

export function useSaveEntry(id: string) {
  return useKnowledgeMutation((draft: KnowledgeDraft) =>
    unwrap(
      api.PUT("/api/v1/knowledge/{entry_id}", {
        ...entryPath(id),
        body: draft as Schemas["KnowledgeUpdate"],
      }),
    ),
  );
}

export function usePublishEntry(id: string) {
  return useKnowledgeMutation(() =>
    unwrap(api.POST("/api/v1/knowledge/{entry_id}:publish", entryPath(id))),
  );
}
