// The catalogues and the pure pieces of translation: choosing a language, filling placeholders.

import { en, type MessageKey } from "./en";
import { zh } from "./zh";

export const LANGUAGES = { en: "English", "zh-CN": "简体中文" } as const;
export type Language = keyof typeof LANGUAGES;
export const CATALOGUES: Record<Language, Record<MessageKey, string>> = { en, "zh-CN": zh };
export const LANGUAGE_KEY = "sluice.language";

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && Object.hasOwn(LANGUAGES, value);
}

/** The remembered language, else Chinese for a browser that prefers it, else English. */
export function initialLanguage(stored: string | null, preferred: readonly string[]): Language {
  if (isLanguage(stored)) return stored;
  return preferred.some((tag) => tag.toLowerCase().startsWith("zh")) ? "zh-CN" : "en";
}

export type Vars = Record<string, string | number>;

/** `template` with each {name} replaced by vars[name] (left as is when not given). */
export function fill(template: string, vars: Vars = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(vars, name) ? String(vars[name]) : whole,
  );
}

export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? "").sort();
}
