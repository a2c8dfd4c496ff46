#!/usr/bin/env bash
# Builds every fuzz target with clang's libFuzzer (+ASan/UBSan) and runs each
# for a bounded time. Usage: fuzz/run.sh [seconds-per-target] [target...]
# CI runs it briefly; longer runs: fuzz/run.sh 3600 domain_xml
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-30}; shift || true
out=${VK_FUZZ_BUILD_DIR:-$top/build-fuzz}
if [ ! -d "$out" ]; then
  CC=clang meson setup "$out" "$top" -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fsanitize=fuzzer-no-link >"$out.setup.log" 2>&1 ||
    { cat "$out.setup.log"; exit 1; }
fi
ninja -C "$out" >/dev/null || { ninja -C "$out"; exit 1; }
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(cd "$top/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//'))
for t in "${targets[@]}"; do
  # Relink the target with libFuzzer's main instead of standalone_main: take
  # meson's own link command for it, drop standalone_main, rename the output.
  read -r -a link <<<"$(cd "$out" && ninja -t commands "fuzz/fuzz_$t" | tail -1)"
  cmd=()
  for ((i = 0; i < ${#link[@]}; i++)); do
    case "${link[$i]}" in
      */standalone_main.c.o) ;;
      -o) cmd+=(-o "fuzz/libfuzzer_$t"); i=$((i + 1)) ;;
      *) cmd+=("${link[$i]}") ;;
    esac
  done
  (cd "$out" && "${cmd[@]}" -fsanitize=fuzzer)
  corpus="$out/corpus-$t"; mkdir -p "$corpus"
  seeds=("$top/fuzz/seeds/$t")
  [ "$t" = domain_xml ] && seeds+=("$top/../shared/corpus/domain")
  existing=()
  for s in "${seeds[@]}"; do [ -d "$s" ] && existing+=("$s"); done
  echo "== fuzz $t for ${secs}s"
  "$out/fuzz/libfuzzer_$t" -max_total_time="$secs" -max_len=1048576 "$corpus" "${existing[@]}" 2>&1 | tail -3
done
