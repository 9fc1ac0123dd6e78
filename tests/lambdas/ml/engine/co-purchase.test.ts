/**
 * The co-purchase recommender and its popularity baseline as a specification,
 * on histories small enough to compute by hand: the cosine of two items'
 * customer sets, the summed score of a history, the order of ties, the
 * popularity top-up; and hit rate, precision and recall at k.
 */
import { describe, expect, it } from 'vitest';
import { historiesOf, recommend, trainCoPurchase, trainPopularity } from '../../../../lambdas/ml/engine/co-purchase.ts';
import { rankingAtK } from '../../../../lambdas/ml/engine/metrics.ts';

// Five customers; the pairs repeat on purpose (two orders of the same category count once).
//   ana: sofa, bath        bea: sofa, bath, toys     cid: sofa
//   dan: toys, garden     eva: garden
// n: sofa 3, bath 2, toys 2, garden 2. Together: sofa-bath 2, sofa-toys 1, bath-toys 1, toys-garden 1.
const histories = historiesOf(
  ['ana', 'ana', 'ana', 'bea', 'bea', 'bea', 'cid', 'dan', 'dan', 'eva'],
  ['sofa', 'bath', 'sofa', 'sofa', 'bath', 'toys', 'sofa', 'toys', 'garden', 'garden'],
);
const items = (list: ReturnType<typeof recommend>) => list.map((each) => each.item);

describe('trainPopularity', () => {
  it('orders items by the customers who bought them, ties by name', () => {
    const model = trainPopularity(histories);
    expect(model.items).toEqual(['sofa', 'bath', 'garden', 'toys']);
    expect(model.popularity).toEqual([3, 2, 2, 2]);
    expect(model.entities).toBe(5);
  });

  it('recommends the same k items to everyone, scored by their share of customers', () => {
    const model = trainPopularity(histories);
    expect(recommend(model, ['garden'], 2)).toEqual([
      { item: 'sofa', score: 0.6, basis: 'popularity' },
      { item: 'bath', score: 0.4, basis: 'popularity' },
    ]);
    expect(items(recommend(model, [], 2))).toEqual(['sofa', 'bath']);
  });
});

describe('trainCoPurchase', () => {
  const model = trainCoPurchase(histories);
  const neighbour = (a: string, b: string) => model.neighbours[model.items.indexOf(a)]!.find(([j]) => model.items[j] === b)?.[1];

  it('makes two items as similar as the cosine of their customer sets', () => {
    expect(neighbour('sofa', 'bath')).toBeCloseTo(2 / Math.sqrt(3 * 2), 12);
    expect(neighbour('bath', 'sofa')).toBeCloseTo(2 / Math.sqrt(6), 12);
    expect(neighbour('sofa', 'toys')).toBeCloseTo(1 / Math.sqrt(6), 12);
    expect(neighbour('toys', 'garden')).toBeCloseTo(1 / 2, 12);
    // Never bought together: no neighbour.
    expect(neighbour('sofa', 'garden')).toBeUndefined();
  });

  it('scores a history by summed similarity, its own items counting 1, then tops up by popularity', () => {
    // History {garden}: garden 1, toys 0.5; then sofa and bath by popularity.
    expect(recommend(model, ['garden'], 4)).toEqual([
      { item: 'garden', score: 1, basis: 'history' },
      { item: 'toys', score: 0.5, basis: 'history' },
      { item: 'sofa', score: 0, basis: 'popularity' },
      { item: 'bath', score: 0, basis: 'popularity' },
    ]);
    // History {bath, toys}: bath 1 + 1/2 = 1.5, toys 1 + 1/2 = 1.5 (a tie of equally popular items: by name),
    // sofa 2/√6 + 1/√6 = 3/√6 ≈ 1.2247, garden 1/2.
    const list = recommend(model, ['toys', 'bath'], 4);
    expect(items(list)).toEqual(['bath', 'toys', 'sofa', 'garden']);
    expect(list[2]!.score).toBeCloseTo(3 / Math.sqrt(6), 9);
  });

  it('breaks a tie of scores by popularity, then by name', () => {
    // History {sofa, garden}: sofa 1 and garden 1 tie, sofa (3 customers) first though 'garden' sorts first by name;
    // toys 1/√6 + 1/2 ≈ 0.908, bath 2/√6 ≈ 0.816.
    expect(items(recommend(model, ['garden', 'sofa'], 4))).toEqual(['sofa', 'garden', 'toys', 'bath']);
    // History {toys}: toys 1; bath and garden 1/2 each, 2 customers each: by name; sofa 1/√6 ≈ 0.408.
    expect(items(recommend(model, ['toys'], 4))).toEqual(['toys', 'bath', 'garden', 'sofa']);
  });

  it('gives a customer without history (or with unknown items only) the popularity list, k long', () => {
    expect(items(recommend(model, [], 3))).toEqual(['sofa', 'bath', 'garden']);
    expect(items(recommend(model, ['kitchen'], 3))).toEqual(['sofa', 'bath', 'garden']);
    expect(recommend(model, ['garden'], 10)).toHaveLength(4);
  });

  it('refuses to learn from nothing and a k under 1', () => {
    expect(() => trainCoPurchase(new Map())).toThrow(/no interactions to learn from/);
    expect(() => recommend(model, [], 0)).toThrow(/k must be a whole number of items, at least 1; got 0/);
  });
});

describe('rankingAtK', () => {
  // ana held out {bath}, bea {toys, garden}, cid nothing (not judged).
  const lists = [
    ['sofa', 'bath', 'toys'],
    ['sofa', 'toys', 'garden'],
    ['sofa', 'bath', 'toys'],
  ];
  const held = [new Set(['bath']), new Set(['toys', 'garden']), new Set<string>()];

  it('counts hits, precision and recall among the first k of each judged list', () => {
    const [one, two, three] = rankingAtK(lists, held, [1, 2, 3]);
    expect(one).toEqual({ k: 1, entities: 2, hitRate: 0, precision: 0, recall: 0 });
    // k 2: ana hits bath (1/2, recall 1), bea hits toys (1/2, recall 1/2).
    expect(two).toEqual({ k: 2, entities: 2, hitRate: 1, precision: 0.5, recall: 0.75 });
    // k 3: ana 1 of 3 (recall 1), bea 2 of 3 (recall 1).
    expect(three!.precision).toBeCloseTo(0.5, 12);
    expect(three!.recall).toBe(1);
  });

  it('needs someone to judge', () => {
    expect(() => rankingAtK([['sofa']], [new Set()], [1])).toThrow(/no entity has a held-out item/);
  });
});
