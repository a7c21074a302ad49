#!/bin/sh
# Makes sure the Debian packages rulepack needs are installed: installs what is missing when run
# as root (apt-get), else prints the one command to run. Fast when everything is there.
PKGS="build-essential clang libclang-rt-14-dev libyaml-dev libcyaml-dev libjansson-dev libcunit1-dev libpcre2-dev python3 python3-jsonschema python3-yaml valgrind"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "deps: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq $missing >/dev/null || { echo "deps: apt-get failed" >&2; exit 1; }
else
  echo "deps: missing Debian packages. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
  exit 1
fi
