# Sourced by the cached build scripts. `use_cache_or_lock DIR CHECK OUTPUT`: when the command CHECK
# succeeds, prints OUTPUT and exits the script; otherwise takes DIR's lock (held until the script
# exits, so two test runs starting at once never build twice into the same place) and checks again,
# since the other run may have finished the build while this one waited.
use_cache_or_lock() {
  local dir="$1" check="$2" output="$3"
  if "$check"; then
    echo "$output"
    exit 0
  fi
  mkdir -p "$dir"
  exec 9>"$dir/.lock"
  flock 9
  if "$check"; then
    echo "$output"
    exit 0
  fi
}
