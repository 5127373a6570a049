"""pip-audit over the lock file: exit 1 on a known vulnerability.

    python .ci/audit.py [requirements.lock] [--strict]

pip-audit asks PyPI's per-release JSON API (/pypi/NAME/VERSION/json) for each locked package.
Where only the project API (/pypi/NAME/json) answers, as through the proxy our machines use, a
package locked at its latest release is checked against that API's `vulnerabilities`, which
PyPI gives for the latest release; any other is listed as not audited, and --strict fails then.
When pip-audit cannot run at all (PyPI unreachable), the audit is skipped, or fails with CI=true.
"""

import argparse
import json
import os
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PYPI = "https://pypi.org/pypi"
# Vulnerability ID (or alias) -> why it is ignored. Only for a vulnerability no release fixes.
IGNORED: dict[str, str] = {}


def pip_audit(lock: Path) -> list[dict]:
    command = [
        *(sys.executable, "-m", "pip_audit", "-r", str(lock), "--no-deps", "--disable-pip"),
        *("--progress-spinner", "off", "--format", "json"),
        *(arg for vuln in IGNORED for arg in ("--ignore-vuln", vuln)),
    ]
    # pip-audit exits 1 when it finds something; the JSON says what.
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        return json.loads(done.stdout)["dependencies"]
    except (json.JSONDecodeError, KeyError):
        problem = f"pip-audit could not run (exit {done.returncode}):\n{done.stderr.strip()}"
    if os.environ.get("CI", "").lower() == "true":
        sys.exit(problem)
    print(f"{problem}\nSkipping the audit (CI=true fails here instead).")
    sys.exit(0)


def latest_release_vulns(name: str, version: str) -> tuple[list[dict] | None, str]:
    """The project API's vulnerabilities when `version` is the latest release, else None."""
    try:
        with urllib.request.urlopen(f"{PYPI}/{name}/json", timeout=15) as response:
            project = json.load(response)
    except OSError as error:
        return None, f"PyPI did not answer: {error}"
    latest = project["info"]["version"]
    if latest != version:
        return None, f"latest is {latest}"
    vulns = [
        {"id": vuln["id"], "aliases": vuln.get("aliases", []), "fix_versions": vuln["fixed_in"]}
        for vuln in project.get("vulnerabilities", [])
        if not vuln.get("withdrawn")
    ]
    return [vuln for vuln in vulns if not {vuln["id"], *vuln["aliases"]} & IGNORED.keys()], ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", type=Path, nargs="?", default=Path("requirements.lock"))
    parser.add_argument("--strict", action="store_true", help="fail when a package is unaudited")
    args = parser.parse_args()
    if not args.lock.is_file():
        sys.exit(f"{args.lock} is missing: make lock")
    found: list[tuple[str, str, dict]] = []
    skipped: list[tuple[str, str]] = []
    by_api = by_fallback = 0
    unaudited: list[str] = []
    for dependency in pip_audit(args.lock):
        name = dependency["name"]
        if "skip_reason" in dependency:
            skipped.append((name, dependency["skip_reason"].rsplit("(", 1)[-1].rstrip(")")))
            continue
        by_api += 1
        found += [(name, dependency["version"], vuln) for vuln in dependency["vulns"]]
    with ThreadPoolExecutor(8) as pool:
        answers = pool.map(lambda package: latest_release_vulns(*package), skipped)
        for (name, version), (vulns, why) in zip(skipped, answers, strict=True):
            if vulns is None:
                unaudited.append(f"{name} {version} ({why})")
                continue
            by_fallback += 1
            found += [(name, version, vuln) for vuln in vulns]
    print(
        f"pip-audit over {args.lock}: {by_api + by_fallback + len(unaudited)} packages, "
        f"{by_api} audited by release, {by_fallback} at their latest release audited by project, "
        f"{len(unaudited)} not audited"
    )
    for line in unaudited:
        print(f"  not audited: {line}")
    for name, version, vuln in found:
        fixes = ", ".join(vuln["fix_versions"])
        fix = f"fixed in {fixes}" if fixes else "no fixed release"
        print(f"  VULNERABLE: {name} {version}: {vuln['id']} ({fix})")
    if found:
        sys.exit(f"{len(found)} known vulnerabilities")
    if unaudited and args.strict:
        sys.exit(f"--strict: {len(unaudited)} packages not audited")
    print("no known vulnerabilities")


if __name__ == "__main__":
    main()
