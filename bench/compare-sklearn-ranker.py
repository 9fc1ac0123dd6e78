"""The acceptance check of issue #14 for a ranker (purchase recommendation):
the same lists computed with scikit-learn on the same exported split
(`strata abt export --model <ranker>`: entity, item, dt_reference, split),
their hit rate, precision and recall at k on the held-out period, beside what
the embedded engine's evaluation measured for each candidate in the run that
registered the champion.

- co-purchase: item-based collaborative filtering with scikit-learn's
  NearestNeighbors (metric cosine, brute force) on the items' binary
  customer vectors of the train split; a customer's score for an item is the
  sum of its similarities (1 - cosine distance) to the customer's train-split
  items, its own items counting 1 (their distance to themselves is 0);
- popularity: items by the train-split customers who bought them.

Both rank with the engine's rule: score at 9 decimals, then the more popular
item, then the item's name; items no history reaches follow by popularity.

Not part of the test suite or CI (scikit-learn is not a dependency). With Debian's python3-sklearn:

    npx strata abt export --lake <lake> --model purchase-recommendation --out /tmp/interactions.csv
    /usr/bin/python3 bench/compare-sklearn-ranker.py /tmp/interactions.csv <lake> [<model>]
"""
import csv
import glob
import json
import sys

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.neighbors import NearestNeighbors

path, lake = sys.argv[1], sys.argv[2]
model_name = sys.argv[3] if len(sys.argv) > 3 else "purchase-recommendation"
with open(path, newline="") as handle:
    reader = csv.reader(handle)
    header = next(reader)
    rows = list(reader)
entity_column, item_column = header[0], header[1]
split_at = header.index("split")

train, held_out = {}, {}
for row in rows:
    (train if row[split_at] == "train" else held_out).setdefault(row[0], set()).add(row[1])

# Popularity order: distinct train customers per item, most first, ties by name (code points, as the engine).
counts = {}
for items in train.values():
    for item in items:
        counts[item] = counts.get(item, 0) + 1
items = sorted(counts, key=lambda item: (-counts[item], item))
position = {item: index for index, item in enumerate(items)}
customers = sorted(train)
matrix = csr_matrix(
    (
        np.ones(sum(len(train[c]) for c in customers)),
        ([r for r, c in enumerate(customers) for _ in train[c]], [position[i] for c in customers for i in train[c]]),
    ),
    shape=(len(customers), len(items)),
)
neighbours = NearestNeighbors(metric="cosine", algorithm="brute").fit(matrix.T)
distances, indexes = neighbours.kneighbors(matrix.T, n_neighbors=len(items))
similarity = np.zeros((len(items), len(items)))
for i in range(len(items)):
    similarity[i, indexes[i]] = 1.0 - distances[i]
similarity[np.abs(similarity) < 1e-12] = 0.0


def co_purchase(history, depth):
    vector = np.zeros(len(items))
    for item in history:
        if item in position:
            vector[position[item]] = 1.0
    scores = np.round(vector @ similarity, 9)
    # Popularity index breaks ties and orders the items no history reaches (score 0).
    return [items[i] for i in sorted(range(len(items)), key=lambda i: (-scores[i], i))[:depth]]


def popularity(_history, depth):
    return items[:depth]


champion = json.load(open(f"{lake}/refined/_ml/registry/{model_name}/champion.json"))
card = json.load(open(glob.glob(f"{lake}/refined/_ml/registry/{model_name}/versions/v{champion['version']:04d}/card.json")[0]))
evaluation = json.load(open(f"{lake}/refined/_ml/runs/{card['runId']}/{model_name}/evaluation.json"))
ours = {candidate["algorithm"]: candidate["metrics"] for candidate in evaluation["candidates"]}
k = int(card["metrics"]["k"])

judged = sorted(held_out)
returning = [customer for customer in judged if customer in train]


def measure(recommender, who):
    hits = precision = recall = 0.0
    for customer in who:
        found = len(set(recommender(train.get(customer, ()), k)) & held_out[customer])
        hits += found > 0
        precision += found / k
        recall += found / len(held_out[customer])
    return hits / len(who), precision / len(who), recall / len(who)


print(
    f"{model_name}: {len(rows)} interactions ({entity_column} x {item_column}); train {sum(r[split_at] == 'train' for r in rows)}, "
    f"oot {sum(r[split_at] == 'oot' for r in rows)}; {len(items)} items; {len(judged)} held-out {entity_column}, {len(returning)} seen before; k {k}"
)
print(f"{'candidate':<12} {'metric@' + str(k):<28} {'scikit-learn':>12} {'strata':>8} {'difference':>11}")
worst = 0.0
for name, recommender in (("co-purchase", co_purchase), ("popularity", popularity)):
    for who, suffix in ((judged, ""), (returning, "_returning")):
        if not who:
            continue
        for metric, value in zip(("hit_rate", "precision", "recall"), measure(recommender, who)):
            key = f"{metric}_at_k_oot{suffix}"
            mine = ours[name][key]
            worst = max(worst, abs(mine - value))
            print(f"{name:<12} {key:<28} {value:>12.4f} {mine:>8.4f} {mine - value:>+11.4f}")
print(f"{'met' if worst <= 0.001 else 'MISSED'}: every metric within 0.001 of the scikit-learn reference (largest difference {worst:.4f}); champion {card['algorithm']}")
