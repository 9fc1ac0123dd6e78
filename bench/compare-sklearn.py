"""The acceptance check of issues #4 and #14: scikit-learn's
HistGradientBoostingClassifier trained on the train split of a classifier's
exported ABT (`strata abt export --model <name>`), its AUC on the test and
out-of-time rows, beside the AUC that model's champion registered.

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
from sklearn.metrics import roc_auc_score

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

model = HistGradientBoostingClassifier(random_state=42)
train = splits == "train"
model.fit(matrix[train], labels[train])
scores = model.predict_proba(matrix)[:, 1]
sklearn_auc = {split: roc_auc_score(labels[splits == split], scores[splits == split]) for split in ("train", "test", "oot")}

champion = json.load(open(f"{lake}/refined/_ml/registry/{model_name}/champion.json"))
card = json.load(open(glob.glob(f"{lake}/refined/_ml/registry/{model_name}/versions/v{champion['version']:04d}/card.json")[0]))
print(f"{model_name}: ABT {len(rows)} rows x {len(features)} features; train {train.sum()}, test {(splits == 'test').sum()}, oot {(splits == 'oot').sum()}")
print(f"{'split':<6} {'scikit-learn HGB':>17} {'strata ' + card['algorithm']:>26} {'difference':>11}")
for split in ("train", "test", "oot"):
    ours = card["metrics"][f"auc_{split}"]
    print(f"{split:<6} {sklearn_auc[split]:>17.4f} {ours:>26.4f} {ours - sklearn_auc[split]:>+11.4f}")
difference = abs(card["metrics"]["auc_oot"] - sklearn_auc["oot"])
print(f"{'met' if difference <= 0.02 else 'MISSED'}: OOT AUC within 0.02 of scikit-learn ({difference:.4f})")
