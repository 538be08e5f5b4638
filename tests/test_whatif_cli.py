"""`patrolrules evaluate|explain --overlay FILE`: what-ifs from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from patrolrules.ruleset import bundled_directory

OBSERVATION = ('{"observed_at": "2024-05-01T09:00:00+08:00", "site": {"zones": [], '
               '"distance_to_national_road": "35 m"}, "land": {"land_class": "construction_land"}}')
OVERLAY = bundled_directory() / "overlays" / "national_road_buffer_50m.yaml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "patrolrules.cli", *args], input=OBSERVATION, capture_output=True,
                          text=True)


def test_evaluate_with_an_overlay():
    plain = run("evaluate", "-")
    widened = run("evaluate", "-", "--overlay", str(OVERLAY))
    assert plain.returncode == 0 and widened.returncode == 0, widened.stderr
    assert json.loads(plain.stdout)["zone"]["tier"] == "unlisted"
    assert json.loads(widened.stdout)["zone"]["tier"] == "key"
    assert json.loads(plain.stdout)["ruleset"]["content_id"] != json.loads(widened.stdout)["ruleset"]["content_id"]


def test_a_bad_overlay_exits_2_naming_file_and_line(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("overlay: bad\nparameters:\n  national_road_buffer: 50 亩\n", encoding="utf-8")
    result = run("explain", "-", "--overlay", str(bad))
    assert result.returncode == 2
    assert f"{bad}:3" in result.stderr and "Traceback" not in result.stderr


def test_importing_patrolrules_does_not_import_pandas():
    code = "import sys, patrolrules; patrolrules.load_ruleset(); print('pandas' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
