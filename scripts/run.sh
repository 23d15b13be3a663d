#!/usr/bin/env bash
# Start the web server and the background task worker together; Ctrl-C stops both.
set -euo pipefail
set -m  # each background job gets its own process group, so we can stop it whole
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Links in emails, certificates' QR codes and xAPI ids name this address (on another port the
# default would point at whatever else runs on 8000).
export WAGTAILADMIN_BASE_URL=${WAGTAILADMIN_BASE_URL:-http://$HOST:$PORT}

"$PY" manage.py run_worker &
worker=$!
"$PY" manage.py runserver "$HOST:$PORT" &
web=$!

stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping the web server and the task worker…"
  kill -TERM -- "-$web" "-$worker" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

cat <<MSG

  elearn is running at http://$HOST:$PORT/
  Wagtail admin:        http://$HOST:$PORT/admin/
  Demo logins (user / password):
    admin   / elearn-admin     (Admins)
    trainer / elearn-trainer   (Trainers)
    member  / elearn-member    (Members)
  Press Ctrl-C to stop the web server and the task worker.

MSG
# Whichever stops first (a crash, or Ctrl-C) stops the other too.
wait -n "$web" "$worker"
