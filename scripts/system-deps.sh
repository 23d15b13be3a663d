#!/usr/bin/env bash
# Check (and, as root with apt, install) the Debian packages elearn needs.
#   scripts/system-deps.sh               install what is missing, or say exactly what to install
#   scripts/system-deps.sh --check       only report; exit 1 if something is missing
#   scripts/system-deps.sh --with-redis  also Redis (CI's RQ worker test; the site needs none)
set -euo pipefail

# command-or-font check | Debian package
CHECKS=(
  "cmd:soffice|libreoffice-impress-nogui"
  "font:Noto Sans CJK SC|fonts-noto-cjk"
  "font:Carlito|fonts-crosextra-carlito"
  "font:Caladea|fonts-crosextra-caladea"
  # Arial, Times New Roman and Courier New, the commonest fonts in decks, at their widths.
  "font:Liberation Sans|fonts-liberation2"
  "cmd:msgfmt|gettext"
  "cmd:chromium|chromium"
  "cmd:pdftoppm|poppler-utils"
  "cmd:fc-list|fontconfig"
  # The protected-files test serves through a real nginx (X-Accel-Redirect).
  "cmd:nginx|nginx-light"
  # axe-core (accessibility checks in the browser tests) comes from npm.
  "cmd:npm|npm"
)
check_only=0
for arg in "$@"; do
  case $arg in
    --check) check_only=1 ;;
    --with-redis) CHECKS+=("cmd:redis-server|redis-server") ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

# Read the font list once; `fc-list | grep -q` would fail under pipefail when grep exits early.
fonts=$(fc-list : family 2>/dev/null || true)
missing=()
for entry in "${CHECKS[@]}"; do
  check=${entry%%|*}; package=${entry##*|}
  case $check in
    cmd:*) command -v "${check#cmd:}" >/dev/null 2>&1 || missing+=("$package") ;;
    font:*) grep -qi "${check#font:}" <<<"$fonts" || missing+=("$package") ;;
  esac
done
# De-duplicate while keeping order.
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk 'NF && !seen[$0]++')

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$check_only" -eq 1 ]; then
  echo "Missing system packages: ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  cat >&2 <<MSG
elearn needs these system packages, and this shell cannot install them (not root, or no apt):
    ${missing[*]}
On Debian/Ubuntu, run as root:
    apt-get update && apt-get install -y --no-install-recommends ${missing[*]}
MSG
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "System packages installed."
