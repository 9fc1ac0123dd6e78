/**
 * Recommendations from past interactions (purchases): which items to show an
 * entity (a customer), best first.
 *
 * - popularity: every entity gets the items most entities interacted with.
 *   The baseline a ranker must beat.
 * - co-purchase: item-to-item collaborative filtering. Two items are as
 *   similar as the cosine of their entity vectors (binary: did the entity
 *   interact with the item): co(i, j) / sqrt(n(i) · n(j)), with co(i, j) the
 *   entities that interacted with both and n(i) those with i. An entity's
 *   score for item j is the sum of j's similarities to the items of its
 *   history; an item of its history counts its own similarity, 1, so what an
 *   entity came back for before ranks first. Items no history item reaches
 *   (score 0), and every item for an entity without history, follow in
 *   popularity order: the list is always k long.
 *
 * Ties are broken the same way everywhere, so the same interactions give the
 * same lists on any machine and in the scikit-learn reference
 * (bench/compare-sklearn.py): scores are compared at 9 decimals (a sum of
 * floating-point similarities differs in its last bits by summation order),
 * then the more popular item first, then item names in code-point order.
 * No library is used: the options on npm are unmaintained or need a service,
 * and this is a few loops over a sparse co-occurrence count.
 */

export interface RankerModel {
  readonly kind: 'co-purchase' | 'popularity';
  /** Every item seen, most popular first, ties by name: the order of the top-up and of every tie. */
  readonly items: readonly string[];
  /** Entities that interacted with each item, in `items` order. */
  readonly popularity: readonly number[];
  /** Entities learned from (those with at least one interaction). */
  readonly entities: number;
  /**
   * co-purchase: per item (by index in `items`), the other items sharing an
   * entity with it, as [index, cosine similarity], most similar first.
   * popularity: empty.
   */
  readonly neighbours: readonly (readonly (readonly [number, number])[])[];
}

/** An entity's recommended item, best first. */
export interface Recommendation {
  readonly item: string;
  /** co-purchase: the summed similarity to the entity's history, 0 for a top-up; popularity: the item's share of entities. */
  readonly score: number;
  /** history: reached from the entity's own interactions; popularity: a top-up (or the popularity model). */
  readonly basis: 'history' | 'popularity';
}

/** Entity -> the distinct items it interacted with. */
export type Histories = ReadonlyMap<string, ReadonlySet<string>>;

/** Histories from (entity, item) pairs; repeated pairs count once. */
export function historiesOf(entities: readonly string[], items: readonly string[]): Map<string, Set<string>> {
  if (entities.length !== items.length) throw new RangeError(`there are ${entities.length} entities and ${items.length} items`);
  const histories = new Map<string, Set<string>>();
  for (let row = 0; row < entities.length; row += 1) {
    let history = histories.get(entities[row]!);
    if (!history) histories.set(entities[row]!, (history = new Set()));
    history.add(items[row]!);
  }
  return histories;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Items by popularity (distinct entities), most popular first, ties by name. */
function popularityOrder(histories: Histories): { items: string[]; popularity: number[] } {
  const counts = new Map<string, number>();
  for (const history of histories.values()) for (const item of history) counts.set(item, (counts.get(item) ?? 0) + 1);
  const items = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || byName(a, b));
  return { items, popularity: items.map((item) => counts.get(item)!) };
}

function learnedFrom(histories: Histories): number {
  let entities = 0;
  for (const history of histories.values()) if (history.size > 0) entities += 1;
  if (entities === 0) throw new RangeError('no interactions to learn from: every history is empty');
  return entities;
}

export function trainPopularity(histories: Histories): RankerModel {
  const entities = learnedFrom(histories);
  return { kind: 'popularity', ...popularityOrder(histories), entities, neighbours: [] };
}

export function trainCoPurchase(histories: Histories): RankerModel {
  const entities = learnedFrom(histories);
  const { items, popularity } = popularityOrder(histories);
  const index = new Map(items.map((item, position) => [item, position]));
  // Sparse upper-triangle counts keyed i * n + j (i < j): an entity's history is short, the item catalogue need not be.
  const n = items.length;
  const together = new Map<number, number>();
  for (const history of histories.values()) {
    const positions = [...history].map((item) => index.get(item)!).sort((a, b) => a - b);
    for (let a = 0; a < positions.length; a += 1) {
      for (let b = a + 1; b < positions.length; b += 1) {
        const key = positions[a]! * n + positions[b]!;
        together.set(key, (together.get(key) ?? 0) + 1);
      }
    }
  }
  const neighbours: [number, number][][] = items.map(() => []);
  for (const [key, count] of together) {
    const i = Math.floor(key / n);
    const j = key % n;
    const similarity = count / Math.sqrt(popularity[i]! * popularity[j]!);
    neighbours[i]!.push([j, similarity]);
    neighbours[j]!.push([i, similarity]);
  }
  for (const list of neighbours) list.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return { kind: 'co-purchase', items, popularity, entities, neighbours };
}

/** Scores compared at this many decimals: equal sums reached in another order are ties, not a coin toss. */
const SCORE_DECIMALS = 9;
const rounded = (score: number) => Math.round(score * 10 ** SCORE_DECIMALS) / 10 ** SCORE_DECIMALS;

// Scoring asks for every entity's list from one model: its item index is built once, not per list.
const POSITIONS = new WeakMap<RankerModel, ReadonlyMap<string, number>>();
function positionsOf(model: RankerModel): ReadonlyMap<string, number> {
  let positions = POSITIONS.get(model);
  if (!positions) POSITIONS.set(model, (positions = new Map(model.items.map((item, index) => [item, index]))));
  return positions;
}

/** The `k` items to show an entity with this history (items the model never saw are ignored), best first. */
export function recommend(model: RankerModel, history: Iterable<string>, k: number): Recommendation[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a whole number of items, at least 1; got ${k}`);
  const chosen: Recommendation[] = [];
  const taken = new Set<number>();
  if (model.kind === 'co-purchase') {
    const position = positionsOf(model);
    const scores = new Map<number, number>();
    for (const item of new Set(history)) {
      const i = position.get(item);
      if (i === undefined) continue;
      scores.set(i, (scores.get(i) ?? 0) + 1);
      for (const [j, similarity] of model.neighbours[i]!) scores.set(j, (scores.get(j) ?? 0) + similarity);
    }
    // Item index order is popularity then name: the tie-break after the score.
    const ranked = [...scores].map(([i, score]) => [i, rounded(score)] as const).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    for (const [i, score] of ranked.slice(0, k)) {
      chosen.push({ item: model.items[i]!, score, basis: 'history' });
      taken.add(i);
    }
  }
  for (let i = 0; i < model.items.length && chosen.length < k; i += 1) {
    if (taken.has(i)) continue;
    const score = model.kind === 'popularity' ? rounded(model.popularity[i]! / model.entities) : 0;
    chosen.push({ item: model.items[i]!, score, basis: 'popularity' });
  }
  return chosen;
}
