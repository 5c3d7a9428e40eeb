"""Helpers of the benchmark scripts in bench/.

    from script_support import import_or_install, run_json
    torch = import_or_install("torch", "python3-torch")   # apt-get only when the import fails
    result = run_json([graphmini, "gnn", "train", ..., "--json"])
    path = dataset_path("cora", "citation/cora", "../shared/datasets")  # None when absent
    pyplot = import_pyplot()                               # matplotlib, drawing to files
"""
import importlib
import json
import os
import subprocess
import sys


def script_name():
    return os.path.basename(sys.argv[0])


def import_or_install(module, package):
    try:
        return importlib.import_module(module)
    except ImportError:
        pass
    print(f"{script_name()}: installing {package}", file=sys.stderr)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
                   check=True, env=env)
    return importlib.import_module(module)


def run_json(command, timeout=None):
    """Runs a command that prints one JSON object and returns it; exits with its error line.
    Raises subprocess.TimeoutExpired past `timeout` seconds (the command is killed)."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except OSError as error:
        sys.exit(f"{script_name()}: cannot run {command[0]}: {error.strerror}")
    if result.returncode != 0:
        sys.exit(f"{script_name()}: {' '.join(command)} failed: {result.stderr.strip()}")
    return json.loads(result.stdout)


def dataset_path(name, dataset, datasets):
    """A generator spec as it is, or a folder under `datasets`; None (saying so) when the
    folder is absent."""
    if dataset.startswith("csbm:"):
        return dataset
    path = os.path.join(datasets, dataset)
    if os.path.isdir(path):
        return path
    print(f"{script_name()}: skipping {name}: {path} not found", file=sys.stderr)
    return None


def import_pyplot():
    matplotlib = import_or_install("matplotlib", "python3-matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot
    return pyplot
