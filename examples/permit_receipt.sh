#!/bin/sh
# From a real event log to a better design, in one command (run from anywhere):
#   sh examples/permit_receipt.sh
# 1. fit a journey to the municipality's receipt log (written to a temporary file: compare it with
#    examples/logs/permit_receipt.journey, which is the same fit plus the designer's part);
# 2. validate the designed journey against the log (reach, durations, arrivals, paths);
# 3. compare the baseline with the design "right first time".
set -e
cd "$(dirname "$0")/.."
fitted="${TMPDIR:-/tmp}/permit_receipt.fitted.journey"
journey fit examples/logs/receipt.csv --stages examples/logs/receipt-stages.toml --name permit_receipt -o "$fitted"
journey validate examples/logs/permit_receipt.journey examples/logs/receipt.csv --customers 1434
journey compare examples/logs/permit_receipt.journey --design baseline --design "right first time" --customers 2000
