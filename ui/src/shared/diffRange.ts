// Which versions a versions panel's diff can compare, and the pair it opens on.

/** The versions the diff's selects offer, newest first; 0 ("nothing yet") last when `fromNothing`. */
export function diffChoices(versions: readonly number[], fromNothing: boolean): number[] {
  return fromNothing ? [...versions, 0] : [...versions];
}

/** The pair the diff opens on: the newest version against the one before it. A first version
 * is compared with nothing (v0) when `fromNothing`, else with itself (no differences). */
export function initialDiff(
  versions: readonly number[],
  fromNothing: boolean,
): { from: number; to: number } {
  const to = versions[0] ?? (fromNothing ? 0 : 1);
  return { from: versions[1] ?? (fromNothing ? 0 : to), to };
}
