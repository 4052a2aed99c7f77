#!/bin/sh
# Manual check of the README's Neovim snippet in a real Neovim (0.11+), headless.
# Not run by CI or the test suite: no editor is installed there.
#
#   scripts/editors/neovim_smoke.sh [FILE]        (default: examples/train_mnist.py)
#   TSL_NVIM=/path/to/nvim scripts/editors/neovim_smoke.sh ...
#
# Run from the repository root with torchseedlint-server and torchseedlint on PATH.
# It loads the README's snippet as init.lua, opens FILE, prints the diagnostics,
# code actions and hover that Neovim's client gets, then checks them against the
# command line: the same findings (line, column, code) and "Fix all" == --fix.
set -eu
file=${1:-examples/train_mnist.py}
nvim=${TSL_NVIM:-nvim}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The ```lua block that follows the "**Neovim**" line of the README.
awk '/^\*\*Neovim\*\*/ {found=1} found && /^```lua/ {on=1; next} on && /^```/ {exit} on' \
  README.md >"$tmp/init.lua"
test -s "$tmp/init.lua" || { echo "no Neovim snippet found in README.md" >&2; exit 1; }

TSL_SMOKE_FIXED="$tmp/fixed.py" "$nvim" --headless -i NONE \
  --cmd "luafile $here/neovim_smoke.lua" -u "$tmp/init.lua" \
  -c "luafile $here/neovim_smoke.lua" "$file" | tee "$tmp/nvim.out"

sed -n 's/^diag \([0-9]*:[0-9]*\) \(TSL[0-9]*\) .*/\1 \2/p' "$tmp/nvim.out" >"$tmp/editor"
torchseedlint --output-format concise --quiet --exit-zero "$file" \
  | sed -n 's/^.*:\([0-9]*:[0-9]*\): \(TSL[0-9]*\) .*/\1 \2/p' >"$tmp/cli"
if diff -u "$tmp/cli" "$tmp/editor"; then
  echo "same findings as the CLI: $(wc -l <"$tmp/cli") findings"
else
  echo "FAIL: the editor's findings differ from the CLI's (- CLI, + editor)"; exit 1
fi
if [ -s "$tmp/editor" ]; then
  torchseedlint --fix --exit-zero --quiet --stdin-filename "$file" - <"$file" >"$tmp/cli_fixed.py"
  if diff -u "$tmp/cli_fixed.py" "$tmp/fixed.py"; then
    echo "Fix all == --fix"
  else
    echo "FAIL: Fix all differs from --fix (- CLI, + editor)"; exit 1
  fi
fi
