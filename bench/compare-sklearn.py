"""The acceptance check of issues #4 and #14: scikit-learn's counterpart of
a classifier's champion (HistGradientBoostingClassifier for gradient
boosting, LogisticRegression on standardized, median-imputed features for
logistic regression) trained on the train split of the model's exported ABT
(`strata abt export --model <name>`), oversampled the way the champion's
card says it was, and its AUC on the test and out-of-time rows (and F1 and
accuracy at the card's threshold) beside what the champion registered.

Not part of the test suite or CI (scikit-learn is not a dependency). With Debian's python3-sklearn:

    apt-get install python3-sklearn
    npx strata abt export --lake <lake> --out /tmp/abt.csv [--model <name>]
    /usr/bin/python3 bench/compare-sklearn.py /tmp/abt.csv <lake> [<name>]   (default: seller-churn)

(or scikit-learn from PyPI in a virtual environment, where PyPI is reachable).
"""
import csv
import glob
import json
import math
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

abt_path, lake = sys.argv[1], sys.argv[2]
model_name = sys.argv[3] if len(sys.argv) > 3 else "seller-churn"
with open(abt_path, newline="") as handle:
    reader = csv.reader(handle)
    header = next(reader)
    rows = list(reader)
features = header[4:]
matrix = np.array([[float(value) if value != "" else math.nan for value in row[4:]] for row in rows])
labels = np.array([int(row[2]) for row in rows])
splits = np.array([row[3] for row in rows])

champion = json.load(open(f"{lake}/refined/_ml/registry/{model_name}/champion.json"))
card = json.load(open(glob.glob(f"{lake}/refined/_ml/registry/{model_name}/versions/v{champion['version']:04d}/card.json")[0]))

if card["algorithm"] == "logistic-regression":
    reference, model = "scikit-learn LR", make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(max_iter=1000))
else:
    reference, model = "scikit-learn HGB", HistGradientBoostingClassifier(random_state=42)
train_rows = np.flatnonzero(splits == "train")
rebalanced = card.get("rebalanced")
if rebalanced:
    # Random oversampling of the positives to the card's share, as imbalanced-learn's RandomOverSampler does.
    positives = train_rows[labels[train_rows] == 1]
    wanted = math.ceil((rebalanced["targetShare"] * (len(train_rows) - len(positives)) - (1 - rebalanced["targetShare"]) * len(positives)) / (1 - rebalanced["targetShare"]))
    train_rows = np.concatenate([train_rows, np.random.default_rng(42).choice(positives, size=max(0, wanted), replace=True)])
model.fit(matrix[train_rows], labels[train_rows])
scores = model.predict_proba(matrix)[:, 1]
sklearn_auc = {split: roc_auc_score(labels[splits == split], scores[splits == split]) for split in ("train", "test", "oot")}

train = splits == "train"
print(f"{model_name}: ABT {len(rows)} rows x {len(features)} features; train {train.sum()}{f' (+{len(train_rows) - train.sum()} oversampled)' if rebalanced else ''}, test {(splits == 'test').sum()}, oot {(splits == 'oot').sum()}")
print(f"{'split':<6} {reference:>17} {'strata ' + card['algorithm']:>26} {'difference':>11}")
for split in ("train", "test", "oot"):
    ours = card["metrics"][f"auc_{split}"]
    print(f"{split:<6} {sklearn_auc[split]:>17.4f} {ours:>26.4f} {ours - sklearn_auc[split]:>+11.4f}")
if "threshold" in card:
    oot = splits == "oot"
    predicted = (scores[oot] >= card["threshold"]).astype(int)
    for name, value in (("f1", f1_score(labels[oot], predicted)), ("accuracy", accuracy_score(labels[oot], predicted))):
        ours = card["metrics"][f"{name}_oot"]
        print(f"{name + ' oot':<12} {value:>11.4f} {ours:>26.4f} {ours - value:>+11.4f}   (threshold {card['threshold']})")
difference = abs(card["metrics"]["auc_oot"] - sklearn_auc["oot"])
print(f"{'met' if difference <= 0.02 else 'MISSED'}: OOT AUC within 0.02 of scikit-learn ({difference:.4f})")
