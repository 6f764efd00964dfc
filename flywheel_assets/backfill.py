"""`flywheel backfill`: ask a running Dagster webserver (`dagster dev`) for a backfill of `daily_partition_job`,
the same GraphQL call the UI's *Backfill* button makes.

Why not only `dagster job backfill`: that CLI submits the runs itself and records the backfill as finished at
once, so the UI shows it green whatever its runs do. A backfill requested here is driven by the daemon, which marks
it ``COMPLETED_FAILED`` when a run fails (and ``COMPLETED_SUCCESS`` otherwise); ``--wait`` follows it and exits 1
unless it succeeded. Days the UI does not list yet are added as partitions first (they must hold records).
"""

from __future__ import annotations

import json
import time
import urllib.request

JOB = "daily_partition_job"
LOCATION = "flywheel"  # workspace.yaml's location_name
REPOSITORY = "__repository__"
TERMINAL = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}

_LAUNCH = """mutation Launch($p: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $p) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on Error { message }
  }
}"""
_ADD = """mutation Add($name: String!, $key: String!, $repo: RepositorySelector!) {
  addDynamicPartition(partitionsDefName: $name, partitionKey: $key, repositorySelector: $repo) {
    __typename
    ... on Error { message }
  }
}"""
_STATUS = """query Status($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status numPartitions }
    ... on Error { message }
  }
}"""


def graphql(url: str, query: str, variables: dict, timeout: float = 60) -> dict:
    req = urllib.request.Request(url.rstrip("/") + "/graphql", data=json.dumps(
        {"query": query, "variables": variables}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        body = json.loads(resp.read())
    if body.get("errors"):
        raise RuntimeError(f"GraphQL error: {body['errors'][0].get('message')}")
    return body["data"]


def launch(url: str, partitions: list[str], *, partitions_name: str = "event_date", title: str = "") -> str:
    """Add the partitions (when missing) and launch the backfill; returns the backfill id."""
    repo = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY}
    for key in partitions:
        res = graphql(url, _ADD, {"name": partitions_name, "key": key, "repo": repo})["addDynamicPartition"]
        if res["__typename"] not in ("AddDynamicPartitionSuccess", "DuplicateDynamicPartitionError"):
            raise RuntimeError(f"could not add partition {key}: {res.get('message', res['__typename'])}")
    params = {"selector": {"partitionSetName": f"{JOB}_partition_set", "repositorySelector": repo},
              "partitionNames": list(partitions), "title": title or None,
              "tags": [{"key": "flywheel/trigger", "value": "backfill"}]}
    res = graphql(url, _LAUNCH, {"p": params})["launchPartitionBackfill"]
    if res["__typename"] != "LaunchBackfillSuccess":
        raise RuntimeError(f"backfill not launched: {res.get('message', res['__typename'])}")
    return res["backfillId"]


def status(url: str, backfill_id: str) -> str:
    res = graphql(url, _STATUS, {"id": backfill_id})["partitionBackfillOrError"]
    if res["__typename"] != "PartitionBackfill":
        raise RuntimeError(res.get("message", res["__typename"]))
    return res["status"]


def wait(url: str, backfill_id: str, timeout_s: float = 3600, poll_s: float = 5, echo=print) -> str:
    deadline = time.monotonic() + timeout_s
    last = None
    while True:
        st = status(url, backfill_id)
        if st != last:
            echo(f"backfill {backfill_id}: {st}")
            last = st
        if st in TERMINAL or time.monotonic() > deadline:
            return st
        time.sleep(poll_s)
