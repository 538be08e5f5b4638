"""A wheel built from the repository, installed in a fresh environment, loads the bundled ruleset."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_the_ruleset(tmp_path):
    wheelhouse = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheelhouse), str(ROOT)],
                   check=True)
    wheel = next(wheelhouse.glob("patrolrules-*.whl"))
    environment = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True)
    # The fresh environment must not see this checkout through an inherited PYTHONPATH.
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = ("import patrolrules, pathlib; r = patrolrules.load_ruleset(); "
              "print(pathlib.Path(patrolrules.__file__).parent); print(r.name, r.content_id); "
              "print(r.evaluate({'observed_at': '2024-05-01T09:00:00+08:00', "
              "'site': {'zones': ['urban_rural_fringe']}}).zone.tier)")
    result = subprocess.run([str(python), "-c", script], cwd=elsewhere, capture_output=True, text=True, check=True,
                            env=clean)
    package_dir, stamp, tier = result.stdout.strip().splitlines()
    assert str(environment) in package_dir and str(ROOT) not in package_dir
    assert stamp.startswith("wanzhou-patrol ") and tier == "key"
    cli = subprocess.run([str(environment / "bin" / "patrolrules"), "schema", "ruleset"], cwd=elsewhere,
                         capture_output=True, text=True, check=True, env=clean)
    assert '"title": "patrolrules rule files"' in cli.stdout
