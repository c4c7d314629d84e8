"""Where the project is: Mage's `get_repo_path`, answered from the running block's context."""

import os

from wand_runtime import context


def get_repo_path(file_path=None, root_project=False):
    """The project folder of the running block, else $WAND_REPO_PATH, else the current directory.

    Mage's `file_path` and `root_project` arguments are accepted for compatibility; Wand has one project per run.
    """
    running = context.current()
    if running is not None and running.repo_path:
        return running.repo_path
    return os.environ.get("WAND_REPO_PATH") or os.getcwd()
