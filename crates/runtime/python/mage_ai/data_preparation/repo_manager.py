"""Mage's `mage_ai.data_preparation.repo_manager`: the deprecated path helpers projects still import.

As in Mage 0.9.80, each warns (DeprecationWarning) and answers what `mage_ai.settings.repo`'s namesake answers.
Mage's `RepoConfig`, `get_repo_config` and project-type helpers are not provided.
"""

from warnings import warn

from mage_ai.settings import repo
from mage_ai.settings.repo import get_metadata_path, get_variables_dir  # noqa: F401 (Mage exports them here too)


def _deprecated(name):
    warn(
        f"repo_manager.{name} is deprecated. Please use mage_ai.settings.repo.{name}",
        DeprecationWarning,
        stacklevel=3,
    )


def get_repo_path():
    _deprecated("get_repo_path")
    return repo.get_repo_path()


def set_repo_path(repo_path):
    _deprecated("set_repo_path")
    repo.set_repo_path(repo_path)


def get_repo_name():
    _deprecated("get_repo_name")
    return repo.get_repo_name()


def get_data_dir():
    _deprecated("get_data_dir")
    return repo.get_data_dir()
