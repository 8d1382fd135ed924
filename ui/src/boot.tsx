// The React app, loaded by main.tsx once the page's data has been asked for: fetching and
// evaluating React and the pages then overlaps with the API calls rather than preceding them.

import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";

import { App } from "./App";
import { I18nProvider } from "./i18n/I18n";
import { SessionProvider } from "./session/Session";

export function boot(queryClient: QueryClient, bannerToken: string | undefined): void {
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
}
