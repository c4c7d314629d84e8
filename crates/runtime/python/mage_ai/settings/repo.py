"""Where the project and its data are: Mage's `mage_ai.settings.repo`, answered from the running block's context.

Signatures follow Mage 0.9.80's `mage_ai/settings/repo.py`. Wand runs one project per run (no multi-project
platform), so `root_project`, `context_data`, `absolute_path` and `user` change nothing. Wand keeps a run's data
(outputs, logs) in its data directory, which is also what Mage calls the variables directory.
"""

import os
import sys

from wand_runtime import context

PROJECT_METADATA_FILENAME = "metadata.yaml"
REPO_PATH_ENV_VAR = "WAND_REPO_PATH"
MAGE_DATA_DIR_ENV_VAR = "MAGE_DATA_DIR"
DEFAULT_MAGE_DATA_DIR = "~/.mage_data"


def get_repo_path(context_data=None, file_path=None, root_project=False, absolute_path=True, user=None):
    """The project folder of the running block, else $WAND_REPO_PATH, else the current directory."""
    running = context.current()
    if running is not None and running.repo_path:
        return running.repo_path
    return os.environ.get(REPO_PATH_ENV_VAR) or os.getcwd()


def set_repo_path(repo_path):
    """Makes `repo_path` the project outside a block run, and its parent importable (as Mage does)."""
    os.environ[REPO_PATH_ENV_VAR] = repo_path
    sys.path.append(os.path.dirname(repo_path))


def get_repo_name(repo_path=None, root_project=False):
    """The project folder's name."""
    return os.path.basename(os.path.normpath(repo_path or get_repo_path(root_project=root_project)))


def get_data_dir():
    """The running block's data directory, else $MAGE_DATA_DIR, else Mage's default `~/.mage_data`."""
    running = context.current()
    if running is not None and running.data_dir:
        return running.data_dir
    return os.getenv(MAGE_DATA_DIR_ENV_VAR) or DEFAULT_MAGE_DATA_DIR


def get_metadata_path(repo_path=None, root_project=False):
    """The project's `metadata.yaml`."""
    return os.path.join(repo_path or get_repo_path(root_project=root_project), PROJECT_METADATA_FILENAME)


def get_variables_dir(repo_path=None, repo_config=None, root_project=False):
    """Where block outputs live: Wand's data directory (see `get_data_dir`)."""
    return get_data_dir()
