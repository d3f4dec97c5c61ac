"""Run one snippet through the sandbox from a separate process: the code's "caller".

Escape tests attack this process (its environment holds the secrets, its pid is the one to
kill); it prints the result as one JSON object, so the test sees that it survived.
"""

from __future__ import annotations

import asyncio
import json
import sys

from sokrat.tools.sandbox import SandboxLimits, run_python


def main() -> None:
    code = sys.stdin.read()
    limits = SandboxLimits(memory_cgroup=sys.argv[3] == "cgroup") if len(sys.argv) > 3 else None
    result = asyncio.run(run_python(code, timeout_s=float(sys.argv[1]), mode=sys.argv[2], limits=limits))  # type: ignore[arg-type]
    print(json.dumps({"stdout": result.stdout, "stderr": result.stderr, "exit_code": result.exit_code,
                      "signal": result.signal, "timed_out": result.timed_out, "files": sorted(result.files)}))


if __name__ == "__main__":
    main()
