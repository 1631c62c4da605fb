#!/usr/bin/env bash
# The newcomer's path, checked as a newcomer meets it: a fresh clone of this checkout, no Temporal
# binary anywhere (not on PATH, no TEMPORAL_CLI/TEMPORAL_TEST_SERVER, no .tools), then the README's
# two commands, `npm ci && npm start`. Passes when the Web UI and /health answer, and when a SIGINT
# to the process group (a terminal's Ctrl-C) leaves no process behind.
#
# Uncommitted changes of the checkout (tracked files changed, untracked files not ignored) are laid
# over the clone, so running this locally checks the tree as it is; on CI's clean checkout that is
# a no-op. Bounded in time: the caller wraps it in `timeout`, and every wait below has its own limit.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/pressroom-fresh-clone.XXXXXX")
clone="$work/pressroom"
log="$work/npm-start.log"
pgid=""

say() { echo "fresh-clone: $*"; }

leftovers() {
  # Every process started from the clone: its binaries' paths or the data dir are on its command
  # line (temporal, the watchdog), or its working directory is in the clone (npm, node).
  local dir pid cmd cwd state
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    [ "$pid" = "$$" ] && continue
    state=$(awk '{print $3}' "$dir/stat" 2>/dev/null || true)
    [ -z "$state" ] || [ "$state" = "Z" ] && continue
    cmd=$(tr '\0' ' ' <"$dir/cmdline" 2>/dev/null || true)
    cwd=$(readlink "$dir/cwd" 2>/dev/null || true)
    if [[ "$cmd" == *"$clone"* || "$cwd" == "$clone" || "$cwd" == "$clone/"* ]]; then
      echo "  pid $pid: ${cmd:0:200}"
    fi
  done
}

cleanup() {
  local code=$?
  trap - EXIT INT TERM
  if [ -n "$pgid" ] && kill -0 -- "-$pgid" 2>/dev/null; then kill -KILL -- "-$pgid" 2>/dev/null || true; fi
  local left
  left=$(leftovers)
  if [ -n "$left" ]; then
    echo "$left" | awk '{print $2}' | tr -d ':' | xargs -r kill -KILL 2>/dev/null || true
  fi
  if [ "$code" -ne 0 ] && [ -f "$log" ]; then
    say "FAILED; last lines of the npm ci && npm start output:"
    tail -n 40 "$log" | sed 's/^/  | /'
    [ -f "$clone/.pressroom/temporal.log" ] && { say "last lines of the Temporal server's log:"; tail -n 10 "$clone/.pressroom/temporal.log" | sed 's/^/  | /'; }
  fi
  rm -rf "$work"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "cloning $repo into $clone"
git clone --quiet --no-hardlinks "$repo" "$clone"
(
  cd "$repo"
  git ls-files -z --modified --others --exclude-standard | while IFS= read -r -d '' f; do
    if [ -e "$f" ]; then mkdir -p "$clone/$(dirname "$f")" && cp -p "$f" "$clone/$f"; fi
  done
  git ls-files -z --deleted | while IFS= read -r -d '' f; do rm -f "$clone/$f"; done
)
[ ! -e "$clone/.tools" ] || { say "the clone has a .tools directory; it must not"; exit 1; }

# Hide every Temporal binary on PATH: a directory that holds one is replaced by a copy made of
# links to everything else in it (node, npm and git may live next to it).
hidden_path=""
i=0
IFS=':' read -r -a path_dirs <<<"$PATH"
for dir in "${path_dirs[@]}"; do
  [ -n "$dir" ] && [ -d "$dir" ] || continue
  if [ -e "$dir/temporal" ] || [ -e "$dir/temporal-test-server" ]; then
    i=$((i + 1))
    shadow="$work/path-$i"
    mkdir -p "$shadow"
    for entry in "$dir"/*; do
      case "$(basename "$entry")" in temporal | temporal-test-server) ;; *) ln -s "$entry" "$shadow/" ;; esac
    done
    say "hiding $dir/temporal* from PATH"
    dir="$shadow"
  fi
  hidden_path="${hidden_path:+$hidden_path:}$dir"
done
if PATH="$hidden_path" command -v temporal >/dev/null 2>&1; then say "a temporal binary is still on PATH"; exit 1; fi

# Free ports, so the check can run beside anything else; dev takes its gRPC port from
# TEMPORAL_ADDRESS (the Web UI is that + 1000) and its HTTP port from PRESSROOM_HTTP_PORT.
read -r grpc_port http_port < <(node -e '
const net = require("node:net");
const free = (p) => new Promise((ok) => { const s = net.createServer(); s.once("error", () => ok(false)); s.listen(p, "127.0.0.1", () => s.close(() => ok(true))); });
const any = () => new Promise((ok) => { const s = net.createServer(); s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => ok(p)); }); });
(async () => { let g; do { g = await any(); } while (g + 1000 > 65535 || !(await free(g + 1000))); let h; do { h = await any(); } while (h === g || h === g + 1000); console.log(g, h); })();')
ui_port=$((grpc_port + 1000))
say "npm ci && npm start (gRPC $grpc_port, Web UI $ui_port, HTTP $http_port); output in $log"

# Its own session and process group, as a terminal would give it: SIGINT goes to the whole group.
setsid env -u TEMPORAL_CLI -u TEMPORAL_TEST_SERVER -u DATABASE_URL -u PRESSROOM_DATA_DIR -u PRESSROOM_API_URL \
  PATH="$hidden_path" TEMPORAL_ADDRESS="127.0.0.1:$grpc_port" PRESSROOM_HTTP_PORT="$http_port" \
  bash -c 'cd "$1" && npm ci --no-audit --no-fund && exec npm start' fresh-clone "$clone" >"$log" 2>&1 </dev/null &
pgid=$!

ready=""
deadline=$((SECONDS + ${FRESH_CLONE_START_TIMEOUT:-720}))
while [ $SECONDS -lt $deadline ]; do
  if ! kill -0 "$pgid" 2>/dev/null; then say "npm ci && npm start exited before the stack was up"; exit 1; fi
  if curl -fs -o /dev/null --max-time 3 "http://127.0.0.1:$http_port/health" &&
    curl -fs -o /dev/null --max-time 3 "http://127.0.0.1:$ui_port/"; then
    ready=yes
    break
  fi
  sleep 2
done
[ -n "$ready" ] || { say "the Web UI and /health did not answer within the limit"; exit 1; }
say "Web UI http://127.0.0.1:$ui_port/ and http://127.0.0.1:$http_port/health answer (${SECONDS} s after the start)"

grep -q 'installing the Temporal binaries' "$log" || { say "the first start did not install the Temporal binaries"; exit 1; }
grep -m1 'installing the Temporal binaries' "$log" | sed 's/^/  | /'
[ -x "$clone/.tools/venv/bin/temporal" ] || { say "no $clone/.tools/venv/bin/temporal after the first start"; exit 1; }

say "SIGINT to process group $pgid"
kill -INT -- "-$pgid"
for _ in $(seq 1 60); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 1; done
if kill -0 -- "-$pgid" 2>/dev/null; then say "process group $pgid still alive 60 s after SIGINT"; exit 1; fi
sleep 1 # the Temporal server's watchdog lives outside the group: give it its moment
left=$(leftovers)
if [ -n "$left" ]; then
  say "processes left behind after SIGINT:"
  echo "$left"
  exit 1
fi
for port in "$grpc_port" "$ui_port" "$http_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then say "port $port still accepts connections after SIGINT"; exit 1; fi
done
say "ok: installed on first use, came up, and left nothing behind"
