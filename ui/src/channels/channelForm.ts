// A channel's form and the API's bodies. Secrets are write-only: the API says only which are
// set (`secrets_set`); a blank secret field keeps what is stored. A PUT's `secrets` replaces
// all of them, so a change to one secret must restate the others that are set (the form
// says so instead of silently dropping one).

import { parseDocument } from "yaml";

import type { Schemas } from "../api/client";
import { toYaml } from "../rules/ruleYaml";

export type Channel = Schemas["ChannelPublic"];
export type ChannelCreate = Schemas["ChannelCreate"];
export type ChannelUpdate = Schemas["ChannelUpdate"];

/** Each channel type's secrets (sluice/channels.py). */
export const SECRET_NAMES: Record<string, readonly string[]> = {
  dingtalk: ["url", "secret"],
  wecom: ["url"],
  slack: ["url"],
  email: ["password"],
  webhook: ["secret"],
};
export const CHANNEL_TYPES = Object.keys(SECRET_NAMES);

const CONFIG_TEMPLATES: Record<string, string> = {
  dingtalk: "at_mobiles: []\nat_all: false\n",
  wecom: "mentioned_mobiles: []\n",
  slack: "{}\n",
  email: "to: []\n",
  webhook: "url: https://\nheaders: {}\n",
};

export interface ChannelDraft {
  name: string;
  type: string;
  enabled: boolean;
  /** The config as YAML (or JSON). */
  config: string;
  /** Typed secret values; "" keeps the stored one. */
  secrets: Record<string, string>;
}

export type Built<T> =
  { ok: true; body: T } | { ok: false; problem: "config" | "secretsTogether"; detail: string };

export function secretNames(type: string, channel?: Channel): readonly string[] {
  return SECRET_NAMES[type] ?? channel?.secrets_set ?? [];
}

export function configTemplate(type: string): string {
  return CONFIG_TEMPLATES[type] ?? "{}\n";
}

/** The form for a new channel (no argument) or for changing `channel`: secrets start blank. */
export function draftOf(channel?: Channel): ChannelDraft {
  if (!channel) {
    return {
      name: "",
      type: "webhook",
      enabled: true,
      config: configTemplate("webhook"),
      secrets: {},
    };
  }
  const config = channel.config ?? {};
  return {
    name: channel.name,
    type: channel.type,
    enabled: channel.enabled ?? true,
    config: Object.keys(config).length > 0 ? toYaml(config) : "{}\n",
    secrets: {},
  };
}

function parseConfig(text: string): Built<Record<string, unknown>> {
  const doc = parseDocument(text.trim() === "" ? "{}" : text);
  if (doc.errors.length > 0) {
    return { ok: false, problem: "config", detail: doc.errors[0]?.message.split("\n")[0] ?? "" };
  }
  const value: unknown = doc.toJS();
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, problem: "config", detail: "not a mapping" };
  }
  return { ok: true, body: value as Record<string, unknown> };
}

function typedSecrets(draft: ChannelDraft): Record<string, string> {
  const typed: Record<string, string> = {};
  for (const name of secretNames(draft.type)) {
    const value = draft.secrets[name] ?? "";
    if (value !== "") typed[name] = value;
  }
  return typed;
}

export function createBody(draft: ChannelDraft): Built<ChannelCreate> {
  const config = parseConfig(draft.config);
  if (!config.ok) return config;
  return {
    ok: true,
    body: {
      name: draft.name.trim(),
      type: draft.type,
      enabled: draft.enabled,
      config: config.body,
      secrets: typedSecrets(draft),
    },
  };
}

/** The PUT body: no `secrets` when none was typed (all stored ones stay); otherwise the
 * typed ones, refused when a secret that is set would be dropped by being left blank. */
export function updateBody(draft: ChannelDraft, channel: Channel): Built<ChannelUpdate> {
  const config = parseConfig(draft.config);
  if (!config.ok) return config;
  const body: ChannelUpdate = {
    name: draft.name.trim(),
    enabled: draft.enabled,
    config: config.body,
  };
  const typed = typedSecrets(draft);
  if (Object.keys(typed).length === 0) return { ok: true, body };
  const dropped = (channel.secrets_set ?? []).filter((name) => !(name in typed));
  if (dropped.length > 0) {
    return { ok: false, problem: "secretsTogether", detail: dropped.join(", ") };
  }
  return { ok: true, body: { ...body, secrets: typed } };
}
