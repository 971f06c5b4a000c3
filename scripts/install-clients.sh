#!/usr/bin/env bash
# Install the non-Python clients tests/test_clients.py drives, into a cache directory
# outside the repository. The default test suite never downloads anything: a client
# that is not installed is skipped, with the reason.
#
#   scripts/install-clients.sh            # or: tox -e clients
#
# JavaScript SDK v3 (@aws-sdk/client-ssm) from the npm registry, into
# ${SSM_ASSOC_STUB_CLIENTS:-~/.cache/ssm_assoc_stub/clients}/node_modules.
# The AWS CLI and Terraform (with a local AWS provider mirror) come from the system.
set -euo pipefail

dir="${SSM_ASSOC_STUB_CLIENTS:-${HOME}/.cache/ssm_assoc_stub/clients}"
version="${AWS_SDK_CLIENT_SSM_VERSION:-3}"

if ! command -v npm >/dev/null 2>&1; then
    echo "install-clients: npm is not installed; the JavaScript SDK test will be skipped" >&2
    exit 1
fi
mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{"name": "ssm-assoc-stub-clients", "private": true}' > package.json
npm install --no-audit --no-fund --silent "@aws-sdk/client-ssm@${version}"
node -e 'console.log("install-clients: @aws-sdk/client-ssm " + require("@aws-sdk/client-ssm/package.json").version + " in " + process.cwd())'
