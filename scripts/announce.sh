#!/usr/bin/env bash
# Wait until the portal answers, then say where it is (honcho keeps this alive).
url=${1:-http://127.0.0.1:8000/}
for _ in $(seq 120); do
  if curl -fsS -o /dev/null "${url%/}/healthz" 2>/dev/null || curl -fsS -o /dev/null "$url" 2>/dev/null; then
    printf '\n  Cities of Making portal is ready at %s\n  Health: %shealthz\n\n' "$url" "$url"
    exec sleep infinity
  fi
  sleep 1
done
echo "The portal did not answer at $url within two minutes." >&2
exec sleep infinity
