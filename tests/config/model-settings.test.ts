/**
 * settingsFor / checkModelOverrides: a model's settings are its kind's, then
 * its definition's, then the environment's models.overrides.<model>.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/config-error.ts';
import { checkModelOverrides, settingsFor } from '../../config/model-settings.ts';
import type { ModelSettings } from '../../config/schema.ts';
import { environmentNamed } from '../support/environments.ts';

const MODELS: ModelSettings = environmentNamed('dev').models;
const classifier = { name: 'rare-event', kind: 'classifier' as const };
const clusterer = { name: 'groups', kind: 'clusterer' as const };
const ranker = { name: 'next-shelf', kind: 'ranker' as const };
const withOverrides = (overrides: ModelSettings['overrides']): ModelSettings => ({ ...MODELS, overrides });

function problemsOf(run: () => unknown): string[] {
  try {
    run();
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe('settingsFor', () => {
  it('gives a model without settings of its own its kind\'s, untouched', () => {
    expect(settingsFor(MODELS, classifier)).toEqual(MODELS);
    expect(MODELS.classifier.rebalance).toEqual({ method: 'none', targetShare: 0.3 });
  });

  it('lays the definition\'s settings over the kind\'s, and the environment\'s override over both, key by key', () => {
    const model = { ...classifier, settings: { rebalance: { method: 'oversample' }, threshold: 0.3, gradientBoosting: { max_depth: 3 } } };
    const own = settingsFor(MODELS, model).classifier;
    expect(own).toMatchObject({ rebalance: { method: 'oversample', targetShare: 0.3 }, threshold: 0.3, seed: MODELS.classifier.seed });
    expect(own.gradientBoosting).toEqual({ ...MODELS.classifier.gradientBoosting, max_depth: 3 });
    const overridden = settingsFor(withOverrides({ 'rare-event': { rebalance: { targetShare: 0.5 }, threshold: 0.4 } }), model).classifier;
    expect(overridden).toMatchObject({ rebalance: { method: 'oversample', targetShare: 0.5 }, threshold: 0.4 });
    // The kind's section of other models stays as it was.
    expect(settingsFor(withOverrides({ 'rare-event': { threshold: 0.4 } }), { ...classifier, name: 'other' }).classifier.threshold).toBe(MODELS.classifier.threshold);
  });

  it('checks an override against its kind\'s settings, naming the key and what is allowed', () => {
    expect(problemsOf(() => settingsFor(withOverrides({ 'rare-event': { rebalance: { method: 'smote' } } }), classifier))).toEqual([
      'models.overrides.rare-event.rebalance.method: must be one of: none, oversample',
    ]);
    expect(problemsOf(() => settingsFor(withOverrides({ groups: { threshold: 0.4 } }), clusterer))).toEqual(['models.overrides.groups: unknown key threshold']);
  });

  it('gives a ranker the ranker section, its own k over it, and checks it as a ranker\'s', () => {
    expect(MODELS.ranker).toEqual({ k: 5, holdoutMonths: 3, promotionMargin: 0.01 });
    const own = settingsFor(withOverrides({ 'next-shelf': { holdoutMonths: 1 } }), { ...ranker, settings: { k: 10 } }).ranker;
    expect(own).toEqual({ k: 10, holdoutMonths: 1, promotionMargin: 0.01 });
    expect(problemsOf(() => settingsFor(withOverrides({ 'next-shelf': { k: 0, threshold: 0.4 } }), ranker))).toEqual([
      'models.overrides.next-shelf.k: must be an integer from 1 to 50',
      'models.overrides.next-shelf: unknown key threshold',
    ]);
  });
});

describe('checkModelOverrides', () => {
  it('refuses an override of a model the environment does not have, listing the models, and reports every problem at once', () => {
    const models = withOverrides({ 'no-such': { threshold: 0.4 }, groups: { k: 1 } });
    expect(problemsOf(() => checkModelOverrides(models, [classifier, clusterer]))).toEqual([
      "models.overrides.no-such: no such model in this environment's workloads; models: rare-event, groups",
      'models.overrides.groups.k: must be an integer from 2 to 50',
    ]);
    expect(problemsOf(() => checkModelOverrides(withOverrides({ groups: { k: 3 } }), [classifier, clusterer]))).toEqual([]);
  });
});
