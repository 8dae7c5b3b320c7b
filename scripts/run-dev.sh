#!/usr/bin/env bash
# `make run`: the switch on its embedded default beside the simulated bank (ISO 8583 on
# 127.0.0.1:8583) and the simulated wallet provider (127.0.0.1:8600), from the repository root.
# Ctrl-C stops all three. The data (store, keys, development secrets and certificate, simulator
# logs) lives under ./data.
set -euo pipefail

bin=${SWITCHYARD:-build/release/gateway/switchyard}
mkdir -p data/dev-secrets
chmod 700 data/dev-secrets

# The wallet channel's signing secret, shared by the switch (imported as wallet_sim_signing) and
# the simulator; made once, like the switch's other development secrets.
secret_file=data/dev-secrets/SY_DEV_WALLET_SIM_SIGNING
if [[ ! -s $secret_file ]]; then
  (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$secret_file" &&
    echo >>"$secret_file")
fi
export SY_DEV_WALLET_SIM_SIGNING=${SY_DEV_WALLET_SIM_SIGNING:-$(head -n1 "$secret_file")}

"$bin" sim bank --listen 127.0.0.1:8583 >data/sim-bank.log 2>&1 &
bank=$!
"$bin" sim wallet --listen 127.0.0.1:8600 --secret env:SY_DEV_WALLET_SIM_SIGNING \
  >data/sim-wallet.log 2>&1 &
wallet=$!
trap 'kill "$bank" "$wallet" 2>/dev/null || true; wait 2>/dev/null || true' EXIT

cat <<'TEXT'
switchyard: simulated bank on 127.0.0.1:8583 (log data/sim-bank.log), simulated wallet on
            127.0.0.1:8600 (log data/sim-wallet.log)
switchyard: once it says "running", send a first payment from another terminal:

    scripts/pay.sh              # 10.99 CNY on a test Visa card, signed as merchant m_teahouse
    scripts/pay.sh 1051 CNY     # an amount ending in 51: the simulated bank declines it

TEXT
"$bin" run
