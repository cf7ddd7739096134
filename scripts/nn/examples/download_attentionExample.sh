#!/usr/bin/env bash
# Fetches the clickbait headlines that AttentionExample.dml reads
# (scripts/nn/examples/data/clickbait_data.csv, relative to the repository
# root, the example's default data_loc). Needs wget and 7z.
# Without the download, AttentionExample.dml -nvargs generate=TRUE writes a
# synthetic file instead.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$here/data"
cd "$here/data"
wget -q https://systemds.apache.org/assets/datasets/clickbait/clickbait.7z
7z e -y clickbait.7z >/dev/null
mv clickbait.csv clickbait_data.csv
rm -f clickbait.7z
echo "wrote $here/data/clickbait_data.csv"
