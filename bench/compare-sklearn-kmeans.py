"""The clusterer's reference for issue #14: scikit-learn's KMeans on the
segmentation base a run built (`strata abt export --model seller-segments`),
median-imputed and standardized as the embedded engine does, with the
champion's k and seed, beside the silhouette the champion registered.

Both silhouettes are computed here by scikit-learn on the same standardized
rows (the champion's from its own centroids, imputation and scaling in its
registered model.json), and the champion's registered one (a seeded sample
of at most 2,000 rows) is shown beside them. Not part of the test suite or CI; with Debian's
python3-sklearn:

    npx strata abt export --lake <lake> --out /tmp/segments.csv --model seller-segments
    /usr/bin/python3 bench/compare-sklearn-kmeans.py /tmp/segments.csv <lake> [<model>]
"""
import csv
import glob
import json
import math
import sys

import numpy as np
from sklearn.cluster import KMeans
from sklearn.impute import SimpleImputer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

base_path, lake = sys.argv[1], sys.argv[2]
model_name = sys.argv[3] if len(sys.argv) > 3 else "seller-segments"
with open(base_path, newline="") as handle:
    reader = csv.reader(handle)
    header = next(reader)
    rows = list(reader)
ids = [row[0] for row in rows]
matrix = np.array([[float(value) if value != "" else math.nan for value in row[2:]] for row in rows])
# A feature that is missing on every row standardizes to 0, as the embedded engine's constant features do.
matrix[:, np.all(np.isnan(matrix), axis=0)] = 0.0
points = StandardScaler().fit_transform(SimpleImputer(strategy="median").fit_transform(matrix))

champion = json.load(open(f"{lake}/refined/_ml/registry/{model_name}/champion.json"))
card = json.load(open(glob.glob(f"{lake}/refined/_ml/registry/{model_name}/versions/v{champion['version']:04d}/card.json")[0]))
k = int(card["hyperparameters"]["k"])
seed = int(card["hyperparameters"].get("seed", 42))
reference = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(points)

version = glob.glob(f"{lake}/refined/_ml/registry/{model_name}/versions/v{champion['version']:04d}")[0]
artifact = json.load(open(f"{version}/model.json"))["artifact"]
# The champion's own segments: its imputation, scaling and nearest centroid, as the embedded engine predicts.
stds = np.array([value if value != 0 else 1.0 for value in artifact["stds"]])
raw = np.where(np.isnan(matrix), np.array(artifact["medians"]), matrix)
scaled = np.where(np.array(artifact["stds"]) == 0, 0.0, (raw - np.array(artifact["means"])) / stds)
centroids = np.array(artifact["centroids"])
ours = np.argmin(((scaled[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2), axis=1)

print(f"{model_name}: base {len(rows)} rows x {matrix.shape[1]} features, k {k}")
print(f"{'':<34} {'silhouette':>10}")
print(f"{'scikit-learn KMeans (n_init 10)':<34} {silhouette_score(points, reference.labels_):>10.4f}")
print(f"{'strata k-means, its segments':<34} {silhouette_score(scaled, ours):>10.4f}")
print(f"{'strata k-means, as registered':<34} {card['metrics']['silhouette']:>10.4f}   (a seeded sample of at most 2,000 rows)")
