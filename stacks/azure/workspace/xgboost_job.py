"""The Databricks job of a managed model on Azure (sizing.training.engine: databricks).

The retrain pipeline runs it between the export and the collect steps, as
the AWS flow runs a SageMaker training job and batch transform:

  --mode train: reads the training set the export step wrote (header-less CSV,
      label first, empty cells missing) under the run's managed prefix, trains
      XGBoost with the hyperparameters SageMaker would get, scores every row
      of evaluation.csv, and writes the predictions where the collect step
      reads a batch transform's (predictions/evaluation/evaluation.csv.out),
      the model (output/model.json) and what it ran with (output/training.json).
  --mode score: scores scoring.csv with the champion's model into
      predictions/scoring/scoring.csv.out for the load step.

The layout is lambdas/ml/managed-xgboost.ts's; the test that runs this file on
the real export handler's output and hands the result to the real collect step
(tests/stacks/azure/xgboost-job.test.ts) keeps the two in step.

--lake is the refined layer's root: abfss://refined@<account>.dfs.core.windows.net
on Databricks (read and written with dbutils as the job's run-as principal,
through its Unity Catalog external location), or a folder when tested locally.
Training runs on the driver: XGBoost on one machine, sized by the node type.
"""

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import xgboost as xgb

# Hyperparameters that XGBoost reads as integers (SageMaker passes every one as a string).
INTEGER_PARAMETERS = {"max_depth", "max_bin", "seed"}


class Lake:
    """Files of the refined layer, by key: on Databricks through dbutils, locally a folder."""

    def __init__(self, root):
        self.root = root.rstrip("/")
        self.remote = "://" in self.root or self.root.startswith("dbfs:")
        self._dbutils = None

    def _fs(self):
        if self._dbutils is None:
            from pyspark.dbutils import DBUtils  # only on a Databricks cluster
            from pyspark.sql import SparkSession

            self._dbutils = DBUtils(SparkSession.builder.getOrCreate())
        return self._dbutils.fs

    def fetch(self, key, local):
        if self.remote:
            self._fs().cp(f"{self.root}/{key}", f"file:{local}")
        else:
            shutil.copyfile(os.path.join(self.root, key), local)

    def store(self, local, key):
        if self.remote:
            self._fs().cp(f"file:{local}", f"{self.root}/{key}")
        else:
            target = os.path.join(self.root, key)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(local, target)


def read_csv(path, labelled):
    """Header-less CSV as (features, labels): empty cells are missing (NaN), the label (if any) first."""
    rows, labels = [], []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line:
                continue
            cells = [math.nan if cell == "" else float(cell) for cell in line.split(",")]
            if labelled:
                label = cells.pop(0)
                if label not in (0.0, 1.0):
                    raise ValueError(f"{path}: line {number} has label {label}; expected 0 or 1")
                labels.append(label)
            rows.append(cells)
    width = len(rows[0]) if rows else 0
    return np.array(rows, dtype=float).reshape(len(rows), width), np.array(labels, dtype=float)


def booster_parameters(hyperparameters):
    params = {}
    for name, value in hyperparameters.items():
        if name == "num_round":
            continue
        if name in ("objective", "eval_metric"):
            params[name] = value
        elif name in INTEGER_PARAMETERS:
            params[name] = int(float(value))
        else:
            params[name] = float(value)
    # max_bin applies to the histogram method, which SageMaker's 1.7 image uses for this size of data too.
    params["tree_method"] = "hist"
    return params


def auc(labels, scores):
    """Rank AUC (ties averaged), for the MLflow run only: the evaluate step computes the metrics the gate reads."""
    positives = float(labels.sum())
    negatives = float(len(labels) - positives)
    if positives == 0 or negatives == 0:
        return math.nan
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    start = 0
    while start < len(scores):
        end = start
        while end + 1 < len(scores) and sorted_scores[end + 1] == sorted_scores[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def write_predictions(path, predictions):
    with open(path, "w", encoding="utf-8") as handle:
        for value in predictions:
            handle.write(f"{float(value)!r}\n")


def tracked(experiment, run_name, hyperparameters, metrics, model_path):
    """Logs the run to MLflow (Databricks MLflow on a cluster) when an experiment is given and mlflow is there."""
    if not experiment:
        return None
    try:
        import mlflow
    except ImportError:
        print("mlflow is not installed: the run is not tracked", file=sys.stderr)
        return None
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=run_name) as run:
        mlflow.log_params(hyperparameters)
        mlflow.log_metrics({name: value for name, value in metrics.items() if not math.isnan(value)})
        mlflow.log_artifact(model_path)
        return run.info.run_id


def train(args, lake, work):
    prefix = args.prefix
    hyperparameters = json.loads(args.hyperparameters)
    for name in ("train", "validation", "evaluation"):
        lake.fetch(f"{prefix}/{name}/{name}.csv", os.path.join(work, f"{name}.csv"))
    x_train, y_train = read_csv(os.path.join(work, "train.csv"), labelled=True)
    x_valid, y_valid = read_csv(os.path.join(work, "validation.csv"), labelled=True)
    x_eval, _ = read_csv(os.path.join(work, "evaluation.csv"), labelled=False)
    if len(y_train) == 0:
        raise ValueError(f"{prefix}/train/train.csv holds no rows: nothing to train on")

    started = time.monotonic()
    dtrain = xgb.DMatrix(x_train, label=y_train, missing=np.nan)
    evals = [(xgb.DMatrix(x_valid, label=y_valid, missing=np.nan), "validation")] if len(y_valid) else []
    booster = xgb.train(booster_parameters(hyperparameters), dtrain, num_boost_round=int(float(hyperparameters["num_round"])), evals=evals, verbose_eval=False)
    seconds = time.monotonic() - started

    predictions = booster.predict(xgb.DMatrix(x_eval, missing=np.nan)) if len(x_eval) else np.array([])
    write_predictions(os.path.join(work, "evaluation.csv.out"), predictions)
    model_path = os.path.join(work, "model.json")
    booster.save_model(model_path)
    validation_auc = auc(y_valid, booster.predict(evals[0][0])) if evals else math.nan
    mlflow_run = tracked(args.experiment, f"{args.model}-{args.run_id}", hyperparameters, {"auc_validation": validation_auc}, model_path)

    record = {
        "engine": "databricks",
        "hyperParameters": {name: str(value) for name, value in sorted(hyperparameters.items())},
        "trainingSeconds": round(seconds, 3),
        "xgboostVersion": xgb.__version__,
    }
    if args.databricks_run_id:
        record["databricksRunId"] = args.databricks_run_id
    if mlflow_run:
        record["mlflowRunId"] = mlflow_run
    record_path = os.path.join(work, "training.json")
    with open(record_path, "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=2)
        handle.write("\n")

    lake.store(os.path.join(work, "evaluation.csv.out"), f"{prefix}/predictions/evaluation/evaluation.csv.out")
    lake.store(model_path, f"{prefix}/output/model.json")
    # Last: the collect step takes the record as the sign that the rest is there.
    lake.store(record_path, f"{prefix}/output/training.json")


def score(args, lake, work):
    if not args.model_key:
        raise ValueError("--mode score needs --model-key, the champion's model.json in refined")
    lake.fetch(f"{args.prefix}/scoring/scoring.csv", os.path.join(work, "scoring.csv"))
    lake.fetch(args.model_key, os.path.join(work, "model.json"))
    booster = xgb.Booster()
    booster.load_model(os.path.join(work, "model.json"))
    x_score, _ = read_csv(os.path.join(work, "scoring.csv"), labelled=False)
    predictions = booster.predict(xgb.DMatrix(x_score, missing=np.nan)) if len(x_score) else np.array([])
    write_predictions(os.path.join(work, "scoring.csv.out"), predictions)
    lake.store(os.path.join(work, "scoring.csv.out"), f"{args.prefix}/predictions/scoring/scoring.csv.out")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["train", "score"], required=True)
    parser.add_argument("--lake", required=True, help="root of the refined layer")
    parser.add_argument("--prefix", required=True, help="the run's managed prefix in refined: _ml/runs/<run id>/<model>/managed")
    parser.add_argument("--model", required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--hyperparameters", default="{}", help="JSON object of names to strings (train)")
    parser.add_argument("--model-key", default="", help="the champion's model.json in refined (score)")
    parser.add_argument("--experiment", default="", help="MLflow experiment path; empty: not tracked")
    parser.add_argument("--databricks-run-id", default="")
    args = parser.parse_args(argv)
    lake = Lake(args.lake)
    with tempfile.TemporaryDirectory() as work:
        (train if args.mode == "train" else score)(args, lake, work)


if __name__ == "__main__":
    main()
