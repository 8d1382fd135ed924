// File events through TanStack Query: keys (all → lists → list(view) → detail(id)) and query
// options. The live stream refreshes them with the tasks (a file's runs are tasks).

import { queryOptions } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../api/client";
import type { Filters } from "../shared/urlView";

export type FileEvent = Schemas["FileEventSummary"];
export type FileDetail = Schemas["FileEventDetail"];
export const FILE_FILTERS = ["agent_id", "path", "detected_from", "detected_to"] as const;
export type FileFilters = Filters<(typeof FILE_FILTERS)[number]>;
export const FILE_PAGE_SIZE = 50;

export const fileKeys = {
  all: ["files"] as const,
  lists: () => [...fileKeys.all, "list"] as const,
  list: (filters: FileFilters, cursor?: string) => [...fileKeys.lists(), filters, cursor] as const,
  detail: (id: string) => [...fileKeys.all, "detail", id] as const,
};

export const fileListQuery = (filters: FileFilters, cursor?: string) =>
  queryOptions({
    queryKey: fileKeys.list(filters, cursor),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/file-events", {
          params: { query: { ...filters, limit: FILE_PAGE_SIZE, ...(cursor ? { cursor } : {}) } },
          signal,
        }),
      ),
  });

export const fileDetailQuery = (id: string) =>
  queryOptions({
    queryKey: fileKeys.detail(id),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/file-events/{file_event_id}", {
          params: { path: { file_event_id: id } },
          signal,
        }),
      ),
  });
