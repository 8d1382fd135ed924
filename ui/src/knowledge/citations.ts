// An answer's `[KB-n]` citations, split out so they can be rendered as links.

export type AnswerPart = { text: string } | { key: string; id: number };

/** Split an answer into text and `[KB-n]` citations of the entries it may cite. */
export function answerParts(answer: string, cited: ReadonlyMap<string, number>): AnswerPart[] {
  const parts: AnswerPart[] = [];
  let last = 0;
  for (const match of answer.matchAll(/\[(KB-\d+)\]/g)) {
    const key = match[1] ?? "";
    const id = cited.get(key);
    if (id === undefined) continue;
    if (match.index > last) parts.push({ text: answer.slice(last, match.index) });
    parts.push({ key, id });
    last = match.index + match[0].length;
  }
  if (last < answer.length) parts.push({ text: answer.slice(last) });
  return parts;
}
