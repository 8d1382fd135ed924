// The audit log through TanStack Query: keys (all → lists → list(filters, cursor)).

import { queryOptions } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../api/client";
import type { Filters } from "../shared/urlView";

export type AuditRow = Schemas["AuditLogPublic"];
export const AUDIT_FILTERS = ["actor", "action", "resource_type", "since"] as const;
export type AuditFilters = Filters<(typeof AUDIT_FILTERS)[number]>;

export const auditKeys = {
  all: ["audit"] as const,
  lists: () => [...auditKeys.all, "list"] as const,
  list: (filters: AuditFilters, cursor?: string) =>
    [...auditKeys.lists(), filters, cursor] as const,
};

export const auditListQuery = (filters: AuditFilters, cursor?: string) =>
  queryOptions({
    queryKey: auditKeys.list(filters, cursor),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/audit-logs", {
          params: { query: { ...filters, limit: 50, ...(cursor ? { cursor } : {}) } },
          signal,
        }),
      ),
  });
