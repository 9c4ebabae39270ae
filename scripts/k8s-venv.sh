#!/usr/bin/env bash
# Creates (once) the Python virtual environment the Kubernetes export tests run the conformance validator in
# (../shared/conformance/kubernetes/validate.py): Debian's python3 stays untouched, the packages are pinned to the
# versions the validator's expected output was made with. Idempotent: a venv whose stamp matches is left as it is.
# Usage: scripts/k8s-venv.sh [DIR]     (default: .build/k8s-venv; the tests read MESHCTL_K8S_VENV or that path)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.build/k8s-venv}
requirements=(pyyaml==6.0.3 jsonschema==4.26.0 kubernetes-validate==1.37.0 cel-python==0.5.0)
stamp="$venv/.meshctl-requirements"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "${requirements[*]}" ]]; then
  exit 0
fi
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
/usr/bin/python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}"
"$venv/bin/python" -c 'import yaml, jsonschema, kubernetes_validate, celpy'
echo "${requirements[*]}" >"$stamp"
echo "k8s-venv: $venv ready (${requirements[*]})"
