// Light or dark: the system's choice (prefers-color-scheme) unless the person picked one,
// remembered in localStorage and applied as <html data-theme> (styles.css reads it).

export const THEMES = ["system", "light", "dark"] as const;
export type Theme = (typeof THEMES)[number];
const THEME_KEY = "sluice.theme";

export function storedTheme(): Theme {
  const value = localStorage.getItem(THEME_KEY);
  return (THEMES as readonly string[]).includes(value ?? "") ? (value as Theme) : "system";
}

export function applyTheme(theme: Theme): void {
  if (theme === "system") {
    localStorage.removeItem(THEME_KEY);
    delete document.documentElement.dataset.theme;
  } else {
    localStorage.setItem(THEME_KEY, theme);
    document.documentElement.dataset.theme = theme;
  }
}
