"""The playbook: the marketing-sales agreement as a validated, versioned YAML file."""

from leadflow.playbook.loader import LoadedPlaybook, load_playbook, parse_playbook
from leadflow.playbook.problems import Problem
from leadflow.playbook.schema import Playbook

__all__ = ["LoadedPlaybook", "Playbook", "Problem", "load_playbook", "parse_playbook"]
