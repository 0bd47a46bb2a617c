#!/bin/sh
# The image's entrypoint: `feedbackbot ARGS`, with `feedbackbot check` first when ARGS is `run`,
# so that a container with a refused token, an unreachable database or an old schema stops at
# once with the check's lines instead of serving errors. Other commands (db upgrade, console,
# export) run as given: `db upgrade` is what repairs an old schema.
set -eu

if [ "${1:-}" = "run" ]; then
    feedbackbot check || {
        echo "feedbackbot: the pre-flight check failed (above); not starting" >&2
        exit 1
    }
fi

# exec: feedbackbot becomes PID 1 and gets `docker stop`'s signal itself.
exec feedbackbot "$@"
