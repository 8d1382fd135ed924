import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";

import { App } from "./App";
import { isRetryable } from "./api/errors";
import { I18nProvider } from "./i18n/I18n";
import { SessionProvider } from "./session/Session";
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

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <I18nProvider>
        <BrowserRouter>
          <SessionProvider bannerToken={bannerToken}>
            <App />
          </SessionProvider>
        </BrowserRouter>
      </I18nProvider>
    </QueryClientProvider>
  </StrictMode>,
);
