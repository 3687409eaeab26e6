#!/usr/bin/env bash
# Nightly reconciliation of the approved quotas, for cron. Install:
#   sudo install -m 755 quotabulk-nightly.sh /usr/local/bin/
#   sudo install -m 644 quotabulk.crontab /etc/cron.d/quotabulk
# It needs QUOTABULK_API_URL, QUOTABULK_TOKEN_FILE and QUOTABULK_ACCOUNT in
# /etc/quotabulk/env (mode 600), and the approved sheet at $QUOTABULK_INPUT.
#
# Exit codes (from quotabulk, passed through for monitoring):
#   0 all rows applied or already as desired   1 bad input or configuration, nothing sent
#   3 some rows rejected/failed/pending        4 another run holds the lock (it continues)
set -uo pipefail

ENV_FILE=${QUOTABULK_ENV_FILE:-/etc/quotabulk/env}
# shellcheck disable=SC1090
[ -r "$ENV_FILE" ] && set -a && . "$ENV_FILE" && set +a

: "${QUOTABULK_HOME:=/var/lib/quotabulk}"
: "${QUOTABULK_INPUT:=/srv/finance/quotas.xlsx}"
: "${QUOTABULK_BIN:=quotabulk}"
: "${KEEP_REPORTS:=30}"
LOG_DIR=${QUOTABULK_LOG_DIR:-/var/log/quotabulk}
export QUOTABULK_HOME

mkdir -p "$QUOTABULK_HOME/reports" "$LOG_DIR"
log="$LOG_DIR/nightly-$(date -u +%Y%m%d).log"

# quotabulk holds its own lock per account (exit 4 names the holder, and a dead holder's
# lock is taken over), so overlapping cron runs are safe without flock.
"$QUOTABULK_BIN" reconcile "$QUOTABULK_INPUT" --log-format json >>"$log" 2>&1
code=$?

# Keep the newest $KEEP_REPORTS reports and logs.
ls -1t "$QUOTABULK_HOME"/reports/*.xlsx 2>/dev/null | tail -n +"$((KEEP_REPORTS + 1))" | xargs -r rm -f
ls -1t "$LOG_DIR"/nightly-*.log 2>/dev/null | tail -n +"$((KEEP_REPORTS + 1))" | xargs -r rm -f

exit "$code"
