"""A newer published version of the toolkit for tests: the shipped content with changes.

It is loaded through the content loader, as an editor's file would be: the version's rows
are written while it is a draft and then it is published, so it is immutable like any
published version.
"""

import copy
from typing import Any

from tests.conftest import CONTENT_FILE
from toolkit_content.loader import read_file, toolkit_load
from toolkit_content.models import ToolkitVersion

# What the tests' "2027.1" changes, and so what moving to it should do:
# section 1 is unchanged (a completion there carries over);
# section 2 loses 2.2 (s2_barriers), rewords 2.1 and gains a question at the end;
# section 3's 3.2a no longer offers "Partly";
# section 4 loses 4.4 (s4_sharing).
REVISED_CHANGES: dict[str, Any] = {
    "remove": {"s2_barriers", "s4_sharing"},
    "reword": {"s2_theory_of_change": "What is your theory of change, and who does it leave out?"},
    "add": {
        2: {
            "key": "s2_unintended_effects",
            "number": "2.6",
            "text": "What unintended effects on inequalities could the work have?",
            "hint": "",
            "answer_type": "long_text",
            "required": True,
            "role": "",
            "group": "",
            "choices": [],
        }
    },
    "drop_choices": {"s3_baseline": {"partly"}},
}


def publish_version(
    label: str,
    *,
    remove: set[str] | None = None,
    reword: dict[str, str] | None = None,
    add: dict[int, dict[str, Any]] | None = None,
    drop_choices: dict[str, set[str]] | None = None,
) -> ToolkitVersion:
    """Publish version `label`: the shipped content with these questions removed, reworded,
    added (at the end of a section) or with choices dropped."""
    content = copy.deepcopy(read_file(CONTENT_FILE))
    content["version"]["label"] = label
    for section in content["sections"]:
        section["questions"] = [q for q in section["questions"] if q["key"] not in (remove or set())]
        for question in section["questions"]:
            question["text"] = (reword or {}).get(question["key"], question["text"])
            dropped = (drop_choices or {}).get(question["key"], set())
            question["choices"] = [c for c in question["choices"] if c["value"] not in dropped]
        if add and section["number"] in add:
            section["questions"].append(dict(add[section["number"]]))
    return toolkit_load(content=content, publish=True).version


def publish_revised_version(label: str = "2027.1") -> ToolkitVersion:
    return publish_version(label, **REVISED_CHANGES)
