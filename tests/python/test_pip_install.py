"""``pip install --no-build-isolation`` of producers/python into a fresh
venv works offline (Debian's setuptools, no PyPI), and the installed
package, not the source tree, imports and publishes."""

import os
import shutil
import subprocess
import textwrap

from conftest import PACKAGE_DIR

SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's: its setuptools are what the venv sees


def run(args, **kwargs):
    out = subprocess.run(args, capture_output=True, text=True, timeout=180, **kwargs)
    assert out.returncode == 0, f"{' '.join(map(str, args))}\n{out.stdout}\n{out.stderr}"
    return out.stdout


def test_installs_into_a_fresh_venv_and_publishes(tmp_path, segment, library, read_back):
    # A copy: building in place would leave build/ and *.egg-info in the tree.
    source = tmp_path / "source"
    shutil.copytree(PACKAGE_DIR, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    venv = tmp_path / "venv"
    run([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", str(venv)])
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL")}
    run([python, "-m", "pip", "install", "--no-build-isolation", "--no-index", "--quiet", str(source)], env=env)

    script = textwrap.dedent(f"""
        import ringcast
        assert ringcast.__file__.startswith({str(venv)!r}), ringcast.__file__
        with ringcast.Publisher({segment!r}, lanes=2, lane_capacity=1 << 14) as pub:
            assert pub.publish("alice", ringcast.PnlUpdate(total_pnl=4.5)) == ringcast.Status.OK
        print(ringcast.library_version())
    """)
    env["RINGCAST_LIBRARY"] = library
    out = run([python, "-c", script], env=env, cwd=tmp_path)
    assert out.strip() == "0.1.0"
    got = read_back(segment)
    assert [(r["type"], r["userId"], r["payload"]["totalPnl"]) for r in got] == [("PNL_UPDATE", "alice", 4.5)]
