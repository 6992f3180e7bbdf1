# Sourced by the launch scripts: ROOT is the repository, PYTHON the
# interpreter (the PYTHON variable, else the project's .venv when present,
# else python on the PATH).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${PYTHON:-}" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then
        PYTHON="$ROOT/.venv/bin/python"
    else
        PYTHON=python
    fi
fi
