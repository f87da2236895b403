#!/usr/bin/env bash
# Keys in memory (docs/ca-operations.md): a running `anvil-ca serve` is not dumpable, so neither a core dump nor
# its own user can read its memory; with --allow-core-dumps it is. Seen from outside, as the kernel enforces it:
# a non-dumpable process's /proc/PID files belong to root, and a process of the same (non-root) user cannot
# open its environ (nor mem, which the same ptrace check guards). Under root, anvil-ca and the reader run as `nobody` (setpriv), since root
# reads anything; otherwise both run as the test's user.
# Usage: core_dumps.sh PATH/TO/anvil-ca
set -euo pipefail
ANVIL_CA=$1
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-dumps-XXXXXX)
source "$HERE/../interop/lib.sh"

AS=()
if [ "$(id -u)" = 0 ]; then
  AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  chmod 0755 "$WORK"
fi

# serve_and_read FLAGS...: starts anvil-ca with FLAGS, waits until it answers, then tries to read its environ as
# the same user; prints "readable" or "refused".
serve_and_read() {
  local dir port pid
  dir=$(mktemp -d "$WORK/data-XXXXXX")
  [ ${#AS[@]} -eq 0 ] || chown nobody:nogroup "$dir"
  port=$(free_port)
  printf 'data_dir = "%s"\n[server]\nlisten = ["127.0.0.1:%s"]\nexternal_url = "https://localhost:%s"\n' \
    "$dir" "$port" "$port" >"$dir.toml"
  "${AS[@]}" "$ANVIL_CA" serve --config "$dir.toml" "$@" >"$dir.log" 2>&1 &
  pid=$!
  PIDS+=($pid)
  wait_for "anvil-ca" 30 curl -sf --cacert "$dir/ca/root.pem" "https://localhost:$port/directory" -o /dev/null ||
    { cat "$dir.log"; fail "anvil-ca did not start"; }
  grep -h "keys in memory" "$dir.log" >&2 || true
  if "${AS[@]}" cat "/proc/$pid/environ" >/dev/null 2>"$dir.read"; then echo readable; else echo refused; fi
  cat "$dir.read" >&2
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

step "anvil-ca serve: its own user cannot read its environment or memory (not dumpable)"
[ "$(serve_and_read)" = refused ] || fail "a running anvil-ca is readable by its own user: it is dumpable"

step "anvil-ca serve --allow-core-dumps: the control, readable by its own user"
[ "$(serve_and_read --allow-core-dumps)" = readable ] || fail "--allow-core-dumps did not leave it dumpable"
echo "PASS: anvil-ca is not dumpable unless --allow-core-dumps"
