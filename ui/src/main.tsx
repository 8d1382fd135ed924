// The console's entry: small on purpose. It takes a banner token out of the address bar,
// applies the theme and asks for the page's data, then loads React and the pages (boot.tsx),
// whose download and evaluation overlap with the API calls.

import { QueryClient } from "@tanstack/react-query";

import { isRetryable } from "./api/errors";
import { takeTokenFromUrl } from "./session/hashToken";
import { prefetchTaskPage } from "./tasks/prefetch";
import { applyTheme, storedTheme } from "./theme/theme";
import "./styles.css";

// First of all: a banner link's `#token=` leaves the address bar before anything renders.
const bannerToken = takeTokenFromUrl(window.location, window.history);
applyTheme(storedTheme());

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (failures, error) => failures < 2 && isRetryable(error),
      staleTime: 2_000,
    },
  },
});

if (!bannerToken) prefetchTaskPage(queryClient, window.location);

void import("./boot").then(({ boot }) => boot(queryClient, bannerToken));
