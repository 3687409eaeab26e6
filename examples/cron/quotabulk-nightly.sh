#!/usr/bin/env bash
# Nightly reconciliation of the approved quotas, for cron. Install:
#   sudo install -m 755 quotabulk-nightly.sh /usr/local/bin/
#   sudo install -m 644 quotabulk.crontab /etc/cron.d/quotabulk
# It needs QUOTABULK_API_URL, QUOTABULK_TOKEN_FILE and QUOTABULK_ACCOUNT in
# /etc/quotabulk/env (mode 600, KEY=VALUE lines), and the approved sheet at
# $QUOTABULK_INPUT (and, optional, its mapping file at $QUOTABULK_COLUMNS). A variable
# already set by the caller wins over the env file.
#
# The finance team hears of the night by mail (in Russian, the report attached) and the
# team's chat by its webhook, whenever something was sent or something is not fine: add
#   QUOTABULK_NOTIFY=mailto:finance@corp.example,https://chat.corp.example/hooks/quotas
#   QUOTABULK_SMTP_URL=smtp://quotabulk@mail.corp.example:587
#   QUOTABULK_SMTP_PASSWORD_FILE=/etc/quotabulk/smtp-password
#   QUOTABULK_MAIL_FROM=quotabulk@corp.example
# to the env file (QUOTABULK_NOTIFY_ON=problems is not a variable: pass --notify-on
# through $QUOTABULK_ARGS). A mail that cannot be sent is a JSON line in the log and a
# line in the report; the exit code stays the night's.
#
# cron's PATH is short: quotabulk is found by absolute path, beside this script (a venv's
# bin/), in the checkout it came from (../../.venv/bin), or as $QUOTABULK_BIN.
#
# Exit codes (from quotabulk, passed through for monitoring):
#   0 all rows applied or already as desired   1 bad input or configuration, nothing sent
#   3 some rows rejected/failed/pending        4 another run holds the lock (it continues)
#   5 the operator could not be reached for --operator-timeout; nothing was sent
set -uo pipefail

ENV_FILE=${QUOTABULK_ENV_FILE:-/etc/quotabulk/env}
if [ -r "$ENV_FILE" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in ''|\#*) continue ;; esac
        key=${line%%=*}
        value=${line#*=}
        value=${value%\"}; value=${value#\"}
        [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
        [ -n "${!key+set}" ] || export "$key=$value"
    done <"$ENV_FILE"
fi

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
if [ -z "${QUOTABULK_BIN:-}" ]; then
    for candidate in "$here/quotabulk" "$here/../../.venv/bin/quotabulk"; do
        if [ -x "$candidate" ]; then QUOTABULK_BIN=$candidate; break; fi
    done
fi
: "${QUOTABULK_BIN:=$(command -v quotabulk || true)}"
if [ -z "$QUOTABULK_BIN" ] || [ ! -x "$QUOTABULK_BIN" ]; then
    echo "quotabulk-nightly: quotabulk not found; set QUOTABULK_BIN to its absolute path" >&2
    exit 1
fi

: "${QUOTABULK_HOME:=/var/lib/quotabulk}"
: "${QUOTABULK_INPUT:=/srv/finance/quotas.xlsx}"
: "${KEEP_REPORTS:=30}"
LOG_DIR=${QUOTABULK_LOG_DIR:-/var/log/quotabulk}
export QUOTABULK_HOME

mkdir -p "$QUOTABULK_HOME/reports" "$LOG_DIR"
log="$LOG_DIR/nightly-$(date -u +%Y%m%d).log"

# quotabulk holds its own lock per account (exit 4 names the holder, and a dead holder's
# lock is taken over), so overlapping cron runs are safe without flock.
# A mapping file (`--columns`) names the sheet's own headers and says what to do with
# hidden rows (`hidden: skip|read`): without that decision a workbook with hidden rows
# stops the night with exit 1, naming them.
columns=()
if [ -n "${QUOTABULK_COLUMNS:-}" ]; then columns=(--columns "$QUOTABULK_COLUMNS"); fi
read -r -a extra <<<"${QUOTABULK_ARGS:-}"
"$QUOTABULK_BIN" reconcile "$QUOTABULK_INPUT" "${columns[@]}" "${extra[@]}" --log-format json \
    >>"$log" 2>&1
code=$?

# Keep the newest $KEEP_REPORTS reports and logs.
ls -1t "$QUOTABULK_HOME"/reports/*.xlsx 2>/dev/null | tail -n +"$((KEEP_REPORTS + 1))" | xargs -r rm -f
ls -1t "$LOG_DIR"/nightly-*.log 2>/dev/null | tail -n +"$((KEEP_REPORTS + 1))" | xargs -r rm -f

exit "$code"
