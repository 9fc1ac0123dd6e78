/** Edits (insert, delete, substitute) between two words. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The known word a mistyped one most likely meant: within a third of its
 * length in edits (at least 2), or the start of it (`--environment` for
 * `--env`). Undefined when nothing is close.
 */
export function closestOf(typed: string, known: readonly string[]): string | undefined {
  const scored = known
    .map((word) => ({ word, edits: distance(typed, word) }))
    .filter(({ word, edits }) => edits <= Math.max(2, Math.floor(typed.length / 3)) || (word.length >= 3 && typed.startsWith(word)))
    .sort((a, b) => a.edits - b.edits);
  return scored[0]?.word;
}

/** `; did you mean x?` or nothing. */
export function didYouMean(typed: string, known: readonly string[]): string {
  const closest = closestOf(typed, known);
  return closest ? `; did you mean ${closest}?` : '';
}
