// The dashboard and the daily report through TanStack Query, under the aggregates key that
// the live event stream refreshes (at most every few seconds) as tasks change.

import { keepPreviousData, queryOptions } from "@tanstack/react-query";

import { api, unwrap } from "../api/client";
import { AGGREGATE_KEY } from "../live/LiveUpdates";
import { dashboardQuery, type Period } from "./period";

export const overviewKeys = {
  dashboard: (period: Period) => [...AGGREGATE_KEY, "dashboard", period] as const,
  daily: (day: string | null) => [...AGGREGATE_KEY, "daily", day] as const,
};

export const dashboardQueryOptions = (period: Period) =>
  queryOptions({
    queryKey: overviewKeys.dashboard(period),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/dashboard", { params: { query: dashboardQuery(period) }, signal })),
    placeholderData: keepPreviousData,
  });

export const dailyReportQuery = (day: string | null) =>
  queryOptions({
    queryKey: overviewKeys.daily(day),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/reports/daily", {
          params: { query: day ? { date: day } : {} },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
