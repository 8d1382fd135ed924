// A list page's view in the URL (its filters and keyset cursor), so it can be shared; Previous
// walks back along the cursors this tab came through (kept in the history entry's state).

import { useMemo } from "react";
import { useLocation, useNavigate, useSearchParams } from "react-router";

export type Filters<K extends string> = Partial<Record<K, string>>;

/** The non-empty values of `keys` in a query string (trimmed); other parameters are ignored. */
export function pickFilters<K extends string>(
  search: URLSearchParams,
  keys: readonly K[],
): Filters<K> {
  const filters: Filters<K> = {};
  for (const key of keys) {
    const value = search.get(key)?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

/** The query string of filters and a cursor, in `keys` order, empty values left out. */
export function searchOf<K extends string>(
  keys: readonly K[],
  filters: Filters<K>,
  cursor?: string,
): URLSearchParams {
  const search = new URLSearchParams();
  for (const key of keys) {
    const value = filters[key]?.trim();
    if (value) search.set(key, value);
  }
  if (cursor) search.set("cursor", cursor);
  return search;
}

interface PagingState {
  trail?: string[];
}

export function useUrlView<K extends string>(keys: readonly K[]) {
  const [search] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const filters = useMemo(() => pickFilters(search, keys), [search, keys]);
  const cursor = search.get("cursor") || undefined;
  const trail = (location.state as PagingState | null)?.trail ?? [];

  const go = (next: Filters<K>, nextCursor: string | undefined, nextTrail: string[]) =>
    navigate(
      { search: searchOf(keys, next, nextCursor).toString() },
      { state: { trail: nextTrail } },
    );

  return {
    filters,
    cursor,
    /** Show other filters, from the newest page. */
    apply: (next: Filters<K>) => go(next, undefined, []),
    /** Props for the Pager, given the page's `next_cursor`. */
    pager: (nextCursor: string | null | undefined) => ({
      atNewest: !cursor,
      canGoBack: trail.length > 0,
      nextCursor,
      onNewest: () => go(filters, undefined, []),
      onPrevious: () => go(filters, trail.at(-1) || undefined, trail.slice(0, -1)),
      onNext: (to: string) => go(filters, to, [...trail, cursor ?? ""]),
    }),
  };
}
