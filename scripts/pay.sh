#!/usr/bin/env bash
# Sends one signed card payment to the switch `make run` started, as merchant m_teahouse, and
# checks the answer's Sy-Signature: specs/merchant-api.md done with curl and openssl, a model for
# a merchant's own client. Run from the repository root.
#
#   scripts/pay.sh [AMOUNT] [CURRENCY] [CARD_NUMBER]
#
# AMOUNT is in the currency's minor unit (1099 CNY = 10.99 yuan). The environment overrides the
# target: SY_URL (https://127.0.0.1:8443), SY_CACERT (data/tls/server.crt), SY_KEY_ID
# (key_teahouse_1) and SY_SECRET (the development secret in data/dev-secrets).
set -euo pipefail

amount=${1:-1099}
currency=${2:-CNY}
card=${3:-4111111111111111}
url=${SY_URL:-https://127.0.0.1:8443}
cacert=${SY_CACERT:-data/tls/server.crt}
key_id=${SY_KEY_ID:-key_teahouse_1}
secret_file=data/dev-secrets/SY_DEV_TEAHOUSE_KEY_1

fail() {
  echo "pay.sh: $*" >&2
  exit 1
}

[[ $amount =~ ^[0-9]+$ ]] || fail "AMOUNT must be a whole number of minor units, not '$amount'"
[[ $currency =~ ^[A-Z]{3}$ ]] || fail "CURRENCY must be an ISO 4217 code like CNY, not '$currency'"
[[ $card =~ ^[0-9]{12,19}$ ]] || fail "CARD_NUMBER must be 12 to 19 digits"
if [[ -z ${SY_SECRET:-} ]]; then
  [[ -s $secret_file ]] || fail "no $secret_file: start the switch with 'make run' first"
  SY_SECRET=$(head -n1 "$secret_file")
fi
[[ -s $cacert ]] || fail "no certificate $cacert: start the switch with 'make run' first"

# base64(HMAC-SHA256(secret, stdin)); the secret is used as the bytes it is written with.
sign() { openssl dgst -sha256 -hmac "$SY_SECRET" -binary | openssl base64 -A; }

path=/v1/payments
reference="pay-sh-$(date +%s)-$RANDOM"
body=$(printf '{"amount":%s,"currency":"%s","merchant_reference":"%s","payment_method":{"type":"card","card":{"number":"%s","exp_month":12,"exp_year":2030,"cvc":"123"}},"capture":true}' \
  "$amount" "$currency" "$reference" "$card")
timestamp=$(date +%s)
nonce=$(openssl rand -hex 16)
signature=$(printf 'POST\n%s\n%s\n%s\n%s\n' "$path" "$timestamp" "$nonce" "$body" | sign)

headers=$(mktemp)
answer=$(mktemp)
trap 'rm -f "$headers" "$answer"' EXIT
status=$(curl --silent --show-error --cacert "$cacert" --dump-header "$headers" \
  --output "$answer" --write-out '%{http_code}' \
  -H 'Content-Type: application/json' \
  -H "Idempotency-Key: $reference" \
  -H "Authorization: SY1-HMAC-SHA256 key_id=\"$key_id\",timestamp=\"$timestamp\",nonce=\"$nonce\",signature=\"$signature\"" \
  --data-binary "$body" "$url$path") || fail "no answer from $url"

echo "HTTP $status"
cat "$answer"
echo

# Sy-Signature: timestamp="T",signature="S" over T \n NONCE \n BODY \n, with the same secret.
sy=$(grep -i '^sy-signature:' "$headers" | tr -d '\r') || fail "the answer carries no Sy-Signature"
answer_ts=$(sed -E 's/.*timestamp="([0-9]+)".*/\1/' <<<"$sy")
answer_sig=$(sed -E 's/.*signature="([^"]+)".*/\1/' <<<"$sy")
expected=$({ printf '%s\n%s\n' "$answer_ts" "$nonce" && cat "$answer" && printf '\n'; } | sign)
[[ $answer_sig == "$expected" ]] || fail "the answer's Sy-Signature does not verify"
echo "Sy-Signature verified: the answer came from the switch"
