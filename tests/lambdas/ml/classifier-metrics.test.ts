/**
 * classifierMetrics: the metrics of a classifier's scores per split, and the
 * one thing it refuses, a split whose AUC cannot exist.
 */
import { describe, expect, it } from 'vitest';
import { classifierMetrics } from '../../../lambdas/ml/evaluate-model.ts';
import type { TrainingSet } from '../../../lambdas/ml/read-training-set.ts';
import type { Split } from '../../../pipelines/models/index.ts';

function setOf(rows: readonly { split: Split; label: 0 | 1 }[]): TrainingSet {
  return {
    features: ['x'],
    ids: rows.map((_, index) => ({ id: `e${index}`, dtReference: '2018-01-01' })),
    split: rows.map((row) => row.split),
    labels: Uint8Array.from(rows, (row) => row.label),
    matrix: { columns: ['x'], rows: rows.length, values: new Float64Array(rows.length) },
    sha256: '',
  };
}

const rows = (split: Split, labels: readonly (0 | 1)[]) => labels.map((label) => ({ split, label }));

describe('classifierMetrics', () => {
  it('measures each split: rows, positive rate, AUC, and at the threshold precision, recall, F1 and accuracy', () => {
    const set = setOf([...rows('train', [0, 1, 0, 1]), ...rows('test', [0, 0, 1, 1]), ...rows('oot', [0, 1, 1, 0])]);
    const scores = Float64Array.from([0.1, 0.9, 0.2, 0.8, 0.2, 0.6, 0.4, 0.9, 0.3, 0.7, 0.6, 0.1]);
    const { metrics, confusion } = classifierMetrics(set, scores, 0.5);
    expect(metrics).toMatchObject({ rows_train: 4, positive_rate_train: 0.5, auc_train: 1, rows_test: 4, auc_test: 0.75, rows_oot: 4, auc_oot: 1 });
    // test at 0.5: 0.6 is a false positive, 0.4 a false negative, 0.9 a true positive, 0.2 a true negative.
    expect(confusion.test).toMatchObject({ tp: 1, fp: 1, fn: 1, tn: 1 });
    expect(metrics).toMatchObject({ precision_test: 0.5, recall_test: 0.5, f1_test: 0.5, accuracy_test: 0.5, accuracy_oot: 1 });
  });

  it('refuses an out-of-time split of one class, saying which setting chooses it', () => {
    const set = setOf([...rows('train', [0, 1]), ...rows('test', [0, 1]), ...rows('oot', [0])]);
    expect(() => classifierMetrics(set, Float64Array.from([0.1, 0.9, 0.2, 0.8, 0.3]), 0.5)).toThrow(
      'its oot split holds 1 rows, none of them positive: AUC needs both classes; name out-of-time snapshots that hold both (models.classifier.ootSnapshots)',
    );
  });
});
