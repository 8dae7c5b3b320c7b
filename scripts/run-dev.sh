#!/usr/bin/env bash
# `make run`: the switch on its embedded default beside the simulated bank (ISO 8583 on
# 127.0.0.1:8583) and the simulated wallet provider (127.0.0.1:8600), from the repository root.
# Ctrl-C (or a SIGTERM to this script) stops all three. The data (store, keys, development
# secrets and certificate, simulator logs) lives under ./data.
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

switch="" bank="" wallet=""
# The switch stops first (it signs off from the bank), then the simulators.
stop_all() {
  [[ -n $switch ]] && kill -TERM "$switch" 2>/dev/null && wait "$switch" 2>/dev/null
  kill -TERM $bank $wallet 2>/dev/null
  wait 2>/dev/null
  return 0
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$bin" sim bank --listen 127.0.0.1:8583 >data/sim-bank.log 2>&1 &
bank=$!
"$bin" sim wallet --listen 127.0.0.1:8600 --secret env:SY_DEV_WALLET_SIM_SIGNING \
  >data/sim-wallet.log 2>&1 &
wallet=$!

cat <<'TEXT'
switchyard: simulated bank on 127.0.0.1:8583 (log data/sim-bank.log), simulated wallet on
            127.0.0.1:8600 (log data/sim-wallet.log)
switchyard: once it says "running", send a first payment from another terminal:

    scripts/pay.sh              # 10.99 CNY on a test Visa card, signed as merchant m_teahouse
    scripts/pay.sh 1051 CNY     # an amount ending in 51: the simulated bank declines it

TEXT
# In the background so that a SIGTERM to this script reaches the trap at once; Ctrl-C reaches
# all three processes of the terminal's foreground group.
"$bin" run &
switch=$!
wait "$switch"
